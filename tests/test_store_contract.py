"""What every store does, checked on the SQLite store and the PostgreSQL store alike:
executions, row logs (keyset pages, level views, search), payloads, samples, pruning, alarms."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from console.store import Store, open_store
from console.store.log_batches import Sent, Written
from console.store.records import SAMPLE_RECORDS, stamp
from console.store.sqlite import SQLiteStore

Entry = tuple[str, str | None, str, Any]


def entries(first: int, count: int) -> list[Entry]:
    rows: list[Entry] = []
    for n in range(first, first + count):
        if n % 10 == 0:
            rows.append(("error", f"SKU-{n:05d}", f"Product not found (row {n})", {"n": n}))
        elif n % 7 == 0:
            rows.append(("warning", f"SKU-{n:05d}", "no stock in the row", {"n": n}))
        elif n % 50 == 1:
            rows.append(("info", None, f"page {n // 50} read: 50% of 100_a", None))
        else:
            rows.append(("info", f"SKU-{n:05d}", f"stock {n} written", {"n": n, "sku": "é"}))
    return rows


def filled(store: Store) -> tuple[str, list[Entry]]:
    execution = store.create("stock", "manual", {"sku": "A"}, "ops")
    other = store.create("stock", "manual", {}, "ops")
    logged: list[Entry] = []
    for first in range(1, 601, 150):
        batch = entries(first, 150)
        store.add_logs(execution.id, batch)
        store.add_logs(other.id, batch[:3])
        logged += batch
    store.log(execution.id, "info", "done", payload="plain text")
    logged.append(("info", None, "done", "plain text"))
    return execution.id, logged


def view(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [(r.seq, r.level, r.key, r.message, r.payload) for r in rows]


def test_an_execution_goes_from_processing_to_finished(any_store: Store) -> None:
    made = any_store.create("stock", "schedule", {"since": "x"}, "scheduler")
    assert made.status == "processing" and made.params == {"since": "x"}
    assert any_store.active_count("stock") == 1
    assert [e.id for e in any_store.active()] == [made.id]
    any_store.expect(made.id, 40)
    any_store.progress(made.id, 30, 25, 3, records_read=31, skipped=2)
    any_store.finish(made.id, "partial", error="3 rows failed", attributes={"a": "1"})
    any_store.finish(made.id, "success")  # an ended execution keeps its status
    done = any_store.execution(made.id)
    assert done is not None
    assert (done.status, done.error, done.attributes, done.total, done.succeeded, done.failed,
            done.records_read, done.skipped, done.expected) == \
        ("partial", "3 rows failed", {"a": "1"}, 30, 25, 3, 31, 2, 40)
    assert done.finished_at is not None and done.finished_at >= done.started_at
    assert any_store.active_count("stock") == 0
    assert any_store.execution("missing") is None


def test_executions_list_newest_first_per_flow(any_store: Store) -> None:
    made = [any_store.create("stock" if n % 2 else "price", "manual", {}, "ops")
            for n in range(6)]
    assert [e.id for e in any_store.executions()] == [e.id for e in reversed(made)]
    assert [e.id for e in any_store.executions("stock", limit=2)] == [made[5].id, made[3].id]
    assert [e.accepted_seq for e in made if e.flow_id == "stock"] == [1, 2, 3]


def test_every_page_of_every_level_is_the_row_a_scan_would_give(any_store: Store) -> None:
    execution_id, logged = filled(any_store)
    for level in (None, "error", "warning", "info"):
        expected = [(n + 1, e) for n, e in enumerate(logged) if level in (None, e[0])]
        assert any_store.count_logs(execution_id, level=level) == len(expected)
        for offset in (0, 1, 37, len(expected) - 5, len(expected)):
            page = any_store.logs(execution_id, offset=offset, limit=10, level=level)
            assert [(r.seq, r.key, r.message) for r in page] == \
                [(seq, e[1], e[2]) for seq, e in expected[offset:offset + 10]]
    streamed = list(any_store.iter_logs(execution_id, batch=7))
    assert [r.seq for r in streamed] == list(range(1, len(logged) + 1))
    first = any_store.logs(execution_id, limit=1)[0]
    assert first.payload == "page 0 read: 50% of 100_a" or first.payload is None
    assert json.loads(any_store.logs(execution_id, offset=1, limit=1)[0].payload or "") == \
        {"n": 2, "sku": "é"}
    assert any_store.logs(execution_id, offset=len(logged) - 1)[0].payload == "plain text"


@pytest.mark.parametrize(("search", "level"), [
    ("SKU-0012", None), ("not found", None), ("not found", "error"), ("NO STOCK", None),
    ("50%", None), ("100_a", None), ("written", None), ("SKU-0007", "warning"), ("é", None),
])
def test_search_finds_keys_by_prefix_and_reads_only_rows_worth_reading(
        any_store: Store, search: str, level: str | None) -> None:
    execution_id, logged = filled(any_store)
    worth = {"warning", "error"}

    def found(e: Entry) -> bool:
        if level and e[0] != level:
            return False
        if e[1] is not None and e[1].startswith(search):
            return True
        readable = e[0] in worth or e[1] is None
        text = f"{e[1] or ''}\n{e[2]}".lower()
        return readable and search.lower() in text

    expected = [n + 1 for n, e in enumerate(logged) if found(e)]
    assert any_store.count_logs(execution_id, level=level, search=search) == len(expected)
    assert [r.seq for r in any_store.logs(execution_id, offset=2, limit=5, level=level,
                                          search=search)] == expected[2:7]
    assert [r.seq for r in any_store.iter_logs(execution_id, level=level, search=search,
                                               batch=3)] == expected


def test_both_stores_page_and_search_alike(tmp_path: Any, postgres_url: str) -> None:
    stores = [open_store(str(tmp_path / "store.db")), open_store(postgres_url)]
    try:
        ids = [filled(store)[0] for store in stores]
        seen = 0
        for level in (None, "error", "info"):
            for search in (None, "SKU-001", "row", "page"):
                pages = [view(s.logs(i, offset=3, limit=40, level=level, search=search))
                         for s, i in zip(stores, ids, strict=True)]
                counts = [s.count_logs(i, level=level, search=search)
                          for s, i in zip(stores, ids, strict=True)]
                assert pages[0] == pages[1] and counts[0] == counts[1]
                seen += len(pages[0])
        assert seen > 200
    finally:
        for store in stores:
            store.close()


def sent_batches(count: int, size: int) -> list[list[Entry]]:
    """What a bulk writer logs: per batch, the rows it sent (as elements of the request body,
    with a batch id) written or failed, with a skipped row and a page line between."""
    calls = []
    for number in range(count):
        rows = [{"product_sku": f"SKU-{number * size + n:05d}", "stock": n, "batch_id": "b"}
                for n in range(size)]
        sent = json.dumps(rows, separators=(",", ":"))
        logged: list[Entry] = [("info", None, f"read page {number}", None),
                               ("warning", "SKU-X", "no stock in the row", {"sku": "SKU-X"})]
        for index, row in enumerate(rows):
            if index % 9 == 4:
                logged.append(("error", row["product_sku"], "Product not found", row))
            else:
                logged.append(("info", row["product_sku"], f"stock {index} written",
                               Sent(sent, index)))
        calls.append(logged)
    return calls


def test_written_rows_are_kept_compactly_and_read_as_rows(any_store: Store) -> None:
    execution = any_store.create("stock", "manual", {}, "ops")
    calls = sent_batches(4, 60)
    for logged in calls:
        any_store.add_logs(execution.id, logged)
    any_store.add_logs(execution.id, entries(1, 40))  # rows as objects, compacted too
    logged = [e for call in calls for e in call] + entries(1, 40)

    def shown(entry: Entry) -> tuple[Any, ...]:
        level, key, message, payload = entry
        if isinstance(payload, Sent):
            payload = json.loads(payload.text)[payload.position]
        return (level, key, message,
                None if payload is None else json.loads(json.dumps(payload)))

    def read(rows: list[Any]) -> list[tuple[Any, ...]]:
        return [(r.seq, r.level, r.key, r.message,
                 None if r.payload is None else json.loads(r.payload)) for r in rows]

    for level in (None, "info", "error"):
        expected = [(n + 1, *shown(e)) for n, e in enumerate(logged) if level in (None, e[0])]
        assert any_store.count_logs(execution.id, level=level) == len(expected)
        for offset in range(0, len(expected) + 1, 23):  # windows across record boundaries
            assert read(any_store.logs(execution.id, offset=offset, limit=31, level=level)) \
                == expected[offset:offset + 31]
        assert read(list(any_store.iter_logs(execution.id, level=level, batch=50))) == expected
    for search in ("SKU-0007", "SKU-001", "SKU-X", "Product"):
        hits = [(n + 1, *shown(e)) for n, e in enumerate(logged)
                if (e[1] or "").startswith(search)
                or (e[0] != "info" and search.lower() in f"{e[1]}\n{e[2]}".lower())]
        assert any_store.count_logs(execution.id, search=search) == len(hits)
        assert read(any_store.logs(execution.id, offset=3, limit=20, search=search)) == \
            hits[3:23]
    mark = "?" if isinstance(any_store, SQLiteStore) else "%s"
    stored = any_store._conn().execute(  # type: ignore[attr-defined]
        f"SELECT COUNT(*) FROM row_log WHERE execution_id = {mark}", (execution.id,)
    ).fetchone()[0]
    written = sum(1 for e in logged if e[0] == "info" and e[1] is not None)
    assert stored == len(logged) - written  # one table row per row worth a look, no more


def test_a_batch_logged_as_one_written_item_reads_as_its_rows_logged_one_by_one(
        any_store: Store) -> None:
    """A writer logs a batch written whole as one ``Written``; the log reads the same rows,
    numbers and payloads as when each row had its own entry, mixed with other entries."""
    def batch(number: int, keys: list[str]) -> Written:
        rows = [{"product_sku": key, "stock": n, "batch_id": f"b{number}", "name": "Ürün"}
                for n, key in enumerate(keys)]
        return Written(json.dumps(rows, ensure_ascii=False, separators=(",", ":")), keys,
                       [f"stock {n} written" for n in range(len(keys))], list(range(len(keys))))

    items: list[Any] = [("info", None, "read page 1", None), batch(1, ["A-1", "A-2", "A-3"]),
                        ("warning", "A-9", "no stock in the row", {"product_sku": "A-9"}),
                        batch(2, ["B-1", "B-2"]), batch(3, ["C-1"]),
                        batch(4, ["odd\nkey", "D-2"])]  # a key that cannot be kept compact
    one_by_one = [row for item in items
                  for row in (item.entries() if isinstance(item, Written) else [item])]
    together = any_store.create("stock", "manual", {}, "ops")
    apart = any_store.create("stock", "manual", {}, "ops")
    any_store.add_logs(together.id, items[:3])
    any_store.add_logs(together.id, items[3:])
    any_store.add_logs(apart.id, one_by_one[:5])
    any_store.add_logs(apart.id, one_by_one[5:])
    for level in (None, "info", "warning"):
        assert view(any_store.logs(together.id, limit=100, level=level)) == \
            view(any_store.logs(apart.id, limit=100, level=level))
        assert any_store.count_logs(together.id, level=level) == \
            any_store.count_logs(apart.id, level=level)
    assert any_store.count_logs(together.id) == len(one_by_one) == 10
    shown = any_store.logs(together.id, offset=1, limit=1)[0]
    assert (shown.key, shown.message, json.loads(shown.payload or "")) == \
        ("A-1", "stock 0 written",
         {"product_sku": "A-1", "stock": 0, "batch_id": "b1", "name": "Ürün"})
    assert [r.key for r in any_store.logs(together.id, search="B-", limit=10)] == ["B-1", "B-2"]


def test_payloads_samples_and_last_request(any_store: Store) -> None:
    payload_id = any_store.save_payload("orders", '{"rows": [1]}')
    assert any_store.payload(payload_id) == '{"rows": [1]}'
    any_store.drop_payload(payload_id)
    assert any_store.payload(payload_id) is None
    admitted = any_store.admit("orders", "outbound", {}, "api", body="[1, 2]")
    assert admitted.payload_id and any_store.payload(admitted.payload_id) == "[1, 2]"
    assert any_store.last_sample("stock") is None
    any_store.save_sample("e1", "stock", [{"n": n} for n in range(SAMPLE_RECORDS + 10)])
    any_store.save_sample("e2", "stock", [{"n": "newest"}])
    assert json.loads(any_store.last_sample("stock") or "") == [{"n": "newest"}]
    moment = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    assert any_store.last_request("stock") is None
    any_store.set_last_request("stock", moment)
    any_store.set_last_request("stock", moment + timedelta(hours=1))
    assert any_store.last_request("stock") == moment + timedelta(hours=1)


def test_checklist_steps_are_kept_and_replaced(any_store: Store) -> None:
    assert any_store.checklist() == {}
    any_store.save_checklist_step("copy-stores", "running", "", "", "t1")
    any_store.save_checklist_step("copy-stores", "done", "by ops", "ok", "t2")
    any_store.save_checklist_step("cargo-company", "failed", "", "401", "t3")
    assert any_store.checklist() == {"copy-stores": ("done", "by ops", "ok", "t2"),
                                     "cargo-company": ("failed", "", "401", "t3")}


def test_prune_drops_old_logs_and_keeps_what_processing_needs(any_store: Store) -> None:
    old = any_store.admit("orders", "outbound", {}, "api", body="[1]")
    running = any_store.admit("orders", "outbound", {}, "api", body="[2]")
    any_store.add_logs(old.id, entries(1, 20))
    any_store.add_logs(running.id, entries(1, 5))
    any_store.finish(old.id, "success")
    assert any_store.prune(older_than_days=1) == 0
    assert any_store.count_logs(old.id) == 20
    assert any_store.prune(older_than_days=-1) == 1  # the cutoff is now in the future
    assert any_store.count_logs(old.id) == 0 and any_store.count_logs(running.id) == 5
    assert old.payload_id and any_store.payload(old.payload_id) is None
    assert running.payload_id and any_store.payload(running.payload_id) == "[2]"


def test_health_queries_and_alarm_history(any_store: Store) -> None:
    runs = [any_store.create("stock", "manual", {}, "ops") for _ in range(4)]
    any_store.finish(runs[0].id, "success")
    any_store.finish(runs[1].id, "failed", error="boom")
    any_store.finish(runs[2].id, "partial")
    assert [r.id for r in any_store.recent_runs("stock", 2)] == [runs[3].id, runs[2].id]
    assert [r.id for r in any_store.runs_since("stock", runs[1].started_at)] == \
        [runs[3].id, runs[2].id, runs[1].id]
    success = any_store.last_success("stock")
    assert success is not None and success.id == runs[0].id
    assert any_store.first_run_at("stock") == runs[0].started_at
    assert any_store.first_run_at("none") is None
    assert [r.id for r in any_store.processing()] == [runs[3].id]
    assert [(r.id, r.error) for r in any_store.recent_problems()] == \
        [(runs[2].id, None), (runs[1].id, "boom")]
    at = stamp()
    fired = any_store.change_alarm("stock", "failures", True, at, 2.0, "2 failed")
    assert fired is not None
    assert any_store.change_alarm("stock", "failures", True, at, 3.0, "3 failed") is None
    any_store.note_delivery(fired, "sent to 1 target")
    tested = any_store.record_alarm_event("stock", "failures", "test", stamp(), "a test")
    resolved = any_store.change_alarm("stock", "failures", False, stamp(), 0.0, "ok")
    assert resolved is not None and len({fired, tested, resolved}) == 3
    states = any_store.alarm_states()
    assert [(s.flow_id, s.alarm, s.firing, s.message) for s in states] == \
        [("stock", "failures", False, "ok")]
    events = any_store.alarm_events(flow_id="stock")
    assert [(e.event, e.delivery) for e in events] == \
        [("resolved", ""), ("test", ""), ("fired", "sent to 1 target")]
    assert any_store.alarm_events(flow_id="other") == []
    assert any_store.prune_alarm_events(stamp(datetime.now(UTC) + timedelta(seconds=1))) == 3
    assert any_store.alarm_events() == []
