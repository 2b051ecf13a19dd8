"""Test settings: the production settings with a fast hasher and an in-memory outbox."""

import tempfile

from jishi.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
JISHI_FIELD_KEYS = ["amlzaGktdGVzdC1maWVsZC1rZXktMzItYnl0ZXMhISE="]
# Not the development key, which the system check refuses outside debug.
SECRET_KEY = "jishi-test-only-secret-key-used-by-the-test-suite-alone"
# The demo county's seeding is tested too.
if "jishi.demo" not in INSTALLED_APPS:  # noqa: F405
    INSTALLED_APPS += ["jishi.demo"]  # noqa: F405

# SQLite tests use a file (one per xdist worker; pytest-django adds the suffix), not the
# shared-cache in-memory database: shared cache takes table locks that ignore the busy
# timeout, so concurrent connections (live server, race tests) would fail where a real
# deployment would queue.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # One file per process, so parallel test runs on one machine never share a database.
    DATABASES["default"]["TEST"]["NAME"] = os.path.join(  # noqa: F405
        tempfile.gettempdir(),
        f"jishi-test-{os.getpid()}.sqlite3",  # noqa: F405
    )
