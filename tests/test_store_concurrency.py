"""What every store keeps when several runners share it (threads here, hosts in a cluster):
the admission cap, newest-wins claims, one resume per interrupted execution, one alarm event
per change. Each "host" is its own store instance with its own connections."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from console.store import Store
from console.store.records import AdmissionRefused

T = TypeVar("T")


def at_once(count: int, work: Callable[[int], T]) -> list[T | BaseException]:
    """Run ``work(n)`` on ``count`` threads released together; results (or errors) in order."""
    start = threading.Barrier(count)
    results: list[T | BaseException] = [RuntimeError("did not run")] * count

    def run(n: int) -> None:
        start.wait()
        try:
            results[n] = work(n)
        except BaseException as exc:  # kept to be asserted on
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_twenty_admissions_at_once_against_a_cap_of_five_admit_five(open_stores: Any) -> None:
    hosts: list[Store] = [open_stores() for _ in range(4)]
    results = at_once(20, lambda n: hosts[n % 4].admit(
        "orders", "outbound", {}, f"caller {n}", body=f"[{n}]", limit=5))
    admitted = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, AdmissionRefused)]
    assert len(admitted) == 5 and len(refused) == 15, results
    assert hosts[0].active_count("orders") == 5
    assert sorted(e.accepted_seq or 0 for e in admitted) == [1, 2, 3, 4, 5]
    assert all(e.payload_id and hosts[1].payload(e.payload_id) for e in admitted)
    hosts[2].finish(admitted[0].id, "success")
    assert hosts[3].admit("orders", "outbound", {}, "later", limit=5).accepted_seq == 6


def test_the_newest_accepted_value_wins_across_hosts(open_stores: Any) -> None:
    first, second = open_stores(), open_stores()
    older = first.create("stock", "outbound", {}, "api")
    newer = second.create("stock", "outbound", {}, "api")
    assert (older.accepted_seq, newer.accepted_seq) == (1, 2)
    assert second.claim_newest("stock", 2, newer.id, ["A", "B"]) == {}
    assert first.claim_newest("stock", 1, older.id, ["A", "C", "A"]) == {"A": newer.id}
    # A retry keeps its sequence and takes its keys back from the execution it repeats.
    assert first.claim_newest("stock", 2, "retry", ["B"]) == {}
    assert second.claim_newest("stock", 1, older.id, ["B", "C"]) == {"B": "retry"}
    assert first.claim_newest("other-flow", 1, older.id, ["A"]) == {}


def test_a_store_copied_into_still_sees_the_newer_writers_it_received(open_stores: Any,
                                                                       tmp_path: Any) -> None:
    """Claims that arrive by a copy count like those made in the store: a newer writer copied
    in keeps its keys against an older execution claiming them afterwards."""
    from console.store import open_store
    from console.store.transfer import transfer

    used = open_stores()
    assert used.claim_newest("stock", 1, "e1", ["A"]) == {}
    elsewhere = open_store(str(tmp_path / "elsewhere.db"))
    assert elsewhere.claim_newest("stock", 5, "e5", ["B"]) == {}
    transfer(elsewhere, used)
    elsewhere.close()
    assert used.claim_newest("stock", 2, "e2", ["A", "B"]) == {"B": "e5"}
    assert used.claim_newest("stock", 6, "e6", ["A", "B"]) == {}
    assert used.claim_newest("stock", 5, "e5", ["A", "C"]) == {"A": "e6"}


def test_concurrent_claims_leave_each_key_with_its_newest_writer(open_stores: Any) -> None:
    hosts: list[Store] = [open_stores() for _ in range(3)]
    keys = [f"SKU-{n}" for n in range(300)]
    wants = [keys[::-1] if n % 3 == 0 else keys[n % 2::2] for n in range(12)]
    at_once(12, lambda n: hosts[n % 3].claim_newest("stock", n + 1, f"e{n + 1}", wants[n]))
    newest = {key: f"e{max(n + 1 for n in range(12) if key in wants[n])}" for key in keys}
    assert hosts[0].claim_newest("stock", 0, "probe", keys) == newest


def test_an_interrupted_execution_is_resumed_once_whoever_asks(open_stores: Any) -> None:
    hosts: list[Store] = [open_stores() for _ in range(3)]
    running = hosts[0].admit("orders", "outbound", {"x": "1"}, "api", body="[1]")
    other = hosts[0].create("stock", "schedule", {}, "scheduler")
    left = hosts[1].mark_interrupted([running.id])
    assert [(e.id, e.status) for e in left] == [(running.id, "processing")]
    assert hosts[0].execution(running.id).status == "interrupted"  # type: ignore[union-attr]
    assert hosts[0].execution(other.id).status == "processing"  # type: ignore[union-attr]
    assert [e.id for e in hosts[2].resumable()] == [running.id]
    results = at_once(6, lambda n: hosts[n % 3].resume(running))
    resumed = [r for r in results if r is not None]
    assert len(resumed) == 1 and not any(isinstance(r, BaseException) for r in results)
    again = resumed[0]
    assert not isinstance(again, BaseException)
    assert (again.flow_id, again.params, again.payload_id, again.accepted_seq, again.retry_of,
            again.triggered_by) == ("orders", {"x": "1"}, running.payload_id, 1, running.id,
                                    f"recovery of {running.id}")
    assert hosts[1].resumable() == []
    assert {e.id for e in hosts[0].mark_interrupted()} == {other.id, again.id}


def test_an_alarm_change_is_recorded_once_by_racing_evaluators(open_stores: Any) -> None:
    hosts: list[Store] = [open_stores() for _ in range(2)]
    results = at_once(10, lambda n: hosts[n % 2].change_alarm(
        "stock", "stale", True, f"2026-01-01T00:00:{n:02d}", 1.0, "stale"))
    assert len([r for r in results if isinstance(r, int)]) == 1, results
    assert len(hosts[0].alarm_events()) == 1


def test_log_batches_from_two_hosts_number_their_rows_without_gaps(open_stores: Any,
                                                                  store_location: str) -> None:
    # A SQLite store is one runner's (its lock refuses a second), so its threads share one.
    first = open_stores()
    hosts: list[Store] = [first, open_stores() if "://" in store_location else first]
    execution = hosts[0].create("stock", "manual", {}, "ops")
    batch = [("error" if n % 3 else "info", f"K{n}", "row", None) for n in range(50)]
    at_once(8, lambda n: hosts[n % 2].add_logs(execution.id, batch))
    rows = list(hosts[1].iter_logs(execution.id))
    assert [r.seq for r in rows] == list(range(1, 401))
    errors = hosts[1].logs(execution.id, level="error", limit=1000)
    assert len(errors) == hosts[0].count_logs(execution.id, level="error") == 8 * 33


@pytest.mark.parametrize("store_location", ["postgresql"], indirect=True)
def test_hosts_starting_together_migrate_the_schema_once(open_stores: Any,
                                                         store_location: str) -> None:
    from console.store.postgres_schema import MIGRATIONS

    results = at_once(4, lambda n: open_stores())
    assert not any(isinstance(r, BaseException) for r in results), results
    import psycopg

    with psycopg.connect(store_location) as conn:
        versions = conn.execute("SELECT version FROM console_schema ORDER BY version").fetchall()
    assert versions == [(n,) for n in range(1, len(MIGRATIONS) + 1)]


@pytest.mark.parametrize("store_location", ["postgresql"], indirect=True)
def test_connections_of_ended_threads_are_closed(open_stores: Any, store_location: str) -> None:
    import psycopg

    store = open_stores()
    for _ in range(3):
        at_once(6, lambda n: store.active_count("stock"))
    at_once(1, lambda n: store.active_count("stock"))  # its opening closes the ended ones'
    import time

    deadline = time.monotonic() + 30  # a closed connection's server process ends soon after
    with psycopg.connect(store_location, autocommit=True) as conn:
        while True:
            row = conn.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE datname ="
                               " current_database() AND pid != pg_backend_pid()").fetchone()
            if row == (2,) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    assert row == (2,)  # this thread's and the last one's
