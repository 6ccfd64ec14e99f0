"""The console end to end with Pilot: flows, designer, tests, save, trigger, logs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from console_pilot import idle, open_card, palette_lists, ran, save_in_designer, until
from textual.widgets import DataTable, Static, TextArea

from console.flows import load
from console.runner.service import RunnerService
from console.sandbox import Sandbox
from console.tui.app import ConsoleApp
from console.tui.saving import flush
from console.tui.settings import Settings

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def make_app(path: Path) -> ConsoleApp:
    return ConsoleApp(path, start_runner=False, clock=lambda: NOW, settings=Settings())


async def test_flows_screen_lists_every_flow_with_next_run(flows_file: Path) -> None:
    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(DataTable)
        # next runs are worked out in a worker: "…" until its message arrives
        await until(pilot, lambda: table.row_count > 0 and table.get_row_at(0)[3] != "…")
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert [r[0] for r in rows] == [f.name for f in app.config.flows]  # type: ignore[union-attr]
        stock, xml, push = rows[0], rows[1], rows[2]
        assert stock[1:4] == ["stock in", "*/5 * * * *", "11-24 12:05"]
        assert (xml[3], push[1], push[3]) == ("disabled", "stock out", "on request")


async def test_filter_narrows_the_table(flows_file: Path) -> None:
    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", "o", "r", "d", "e", "r", "enter")
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 2)
        assert [table.get_row_at(i)[0] for i in range(table.row_count)] == \
            ["Order Status Flow", "Orders to ERP"]


async def test_enable_toggle_and_schedule_are_saved_to_the_file(flows_file: Path) -> None:
    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        flush()  # the file is written off the event loop
        assert load(flows_file).flow("stock").enabled is False
        await pilot.press("s")
        await until(pilot, lambda: bool(app.screen.query("#cron")))
        cron = app.screen.query_one("#cron")
        cron.value = "0 3 * * 1-5"  # type: ignore[attr-defined]
        await pilot.pause()
        about = str(app.screen.query_one("#about", Static).render())
        assert "at 03:00, on Monday to Friday" in about and "next runs:" in about
        cron.value = "61 * * * *"  # type: ignore[attr-defined]
        await pilot.pause()
        assert "invalid cron" in str(app.screen.query_one("#about", Static).render())
        cron.value = "0 3 * * 1-5"  # type: ignore[attr-defined]
        await pilot.press("enter")
        flush()  # the file is written off the event loop
        assert load(flows_file).flow("stock").schedule == "0 3 * * 1-5"


async def test_mapping_change_test_and_save(flows_file: Path) -> None:
    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_card(pilot, "tab-mapping")
        editor = screen.query_one("#mapping-editor").query_one(TextArea)
        editor.text = editor.text.replace('"[&1].product_sku"', '"[&1].product_code"')
        panel = screen.query_one("#mapping-test")
        panel.query_one(".input", TextArea).text = '[{"sku": "A1", "qty": 3, "unit_type": "qty"}]'
        await pilot.pause()
        panel.action_run()  # type: ignore[attr-defined]
        await until(pilot, lambda: ran(panel))
        result = panel.query_one(".result", TextArea).text
        assert '"product_code": "A1"' in result
        await save_in_designer(pilot)
        assert "product_code" in (load(flows_file).flow("stock").mapping.spec)  # type: ignore[union-attr]


async def test_ctrl_r_in_the_mapping_editor_maps_what_the_script_makes_of_the_input(
        flows_file: Path) -> None:
    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#script-test").input_text = (  # type: ignore[attr-defined]
            '[{"sku": "A", "qty": 2, "unit_type": "qty"}, {"sku": "B", "qty": -1}]')
        screen.query_one("#cards").active = "tab-mapping"  # type: ignore[attr-defined]
        await pilot.pause()
        editor = screen.query_one("#mapping-editor").query_one(TextArea)
        editor.focus()
        editor.text = editor.text.replace('"[&1].stock"', '"[&1].quantity"')
        await pilot.pause()
        panel = screen.query_one("#mapping-test")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: ran(panel))
        meta = str(panel.query_one(".meta", Static).render())
        result = json.loads(panel.query_one(".result", TextArea).text or "null")
        assert result == [{"product_sku": "A", "quantity": 2, "unit_type": "qty"}], meta
        assert '"sku": "B"' not in panel.input_text  # type: ignore[attr-defined]
        panel.input_text = '[{"sku": "B", "qty": -1}]'  # type: ignore[attr-defined]
        panel.query_one(".input", TextArea).insert(" ")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: ran(panel))
        result = json.loads(panel.query_one(".result", TextArea).text)
        assert result == [{"product_sku": "B", "quantity": -1}]


async def test_broken_mapping_is_diagnosed_and_not_saved(flows_file: Path) -> None:
    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        editor = screen.query_one("#mapping-editor")
        editor.query_one(TextArea).text = '[{"operation": "shift", "spec": {"*": {"sku": 5}}}]'
        await until(pilot, lambda: "[0].spec.*.sku" in str(
            editor.query_one(".diagnostics", Static).render()))
        before = flows_file.read_text()
        await pilot.press("f2")
        flush()  # the file is written off the event loop
        await pilot.pause()
        assert flows_file.read_text() == before
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmScreen"
        await pilot.press("y")
        await pilot.pause()
        assert type(app.screen).__name__ == "FlowsScreen"


async def test_order_status_script_test_shows_result_and_attributes(flows_file: Path) -> None:
    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(DataTable)
        table.move_cursor(row=3)
        screen = await open_card(pilot, "tab-script")
        panel = screen.query_one("#script-test")
        await idle(pilot)  # the designer's settings and pinned input, read as it opens
        panel.action_run()  # type: ignore[attr-defined]
        await until(pilot, lambda: ran(panel))
        result = panel.query_one(".result", TextArea).text
        meta = str(panel.query_one(".meta", Static).render())
        assert '"order": "ORD-000002"' in result and '"product"' not in result, meta
        assert meta.startswith("success") and "token.erp = test-token" in meta
        # the script's output becomes the mapping's input when its Finished message is handled
        mapping = screen.query_one("#mapping-test")
        await until(pilot, lambda: '"orderitems"' in mapping.input_text)  # type: ignore[attr-defined]
        mapping_input = mapping.input_text  # type: ignore[attr-defined]
        assert '"orderitems"' in mapping_input


async def test_trigger_runs_the_flow_and_shows_per_row_logs(flows_file: Path,
                                                            runner: RunnerService,
                                                            sandbox: Sandbox) -> None:
    app = ConsoleApp(flows_file, start_runner=False, clock=lambda: NOW, settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        # the runner is looked for in a worker started after the first refresh
        await until(pilot, lambda: "attached to console serve" in app.sub_title)
        await pilot.press("t")
        await until(pilot, lambda: type(app.screen).__name__ == "ExecutionLogScreen")
        screen = app.screen
        runner.runner.wait(timeout=60)
        screen.polling.pause()  # type: ignore[attr-defined]  # no poll may race the reload
        await app.workers.wait_for_complete()
        screen.load()  # type: ignore[attr-defined]
        summary = screen.query_one("#summary", Static)
        await until(pilot, lambda: "PARTIAL" in str(summary.render()))
        assert "failed" in str(summary.render())
        view = screen.query_one("#rows")
        await until(pilot, lambda: view.total > 1000)  # type: ignore[attr-defined]
        await pilot.press("x")
        await until(pilot, lambda: view.level == "error"  # type: ignore[attr-defined]
                    and view.total == screen.execution.failed)  # type: ignore[attr-defined]


async def test_dry_run_and_live_input_read_the_erp_without_writing(flows_file: Path,
                                                                  sandbox: Sandbox) -> None:
    from console.runner.dry_run import dry_run

    before = sandbox.stocks(1)
    report = dry_run(load(flows_file), "stock")
    assert report.error is None
    assert [s for s, _ in report.steps] == ["login", "read", "script", "mapping",
                                            "write (not sent)"]
    assert report.rows and all(r["stock_list"] == 1 and "product_sku" in r for r in report.rows)
    assert sandbox.stocks(1) == before
    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_card(pilot, "tab-script")
        app.screen.query_one("#script-editor").query_one(TextArea).focus()
        panel = app.screen.query_one("#script-test")
        await pilot.press("f6")
        await until(pilot, lambda: '"sku": "SKU-' in panel.input_text)  # type: ignore[attr-defined]
        await pilot.press("f5")
        await until(pilot, lambda: type(app.screen).__name__ == "DryRunScreen")
        texts = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert "row(s) would be written" in texts
    assert sandbox.stocks(1) == before


async def test_command_palette_lists_every_flow_action(flows_file: Path) -> None:
    from textual.command import CommandPalette

    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        for char in "schedule order":
            await pilot.press("space" if char == " " else char)
        await until(pilot, lambda: palette_lists(app, "Schedule Order Status Flow"))
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "ScheduleScreen")
        assert app.screen.flow.id == "order_status"  # type: ignore[attr-defined]


async def test_pinned_sample_and_last_execution_input(flows_file: Path, sandbox: Sandbox) -> None:
    from console.runner import ExecutionStore, Runner

    config = load(flows_file)
    with Runner(config, ExecutionStore(config.store_path())) as runner:
        runner.run("stock", {"sku": "SKU-000003"})
    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await until(pilot, lambda: bool(app.screen.query("#script-test")))
        await idle(pilot)  # the designer reads its pinned input as it opens
        await pilot.press("f8")
        panel = app.screen.query_one("#script-test")
        await until(pilot, lambda: '"sku": "SKU-000003"' in panel.input_text)  # type: ignore[attr-defined]
        panel.input_text = '[{"sku": "PINNED", "qty": 1}]'  # type: ignore[attr-defined]
        await pilot.press("f7")
        await idle(pilot)  # the pin is written by a worker
    again = make_app(flows_file)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await until(pilot, lambda: bool(again.screen.query("#script-test")) and "PINNED" in
                    again.screen.query_one("#script-test").input_text)  # type: ignore[attr-defined]
    assert "PINNED" not in flows_file.read_text()


async def test_a_save_the_file_refuses_is_undone_on_screen(flows_file: Path) -> None:
    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        original = flows_file.read_text()
        flows_file.unlink()
        flows_file.mkdir()  # a folder where the file was: the write fails, even for root
        await pilot.press("e")
        flush()  # the file is written off the event loop
        # the refusal comes back as a message: wait until the screen has taken it
        await until(pilot, lambda: any(n.title == "Not saved" for n in app._notifications))
        flows_file.rmdir()
        flows_file.write_text(original)
        assert app.config.flow("stock").enabled is True  # type: ignore[union-attr]
        assert load(flows_file).flow("stock").enabled is True
        table = app.screen.query_one(DataTable)
        assert table.get_row_at(0)[3] != "disabled"


async def test_a_summary_of_a_save_since_undone_never_shows(flows_file: Path) -> None:
    """The toggle starts a summary of the disabled flow; the refused write undoes the toggle.
    Whichever comes first, the undone state never shows in the row."""
    from dataclasses import replace

    from console.services.flows import summaries
    from console.tui.messages import FlowsSummarized

    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        table = screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count > 0 and table.get_row_at(0)[3] == "11-24 12:05")
        enabled = app.config
        assert enabled is not None
        disabled = enabled.with_flow(replace(enabled.flow("stock"), enabled=False))
        late = {s.id: s for s in summaries(disabled, NOW)}
        # the summary arrives while the toggle still shows, then the toggle is undone
        screen.set_config(disabled)  # type: ignore[attr-defined]
        screen.post_message(FlowsSummarized(disabled, late, None))
        await until(pilot, lambda: table.get_row_at(0)[3] == "disabled")
        screen.set_config(enabled)  # type: ignore[attr-defined]
        assert table.get_row_at(0)[3] == "…"
        # or it arrives after the undo
        screen.post_message(FlowsSummarized(disabled, late, None))
        await idle(pilot)
        assert table.get_row_at(0)[3] == "11-24 12:05"


async def test_escape_climbs_from_an_editor_to_the_tabs_then_back_to_the_flows(
        flows_file: Path) -> None:
    from textual.widgets import Tabs

    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_card(pilot, "tab-mapping")
        app.screen.query_one("#mapping-test").query_one(".input", TextArea).focus()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.focused, Tabs)
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "FlowsScreen"


async def test_an_edit_queued_as_the_read_card_goes_is_dropped(flows_file: Path) -> None:
    """Escape out of the designer while the read card still had an edit queued: its URL
    preview looked for fields already removed and the console reported a failure."""
    from console.tui.widgets.form_fields import FormFields
    from console.tui.widgets.read_card import ReadCard

    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_card(pilot, "tab-read")
        card = screen.query_one(ReadCard)
        await card.query_one(FormFields).remove()
        card.preview()  # what a queued edit does: raised NoMatches before
        await pilot.pause()
        assert not [n for n in app._notifications if "failed" in n.title.lower()]


async def test_a_test_run_right_after_typing_runs_the_text_as_typed(flows_file: Path) -> None:
    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_card(pilot, "tab-script")
        editor = screen.query_one("#script-editor").query_one(TextArea)
        editor.text = "def transform(data, attributes):\n    raise ValueError('boom')\n"
        panel = screen.query_one("#script-test")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: ran(panel))
        meta = str(panel.query_one(".meta", Static).render())
        assert meta.startswith("failure") and "ValueError: boom" in meta


async def test_saving_keeps_changes_made_to_the_file_while_the_console_was_open(
        flows_file: Path) -> None:
    from console.tui.saving import flush

    app = make_app(flows_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = flows_file.read_text()
        flows_file.write_text(text.replace('name = "Order Status Flow"', 'name = "Orders (vim)"'))
        await pilot.press("e", "e", "e")
        flush()
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert table.get_row_at(3)[0] == "Orders (vim)"
    saved = load(flows_file)
    assert saved.flow("stock").enabled is False
    assert saved.flow("order_status").name == "Orders (vim)"
