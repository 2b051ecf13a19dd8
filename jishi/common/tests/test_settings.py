"""How the settings read the environment: DATABASE_URL, which apps are installed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from jishi.config.settings import database_from_url


def test_sqlite_keeps_its_connection_and_sets_its_pragmas() -> None:
    # A new connection per request re-ran the PRAGMAs and started with a cold page cache.
    config = database_from_url("sqlite:////tmp/jishi-example.sqlite3")
    assert config["CONN_MAX_AGE"] == 600
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


def test_postgresql_keeps_its_connection_and_checks_it() -> None:
    config = database_from_url("postgres://jishi@127.0.0.1:5432/jishi")
    assert config["CONN_MAX_AGE"] == 600
    assert config["CONN_HEALTH_CHECKS"] is True


def _installed_apps(**env: str) -> list[str]:
    """INSTALLED_APPS as a fresh process with ``env`` reads them from the settings module."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JISHI_")}
    code = "import json, jishi.config.settings as s; print(json.dumps(s.INSTALLED_APPS))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(out.stdout))


def test_the_demo_app_is_left_out_of_production() -> None:
    assert "jishi.demo" not in _installed_apps()
    assert "jishi.demo" in _installed_apps(JISHI_DEMO="1")
    assert "jishi.demo" in _installed_apps(JISHI_DEBUG="1")
    assert "jishi.demo" not in _installed_apps(JISHI_DEBUG="1", JISHI_DEMO="0")
