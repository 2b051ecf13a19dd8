"""jishi refuses to start outside debug with the public development key or with field keys
derived from it: as a system check, and in the WSGI entry point that gunicorn loads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.test import override_settings

from jishi.common.checks import production_keys

OWN_FIELD_KEY = "amlzaGktdGVzdC1maWVsZC1rZXktMzItYnl0ZXMhISE="


def _ids(**overrides: object) -> set[str]:
    with override_settings(**overrides):
        return {m.id or "" for m in production_keys()}


def test_the_development_key_is_refused_outside_debug() -> None:
    assert _ids(DEBUG=False, SECRET_KEY=settings.JISHI_DEV_SECRET_KEY) == {"jishi.E001"}


def test_field_keys_derived_from_the_secret_key_are_refused_outside_debug() -> None:
    assert _ids(DEBUG=False, SECRET_KEY="x" * 50, JISHI_FIELD_KEYS=[]) == {"jishi.E002"}


def test_the_sites_own_keys_pass() -> None:
    assert _ids(DEBUG=False, SECRET_KEY="x" * 50, JISHI_FIELD_KEYS=[OWN_FIELD_KEY]) == set()


def test_a_field_key_that_is_not_a_fernet_key_is_refused() -> None:
    # e.g. the trailing "=" lost by a shell that split the line at every "=".
    truncated = OWN_FIELD_KEY.rstrip("=")
    assert _ids(DEBUG=False, SECRET_KEY="x" * 50, JISHI_FIELD_KEYS=[truncated]) == {"jishi.E003"}


def test_debug_allows_the_development_keys() -> None:
    assert _ids(DEBUG=True, SECRET_KEY=settings.JISHI_DEV_SECRET_KEY, JISHI_FIELD_KEYS=[]) == set()


def _load_wsgi(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("JISHI_", "DJANGO_"))}
    clean.update(
        DJANGO_SETTINGS_MODULE="jishi.config.settings",
        JISHI_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", "import jishi.config.wsgi"],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_wsgi_entry_point_refuses_the_development_keys(tmp_path: Path) -> None:
    refused = _load_wsgi(tmp_path)
    assert refused.returncode != 0
    assert "jishi.E001" in refused.stderr and "jishi.E002" in refused.stderr
    served = _load_wsgi(tmp_path, JISHI_SECRET_KEY="y" * 50, JISHI_FIELD_KEYS=OWN_FIELD_KEY)
    assert served.returncode == 0, served.stderr
