"""Themes: the bundled files, user files with mistakes, and editors that follow the choice."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import TextArea

from console.commands.init import demo_flows_text
from console.tui.app import ConsoleApp
from console.tui.settings import Settings
from console.tui.themes import bundled_themes_dir, load_theme
from tests.console_pilot import idle, until


def test_bundled_themes_load_and_a_bad_user_theme_says_what_is_wrong(tmp_path: Path) -> None:
    names = {load_theme(path).name for path in bundled_themes_dir().glob("*.toml")}  # type: ignore[union-attr]
    assert {"console-dark", "console-light", "console-ansi"} <= names
    bad = tmp_path / "mine.toml"
    bad.write_text('name = "mine"\nprimary = "#123456"\neditor = "solarized"\n')
    assert load_theme(bad) == (f"{bad}: editor: expected one of css, monokai, dracula, "
                               "vscode_dark, github_light, found 'solarized'")
    bad.write_text('name = "mine"\n')
    assert load_theme(bad) == f"{bad}: a theme needs at least name and primary"


async def test_editors_follow_the_theme_and_the_choice_is_remembered(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    path = tmp_path / "flows.toml"
    path.write_text(demo_flows_text().replace("127.0.0.1:8800", "127.0.0.1:9"), encoding="utf-8")
    app = ConsoleApp(path, start_runner=False, settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await until(pilot, lambda: bool(app.screen.query(TextArea)))
        editors = list(app.screen.query(TextArea))
        assert editors and {e.theme for e in editors} == {"css"}
        app.theme = "console-light"
        await pilot.pause()
        assert {e.theme for e in editors} == {"github_light"}
        app.theme = "console-ansi"
        await pilot.pause()
        assert {e.theme for e in editors} == {"console-ansi"}
        await idle(pilot)  # the settings are written by a worker
    assert Settings.load().theme == "console-ansi"
