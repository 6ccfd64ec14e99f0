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
