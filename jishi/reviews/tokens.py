"""Signed tokens of the review pages: the QR code's, the follow-up link's, the device's.

The QR token names a service point and its current ``qr_key``, signed: a forged token fails
the signature, and a poster printed before the key was reissued names an old key, so its
code stops working (and the page says so) the moment a new code is issued. The signing is
``common/tokens.py``'s, shared with the outreach check-in codes; the salts are this app's.
"""

from __future__ import annotations

import hashlib
import secrets

from jishi.common import tokens as common_tokens
from jishi.common.tokens import BadCode, new_key

QR_SALT = "jishi.reviews.qr"
FOLLOW_UP_SALT = "jishi.reviews.follow-up"
DEVICE_SALT = "jishi.reviews.device"

__all__ = ["BadCode", "new_key"]


def qr_token(point_id: int, key: str) -> str:
    return common_tokens.keyed_token(QR_SALT, point_id, key)


def read_qr_token(token: str) -> tuple[int, str]:
    """(point id, key) from a QR token, or ``BadCode(revoked=False)``."""
    return common_tokens.read_keyed_token(QR_SALT, token)


def follow_up_token(rating_id: int) -> str:
    """The rater's link to the follow-up rating (追评): whoever holds it rated the service."""
    return common_tokens.id_token(FOLLOW_UP_SALT, rating_id)


def read_follow_up_token(token: str) -> int:
    return common_tokens.read_id_token(FOLLOW_UP_SALT, token)


def new_device_id() -> str:
    return common_tokens.new_device_id(DEVICE_SALT)


def device_key(signed_id: str) -> str:
    """What is stored of a device: a keyed hash of its signed id ('' when forged)."""
    return common_tokens.device_key(DEVICE_SALT, signed_id)


def kiosk_token() -> str:
    return secrets.token_urlsafe(24)


def kiosk_hash(token: str) -> str:
    return hashlib.sha256(("jishi-kiosk:" + (token or "")).encode()).hexdigest()
