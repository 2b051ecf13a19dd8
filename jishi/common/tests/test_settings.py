"""How DATABASE_URL becomes Django's database settings."""

from __future__ import annotations

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
