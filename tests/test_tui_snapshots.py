"""Snapshots of the main screens at 80x24 and 120x40, with fixed data and clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.commands.init import demo_flows_text
from console.tui.app import ConsoleApp
from console.tui.settings import Settings
from tests.console_pilot import settle, until

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ConsoleApp:
    monkeypatch.chdir(tmp_path)
    text = demo_flows_text().replace('listen = "127.0.0.1:8800"', 'listen = "127.0.0.1:9"')
    Path("flows.toml").write_text(text, encoding="utf-8")
    return ConsoleApp("flows.toml", start_runner=False, clock=lambda: NOW, settings=Settings())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_flows_screen(snap_compare: object, app: ConsoleApp, size: tuple[int, int]) -> None:
    assert snap_compare(app, terminal_size=size, run_before=settle)  # type: ignore[operator]


def test_designer_mapping_tab(snap_compare: object, app: ConsoleApp) -> None:
    async def open_mapping(pilot: object) -> None:
        await settle(pilot)
        await pilot.press("enter")  # type: ignore[attr-defined]
        await settle(pilot)
        pilot.app.screen.query_one("#cards").active = "tab-mapping"  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_mapping)  # type: ignore[operator]


def test_schedule_editor(snap_compare: object, app: ConsoleApp) -> None:
    async def open_schedule(pilot: object) -> None:
        await settle(pilot)
        await pilot.press("s")  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=open_schedule)  # type: ignore[operator]


def fixed_execution(app: ConsoleApp) -> str:
    """A finished execution with fixed id, times and rows, written to the app's store."""
    import sqlite3

    from console.store.sqlite import ExecutionStore

    assert app.config is not None
    path = app.config.store_path()
    store = ExecutionStore(path)
    execution = store.create("stock", "manual", {"sku": "SKU-000001,SKU-000002"}, "ops")
    store.add_logs(execution.id, [
        ("info", None, "read page 1 from the ERP", None),
        ("info", "SKU-000001", "stock 12 written to stock list 1", None),
        ("error", "SKU-000002", "product_sku: Product not found.", None),
        ("warning", "SKU-000003", "no stock in the row: stock list 1 keeps its current stock",
         None)])
    store.progress(execution.id, 3, 2, 1, records_read=3)
    store.finish(execution.id, "partial")
    fixed = "0123456789ab"
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE execution SET id = ?, started_at = ?, finished_at = ? WHERE id = ?",
                      (fixed, "2026-11-24T08:55:00.000000+00:00",
                       "2026-11-24T08:55:02.000000+00:00", execution.id))
        conn.execute("UPDATE row_log SET execution_id = ?, created_at = ? WHERE execution_id = ?",
                      (fixed, "2026-11-24T08:55:01.000000+00:00", execution.id))
    return fixed


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_execution_log(snap_compare: object, app: ConsoleApp, size: tuple[int, int]) -> None:
    from console.tui.screens.execution_log import ExecutionLogScreen

    execution_id = fixed_execution(app)

    async def open_log(pilot: object) -> None:
        await settle(pilot)
        pilot.app.push_screen(ExecutionLogScreen(execution_id))
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=open_log)  # type: ignore[operator]


def test_designer_read_card(snap_compare: object, app: ConsoleApp) -> None:
    async def open_read(pilot: object) -> None:
        await settle(pilot)
        await pilot.press("enter")  # type: ignore[attr-defined]
        await settle(pilot)
        pilot.app.screen.query_one("#cards").active = "tab-read"  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_read)  # type: ignore[operator]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_executions_list(snap_compare: object, app: ConsoleApp, size: tuple[int, int]) -> None:
    fixed_execution(app)

    async def open_executions(pilot: object) -> None:
        # the stock flow's last run is partial, so the console lands on the health screen
        await until(pilot, lambda: type(pilot.app.screen).__name__  # type: ignore[attr-defined]
                    == "HealthScreen")
        await pilot.press("escape")  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("l")  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=open_executions)  # type: ignore[operator]


def test_execution_log_detail_pane(snap_compare: object, app: ConsoleApp) -> None:
    from console.tui.screens.execution_log import ExecutionLogScreen

    execution_id = fixed_execution(app)

    async def open_detail(pilot: object) -> None:
        await settle(pilot)
        pilot.app.push_screen(ExecutionLogScreen(execution_id))  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("x", "enter")  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_detail)  # type: ignore[operator]


def test_oms_checklist(snap_compare: object, app: ConsoleApp) -> None:
    async def open_oms(pilot: object) -> None:
        await settle(pilot)
        await pilot.press("O")  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_oms)  # type: ignore[operator]


@pytest.mark.parametrize("card", ["tab-login", "tab-write"])
def test_price_flow_designer_cards(snap_compare: object, app: ConsoleApp, card: str) -> None:
    """The price flow's OAuth2 login (its secret named, never shown) and its price list."""
    async def open_card(pilot: object) -> None:
        await settle(pilot)
        for _ in range(5):  # the sixth demo flow: Price Flow
            await pilot.press("down")  # type: ignore[attr-defined]
        await pilot.press("enter")  # type: ignore[attr-defined]
        await settle(pilot)
        pilot.app.screen.query_one("#cards").active = card  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(app, terminal_size=(100, 40), run_before=open_card)  # type: ignore[operator]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_versions_screen(snap_compare: object, app: ConsoleApp, size: tuple[int, int]) -> None:
    """`v` after a save: the file as found and the change are versions, stamped by the app's
    clock; the older one highlighted shows what changed since."""
    from console_pilot import until
    from textual.widgets import DataTable

    from console.tui.saving import flush

    async def before(pilot: object) -> None:
        app = pilot.app  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("e")  # type: ignore[attr-defined]
        flush()
        await until(pilot, lambda: not app.flows.flows[0].enabled)
        await pilot.press("v")  # type: ignore[attr-defined]
        await until(pilot, lambda: type(app.screen).__name__ == "HistoryScreen")
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 2)
        table.move_cursor(row=1)
        await until(pilot, lambda: "+enabled = false" in app.screen.shown_diff)
        app.clear_notifications()
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=before)  # type: ignore[operator]
