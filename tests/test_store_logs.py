"""Row logs in the store: positions read by key, level and search views, streaming, old stores."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from console.cli import main
from console.store.sqlite import ExecutionStore

Entry = tuple[str, str | None, str, object]


def _entries(first: int, count: int) -> list[Entry]:
    rows: list[Entry] = []
    for n in range(first, first + count):
        if n % 10 == 0:
            rows.append(("error", f"SKU-{n:05d}", f"Product not found (row {n})", {"n": n}))
        elif n % 7 == 0:
            rows.append(("warning", f"SKU-{n:05d}", "no stock in the row", {"n": n}))
        else:
            rows.append(("info", f"SKU-{n:05d}", f"stock {n} written", {"n": n, "sku": "é"}))
    return rows


@pytest.fixture
def filled(tmp_path: Path) -> tuple[ExecutionStore, str, list[Entry]]:
    store = ExecutionStore(tmp_path / "store.db")
    execution = store.create("stock", "manual", {}, "ops")
    other = store.create("stock", "manual", {}, "ops")
    entries: list[Entry] = []
    for first in range(1, 1001, 250):  # several batches, levels interleaved across them
        batch = _entries(first, 250)
        store.add_logs(execution.id, batch)
        store.add_logs(other.id, batch[:3])
        entries += batch
    return store, execution.id, entries


def test_every_position_of_every_view_is_the_row_a_scan_would_give(filled: tuple) -> None:
    store, execution_id, entries = filled
    for level in (None, "error", "warning", "info"):
        expected = [(n + 1, e) for n, e in enumerate(entries) if level in (None, e[0])]
        assert store.count_logs(execution_id, level=level) == len(expected)
        for offset in (0, 1, 37, len(expected) - 5, len(expected)):
            got = store.logs(execution_id, offset=offset, limit=10, level=level)
            assert [(r.seq, r.key) for r in got] == \
                [(seq, e[1]) for seq, e in expected[offset:offset + 10]]
    streamed = list(store.iter_logs(execution_id, level="error", batch=7))
    assert [r.seq for r in streamed] == [n + 1 for n, e in enumerate(entries) if e[0] == "error"]


def test_payloads_are_compact_json_and_text_is_kept_as_given(filled: tuple) -> None:
    store, execution_id, _ = filled
    first = store.logs(execution_id, limit=1)[0]
    assert first.payload == '{"n":1,"sku":"é"}'
    store.add_logs(execution_id, [("info", None, "read page 1", "kept as it is")])
    assert store.logs(execution_id, offset=1000, limit=1)[0].payload == "kept as it is"


def test_search_finds_keys_by_prefix_and_warnings_or_errors_by_message(filled: tuple) -> None:
    store, execution_id, _ = filled
    by_key = store.logs(execution_id, search="SKU-0012", limit=100)
    assert [r.key for r in by_key] == [f"SKU-{n:05d}" for n in range(120, 130)]
    assert store.count_logs(execution_id, search="SKU-0012") == 10
    by_message = store.logs(execution_id, search="not found", limit=1000)
    assert len(by_message) == 100 and {r.level for r in by_message} == {"error"}
    assert store.count_logs(execution_id, search="written") == 0  # info messages are not scanned
    assert store.count_logs(execution_id, search="SKU-0012", level="error") == 1
    assert store.count_logs(execution_id, search="%") == 0  # LIKE wildcards are literal
    assert store.logs(execution_id, search="not found", offset=98, limit=5)[-1].seq == 1000
    store.add_logs(execution_id, [("error", None, "write: not found", None),
                                  ("info", None, "read page 9 from the ERP", None)])
    assert store.count_logs(execution_id, search="not found") == 101  # a running execution
    assert store.logs(execution_id, search="read page", limit=5)[0].seq == 1002


def test_threads_logging_to_one_execution_get_contiguous_seqs(tmp_path: Path) -> None:
    store = ExecutionStore(tmp_path / "store.db")
    execution_id = store.create("stock", "manual", {}, "ops").id

    def log(level: str) -> None:
        for n in range(50):
            store.add_logs(execution_id, [(level, None, f"{level} {n}", None)] * 3)

    threads = [threading.Thread(target=log, args=(level,)) for level in ("info", "error")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows = list(store.iter_logs(execution_id))
    assert [r.seq for r in rows] == list(range(1, 301))
    assert [r.message for r in store.logs(execution_id, level="error", offset=147, limit=5)] == \
        ["error 49"] * 3
    # a second store (another process) carries on the numbering
    again = ExecutionStore(tmp_path / "store.db")
    again.add_logs(execution_id, [("error", None, "later", None)])
    assert store.logs(execution_id, level="error", offset=150, limit=5)[0].message == "later"
    assert store.count_logs(execution_id) == 301


def test_a_store_from_before_level_seqs_still_filters(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE row_log (id INTEGER PRIMARY KEY, execution_id TEXT NOT NULL,
            seq INTEGER NOT NULL, level TEXT NOT NULL, key TEXT, message TEXT NOT NULL,
            payload TEXT, created_at TEXT NOT NULL);
        CREATE INDEX row_log_execution ON row_log (execution_id, seq);""")
    conn.executemany("INSERT INTO row_log (execution_id, seq, level, key, message, created_at)"
                     " VALUES ('old', ?, ?, ?, 'm', 'now')",
                     [(n, "error" if n % 3 == 0 else "info", f"K{n}") for n in range(1, 31)])
    conn.commit()
    conn.close()
    store = ExecutionStore(path)
    assert store.count_logs("old", level="error") == 10
    assert [r.seq for r in store.logs("old", level="error", offset=8, limit=5)] == [27, 30]
    assert [r.seq for r in store.iter_logs("old", level="error", batch=4)][-2:] == [27, 30]
    assert [r.seq for r in store.logs("old", offset=28, limit=5)] == [29, 30]


def test_console_logs_streams_json_lines(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    from console.flows import load

    assert main(["init", str(tmp_path)]) == 0
    flows = tmp_path / "flows.toml"
    store = ExecutionStore(load(flows).store_path())
    execution_id = store.create("stock", "manual", {}, "ops").id
    store.add_logs(execution_id, _entries(1, 1000))
    capsys.readouterr()
    assert main(["--flows", str(flows), "logs", execution_id, "--json", "--errors"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 100
    assert json.loads(lines[0])["key"] == "SKU-00010" and json.loads(lines[-1])["seq"] == 1000
    assert main(["--flows", str(flows), "logs", execution_id]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1000


def test_records_kept_before_written_batches_still_read_as_their_rows(tmp_path: Path) -> None:
    """A record numbers a batch written whole as one span and keeps its messages and
    payloads as two lists; records of before (a [seq, level_seq] and a [message, payload]
    per row) read as they always did."""
    from console.store.log_batches import Sent, Written, pack, spans, unpack

    store = ExecutionStore(tmp_path / "store.db")
    execution = store.create("stock", "manual", {}, "ops")
    rows = [{"product_sku": f"SKU-{n}", "stock": n} for n in range(5)]
    sent = json.dumps(rows, separators=(",", ":"))
    store.add_logs(execution.id, [("info", None, "read page 1", None),
                                  Written(sent, [r["product_sku"] for r in rows],
                                          [f"stock {n} written" for n in range(5)],
                                          list(range(5))),
                                  ("info", "SKU-9", "stock 9 written", Sent(sent, 4))])
    before = [(r.seq, r.key, r.message, r.payload) for r in store.logs(execution.id, limit=20)]
    assert before[1:3] == [(2, "SKU-0", "stock 0 written", '{"product_sku":"SKU-0","stock":0}'),
                           (3, "SKU-1", "stock 1 written", '{"product_sku":"SKU-1","stock":1}')]
    conn = sqlite3.connect(tmp_path / "store.db")
    (numbers, body), = conn.execute("SELECT numbers, body FROM row_batch").fetchall()
    assert json.loads(unpack(numbers)) == [[2, 2, 5], [7, 7]]
    seqs, level_seqs = spans(numbers)
    decoded = json.loads(unpack(body))
    old_numbers = [[s, ls] for s, ls in zip(seqs, level_seqs, strict=True)]
    old_body = [[m, p] for m, p in zip(decoded["messages"], decoded["payloads"], strict=True)]
    with conn:
        conn.execute("UPDATE row_batch SET numbers = ?, body = ?",
                     (pack(json.dumps(old_numbers)), pack(json.dumps(old_body))))
    conn.close()
    again = ExecutionStore(tmp_path / "store.db")
    assert [(r.seq, r.key, r.message, r.payload)
            for r in again.logs(execution.id, limit=20)] == before
    assert [r.seq for r in again.logs(execution.id, search="SKU-", limit=20)] == \
        [2, 3, 4, 5, 6, 7]
