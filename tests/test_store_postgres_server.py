"""The test PostgreSQL server: one per run, a fresh database per test, and a clear failure
(not a skip) when PostgreSQL is not installed."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests import postgres


def test_each_test_gets_an_empty_database_of_its_own(postgres_url: str,
                                                    postgres_server: Any) -> None:
    with psycopg.connect(postgres_url) as conn:
        conn.execute("CREATE TABLE mark (n INTEGER)")
        conn.execute("INSERT INTO mark VALUES (1)")
    other = postgres_server.fresh_database()
    try:
        with psycopg.connect(other) as conn:
            found = conn.execute("SELECT to_regclass('mark')").fetchone()
        assert found == (None,)
    finally:
        postgres_server.drop_database(other)
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT n FROM mark").fetchall() == [(1,)]


def test_the_server_listens_on_loopback_only(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        row = conn.execute("SELECT current_setting('listen_addresses'),"
                           " current_setting('server_version_num')::int").fetchone()
    assert row is not None
    assert row[0] == "127.0.0.1"
    assert row[1] >= 130000


def test_without_postgresql_installed_the_message_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres.shutil, "which", lambda name: None)
    monkeypatch.setattr(postgres.glob, "glob", lambda pattern: [])
    with pytest.raises(postgres.PostgresMissing, match="apt-get install postgresql"):
        postgres.bin_dir()
