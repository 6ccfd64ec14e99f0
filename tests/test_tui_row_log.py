"""The per-row log of a large execution: pages read as the user moves, never all rows."""

from __future__ import annotations

from pathlib import Path

from console.commands.init import demo_flows_text
from console.flows import loads
from console.store.sqlite import ExecutionStore
from console.tui.app import ConsoleApp
from console.tui.screens.execution_log import ExecutionLogScreen
from console.tui.settings import Settings
from console.tui.widgets.row_log_view import PAGE, RowLogView
from tests.console_pilot import until

ROWS = 20_000


async def test_end_jumps_to_the_last_row_reading_only_a_few_pages(tmp_path: Path) -> None:
    path = tmp_path / "flows.toml"
    path.write_text(demo_flows_text().replace("127.0.0.1:8800", "127.0.0.1:9"), encoding="utf-8")
    config = loads(path.read_text(), path)
    store = ExecutionStore(config.store_path())
    execution = store.create("stock", "manual", {}, "ops")
    store.add_logs(execution.id, [("error" if n % 100 == 0 else "info", f"SKU-{n:06d}",
                                   f"row {n}", None) for n in range(1, ROWS + 1)])
    store.finish(execution.id, "partial")
    app = ConsoleApp(path, start_runner=False, settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ExecutionLogScreen(execution.id))
        await until(pilot, lambda: bool(app.screen.query(RowLogView)))
        view = app.screen.query_one(RowLogView)
        # the screen reloads the rows once it has read the execution: wait for that count
        await until(pilot, lambda: view.total == ROWS and view.current() is not None)
        view.focus()
        await pilot.press("end")
        await until(pilot, lambda: view.current() is not None)
        assert view.current().seq == ROWS  # type: ignore[union-attr]
        assert sum(len(rows) for rows in view.pages.values()) <= 9 * PAGE
        await pilot.press("x")
        await until(pilot, lambda: view.total == ROWS // 100 and view.current() is not None)
        assert view.current().key == "SKU-000100"  # type: ignore[union-attr]
        await pilot.press("end")
        await until(pilot, lambda: view.current() is not None)
        assert view.current().key == f"SKU-{ROWS:06d}"  # type: ignore[union-attr]
