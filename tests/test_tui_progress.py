"""Progress of running executions: the bar, the executions table and the execution screen."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from textual.widgets import DataTable, Static

from console.flows import load
from console.store.sqlite import ExecutionStore
from console.tui.app import ConsoleApp
from console.tui.progress import bar
from console.tui.settings import Settings

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_bar_fills_in_eighths_of_a_cell() -> None:
    assert bar(0, 80) == "░" * 10
    assert bar(80, 80) == "█" * 10
    assert bar(45, 80) == "█████▋░░░░"
    assert bar(1, 80) == "▏░░░░░░░░░"
    assert bar(200, 80) == "█" * 10
    assert len(bar(37, 113, width=30)) == 30


def test_an_older_store_gains_the_progress_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE execution (id TEXT PRIMARY KEY, flow_id TEXT NOT NULL, "
                 "trigger TEXT NOT NULL, params TEXT NOT NULL, triggered_by TEXT NOT NULL, "
                 "status TEXT NOT NULL, total INTEGER NOT NULL DEFAULT 0, succeeded INTEGER NOT "
                 "NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0, started_at TEXT NOT NULL, "
                 "finished_at TEXT, error TEXT, attributes TEXT NOT NULL DEFAULT '{}', "
                 "payload_id TEXT, retry_of TEXT)")
    conn.execute("INSERT INTO execution (id, flow_id, trigger, params, triggered_by, status, "
                 "started_at) VALUES ('e1', 'stock', 'manual', '{}', 'me', 'success', 'x')")
    conn.commit()
    conn.close()
    store = ExecutionStore(path)
    old = store.execution("e1")
    assert old is not None and old.expected is None and old.records_read == 0
    store.expect("e1", 10)
    assert store.execution("e1").expected == 10  # type: ignore[union-attr]


async def test_running_execution_shows_a_bar_against_the_erp_total(demo_flows: object,
                                                                    tmp_path: Path) -> None:
    path = demo_flows(tmp_path)  # type: ignore[operator]
    store = ExecutionStore(load(path).store_path())
    running = store.create("stock", "manual", {}, "ops")
    store.expect(running.id, 2000)
    store.progress(running.id, 480, 470, 10, records_read=500)
    unknown = store.create("stock", "manual", {}, "ops")
    store.progress(unknown.id, 90, 90, 0, records_read=100)
    app = ConsoleApp(path, start_runner=False, clock=lambda: NOW, settings=Settings())
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("l")
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        cells = {table.get_row_at(i)[0]: table.get_row_at(i)[3] for i in range(table.row_count)}
        assert cells[running.id] == "██▌░░░░░░░  25% 500/2000"
        assert cells[unknown.id] == "100 read…"
        table.move_cursor(row=[table.get_row_at(i)[0] for i in range(table.row_count)]
                          .index(running.id))
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        summary = str(app.screen.query_one("#summary", Static).render())
        assert "25% 500/2000 records read" in summary
        store.progress(running.id, 1990, 1980, 10, records_read=2000)
        store.finish(running.id, "partial")
        app.screen.load()  # type: ignore[attr-defined]
        await app.workers.wait_for_complete()
        await pilot.pause()
        summary = str(app.screen.query_one("#summary", Static).render())
        assert "PARTIAL" in summary and "records read" not in summary
