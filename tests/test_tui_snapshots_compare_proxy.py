"""Snapshots of the full stock and proxy flows' designer cards at 80x24: the Compare card, the
proxy's Pre-script and Post-script cards with their test panels run, and the full stock dry
run against the seeded sandbox."""

from __future__ import annotations

from typing import Any

from console.sandbox import Sandbox
from console.tui.app import ConsoleApp
from tests.test_tui_snapshots_cards import (  # noqa: F401 - app is a fixture
    app,
    open_card,
    run_test_panel,
    settle,
    steady,
)

SIZE = (80, 24)


def test_compare_card(snap_compare: Any, app: ConsoleApp) -> None:  # noqa: F811
    async def before(pilot: Any) -> None:
        await open_card(pilot, "nightly_stock", "tab-full-stock")

    assert snap_compare(app, terminal_size=SIZE, run_before=steady(before))


def test_proxy_pre_script_card_with_its_test_run(snap_compare: Any,
                                                 app: ConsoleApp) -> None:  # noqa: F811
    async def before(pilot: Any) -> None:
        await open_card(pilot, "stock_lookup", "tab-pre-script")
        await run_test_panel(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=steady(before))


def test_proxy_post_script_card_with_its_test_run(snap_compare: Any,
                                                  app: ConsoleApp) -> None:  # noqa: F811
    async def before(pilot: Any) -> None:
        await open_card(pilot, "stock_lookup", "tab-post-script")
        await run_test_panel(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=steady(before))


def test_full_stock_dry_run(snap_compare: Any, app: ConsoleApp,  # noqa: F811
                            sandbox: Sandbox) -> None:
    async def before(pilot: Any) -> None:
        await open_card(pilot, "nightly_stock", "tab-config")
        await pilot.press("f5")
        await settle(pilot)
        await settle(pilot)
        screen = pilot.app.screen
        assert type(screen).__name__ == "DryRunScreen"
        assert screen.report.error is None, screen.report.error
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=steady(before))
