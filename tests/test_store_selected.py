"""``[runner] store`` chooses the store: a SQLite path keeps the embedded mode, a
``postgresql://`` connection string puts the runner and the console on PostgreSQL; neither
the engine nor the commands know which they have."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from console.cli import main
from console.flows import load
from console.runner import Runner
from console.sandbox import Sandbox
from console.store import StoreUnavailable, open_store
from console.store.postgres import PostgresStore, redacted
from console.store.sqlite import SQLiteStore


def test_the_store_setting_chooses_the_store(postgres_url: str, tmp_path: Path) -> None:
    embedded = open_store(tmp_path / "store.db")
    shared = open_store(postgres_url)
    try:
        assert isinstance(embedded, SQLiteStore) and isinstance(shared, PostgresStore)
        assert shared.location == postgres_url.replace("postgres@", "")
    finally:
        embedded.close()
        shared.close()


def test_an_unreachable_database_is_a_clear_error_without_the_password() -> None:
    from tests.conftest import free_port

    url = f"postgresql://ops:s3cret@127.0.0.1:{free_port()}/console"
    with pytest.raises(StoreUnavailable) as caught:
        open_store(url)
    assert "cannot connect to the store postgresql://127.0.0.1" in str(caught.value)
    assert "s3cret" not in str(caught.value) and "ops" not in str(caught.value)
    assert redacted("postgresql://db/console?sslmode=require") == \
        "postgresql://db/console?sslmode=require"


def test_a_runner_on_postgresql_syncs_and_the_commands_read_it(
        sandbox: Sandbox, demo_flows: Any, tmp_path: Path, postgres_url: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = demo_flows(tmp_path, replace={'store = ".console/console.db"':
                                         f'store = "{postgres_url}"'})
    config = load(path)
    assert config.store_location() == postgres_url
    assert config.store_path() == tmp_path / ".console" / "local.db"
    with Runner(config) as runner:
        assert isinstance(runner.store, PostgresStore)
        execution = runner.run("stock")
    assert execution.status == "partial" and execution.total > 0
    assert main(["--flows", str(path), "executions", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(e["id"], e["status"], e["total"]) for e in listed] == \
        [(execution.id, "partial", execution.total)]
    assert main(["--flows", str(path), "logs", execution.id, "--errors"]) == 0
    errors = capsys.readouterr().out
    assert "Product not found" in errors
    assert not (tmp_path / ".console" / "console.db").exists()
