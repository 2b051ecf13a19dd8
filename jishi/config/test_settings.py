"""Test settings: the production settings with a fast hasher and an in-memory outbox."""

from jishi.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
JISHI_FIELD_KEYS = ["amlzaGktdGVzdC1maWVsZC1rZXktMzItYnl0ZXMhISE="]
