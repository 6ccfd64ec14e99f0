"""``console store migrate SRC DST`` copies a SQLite store into PostgreSQL and back: every
execution, log row, payload, sample, write-order key, alarm event and checklist step, in
batches, and running it again duplicates nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from console.cli import main
from console.store import Store, open_store
from console.store import transfer as transfer_module
from console.store.records import stamp

LOGGED = [("info", f"SKU-{n}", f"stock {n} written", {"n": n}) if n % 5 else
          ("error", f"SKU-{n}", "Product not found", None) for n in range(1, 41)]


def fill(store: Store) -> list[str]:
    ids = []
    for n in range(9):
        made = store.admit("stock" if n % 2 else "orders", "outbound", {"n": str(n)}, "api",
                           body=f"[{n}]")
        store.add_logs(made.id, LOGGED[:n * 4])
        store.save_sample(made.id, made.flow_id, [{"n": n}])
        if n < 6:
            store.finish(made.id, "partial" if n % 3 else "success", attributes={"k": str(n)})
        ids.append(made.id)
    store.mark_interrupted([ids[8]])
    store.claim_newest("stock", 3, ids[3], ["A", "B"])
    store.set_last_request("stock", __import__("datetime").datetime(2026, 5, 1))
    fired = store.change_alarm("stock", "failures", True, stamp(), 2.0, "2 failed")
    assert fired is not None
    store.note_delivery(fired, "no targets")
    store.save_checklist_step("copy-stores", "done", "by ops", "", stamp())
    return ids


def snapshot(store: Store) -> dict[str, Any]:
    executions = store.executions(limit=1000)
    return {
        "executions": sorted(executions, key=lambda e: e.id),
        "logs": {e.id: [(r.seq, r.level, r.key, r.message, r.payload, r.created_at)
                        for r in store.iter_logs(e.id)] for e in executions},
        "errors": {e.id: store.count_logs(e.id, level="error") for e in executions},
        "search": {e.id: store.count_logs(e.id, search="SKU-1") for e in executions},
        "payloads": {e.id: store.payload(e.payload_id or "") for e in executions},
        "samples": (store.last_sample("stock"), store.last_sample("orders")),
        "last_request": store.last_request("stock"),
        "resumable": [e.id for e in store.resumable()],
        "alarms": store.alarm_states(),
        "events": store.alarm_events(),
        "checklist": store.checklist(),
    }


def migrate(source: str, target: str) -> None:
    assert main(["store", "migrate", source, target]) == 0


def test_sqlite_to_postgresql_and_back_keeps_everything(
        tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(transfer_module, "BATCH", 7)  # many batches: keyset paging across them
    source_path = str(tmp_path / "embedded.db")
    source = open_store(source_path)
    ids = fill(source)
    migrate(source_path, postgres_url)
    assert "copied 9 executions, 144 log rows" in capsys.readouterr().out
    shared = open_store(postgres_url)
    assert snapshot(shared) == snapshot(source)
    assert shared.claim_newest("stock", 1, "older", ["A", "C"]) == {"A": ids[3]}

    migrate(source_path, postgres_url)  # again: nothing doubles
    assert "(9 executions' logs were already there)" in capsys.readouterr().out
    assert snapshot(shared) == snapshot(source)

    source.add_logs(ids[6], LOGGED[:3])  # the source moved on: the next run catches up
    source.finish(ids[7], "failed", error="boom")
    migrate(source_path, postgres_url)
    assert snapshot(shared) == snapshot(source)

    # The copy is a working store: numbering and event ids go on from the copied ones.
    shared.log(ids[2], "error", "after the move", key="SKU-X")
    assert shared.logs(ids[2], level="error", offset=1)[-1].message == "after the move"
    assert shared.count_logs(ids[2]) == 9
    event = shared.record_alarm_event("stock", "test", "test", stamp(), "hello")
    assert event > max(e.id for e in source.alarm_events())

    back_path = str(tmp_path / "back.db")
    migrate(postgres_url, back_path)
    back = open_store(back_path)
    assert snapshot(back) == snapshot(shared)
    for store in (source, shared, back):
        store.close()


def test_migrate_refuses_a_missing_source_and_the_same_store(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["store", "migrate", str(tmp_path / "none.db"), str(tmp_path / "x.db")]) == 2
    assert "no store at" in capsys.readouterr().err
    open_store(tmp_path / "a.db").close()
    assert main(["store", "migrate", str(tmp_path / "a.db"), str(tmp_path / "a.db")]) != 0
    assert "same store" in capsys.readouterr().err
