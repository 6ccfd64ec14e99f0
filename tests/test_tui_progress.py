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
from tests.console_pilot import until

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
        await pilot.press("l")
        await until(pilot, lambda: type(app.screen).__name__ == "ExecutionsScreen"
                    and app.screen.query_one(DataTable).row_count == 2)
        table = app.screen.query_one(DataTable)
        cells = {table.get_row_at(i)[0]: table.get_row_at(i)[3] for i in range(table.row_count)}
        assert cells[running.id] == "██▌░░░░░░░  25% 500/2000"
        assert cells[unknown.id] == "100 read…"
        table.move_cursor(row=[table.get_row_at(i)[0] for i in range(table.row_count)]
                          .index(running.id))
        await pilot.press("enter")

        def summary() -> str:
            found = app.screen.query("#summary")
            return str(found.first(Static).render()) if found else ""

        await until(pilot, lambda: "records read" in summary())
        assert "25% 500/2000 records read" in summary()
        store.progress(running.id, 1990, 1980, 10, records_read=2000)
        store.finish(running.id, "partial")
        # the screen polls: the next read shows the finish
        await until(pilot, lambda: "PARTIAL" in summary())
        assert "records read" not in summary()


async def test_an_older_read_answering_last_does_not_undo_a_finished_execution(
        tmp_path: Path) -> None:
    """The first read sees the execution running and is held until a later read has shown it
    finished: the screen keeps the finish (and stops polling) when the older answer lands."""
    import asyncio
    import threading

    from console.commands.init import demo_flows_text
    from console.tui.screens.execution_log import ExecutionLogScreen

    path = tmp_path / "flows.toml"
    path.write_text(demo_flows_text().replace("127.0.0.1:8800", "127.0.0.1:9"), encoding="utf-8")
    store = ExecutionStore(load(path).store_path())
    execution = store.create("stock", "manual", {}, "ops")
    store.progress(execution.id, 3, 3, 0, records_read=3)
    app = ConsoleApp(path, start_runner=False, settings=Settings())
    first_read, release = threading.Event(), threading.Event()
    reads = 0

    async with app.run_test(size=(80, 24)) as pilot:
        real = app.executions.execution

        def held_first(execution_id: str) -> object:
            nonlocal reads
            reads += 1
            found = real(execution_id)
            if reads == 1:
                first_read.set()
                assert release.wait(30)
            return found

        app.executions.execution = held_first  # type: ignore[method-assign]
        screen = ExecutionLogScreen(execution.id)
        app.push_screen(screen)
        assert await asyncio.to_thread(first_read.wait, 30)
        store.finish(execution.id, "success")
        # a worker posts before it ends; the pause handles what was posted by then
        await screen.load().wait()
        await pilot.pause()
        summary = screen.query_one("#summary", Static)
        assert "SUCCESS" in str(summary.render())
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert reads >= 2
        assert "SUCCESS" in str(summary.render()) and "PROCESSING" not in str(summary.render())
        assert screen.execution is not None and screen.execution.status == "success"
