"""Encryption at rest for citizen phone and ID numbers (DESIGN.md rule 5).

Fernet (AES-128-CBC + HMAC-SHA256) from ``cryptography``: authenticated, with a timestamp, and
``MultiFernet`` lets a county rotate keys — the first key encrypts, every key decrypts.
A keyed HMAC digest (``blind_index``) lets us find "the same phone number" without storing it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    keys = list(settings.JISHI_FIELD_KEYS)
    if not keys:
        # Trials only: derive a stable key from SECRET_KEY so a demo works with no set-up.
        digest = hashlib.sha256(("jishi-field-key:" + settings.SECRET_KEY).encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key.encode()) for key in keys])


def reset_keys() -> None:
    """Forget the cached keys (tests that change ``JISHI_FIELD_KEYS`` call this)."""
    _fernet.cache_clear()


def encrypt(value: str) -> str:
    if not value:
        return ""
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a wrong or rotated-away key: say so, never guess
        raise ValueError("无法解密：密钥不匹配") from exc


def blind_index(value: str) -> str:
    """Keyed digest used to match equal values (e.g. the same phone) without revealing them."""
    if not value:
        return ""
    key = ("jishi-blind-index:" + settings.SECRET_KEY).encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


_FULLWIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)})


def normalize_phone(raw: str) -> str:
    """Digits only (full-width digits accepted); a leading +86 / 0086 country code dropped."""
    digits = re.sub(r"\D", "", (raw or "").translate(_FULLWIDTH))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
    return digits


def mask_phone(phone: str) -> str:
    """138****5678 — what every screen shows until someone with the right post reveals it."""
    if not phone:
        return ""
    if len(phone) <= 4:
        return "*" * len(phone)
    if len(phone) < 8:
        return "*" * (len(phone) - 4) + phone[-4:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(id_number: str) -> str:
    """1101**********123X — region kept, birth date and sequence hidden."""
    if not id_number:
        return ""
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]
