"""The console's remaining actions, by keyboard, against the sandbox: trigger with parameters,
a new flow, the execution log's search, copy, export and retry, help, remapped keys, $EDITOR."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console_pilot import open_card, until
from textual.widgets import DataTable, Input, Select, Static, TextArea

from console.flows import load
from console.runner import ExecutionStore, Runner
from console.sandbox import Sandbox
from console.tui.app import ConsoleApp
from console.tui.saving import flush
from console.tui.settings import Settings
from console.tui.widgets.row_log_view import RowLogView

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def make_app(path: Path, **settings: Any) -> ConsoleApp:
    return ConsoleApp(path, start_runner=False, clock=lambda: NOW, settings=Settings(**settings))


async def test_trigger_with_parameters_shows_the_url_and_runs_only_those(
        flows_file: Path, runner: Any, sandbox: Sandbox) -> None:
    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "attached to console serve" in app.runner_text)
        await pilot.press("T")
        await until(pilot, lambda: type(app.screen).__name__ == "TriggerScreen")
        await pilot.press(*"SKU-000003")
        await until(pilot, lambda: "SKU-000003" in str(app.screen.query_one("#url", Static).render()))
        url = str(app.screen.query_one("#url", Static).render())
        assert "/flows/stock/trigger?sku=SKU-000003" in url and "Bearer ****" in url
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "ExecutionLogScreen")
        runner.runner.wait(timeout=60)
    store = ExecutionStore(load(flows_file).store_path())
    latest = store.executions("stock", limit=1)[0]
    assert latest.params == {"sku": "SKU-000003"} and latest.total == 1


async def test_new_flow_from_a_template_is_saved_and_listed(flows_file: Path) -> None:
    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#id", Input).value = "orders_push"
        screen.query_one("#name", Input).value = "Orders Push"
        screen.query_one("#kind", Select).value = "order_status/outbound"
        await pilot.click("#create")
        flush()  # the file is written off the event loop

        def listed() -> bool:
            tables = app.screen.query(DataTable)
            return type(app.screen).__name__ == "FlowsScreen" and bool(tables) and \
                tables.first().get_row_at(tables.first().cursor_row)[0] == "Orders Push"

        await until(pilot, listed)
    flow = load(flows_file).flow("orders_push")
    assert (flow.name, flow.type, flow.direction) == ("Orders Push", "order_status", "outbound")


async def test_log_search_copy_export_and_retry(flows_file: Path, runner: Any,
                                               sandbox: Sandbox) -> None:
    config = load(flows_file)
    with Runner(config, ExecutionStore(config.store_path())) as direct:
        first = direct.run("stock")
    assert first.failed > 0
    from console.tui.screens.execution_log import ExecutionLogScreen

    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ExecutionLogScreen(first.id))
        await until(pilot, lambda: bool(app.screen.query(RowLogView)))
        view = app.screen.query_one(RowLogView)
        await until(pilot, lambda: view.total > 0)
        assert str(app.screen.query_one("#filter", Static).render()) == "showing all rows"
        await pilot.press("slash", *"SKU-000003", "enter")
        await until(pilot, lambda: view.total == 1 and view.current() is not None)
        assert view.current().key == "SKU-000003"  # type: ignore[union-attr]
        shown = str(app.screen.query_one("#filter", Static).render())
        assert 'showing all rows · search "SKU-000003"' in shown  # the filter stays visible
        await pilot.press("enter")  # the detail pane: the whole row
        await pilot.pause()
        detail = app.screen.query_one("#detail")
        text = str(app.screen.query_one("#detail-text", Static).render())
        assert detail.has_class("visible") and "SKU-000003" in text and "stock " in text
        await pilot.press("escape")  # escape closes the pane, not the screen
        await pilot.pause()
        assert not detail.has_class("visible") and isinstance(app.screen, ExecutionLogScreen)
        await pilot.press("c")
        await pilot.pause()
        assert app.clipboard.startswith("SKU-000003\tinfo\tstock ")
        await pilot.press("E")
        await until(pilot, lambda: any("exported" in str(n.message) for n in app._notifications))
        exports = config.store_path().parent / "exports"
        with (exports / f"{first.id}.csv").open(encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == ["seq", "level", "key", "message", "payload"]
        assert [r[2] for r in rows[1:]] == ["SKU-000003"]
        lines = (exports / f"{first.id}.jsonl").read_text(encoding="utf-8").splitlines()
        assert [json.loads(line)["key"] for line in lines] == ["SKU-000003"]
        said = [n.message for n in app._notifications]
        assert any('1 row(s), all rows · search "SKU-000003", exported' in m for m in said)
        log_screen = app.screen
        await pilot.press("r")
        await until(pilot, lambda: app.screen is not log_screen)
        retry_screen = app.screen
        assert isinstance(retry_screen, ExecutionLogScreen)
        assert retry_screen.execution_id != first.id
        runner.runner.wait(timeout=60)
    retried = ExecutionStore(config.store_path()).execution(retry_screen.execution_id)
    assert retried is not None and retried.retry_of == first.id
    assert retried.total == first.failed and retried.succeeded == 0


async def test_help_and_a_remapped_key(flows_file: Path) -> None:
    app = make_app(flows_file, keymap={"flows.schedule": "ctrl+e"})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.query("KeyHelp")
        await pilot.press("s")
        await pilot.pause()
        assert type(app.screen).__name__ == "FlowsScreen"
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert type(app.screen).__name__ == "ScheduleScreen"


async def test_external_editor_without_a_terminal_says_so(flows_file: Path) -> None:
    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_card(pilot, "tab-mapping")
        editor = app.screen.query_one("#mapping-editor").query_one(TextArea)
        editor.focus()
        before = editor.text
        await pilot.press("f4")
        await pilot.pause()
        assert editor.text == before
        assert any("cannot hand the screen" in str(n.message) for n in app._notifications)
