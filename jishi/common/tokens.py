"""Signed tokens for printed QR codes and phones, shared by every app that prints a code.

A *keyed* token names an object and its current key, signed with a salt of the app's own:
a forged token fails the signature, and a code printed before the key was reissued names an
old key, so it stops working the moment a new code is issued (the app compares the key).

A *device* is a signed random id kept in a phone's cookie; what is stored of it is a keyed
hash, so the table never holds the cookie itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core import signing


class BadCode(Exception):
    """The token is malformed or forged (``revoked`` False), or names a retired key."""

    def __init__(self, *, revoked: bool) -> None:
        super().__init__("revoked" if revoked else "bad")
        self.revoked = revoked


def new_key() -> str:
    """A fresh key for an object's code (12 URL-safe characters)."""
    return secrets.token_urlsafe(9)[:12]


def keyed_token(salt: str, object_id: int, key: str) -> str:
    return signing.Signer(salt=salt).sign(f"{object_id}.{key}")


def read_keyed_token(salt: str, token: str) -> tuple[int, str]:
    """(object id, key) from a keyed token, or ``BadCode(revoked=False)``."""
    try:
        value = signing.Signer(salt=salt).unsign(token or "")
    except signing.BadSignature:
        raise BadCode(revoked=False) from None
    object_id, _, key = value.partition(".")
    if not object_id.isdigit() or not key:
        raise BadCode(revoked=False)
    return int(object_id), key


def id_token(salt: str, object_id: int) -> str:
    """A signed link to one object: whoever holds it was given it."""
    return signing.Signer(salt=salt).sign(str(object_id))


def read_id_token(salt: str, token: str) -> int:
    try:
        value = signing.Signer(salt=salt).unsign(token or "")
    except signing.BadSignature:
        raise BadCode(revoked=False) from None
    if not value.isdigit():
        raise BadCode(revoked=False)
    return int(value)


def new_device_id(salt: str) -> str:
    return signing.Signer(salt=salt).sign(secrets.token_urlsafe(12))


def device_key(salt: str, signed_id: str) -> str:
    """What is stored of a device: a keyed hash of its signed id ('' when forged)."""
    try:
        raw = signing.Signer(salt=salt).unsign(signed_id or "")
    except signing.BadSignature:
        return ""
    key = ("jishi-device:" + settings.SECRET_KEY).encode()
    return hmac.new(key, raw.encode(), hashlib.sha256).hexdigest()[:40]
