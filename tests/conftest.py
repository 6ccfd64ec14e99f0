"""Shared fixtures: one sandbox Omnitron + ERP per test module, on free loopback ports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from console.sandbox import Sandbox, start


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with start(tmp_path_factory.mktemp("sandbox")) as running:
        yield running


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def demo_flows_for(sandbox: Sandbox, folder: Path, *, replace: dict[str, str] | None = None) -> Path:
    """The demo flows.toml, pointed at this sandbox, a free runner port and its own store."""
    from console.commands.init import demo_flows_text

    text = demo_flows_text()
    text = text.replace("http://127.0.0.1:8801", sandbox.omnitron_url)
    text = text.replace("http://127.0.0.1:8802", sandbox.erp_url)
    text = text.replace('listen = "127.0.0.1:8800"', f'listen = "127.0.0.1:{free_port()}"')
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = folder / "flows.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def demo_flows(sandbox: Sandbox) -> Any:
    """Write the demo flows for this module's sandbox: ``demo_flows(folder, replace={...})``."""
    return lambda folder, replace=None: demo_flows_for(sandbox, folder, replace=replace)


@pytest.fixture
def flows_file(demo_flows: Any, tmp_path: Path) -> Path:
    """The demo flows in this test's folder, pointed at the module's sandbox."""
    return demo_flows(tmp_path)  # type: ignore[no-any-return]


@pytest.fixture
def runner(flows_file: Path) -> Iterator[Any]:
    """A ``console serve`` runner on the flows file's port, for the console to attach to."""
    from console.flows import load
    from console.runner.service import RunnerService

    service = RunnerService(load(flows_file))
    service.start()
    yield service
    service.stop(drain_s=20)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """One PostgreSQL server for the whole run; fails (never skips) when none is installed."""
    from tests.postgres import PostgresMissing, PostgresServer

    try:
        server = PostgresServer()
    except PostgresMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: Any) -> Iterator[str]:
    """A connection string to a new, empty database of its own for this test."""
    url = postgres_server.fresh_database()
    yield url
    postgres_server.drop_database(url)
