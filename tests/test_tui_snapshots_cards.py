"""Snapshots of the designer's code cards with their test panels run, the dry run and the stock
browser, at 80x24 and 120x40. Data and clock are fixed: the sandbox is seeded, a script's
duration is pinned, and the sandbox's free port is shown as the demo's."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from console.sandbox import Sandbox
from console.tui.app import ConsoleApp
from console.tui.settings import Settings
from tests.conftest import demo_flows_for
from tests.console_pilot import settle, until
from tests.test_tui_order_script import ORDER_SCRIPT

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def app(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ConsoleApp:
    import console.runner.dry_run
    import console.script

    monkeypatch.chdir(tmp_path)
    path = demo_flows_for(sandbox, tmp_path)
    # No runner listens on port 9: the header's runner line is the same on every run.
    path.write_text(re.sub(r'listen = "127\.0\.0\.1:\d+"', 'listen = "127.0.0.1:9"',
                           path.read_text(encoding="utf-8")), encoding="utf-8")
    real_run = console.script.run

    def run_in_no_time(*args: Any, **kwargs: Any) -> Any:
        outcome = real_run(*args, **kwargs)
        outcome.duration_s = 0.0
        return outcome

    monkeypatch.setattr(console.script, "run", run_in_no_time)
    monkeypatch.setattr(console.runner.dry_run, "now", lambda: NOW)
    return ConsoleApp("flows.toml", start_runner=False, clock=lambda: NOW, settings=Settings())


def steady(before: Any) -> Any:
    """``before``, then without its toasts: they time out, a snapshot must not."""

    async def run(pilot: Any) -> None:
        await before(pilot)
        pilot.app.clear_notifications()
        await settle(pilot)

    return run


async def open_card(pilot: Any, flow_id: str, tab: str) -> Any:
    await settle(pilot)
    pilot.app.screen.select(flow_id)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert screen.flow.id == flow_id
    screen.query_one("#cards").active = tab
    await settle(pilot)
    return screen


async def run_test_panel(pilot: Any) -> None:
    await pilot.press("ctrl+r")
    await settle(pilot)
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_script_card_with_its_test_run(snap_compare: Any, app: ConsoleApp,
                                       size: tuple[int, int]) -> None:
    async def before(pilot: Any) -> None:
        await open_card(pilot, "stock", "tab-script")
        await run_test_panel(pilot)

    assert snap_compare(app, terminal_size=size, run_before=steady(before))


@pytest.mark.parametrize("size", SIZES)
def test_write_card_with_the_order_script_test(snap_compare: Any, app: ConsoleApp,
                                               size: tuple[int, int]) -> None:
    from textual.widgets import TextArea

    async def before(pilot: Any) -> None:
        screen = await open_card(pilot, "order_status", "tab-write")
        screen.query_one("#order-editor").query_one(TextArea).text = ORDER_SCRIPT
        await settle(pilot)
        await run_test_panel(pilot)

    assert snap_compare(app, terminal_size=size, run_before=steady(before))


@pytest.mark.parametrize("size", SIZES)
def test_oms_card(snap_compare: Any, app: ConsoleApp, size: tuple[int, int]) -> None:
    async def before(pilot: Any) -> None:
        await open_card(pilot, "oms_stock", "tab-oms")

    assert snap_compare(app, terminal_size=size, run_before=steady(before))


@pytest.mark.parametrize("size", SIZES)
def test_pre_script_card_with_its_test_run(snap_compare: Any, app: ConsoleApp,
                                           size: tuple[int, int]) -> None:
    async def before(pilot: Any) -> None:
        await open_card(pilot, "oms_stock", "tab-pre-script")
        await run_test_panel(pilot)

    assert snap_compare(app, terminal_size=size, run_before=steady(before))


@pytest.mark.parametrize("size", SIZES)
def test_post_script_card_with_its_test_run(snap_compare: Any, app: ConsoleApp,
                                            size: tuple[int, int]) -> None:
    async def before(pilot: Any) -> None:
        await open_card(pilot, "oms_stock", "tab-post-script")
        await run_test_panel(pilot)

    assert snap_compare(app, terminal_size=size, run_before=steady(before))


@pytest.mark.parametrize("size", SIZES)
def test_dry_run(snap_compare: Any, app: ConsoleApp, sandbox: Sandbox,
                 size: tuple[int, int]) -> None:
    async def before(pilot: Any) -> None:
        await open_card(pilot, "stock", "tab-config")
        await pilot.press("f5")
        await settle(pilot)
        await settle(pilot)
        screen = pilot.app.screen
        assert type(screen).__name__ == "DryRunScreen"
        # The sandbox listens on a free port: show it as the demo's, so the picture is stable.
        steps = screen.report.steps
        screen.report.steps = [(s, t.replace(sandbox.erp_url, "http://127.0.0.1:8802"))
                               for s, t in steps]
        await screen.recompose()
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=steady(before))


@pytest.mark.parametrize("size", SIZES)
def test_stock_browser(snap_compare: Any, app: ConsoleApp, size: tuple[int, int]) -> None:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("S")
        await until(pilot, lambda: type(pilot.app.screen).__name__ == "StockBrowserScreen")
        table = pilot.app.screen.query_one("#stock")
        await until(pilot, lambda: table.row_count > 0)
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=steady(before))
