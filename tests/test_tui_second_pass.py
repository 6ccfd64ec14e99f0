"""What a new user hit on the console's first pass, each shown fixed: help that closes, worker
errors that are said once, flows reloaded from disk, the designer's focus and zoom, inputs that
say where they came from, progress texts that do not mislead."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from console_pilot import save_in_designer, until
from textual.widgets import DataTable, Static, Tabs

from console.commands.init import demo_flows_text
from console.tui.app import ConsoleApp
from console.tui.settings import Settings

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def demo(tmp_path: Path, *replace: tuple[str, str]) -> Path:
    text = demo_flows_text().replace('listen = "127.0.0.1:8800"', 'listen = "127.0.0.1:9"')
    for old, new in replace:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "flows.toml"
    path.write_text(text, encoding="utf-8")
    return path


def make_app(path: Path) -> ConsoleApp:
    return ConsoleApp(path, start_runner=False, clock=lambda: NOW, settings=Settings())


def notes(app: ConsoleApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_question_mark_and_escape_close_the_help_and_the_screen_keys_come_first(
        tmp_path: Path) -> None:
    from console.tui.widgets.key_help import KeyHelp, key_rows

    app = make_app(demo(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.query(KeyHelp)
        groups = [group for group, _keys, _text in key_rows(app.screen)]
        assert groups[0] == "this screen" and "Trigger" in [t for _g, _k, t in
                                                          key_rows(app.screen)][:3]
        await pilot.press("question_mark")
        await pilot.pause()
        assert not app.screen.query(KeyHelp)
        await pilot.press("question_mark")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not app.screen.query(KeyHelp)
        await pilot.press("escape")  # with the help closed, escape is the screen's again
        await pilot.pause()
        assert type(app.screen).__name__ == "FlowsScreen"


async def test_an_unreadable_store_is_said_once_and_next_runs_still_show(tmp_path: Path) -> None:
    (tmp_path / "blocked").write_text("a file where the store's folder should be")
    path = demo(tmp_path, ('store = ".console/console.db"', 'store = "blocked/console.db"'))
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await until(pilot, lambda: any("cannot open the execution store" in n
                                       for n in notes(app)))
        screen.refresh_summary()  # type: ignore[attr-defined]  # the next poll fails the same way
        await until(pilot, lambda: not app.workers._workers)
        said = [n for n in notes(app) if "cannot open the execution store" in n]
        assert len(said) == 1 and "blocked/console.db" in said[0]
        table = screen.query_one(DataTable)
        assert table.get_row_at(0)[3] == "11-24 12:05"  # not stuck at "…"


async def test_the_flows_screen_reloads_when_flows_toml_changes_on_disk(tmp_path: Path) -> None:
    path = demo(tmp_path)
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        path.write_text(path.read_text(encoding="utf-8").replace(
            'name = "Stock Flow"', 'name = "Stock Renamed"'), encoding="utf-8")
        app._check_flows_file()  # what the one-second check does
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.get_row_at(0)[0] == "Stock Renamed")
        assert app.flows.flow("stock").name == "Stock Renamed"
        assert any("changed on disk: reloaded" in n for n in notes(app))
        path.write_text("[omnitron\n", encoding="utf-8")  # broken: the last good flows stay
        app._check_flows_file()
        await until(pilot, lambda: any("still showing the last good version" in n
                                       for n in notes(app)))
        assert table.get_row_at(0)[0] == "Stock Renamed"


async def test_the_designer_opens_with_the_card_tabs_focused_and_f9_zooms_the_editor(
        tmp_path: Path) -> None:
    app = make_app(demo(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "DesignerScreen")
        assert isinstance(app.focused, Tabs)
        app.screen.query_one("#cards").active = "tab-script"  # type: ignore[attr-defined]
        await pilot.pause()
        editor = app.screen.query_one("#script-editor")
        narrow = editor.size.width
        await pilot.press("f9")
        await pilot.pause()
        assert not app.screen.query_one("#script-test").display
        assert editor.size.width > narrow + 20
        line = str(editor.query_one(".diagnostics", Static).render())
        assert "escape leaves the editor" in line


async def test_f8_loads_the_last_executions_input_under_its_own_title(tmp_path: Path) -> None:
    from console.flows import load
    from console.store.sqlite import ExecutionStore

    path = demo(tmp_path)
    store = ExecutionStore(load(path).store_path())
    execution = store.create("stock", "manual", {}, "ops")
    store.save_sample(execution.id, "stock", [{"sku": "LAST-1", "qty": 4}])
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "DesignerScreen")
        await pilot.press("f8")
        await until(pilot, lambda: any("read by the last execution" in n for n in notes(app)))
        titles = [n.title for n in app._notifications]
        assert "Last execution's input" in titles and "Live input" not in titles
        assert "LAST-1" in app.screen.query_one("#script-test").input_text  # type: ignore[attr-defined]


def test_progress_does_not_ask_for_total_path_when_the_flow_has_one() -> None:
    from console.store.records import Execution
    from console.tui.progress import progress_line

    running = Execution("e", "stock", "manual", {}, "ops", "processing", 0, 0, 0,
                        "2026-11-24T09:00:00+00:00", None, None, records_read=40)
    assert "set total_path" in (progress_line(running) or "")
    with_path = progress_line(running, "count") or ""
    assert "set total_path" not in with_path and "'count'" in with_path


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_help_snapshot(snap_compare: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                       size: tuple[int, int]) -> None:
    monkeypatch.chdir(tmp_path)
    demo(tmp_path)
    app = make_app(Path("flows.toml"))  # relative: the header shows it, the same every run

    async def open_help(pilot: object) -> None:
        from tests.console_pilot import settle

        # the runner's line and the next runs come from workers started after the first refresh
        await settle(pilot)
        await pilot.press("question_mark")  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=open_help)  # type: ignore[operator]


async def test_saving_a_script_change_leaves_the_untouched_mapping_byte_for_byte(
        tmp_path: Path) -> None:
    from console_pilot import open_card
    from textual.widgets import TextArea

    from console.tui.saving import flush

    path = demo(tmp_path)
    before = path.read_text(encoding="utf-8")
    start = before.index("[flows.order_status.mapping]")
    mapping = before[start:before.index("'''\n", before.index("spec = '''", start) + 10) + 4]
    assert mapping.endswith("]\n'''\n")
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_card(pilot, "tab-script", row=3)
        editor = screen.query_one("#script-editor").query_one(TextArea)
        editor.text = "# checked\n" + editor.text
        await save_in_designer(pilot)
        flush()  # the file is written off the event loop
        await until(pilot, lambda: any("saved to" in n for n in notes(app)))
    after = path.read_text(encoding="utf-8")
    assert "# checked" in after and mapping in after
    assert len(after) == len(before) + len("# checked\n")


async def test_no_color_with_the_ansi_theme_uses_the_terminals_own_colours(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.filter import Monochrome, NoColor

    monkeypatch.setenv("NO_COLOR", "1")
    app = ConsoleApp(demo(tmp_path), start_runner=False, clock=lambda: NOW,
                     settings=Settings(theme="console-ansi"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == "console-ansi"
        filters = app._filters
        assert any(isinstance(f, NoColor) for f in filters)
        assert not any(isinstance(f, Monochrome) for f in filters)


@pytest.fixture
def stranger() -> Iterator[int]:
    """A program that is neither the sandbox nor a runner, listening on a free port."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock.getsockname()[1]
    sock.close()


def test_a_sandbox_port_taken_by_another_program_is_said_in_full(tmp_path: Path,
                                                                  stranger: int) -> None:
    from console.flows import load
    from console.tui.sandbox_link import start_sandbox

    path = demo(tmp_path, ("http://127.0.0.1:8801", f"http://127.0.0.1:{stranger}"))
    with pytest.raises(RuntimeError) as raised:
        start_sandbox(load(path), tmp_path / "sandbox")
    text = str(raised.value)
    assert f"port {stranger} (the sandbox Omnitron) is taken by another program" in text
    assert "Stop that program" in text


async def test_a_runner_address_taken_by_another_program_is_said_in_full(
        tmp_path: Path, stranger: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from console.tui import runner_link

    # the stranger never answers: asking it for /health lasts as long as this allows
    monkeypatch.setattr(runner_link, "HEALTH_TIMEOUT_S", 0.5)
    path = demo(tmp_path, ('listen = "127.0.0.1:9"', f'listen = "127.0.0.1:{stranger}"'))
    app = ConsoleApp(path, start_runner=True, clock=lambda: NOW, settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: any("is taken by a program that is not a console runner"
                                       in n for n in notes(app)))
        said = next(n for n in notes(app) if "not a console runner" in n)
        assert f"127.0.0.1:{stranger} ([runner] listen in flows.toml)" in said
        assert "runner unavailable (see the message)" in app.sub_title
        await pilot.press("t")  # a trigger says why it cannot run, instead of nothing
        await until(pilot, lambda: any("not triggered" in n for n in notes(app)))


def test_an_html_answer_is_described_not_dumped() -> None:
    from console.omnitron.errors import describe_body

    text = describe_body("<!DOCTYPE HTML PUBLIC><html><body>Not Found</body></html>")
    assert "<" not in text and "[omnitron] url" in text


async def test_the_palette_lists_each_flows_trigger_schedule_and_executions(
        tmp_path: Path) -> None:
    from console.tui.palette import FlowCommands

    app = make_app(demo(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        provider = FlowCommands(app.screen)
        shown = [hit.display for hit in [h async for h in provider.discover()]]
        for verb in ("Open", "Trigger", "Schedule", "Executions of"):
            assert f"{verb} Stock Flow" in [str(text) for text in shown]
        await pilot.press("ctrl+p")
        await pilot.press(*"Executions of Order")
        await until(pilot, lambda: "Executions of Order Status Flow" in str(
            app.screen.query_one("CommandList").get_option_at_index(0).prompt))
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "ExecutionsScreen")
        assert app.screen.flow.id == "order_status"  # type: ignore[attr-defined]


async def test_f2_shows_the_diff_of_flows_toml_and_writes_only_on_yes(tmp_path: Path) -> None:
    from console_pilot import open_card
    from textual.widgets import TextArea

    from console.tui.saving import flush

    path = demo(tmp_path)
    before = path.read_text(encoding="utf-8")
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_card(pilot, "tab-script")
        editor = screen.query_one("#script-editor").query_one(TextArea)
        editor.text = "# reviewed\n" + editor.text
        await pilot.press("f2")
        await until(pilot, lambda: type(app.screen).__name__ == "SavePreviewScreen")
        preview = app.screen.preview  # type: ignore[attr-defined]
        assert (preview.added, preview.removed) == (1, 0)
        assert "+# reviewed" in preview.diff and "flows.toml (saved)" in preview.diff
        await pilot.press("n")  # back to the designer, nothing written
        await until(pilot, lambda: type(app.screen).__name__ == "DesignerScreen")
        flush()
        assert path.read_text(encoding="utf-8") == before
        await pilot.press("f2")
        await until(pilot, lambda: type(app.screen).__name__ == "SavePreviewScreen")
        await pilot.press("y")
        flush()
        await until(pilot, lambda: any("saved to" in n for n in notes(app)))
    assert path.read_text(encoding="utf-8").count("# reviewed") == 1
