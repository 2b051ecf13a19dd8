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

from jishi.common.text import fold


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


def normalize_phone(raw: str) -> str:
    """Digits only (full-width digits accepted); a leading +86 / 0086 country code dropped."""
    digits = re.sub(r"\D", "", fold(raw or ""))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
    return digits


# A date typed where the phone belongs (2026-11-02, 2026/11/2, 2026年11月2日): its digits
# would otherwise pass as an eight-digit local number.
_DATE_LIKE = re.compile(r"^\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?$")


def phone_problem(raw: str) -> str:
    """Why ``raw`` is not a phone number, in Chinese; empty when it is one (or is empty)."""
    text = fold(raw or "").strip()
    if not text:
        return ""
    if _DATE_LIKE.match(text):
        return "这是日期，不是电话号码：请填写手机号（11 位）或带区号的固定电话"
    digits = normalize_phone(text)
    if not 7 <= len(digits) <= 12:
        return "电话号码应为 7–12 位数字（手机号 11 位）"
    if digits.startswith("1") and len(digits) != 11:
        return "手机号应为 11 位数字"
    return ""


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
