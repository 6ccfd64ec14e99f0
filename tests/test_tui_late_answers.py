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



async def test_flows_read_from_disk_before_a_save_do_not_undo_it(flows_file: Path) -> None:
    """flows.toml changed on disk; the console reads it again while the user saves a change
    there. The read answers after the save: taking it would undo the save on screen for good,
    as the file's stamp is then the console's own."""
    from console.flows import load
    from console.tui.messages import FlowsFileChanged
    from console.tui.saving import flush

    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.query_one(DataTable).row_count > 0)
        flows_file.write_text(flows_file.read_text().replace(
            'name = "Order Status Flow"', 'name = "Orders (vim)"'))
        read = load(flows_file), app._stamp()  # what a reload begun now reads
        await pilot.press("e")
        flush()
        await until(pilot, lambda: any("disabled" in n.message for n in app._notifications))
        assert app.flows.flow("stock").enabled is False
        app.post_message(FlowsFileChanged(*read))
        await idle(pilot)
        assert app.flows.flow("stock").enabled is False
        assert app.flows.flow("order_status").name == "Orders (vim)"
        table = app.screen.query_one(DataTable)
        assert table.get_row_at(0)[3] == "disabled" or table.get_row_at(0)[3] == "…"


async def test_an_erp_input_asked_for_before_another_is_not_taken(flows_file: Path) -> None:
    """The live input (F6), the pinned sample read as the designer opens, then the last
    execution's input (F8): the earlier two answer last, and the panel keeps F8's."""
    from console.services.workbench import TestInput
    from console.tui.messages import PinnedInputLoaded, TestInputLoaded

    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        screen: Any = await open_card(pilot, "tab-script")
        await idle(pilot)
        panel = screen.query_one("#script-test")
        pinned = screen._input_asks  # asked as the designer opened
        live = screen._ask_input()  # F6
        last = screen._ask_input()  # F8
        screen.post_message(TestInputLoaded(TestInput('[{"last": 1}]', 1, "last execution"),
                                            last))
        await until(pilot, lambda: '"last"' in panel.input_text)
        screen.post_message(TestInputLoaded(TestInput('[{"live": 1}]', 1, "live"), live))
        screen.post_message(PinnedInputLoaded('[{"pinned": 1}]', pinned))
        await idle(pilot)
        assert '"last"' in panel.input_text, panel.input_text
        assert not any(n.title == "Live input" for n in app._notifications)


async def test_a_replaced_save_preview_or_dry_run_does_not_open(flows_file: Path) -> None:
    """F2 and F5 pressed again: the replaced thread's diff or report still arrives, after the
    newer one was answered. No second dialog opens with the older edits."""
    from console.runner.dry_run import DryRun
    from console.services.flows import save_preview
    from console.tui.messages import DryRunDone, SavePreviewed

    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        screen: Any = await open_card(pilot, "tab-mapping")
        editor = screen.query_one("#mapping-editor").query_one(TextArea)
        editor.text = editor.text.replace('"[&1].product_sku"', '"[&1].product_code"')
        await idle(pilot)
        older_flow, older_values = screen.edited_flow(), screen.values()
        preview = save_preview(flows_file, older_flow)
        await pilot.press("f2")
        await until(pilot, lambda: type(app.screen).__name__ == "SavePreviewScreen")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        screen.post_message(SavePreviewed(preview, older_flow, older_values,
                                          screen._save_asks - 1))
        screen._dry_runs += 1  # F5's dry run, replaced before it answered
        screen.post_message(DryRunDone(DryRun(error="the replaced dry run"), screen._dry_runs - 1))
        await idle(pilot)
        assert app.screen is screen, type(app.screen).__name__


async def test_versions_read_before_a_restore_do_not_replace_newer_ones(
        flows_file: Path) -> None:
    from console.services.history import History
    from console.tui.messages import VersionDiffed, VersionsLoaded
    from console.tui.saving import flush

    app = make_app(flows_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.screen.query_one(DataTable).row_count > 0)
        await pilot.press("e")
        flush()
        await until(pilot, lambda: not app.flows.flow("stock").enabled)
        await pilot.press("e")
        flush()
        await until(pilot, lambda: app.flows.flow("stock").enabled)
        await pilot.press("v")
        await until(pilot, lambda: type(app.screen).__name__ == "HistoryScreen")
        screen: Any = app.screen
        table = screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 3)
        table.move_cursor(row=1)
        await until(pilot, lambda: bool(screen.shown_diff))
        await idle(pilot)
        versions = History(flows_file).versions()
        shown_diff = screen.shown_diff
        # a read and a diff begun before the last save (read_at 1) answer last
        screen.post_message(VersionsLoaded(versions[1:], "elsewhere", 1))
        screen.post_message(VersionDiffed(versions[1].id, "-stale diff", 1))
        await idle(pilot)
        assert table.row_count == 3
        assert screen.shown_diff == shown_diff


async def test_an_older_alarms_read_or_runner_answer_does_not_replace_a_newer_one(
        flows_file: Path) -> None:
    from console.tui.messages import AlarmsFiring, RunnerStatus

    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.runner_text != "")
        await idle(pilot)
        older, newer = began(), began() + 10**12
        app.post_message(AlarmsFiring(["Stock Flow: no success in 1h"], newer))
        app.post_message(AlarmsFiring([], older))
        app.post_message(RunnerStatus("cluster: 2 hosts", read_at=newer))
        app.post_message(RunnerStatus("cluster: 1 host", read_at=older))
        await idle(pilot)
        assert app.firing == ["Stock Flow: no success in 1h"]
        assert app.runner_text == "cluster: 2 hosts"


async def test_a_write_answering_while_another_change_is_queued_keeps_it_shown(
        flows_file: Path) -> None:
    """`e` twice: the first write's answer arrives while the second change is still queued.
    The row keeps showing the second change (the flow enabled again), not the file as the
    first write left it."""
    import threading

    from console.flows import load
    from console.tui.saving import _WRITER, flush

    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count > 0 and table.get_row_at(0)[3] != "…")
        first_gate, second_gate = threading.Event(), threading.Event()
        try:
            _WRITER.submit(first_gate.wait)
            await pilot.press("e")
            _WRITER.submit(second_gate.wait)
            await pilot.press("e")
            assert app.flows.flow("stock").enabled is True
            first_gate.set()
            await until(pilot, lambda: any("disabled" in n.message
                                           for n in app._notifications))
            assert load(flows_file).flow("stock").enabled is False  # the first write landed
            assert app.flows.flow("stock").enabled is True  # the second change still shows
            await until(pilot, lambda: table.get_row_at(0)[3] != "…")
            assert table.get_row_at(0)[3] != "disabled"
        finally:
            first_gate.set()
            second_gate.set()
        flush()
        await until(pilot, lambda: any("enabled" in n.message for n in app._notifications))
        assert load(flows_file).flow("stock").enabled is True
        assert app.flows.flow("stock").enabled is True


async def test_two_refused_changes_leave_the_flows_as_the_file_has_them(
        flows_file: Path) -> None:
    """`e` twice, both queued before the first is written, while the file cannot be written:
    both are refused. The first refusal fell back to the flows before it, the second to the
    flows it was made on, which held the first (refused) change: the screen showed the flow
    disabled while the file kept it enabled."""
    import threading

    from console.tui.saving import _WRITER, flush

    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count > 0 and table.get_row_at(0)[3] != "…")
        original = flows_file.read_text()
        flows_file.unlink()
        flows_file.mkdir()  # a folder where the file was: every write fails, even for root
        gate = threading.Event()
        try:
            _WRITER.submit(gate.wait)
            await pilot.press("e", "e")
            gate.set()
            flush()
            await until(pilot, lambda: sum(n.title == "Not saved"
                                           for n in app._notifications) == 2)
            # checked before the file is back: its reload would put the flows right anyway
            assert app.flows.flow("stock").enabled is True
            await until(pilot, lambda: table.get_row_at(0)[3] != "…")
            assert table.get_row_at(0)[3] != "disabled"
        finally:
            gate.set()
            flows_file.rmdir()
            flows_file.write_text(original)


async def test_a_test_run_started_before_the_designers_settings_applies_them(
        flows_file: Path) -> None:
    """The designer applies the file's [runner.scripts] in a worker as it opens; a test run
    started at once can overtake it. The run then used the pool about to be replaced, which
    ends its calls in progress: the run applies the settings itself first."""
    import dataclasses

    import console.script
    from console.script import configure

    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        screen: Any = await open_card(pilot, "tab-script")
        await idle(pilot)
        wanted = dataclasses.asdict(app.flows.runner.scripts)
        wanted["workers"] = min(int(wanted.get("workers", 2)), 2)
        configure(workers=1, idle_s=5.0)  # the pool as it was before the designer's worker ran
        panel = screen.query_one("#script-test")
        panel.action_run()
        await until(pilot, lambda: ran(panel))
        assert str(panel.query_one(".meta", Static).render()).startswith("success")
        assert console.script._shared_settings == wanted
