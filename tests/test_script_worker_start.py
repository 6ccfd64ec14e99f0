"""A script worker's start: its process starts before its uid is drawn (the scan of every
process on the machine no longer delays the interpreter's start), and it still runs as that
uid; when no uid is free, the started process is ended and the call fails with why."""

from __future__ import annotations

import os
import time

import pytest

from console.script import ScriptPool
from console.script.uids import UidLeases
from tests.script_workers import script_workers_of

WHO = "import os\ndef transform(data, attributes):\n    return [os.getpid(), os.getuid()]\n"


def test_the_worker_starts_before_its_uid_is_drawn_and_runs_as_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[tuple[int, list[int]]] = []
    real_take = UidLeases.take
    before = set(script_workers_of(os.getpid()))  # earlier tests' pools in this process

    def take(leases: UidLeases) -> int:
        uid = real_take(leases)
        drawn.append((uid, [w for w in script_workers_of(os.getpid()) if w not in before]))
        return uid

    monkeypatch.setattr(UidLeases, "take", take)
    with ScriptPool(workers=1) as pool:
        result = pool.run("flow", WHO, None)
        assert result.ok, result.error
        pid, uid = result.result_json
    if os.geteuid() != 0:  # no uids to draw: the worker runs as the console's user
        assert drawn == [] and uid == os.getuid()
        return
    assert len(drawn) == 1
    drawn_uid, running = drawn[0]
    assert running == [pid]  # the worker's process was there when its uid was drawn
    assert uid == drawn_uid != 0


def test_no_free_uid_ends_the_started_worker_and_says_why(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def none_free(leases: UidLeases) -> int:
        raise LookupError("every uid of [runner.scripts] uids (1-2) is taken by a running "
                          "process")

    monkeypatch.setattr(UidLeases, "take", none_free)
    before = set(script_workers_of(os.getpid()))  # earlier tests' pools in this process

    def started() -> set[int]:
        return set(script_workers_of(os.getpid())) - before

    with ScriptPool(workers=1) as pool:
        result = pool.run("flow", WHO, None)
        if os.geteuid() != 0:  # no uids to draw: nothing to refuse
            assert result.ok, result.error
            return
        assert not result.ok
        assert result.error == ("LookupError: every uid of [runner.scripts] uids (1-2) is "
                                "taken by a running process")
        deadline = time.monotonic() + 10
        while started() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert started() == set()
        assert pool.workers() == {}
