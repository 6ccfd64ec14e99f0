"""The console's first screen is painted once, whole, before the start-up reads begin.

The flows table is drawn first already focused, with its screen already classed for the
terminal's width (a focus or a class arriving after that restyles and paints every row again),
the footer's keys are styled once each, and the workers that read the runner, the health and
the summaries start only once the footer shows its keys: started sooner, they held the GIL
while the first screen painted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.strip import Strip
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from console.tui.app import ConsoleApp
from console.tui.screens.flows import FlowsScreen
from console.tui.settings import Settings
from console.tui.widgets.footer import KeyFooter
from console.tui.widgets.table import Table
from tests.console_pilot import until
from tests.test_tui_flows_screen import demo_file


@pytest.mark.parametrize(("width", "wide"), [(80, False), (120, True)])
async def test_the_table_is_first_drawn_focused_on_a_screen_classed_for_its_width(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, width: int, wide: bool) -> None:
    first: list[tuple[bool, bool, bool]] = []
    draw = Table.render_lines

    def drawn(table: Table, crop: Any) -> list[Strip]:
        if not first and table.row_count:
            screen = table.screen
            first.append((table.has_focus, screen.has_class("-wide"),
                          screen.has_class("-narrow")))
        return draw(table, crop)

    monkeypatch.setattr(Table, "render_lines", drawn)
    app = ConsoleApp(demo_file(tmp_path), start_runner=False, settings=Settings())
    async with app.run_test(size=(width, 30)) as pilot:
        await until(pilot, lambda: bool(first))
        assert first == [(True, wide, not wide)]
        assert isinstance(app.screen, FlowsScreen)
        assert app.screen.has_class("-wide") is wide


async def test_the_start_up_reads_begin_once_the_footer_shows_its_keys(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keys_then: dict[str, int] = {}

    def noted(name: str, method: Any) -> Any:
        def start(node: Any) -> Any:
            keys_then.setdefault(name, len(node.app.screen.query(FooterKey)))
            return method(node)
        return start

    monkeypatch.setattr(ConsoleApp, "connect_runner",
                        noted("runner", ConsoleApp.connect_runner))
    monkeypatch.setattr(ConsoleApp, "read_start_health",
                        noted("health", ConsoleApp.read_start_health))
    monkeypatch.setattr(FlowsScreen, "refresh_summary",
                        noted("summary", FlowsScreen.refresh_summary))
    app = ConsoleApp(demo_file(tmp_path), start_runner=False, settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(keys_then) == 3)
        assert all(count > 0 for count in keys_then.values()), keys_then


def _keys_app(footer: type[Footer], compact: bool) -> App[None]:
    class Keys(App[None]):
        BINDINGS = [Binding("a", "bell", "Alpha", id="keys.a"),
                    Binding("b", "bell", "Beta", id="keys.b")]

        def compose(self) -> ComposeResult:
            yield footer(compact=compact)

    return Keys()


@pytest.mark.parametrize("compact", [False, True])
async def test_footer_keys_are_styled_once_and_end_as_textuals_own(
        monkeypatch: pytest.MonkeyPatch, compact: bool) -> None:
    """Each key used to arrive compact and then take the footer's setting, restyled both
    times; the keys end the same as in Textual's footer, restyled only by what changes later."""

    def shown(app: App[None]) -> list[tuple[str, bool, list[str]]]:
        return [(key.key, key.compact, sorted(key.classes))
                for key in app.screen.query("FooterKey").results(FooterKey)]

    async def keys_of(footer: type[Footer]) -> list[tuple[str, bool, list[str]]]:
        app = _keys_app(footer, compact)
        async with app.run_test() as pilot:
            await until(pilot, lambda: len(app.screen.query("FooterKey")) >= 2)
            return shown(app)

    textuals = await keys_of(Footer)
    restyled: list[str] = []
    restyle = FooterKey.update_node_styles

    def counted(key: FooterKey, animate: bool = True) -> None:
        restyled.append(key.key)
        restyle(key, animate)

    monkeypatch.setattr(FooterKey, "update_node_styles", counted)
    ours = await keys_of(KeyFooter)
    assert ours == textuals
    assert [key for key in restyled if key in ("a", "b")] == []


@pytest.mark.parametrize("theme", ["console-light", "console-ansi", "console-dark"])
async def test_a_theme_chosen_in_the_settings_styles_the_start_as_choosing_it_later_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, theme: str) -> None:
    """The settings' theme is in the stylesheet before anything is parsed, so the start does
    not parse it all a second time: what it paints is what switching to it paints."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    path = demo_file(tmp_path)

    def styles(app: ConsoleApp) -> list[tuple[str, str, str, str]]:
        return [(type(node).__name__, str(node.id), str(node.styles.color),
                 str(node.styles.background)) for node in app.screen.walk_children(with_self=True)]

    async def painted(app: ConsoleApp, switch_to: str | None) -> list[tuple[str, str, str, str]]:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: bool(app.screen.query("FooterKey")))
            if switch_to is not None:
                app.theme = switch_to
                await pilot.pause()
            assert app.theme == theme
            return styles(app)

    chosen = await painted(ConsoleApp(path, start_runner=False, settings=Settings(theme=theme)),
                           None)
    other = "console-dark" if theme != "console-dark" else "console-light"
    switched = await painted(ConsoleApp(path, start_runner=False, settings=Settings(theme=other)),
                             theme)
    assert chosen == switched
