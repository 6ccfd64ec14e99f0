"""Shared fixtures: one sandbox Omnitron + ERP per test module, on free loopback ports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from console.sandbox import Sandbox, start


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with start(tmp_path_factory.mktemp("sandbox")) as running:
        yield running
