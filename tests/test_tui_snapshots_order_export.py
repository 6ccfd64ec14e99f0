"""Snapshots of the order export's designer cards at 80x24: Orders, Query check and Write to
ERP with their test panels run against the seeded sandbox, Check response with its verdict,
and the dry run. The sandbox's free port is shown as the demo's, so the pictures are stable."""

from __future__ import annotations

import json
from typing import Any

from textual.widgets import Input, Static, TextArea

from console.sandbox import Sandbox
from console.tui.app import ConsoleApp
from tests.test_tui_snapshots_cards import app, open_card, run_test_panel, settle, steady

__all__ = ["app"]  # the fixture, shared with the other card snapshots
SIZE = (80, 24)
FLOW = "orders_to_erp"


async def demo_ports(pilot: Any, sandbox: Sandbox) -> None:
    """Show the sandbox's URLs as the demo's (8801, 8802) wherever the screen shows them."""
    screen = pilot.app.screen
    for url, demo in ((sandbox.erp_url, "http://127.0.0.1:8802"),
                      (sandbox.omnitron_url, "http://127.0.0.1:8801")):
        for field in screen.query(Input):
            field.value = field.value.replace(url, demo)
        for meta in screen.query(".meta").results(Static):
            text = str(meta.content)
            if url in text:
                meta.update(text.replace(url, demo))
    await settle(pilot)


def test_orders_card(snap_compare: Any, app: ConsoleApp, sandbox: Sandbox) -> None:
    async def before(pilot: Any) -> None:
        await open_card(pilot, FLOW, "tab-orders")

    assert snap_compare(app, terminal_size=SIZE, run_before=steady(before))


def test_query_check_card_asks_the_erp(snap_compare: Any, app: ConsoleApp,
                                       sandbox: Sandbox) -> None:
    async def before(pilot: Any) -> None:
        screen = await open_card(pilot, FLOW, "tab-query-check")
        await run_test_panel(pilot)
        meta = screen.query_one("#query-check-test .meta", Static)
        assert str(meta.content).startswith("answered 200; not in the ERP")
        await demo_ports(pilot, sandbox)

    assert snap_compare(app, terminal_size=SIZE, run_before=steady(before))


def test_write_card_shows_the_request_without_sending(snap_compare: Any, app: ConsoleApp,
                                                      sandbox: Sandbox) -> None:
    async def before(pilot: Any) -> None:
        screen = await open_card(pilot, FLOW, "tab-erp-write")
        await run_test_panel(pilot)
        meta = screen.query_one("#erp-write-test .meta", Static)
        assert str(meta.content).startswith(f"not sent: POST {sandbox.erp_url}/sales-orders")
        result = screen.query_one("#erp-write-test .result", TextArea).text
        assert '"channel": "web"' in result and sandbox.erp_sales_orders() == {}
        await demo_ports(pilot, sandbox)

    assert snap_compare(app, terminal_size=SIZE, run_before=steady(before))


def test_check_response_card_says_what_a_run_would_do(snap_compare: Any, app: ConsoleApp,
                                                      sandbox: Sandbox) -> None:
    async def before(pilot: Any) -> None:
        screen = await open_card(pilot, FLOW, "tab-check-response")
        panel = screen.query_one("#check-response-test")
        given = json.loads(panel.input_text)
        given["response"]["body"] = {"result": "error",
                                     "message": "customer e-mail address is required"}
        panel.input_text = json.dumps(given, indent=2)
        await run_test_panel(pilot)
        meta = str(panel.query_one(".meta", Static).content)
        assert ("→ refused: the ERP refused it: customer e-mail address is required; the "
                "order stays unsent") in meta

    assert snap_compare(app, terminal_size=SIZE, run_before=steady(before))


def test_order_export_dry_run(snap_compare: Any, app: ConsoleApp, sandbox: Sandbox) -> None:
    async def before(pilot: Any) -> None:
        await open_card(pilot, FLOW, "tab-config")
        await pilot.press("f5")
        await settle(pilot)
        await settle(pilot)
        screen = pilot.app.screen
        assert type(screen).__name__ == "DryRunScreen"
        assert screen.report.error is None and sandbox.erp_sales_orders() == {}
        screen.report.steps = [(s, t.replace(sandbox.erp_url, "http://127.0.0.1:8802"))
                               for s, t in screen.report.steps]
        await screen.recompose()
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=steady(before))
