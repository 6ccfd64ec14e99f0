"""A worker that fails is reported once by the app, and the screen it worked for says so where
the user looks: the stock browser's status line, the OMS step form's problem line."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from console.commands.init import demo_flows_text
from console.tui.app import ConsoleApp
from console.tui.settings import Settings
from tests.conftest import free_port
from tests.console_pilot import until


def unreachable_omnitron(folder: Path) -> Path:
    """The demo flows with Omnitron on a loopback port nothing listens on."""
    path = folder / "flows.toml"
    path.write_text(demo_flows_text().replace("http://127.0.0.1:8801",
                                              f"http://127.0.0.1:{free_port()}"),
                    encoding="utf-8")
    return path


def notified(app: ConsoleApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


async def test_stock_browser_says_the_page_did_not_load(tmp_path: Path) -> None:
    app = ConsoleApp(unreachable_omnitron(tmp_path), start_runner=False, settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("S")
        await until(pilot, lambda: type(app.screen).__name__ == "StockBrowserScreen")
        status = app.screen.query_one("#status", Static)
        await until(pilot, lambda: "stock not loaded" in str(status.render()))
        assert any(text.startswith("Load page failed") for text in notified(app))


async def test_oms_step_form_says_why_engines_did_not_load(tmp_path: Path) -> None:
    from console.tui.screens.oms_step_form import OmsStepForm

    app = ConsoleApp(unreachable_omnitron(tmp_path), start_runner=False, settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.push_screen(OmsStepForm("stock-integration"))
        problem = app.screen.query_one("#problem", Static)
        await until(pilot, lambda: bool(str(problem.render())))
        text = str(problem.render())
        assert "127.0.0.1" in text or "Omnitron" in text, text
        assert any(text in shown for shown in notified(app))
