"""Snapshots of the main screens at 80x24 and 120x40, with fixed data and clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.commands.init import demo_flows_text
from console.tui.app import ConsoleApp
from console.tui.settings import Settings

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ConsoleApp:
    monkeypatch.chdir(tmp_path)
    text = demo_flows_text().replace('listen = "127.0.0.1:8800"', 'listen = "127.0.0.1:9"')
    Path("flows.toml").write_text(text, encoding="utf-8")
    return ConsoleApp("flows.toml", start_runner=False, clock=lambda: NOW, settings=Settings())


async def settle(pilot: object) -> None:
    await pilot.app.workers.wait_for_complete()  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


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
