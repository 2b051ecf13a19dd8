"""Signed tokens of the review pages: the QR code's, the follow-up link's, the device's.

The QR token names a service point and its current ``qr_key``, signed: a forged token fails
the signature, and a poster printed before the key was reissued names an old key, so its
code stops working (and the page says so) the moment a new code is issued.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core import signing

QR_SALT = "jishi.reviews.qr"
FOLLOW_UP_SALT = "jishi.reviews.follow-up"
DEVICE_SALT = "jishi.reviews.device"


class BadCode(Exception):
    """The token is malformed or forged (``revoked`` False), or names a retired key."""

    def __init__(self, *, revoked: bool) -> None:
        super().__init__("revoked" if revoked else "bad")
        self.revoked = revoked


def new_key() -> str:
    return secrets.token_urlsafe(9)[:12]


def qr_token(point_id: int, key: str) -> str:
    return signing.Signer(salt=QR_SALT).sign(f"{point_id}.{key}")


def read_qr_token(token: str) -> tuple[int, str]:
    """(point id, key) from a QR token, or ``BadCode(revoked=False)``."""
    try:
        value = signing.Signer(salt=QR_SALT).unsign(token)
    except signing.BadSignature:
        raise BadCode(revoked=False) from None
    point, _, key = value.partition(".")
    if not point.isdigit() or not key:
        raise BadCode(revoked=False)
    return int(point), key


def follow_up_token(rating_id: int) -> str:
    """The rater's link to the follow-up rating (追评): whoever holds it rated the service."""
    return signing.Signer(salt=FOLLOW_UP_SALT).sign(str(rating_id))


def read_follow_up_token(token: str) -> int:
    try:
        value = signing.Signer(salt=FOLLOW_UP_SALT).unsign(token)
    except signing.BadSignature:
        raise BadCode(revoked=False) from None
    if not value.isdigit():
        raise BadCode(revoked=False)
    return int(value)


def new_device_id() -> str:
    return signing.Signer(salt=DEVICE_SALT).sign(secrets.token_urlsafe(12))


def device_key(signed_id: str) -> str:
    """What is stored of a device: a keyed hash of its signed id ('' when forged)."""
    try:
        raw = signing.Signer(salt=DEVICE_SALT).unsign(signed_id or "")
    except signing.BadSignature:
        return ""
    key = ("jishi-device:" + settings.SECRET_KEY).encode()
    return hmac.new(key, raw.encode(), hashlib.sha256).hexdigest()[:40]


def kiosk_token() -> str:
    return secrets.token_urlsafe(24)


def kiosk_hash(token: str) -> str:
    return hashlib.sha256(("jishi-kiosk:" + (token or "")).encode()).hexdigest()
