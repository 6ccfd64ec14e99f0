"""Answers of workers that arrive after the state they were worked out from has changed.

A thread worker cannot be stopped: an exclusive one replaced by a newer one still runs to its
end and posts, and on a busy machine after the newer one. Each test here replays that order by
posting the late answer itself, and checks the screen keeps showing the current state."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from console_pilot import idle, open_card, ran, until
from rich.text import Text
from textual.widgets import DataTable, Static, TextArea

from console.store.records import Execution
from console.tui.app import ConsoleApp
from console.tui.reads import began
from tests.test_tui_console import make_app


def row_of(app: ConsoleApp, flow_id: str) -> int:
    return [flow.id for flow in app.flows.flows].index(flow_id)


def diagnostics(editor: Any) -> str:
    return str(editor.query_one(".diagnostics", Static).render())


async def test_a_diagnosis_of_text_since_edited_is_not_shown(flows_file: Path) -> None:
    """The editor's first check (of the text as opened) answers after the check of an edit
    that broke the mapping: the broken mapping must still say so, and F2 still refuse it."""
    from console.tui.widgets.code_editor import CodeEditor

    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_card(pilot, "tab-mapping")
        editor = screen.query_one("#mapping-editor", CodeEditor)
        await until(pilot, lambda: diagnostics(editor).startswith("✓"))
        opened = editor.text
        editor.text = '[{"operation": "shift", "spec": {"*": {"sku": 5}}}]'
        await until(pilot, lambda: diagnostics(editor).startswith("✗"))
        editor.post_message(CodeEditor.Diagnosed(editor, opened, None))
        await idle(pilot)
        assert diagnostics(editor).startswith("✗") and editor.problem is not None
        # and the other way round: the check of the broken text answers after the fix's
        broken = editor.text
        editor.text = opened
        await until(pilot, lambda: diagnostics(editor).startswith("✓"))
        editor.post_message(CodeEditor.Diagnosed(editor, broken, "a problem of old text"))
        await idle(pilot)
        assert diagnostics(editor).startswith("✓") and editor.problem is None


async def test_a_replaced_test_run_does_not_show_or_feed_the_next_step(
        flows_file: Path) -> None:
    """Two runs of the script test: the first one's answer arrives last. Its result must not
    replace the second's, nor become the mapping test's input."""
    from console.tui.messages import TestRunDone

    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_card(pilot, "tab-script")
        await idle(pilot)  # the designer's settings and pinned input, read as it opens
        panel = screen.query_one("#script-test")
        mapping = screen.query_one("#mapping-test")
        panel.action_run()  # type: ignore[attr-defined]
        panel.action_run()  # type: ignore[attr-defined]
        await until(pilot, lambda: ran(panel))
        await idle(pilot)
        shown = panel.query_one(".result", TextArea).text
        fed = mapping.input_text  # type: ignore[attr-defined]
        first = panel.runs - 1  # type: ignore[attr-defined]
        panel.post_message(TestRunDone(Text("success (the replaced run)"), '"late"',
                                       '[{"late": true}]', run=first))
        await idle(pilot)
        assert panel.query_one(".result", TextArea).text == shown
        assert mapping.input_text == fed  # type: ignore[attr-defined]
        assert "replaced run" not in str(panel.query_one(".meta", Static).render())


async def test_a_replaced_erp_panel_run_is_not_shown(flows_file: Path) -> None:
    from console.tui.widgets.order_export_panels import ErpPanelDone, ErpRequestPanel

    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_card(pilot, "tab-erp-write", row=row_of(app, "orders_to_erp"))
        panel = screen.query_one("#erp-write-test", ErpRequestPanel)
        panel.action_run()
        await until(pilot, lambda: ran(panel))
        await idle(pilot)
        shown = panel.query_one(".result", TextArea).text
        assert shown
        panel.post_message(ErpPanelDone(False, "the replaced run", "", panel.runs - 1))
        await idle(pilot)
        assert panel.query_one(".result", TextArea).text == shown
        assert "replaced run" not in str(panel.query_one(".meta", Static).render())


async def test_a_stock_page_of_the_search_before_is_not_shown(flows_file: Path) -> None:
    """A search replaces the listing while a page of the one before is still being read; that
    page arrives first. It must not show, nor keep the search's own first page out."""
    from console.services import stock
    from console.tui.messages import StockPageLoaded

    app = make_app(flows_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("S")
        await until(pilot, lambda: type(app.screen).__name__ == "StockBrowserScreen")
        screen: Any = app.screen
        table = screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count > 0)
        await idle(pilot)
        everything = stock.page(app.flows, 1, 100)
        wanted = str(everything.rows[-1]["product_sku"])
        before = screen.listing
        screen.query_one("#sku").value = wanted
        screen.reset()  # what enter in the search box does
        # the page of the listing before answers first, the search's own page after it
        screen.post_message(StockPageLoaded(1, everything, before))
        await until(pilot, lambda: table.row_count > 0)
        await idle(pilot)
        skus = {str(table.get_row_at(i)[0]) for i in range(table.row_count)}
        assert skus and all(wanted in sku for sku in skus), skus
        assert table.row_count < len(everything.rows)


def execution(flow_id: str, number: int) -> Execution:
    return Execution(id=f"{flow_id}-{number}", flow_id=flow_id, trigger="manual", params={},
                     triggered_by="test", status="success", total=number, succeeded=number,
                     failed=0, started_at="2026-11-24T08:00:00+00:00",
                     finished_at="2026-11-24T08:01:00+00:00", error=None)


async def test_recent_runs_of_a_flow_the_cursor_left_are_not_shown(flows_file: Path) -> None:
    """At 110+ columns the details show the highlighted flow's recent runs. The cursor moves
    from one flow to the next; the first flow's read (no runs), begun later on a busy machine,
    answers before the second's: neither its "no runs yet" nor its timing may hide the
    second flow's runs."""
    from console.tui.messages import ExecutionsLoaded

    app = make_app(flows_file)
    async with app.run_test(size=(120, 30)) as pilot:
        screen: Any = app.screen
        table = screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count > 1)
        first, second = app.flows.flows[0].id, app.flows.flows[1].id
        table.move_cursor(row=1)
        await idle(pilot)
        read_second = began()
        screen.post_message(ExecutionsLoaded(first, [], began() + 10**12))
        screen.post_message(ExecutionsLoaded(second, [execution(second, 7)], read_second))
        await idle(pilot)
        details = str(screen.query_one("#details", Static).render())
        assert "recent runs:" in details and "7/7" in details, details
        assert "no runs yet" not in details


async def test_an_older_activity_poll_does_not_replace_a_newer_one(flows_file: Path) -> None:
    """Two polls of the flows' activity overlap; the older one (a run still going) answers
    last. The row keeps the newer: the run finished."""
    from console.services.executions import FlowActivity
    from console.tui.messages import FlowsSummarized

    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        screen: Any = app.screen
        table = screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count > 0 and table.get_row_at(0)[3] != "…")
        await idle(pilot)
        config = app.flows
        flow = config.flows[0].id
        summaries = dict(screen.summaries)
        older, newer = began(), began() + 10**12
        running = replace(execution(flow, 1), status="processing", finished_at=None)
        screen.post_message(FlowsSummarized(config, summaries,
                                            {flow: FlowActivity(execution(flow, 1), 0)}, newer))
        screen.post_message(FlowsSummarized(config, summaries,
                                            {flow: FlowActivity(running, 1)}, older))
        await idle(pilot)
        assert str(table.get_row_at(0)[4]).startswith("✓ 11-24"), table.get_row_at(0)

