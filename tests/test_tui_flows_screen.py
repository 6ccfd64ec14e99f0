"""The console opens on the flows of flows.toml, or on the problems of a broken file."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from console.commands.init import demo_flows_text
from console.tui.app import ConsoleApp


async def test_opens_listing_every_flow(tmp_path: Path) -> None:
    path = tmp_path / "flows.toml"
    path.write_text(demo_flows_text(), encoding="utf-8")
    app = ConsoleApp(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        names = [table.get_row_at(i)[0] for i in range(table.row_count)]
        assert names == [f.name for f in app.config.flows]  # type: ignore[union-attr]
        assert "Order Status Flow" in names


async def test_broken_file_shows_each_problem(tmp_path: Path) -> None:
    path = tmp_path / "flows.toml"
    path.write_text('[omnitron]\nurl = "http://x"\nusername = "u"\npassword = "p"\n'
                    '[flows.a]\nname = "A"\ntype = "stock"\nschedul = "* * * * *"\n',
                    encoding="utf-8")
    app = ConsoleApp(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        texts = [str(w.render()) for w in app.screen.query(Static)]
        assert any("flows.a.schedul: unknown key, did you mean 'schedule'?" in t for t in texts)
        assert any("flows.a.read: missing table" in t for t in texts)


def test_last_run_shows_its_mark_and_start_in_the_flows_time_zone() -> None:
    from console.flows import loads
    from console.runner.store import Execution
    from console.services.executions import FlowActivity
    from console.tui.screens.flows import last_run

    def activity(status: str, started_at: str, running: int) -> FlowActivity:
        return FlowActivity(Execution("e1", "stock", "manual", {}, "console", status, 0, 0, 0,
                                      started_at, None, None), running)

    stock = loads(demo_flows_text()).flow("stock")
    assert stock.timezone == "Europe/Istanbul"
    assert last_run(stock, activity("partial", "2026-11-24T09:05:00.000000+00:00", 0)) == \
        "◐ 11-24 12:05"
    assert last_run(stock, activity("success", "2026-11-24T22:30:00+00:00", 0)) == "✓ 11-25 01:30"
    assert last_run(stock, activity("success", "2026-11-24T22:30:00+00:00", 2)) == "▶ 2 running"
    assert last_run(stock, FlowActivity(None, 0)) == "-"
    assert last_run(stock, None) == "…"
