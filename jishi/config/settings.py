"""Settings, read from the environment (12-factor).

Every knob has a default that works for a local trial on SQLite; production sets
``DATABASE_URL``, ``JISHI_SECRET_KEY`` and ``JISHI_FIELD_KEYS`` at least.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("JISHI_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("JISHI_DEBUG", False)
# The development key is only for trials on one machine; production must set its own.
# A system check (jishi/common/checks.py) refuses to start outside debug with this key.
# Public on purpose: the system check refuses it outside debug (common/checks.py).
JISHI_DEV_SECRET_KEY = "jishi-dev-only-secret-key-change-me-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("JISHI_SECRET_KEY", JISHI_DEV_SECRET_KEY)
ALLOWED_HOSTS = env_list("JISHI_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("JISHI_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "jishi.common",
    "jishi.orgs",
    "jishi.workdays",
    "jishi.cases",
    "jishi.routing",
    "jishi.portal",
    "jishi.intake",
    "jishi.reviews",
    "jishi.projects",
    "jishi.outreach",
    "jishi.reports",
    "jishi.console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "jishi.config.urls"
WSGI_APPLICATION = "jishi.config.wsgi.application"
AUTH_USER_MODEL = "orgs.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]
# Selects render their options in Python: see jishi/common/widgets.py.
FORM_RENDERER = "jishi.common.widgets.FormRenderer"


def database_from_url(url: str) -> dict[str, Any]:
    """Parse ``DATABASE_URL``; SQLite gets WAL, a busy timeout and IMMEDIATE transactions.

    IMMEDIATE makes every ``atomic`` block take SQLite's write lock when it begins, so two
    writers queue on the busy timeout instead of one failing with "database is locked"
    half-way through (SQLite has no ``SELECT … FOR UPDATE``).
    """
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=600))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Connections are kept as on PostgreSQL: a new one per request re-ran the PRAGMAs
        # below and started with a cold page cache (keeping it doubled portal submissions).
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                " PRAGMA busy_timeout=20000; PRAGMA cache_size=-65536;"
            ),
        }
        config.setdefault("TEST", {})["NAME"] = os.environ.get("JISHI_SQLITE_TEST_NAME") or None
    else:
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'jishi.sqlite3'}")
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "jishi" / "locale"]
TIME_ZONE = os.environ.get("JISHI_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("JISHI_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("JISHI_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

EMAIL_BACKEND = os.environ.get(
    "JISHI_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("JISHI_LOG_LEVEL", "WARNING")},
}

# --- jishi's own settings ------------------------------------------------------------------

# Fernet keys (urlsafe base64, 32 bytes) for citizen phone and ID numbers; the first encrypts,
# all decrypt, so keys can be rotated. Unset: a key derived from SECRET_KEY (debug only: the
# system check refuses derived keys outside debug).
JISHI_FIELD_KEYS = env_list("JISHI_FIELD_KEYS")
# Prefix of tracking codes, e.g. "JA" gives JA2611-7Q4K.
JISHI_CODE_PREFIX = os.environ.get("JISHI_CODE_PREFIX", "JA")
# Working hours for hour-based limits: "HH:MM-HH:MM" periods separated by commas.
JISHI_WORKING_HOURS = os.environ.get("JISHI_WORKING_HOURS", "08:30-12:00,14:30-17:30")
# Attachments: largest accepted file and the image formats accepted.
JISHI_ATTACHMENT_MAX_BYTES = int(os.environ.get("JISHI_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
JISHI_ATTACHMENT_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# After this many reopenings an unsatisfied callback closes the case as unresolved instead
# of sending it back again (it still counts as unresolved in every figure).
JISHI_MAX_REOPENS = int(os.environ.get("JISHI_MAX_REOPENS", 2))
# A case that must be called back (``Case.callback_required``) may close without a callback
# answer only after this many failed callback attempts (回访未接通) since its latest reply.
JISHI_CALLBACK_ATTEMPTS = int(os.environ.get("JISHI_CALLBACK_ATTEMPTS", 2))
# Reports: the composite score's weights ("rate:weight" pairs; the rates are those of the
# definitions page), the fewest dispatched cases a unit needs to be ranked rather than listed,
# and how many units the red and black lists of the bulletin name.
JISHI_REPORT_WEIGHTS = {
    key.strip(): float(weight)
    for key, weight in (
        pair.split(":", 1)
        for pair in os.environ.get(
            "JISHI_REPORT_WEIGHTS", "response_rate:30,solved_rate:35,satisfied_rate:35"
        ).split(",")
        if pair.strip()
    )
}
JISHI_REPORT_MIN_CASES = int(os.environ.get("JISHI_REPORT_MIN_CASES", 5))
JISHI_REPORT_LIST_SIZE = int(os.environ.get("JISHI_REPORT_LIST_SIZE", 3))
# The daily figures (reports.aggregates): a report request counts at most this many cases
# changed since the last refresh before it reads them; with more waiting it counts the events
# and leaves the backlog to ``manage.py refresh_aggregates`` (cron, every minute). A changed
# case costs about 1 ms to count on PostgreSQL and 4 ms on SQLite: a request absorbs seconds at
# most (a county changes a few dozen cases a minute; an import's thousands wait for the cron).
JISHI_AGGREGATE_CATCH_UP = int(os.environ.get("JISHI_AGGREGATE_CATCH_UP", 1000))
# Router confidence at or above which intake dispatches by itself. Empty: the active model's
# calibrated threshold (wrong auto-dispatches ≤ 3% on validation); "off": never.
JISHI_AUTO_DISPATCH_THRESHOLD = os.environ.get("JISHI_AUTO_DISPATCH_THRESHOLD", "")

# --- ui ------------------------------------------------------------------------------------

INSTALLED_APPS += ["django_htmx"]
# Gives views request.htmx (was this an htmx request, from which element, for which target).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_htmx.middleware.HtmxMiddleware",
)
# htmx and ECharts, copied out of node_modules by scripts/assets.sh (see the reason there).
STATICFILES_DIRS = [("vendor", VAR_DIR / "vendor")]
LOGIN_URL = "login"
# The deadline index carries the report dimensions as INCLUDE columns, which PostgreSQL reads
# from the index alone; SQLite builds the same index without them, which is all it needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "login"
# The language switch stores the choice in a cookie for a year; staff rarely change it.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
# WhiteNoise warns at every start while the folder is missing (before the first collectstatic).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- hardening: errors, uploads, sign-in and sessions --------------------------------------

# Service errors and database outages become clean pages (jishi/common/middleware.py); the
# size cap runs before anything reads the body. ErrorMiddleware is last, so it sees the
# view's exception first.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "jishi.common.middleware.RequestSizeMiddleware",
)
MIDDLEWARE.append("jishi.common.middleware.ErrorMiddleware")
# Largest request body accepted (413 above it): nine photos at the attachment limit and the
# form around them.
JISHI_REQUEST_MAX_BYTES = int(
    os.environ.get("JISHI_REQUEST_MAX_BYTES", 9 * JISHI_ATTACHMENT_MAX_BYTES + 2 * 1024 * 1024)
)
# Uploads above 256 KB stream to a temporary file instead of being held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
# Largest image accepted, in pixels (a PNG of a few KB can declare billions); every accepted
# image is stored as a copy at most JISHI_ATTACHMENT_MAX_SIDE pixels on its long side,
# re-encoded without its metadata (GPS position, camera).
JISHI_ATTACHMENT_MAX_PIXELS = int(os.environ.get("JISHI_ATTACHMENT_MAX_PIXELS", 40_000_000))
JISHI_ATTACHMENT_MAX_SIDE = int(os.environ.get("JISHI_ATTACHMENT_MAX_SIDE", 2560))

# Sign-in (jishi/common/auth.py): django-axes counts wrong passwords in the database, per
# user name and per address; either locks for the cool-off time. An admin unlocks in the
# admin (访问尝试) or with `manage.py axes_reset_username NAME` / `axes_reset_ip ADDRESS`.
INSTALLED_APPS += ["axes"]
AUTHENTICATION_BACKENDS = [
    "jishi.common.auth.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("JISHI_LOGIN_FAILURE_LIMIT", 10))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("JISHI_LOGIN_LOCKOUT_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "jishi.common.auth.client_ip"
AXES_LOCKOUT_CALLABLE = "jishi.console.views_shell.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

# Staff sessions end 8 hours after sign-in or after 30 minutes without a request; signed-in
# pages are never cached (jishi/common/sessions.py).
JISHI_SESSION_HOURS = int(os.environ.get("JISHI_SESSION_HOURS", 8))
JISHI_SESSION_IDLE_MINUTES = int(os.environ.get("JISHI_SESSION_IDLE_MINUTES", 30))
SESSION_COOKIE_AGE = JISHI_SESSION_HOURS * 3600
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # htmx sends the token from the page, never from the cookie
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "axes.middleware.AxesMiddleware",
)
# After messages: an ended session says why on the sign-in page.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "jishi.common.sessions.StaffSessionMiddleware",
)


def https_settings(enabled: bool) -> dict[str, Any]:
    """What JISHI_HTTPS=1 sets: Secure cookies, HSTS for a year, and trust in the proxy's
    X-Forwarded-Proto (the TLS-terminating proxy in front must set it, and strip it from
    clients)."""
    if not enabled:
        return {"SESSION_COOKIE_SECURE": False, "CSRF_COOKIE_SECURE": False}
    return {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 365 * 24 * 3600,
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    }


globals().update(https_settings(env_bool("JISHI_HTTPS", False)))

# Content-Security-Policy (django-csp): scripts only from our own static files — no inline
# <script>, no on…= handlers, no eval (tested over every template). Inline styles are still
# allowed: style attributes cannot run script.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- demo ----------------------------------------------------------------------------------

# The demo county and its `seed_demo` command, installed only where the demo runs (./dev demo
# sets JISHI_DEMO=1; the tests and development with JISHI_DEBUG=1 have it too). A production
# deployment leaves it out, so no one can fill a real county's ledger with invented cases.
JISHI_DEMO = env_bool("JISHI_DEMO", DEBUG)
if JISHI_DEMO:
    INSTALLED_APPS += ["jishi.demo"]
