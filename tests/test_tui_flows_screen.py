"""The console opens on the flows of flows.toml, or on the problems of a broken file."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from console.commands.init import demo_flows_text
from console.tui.app import ConsoleApp
from tests.conftest import free_port


def demo_file(tmp_path: Path) -> Path:
    """The demo flows, with the runner on a free port (the demo's own may be anyone's)."""
    path = tmp_path / "flows.toml"
    path.write_text(demo_flows_text().replace('listen = "127.0.0.1:8800"',
                                              f'listen = "127.0.0.1:{free_port()}"'),
                    encoding="utf-8")
    return path


async def test_opens_listing_every_flow(tmp_path: Path) -> None:
    app = ConsoleApp(demo_file(tmp_path), start_runner=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        names = [table.get_row_at(i)[0] for i in range(table.row_count)]
        assert names == [f.name for f in app.config.flows]  # type: ignore[union-attr]
        assert "Order Status Flow" in names


async def test_quitting_while_the_runner_starts_leaves_no_runner_behind(tmp_path: Path) -> None:
    app = ConsoleApp(demo_file(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()  # quit at once: the runner is being started in a worker
    link = app.runner
    assert link is not None and link.closed
    # the worker either never started the child or started it before the close, which stopped it
    assert link.process is None or link.process.poll() is not None


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
    from console.services.executions import FlowActivity
    from console.store.records import Execution
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


async def test_the_details_show_a_run_that_ends_while_its_flow_is_highlighted(
        tmp_path: Path) -> None:
    """The details beside the table listed the highlighted flow's runs only when the cursor
    moved: a run triggered from there and watched to its end still read "no runs yet"."""
    from console.store.sqlite import ExecutionStore
    from console.tui.screens.flows import FlowsScreen
    from tests.console_pilot import until

    app = ConsoleApp(demo_file(tmp_path), start_runner=False)
    async with app.run_test(size=(120, 40)) as pilot:
        def details() -> str:
            return str(app.screen.query_one("#details", Static).render())

        await until(pilot, lambda: "no runs yet" in details())
        assert isinstance(app.screen, FlowsScreen) and app.config is not None
        store = ExecutionStore(app.config.store_path())
        execution = store.create("stock", "manual", {}, "ops")
        store.progress(execution.id, 5, 4, 1, records_read=5)
        store.finish(execution.id, "partial")
        app.screen.refresh_summary()  # what the screen's timer does every two seconds
        await until(pilot, lambda: "recent runs:" in details())
        assert " 4/5" in details()
