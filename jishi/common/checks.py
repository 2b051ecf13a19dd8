"""System checks that keep a development configuration out of production.

Django runs them before ``runserver``, ``migrate`` and most commands; ``config/wsgi.py`` runs
the ``keys`` ones before serving, since a WSGI server such as gunicorn runs no checks itself.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import CheckMessage, Error, register

KEYS_TAG = "jishi_keys"


@register(KEYS_TAG)
def production_keys(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Field keys must be Fernet keys; outside debug, the secret key and the field keys must
    be the site's own.

    The development key is public (it is in this repository), so sessions signed with it can
    be forged; field keys derived from it would decrypt every citizen's phone number for
    anyone who has a copy of the database.
    """
    found: list[CheckMessage] = []
    # A malformed key fails in debug too, and would otherwise fail only at the first encryption.
    for number, key in enumerate(settings.JISHI_FIELD_KEYS, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            found.append(
                Error(
                    f"JISHI_FIELD_KEYS 的第 {number} 个密钥不是有效的 Fernet 密钥"
                    "（应为 44 个字符的 URL 安全 base64，通常以“=”结尾）。",
                    id="jishi.E003",
                )
            )
    if settings.DEBUG:
        return found
    if settings.SECRET_KEY == settings.JISHI_DEV_SECRET_KEY:
        found.append(
            Error(
                "JISHI_SECRET_KEY 未设置：不能在非调试模式下使用公开的开发密钥。",
                hint="设置环境变量 JISHI_SECRET_KEY 为至少 50 个随机字符"
                "（例如 python -c 'import secrets; print(secrets.token_urlsafe(50))'）。",
                id="jishi.E001",
            )
        )
    if not settings.JISHI_FIELD_KEYS:
        found.append(
            Error(
                "JISHI_FIELD_KEYS 未设置：群众电话和身份证号的加密密钥不能由 SECRET_KEY 推导。",
                hint="设置环境变量 JISHI_FIELD_KEYS 为 Fernet 密钥（例如 python -c "
                "'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'）。",
                id="jishi.E002",
            )
        )
    return found
