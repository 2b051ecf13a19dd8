"""Signed tokens of the check-in pages: the talk's on-site code, its remote link, the phone.

Built on ``common/tokens.py`` (shared with the review codes) with this app's salts. A code
names the talk and its current key; reissuing the key retires every printed poster.
"""

from __future__ import annotations

from jishi.common import tokens as common_tokens
from jishi.common.tokens import BadCode, new_key

CHECKIN_SALT = "jishi.outreach.checkin"
REMOTE_SALT = "jishi.outreach.remote"
DEVICE_SALT = "jishi.outreach.device"

__all__ = ["BadCode", "new_key"]


def checkin_token(talk_id: int, key: str) -> str:
    return common_tokens.keyed_token(CHECKIN_SALT, talk_id, key)


def read_checkin_token(token: str) -> tuple[int, str]:
    return common_tokens.read_keyed_token(CHECKIN_SALT, token)


def remote_token(talk_id: int, key: str) -> str:
    return common_tokens.keyed_token(REMOTE_SALT, talk_id, key)


def read_remote_token(token: str) -> tuple[int, str]:
    return common_tokens.read_keyed_token(REMOTE_SALT, token)


def new_device_id() -> str:
    return common_tokens.new_device_id(DEVICE_SALT)


def device_key(signed_id: str) -> str:
    return common_tokens.device_key(DEVICE_SALT, signed_id)
