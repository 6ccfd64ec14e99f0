"""The health screen: firing then ok against the sandbox (the alarm notified through a loopback
webhook once each way), and snapshots with fixed data."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Static
from webhook import Receiver, webhook_receiver

from console.commands.init import demo_flows_text
from console.flows import load
from console.runner.service import RunnerService
from console.sandbox import Sandbox
from console.services import health
from console.store.records import stamp
from console.store.sqlite import ExecutionStore
from console.tui.app import ConsoleApp
from console.tui.screens.execution_log import ExecutionLogScreen
from console.tui.screens.health import HealthScreen, spark_text
from console.tui.settings import Settings
from tests import console_pilot
from tests.console_pilot import palette_lists, until

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ALARMS = '\n[alarms]\nerror_rate = 50\nwindow = 3\nmin_interval = "0s"\n'


def reported(app: ConsoleApp) -> bool:
    """The health screen is in view with its first report shown."""
    return isinstance(app.screen, HealthScreen) and app.screen.report is not None


def state_of(screen: HealthScreen, flow_id: str) -> str:
    table = screen.query_one("#health", DataTable)
    return str(table.get_cell(flow_id, "state"))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A loopback webhook that apprise's json:// notifications reach."""
    with webhook_receiver() as running:
        yield running


def banner(screen: HealthScreen) -> str:
    return str(screen.query_one("#firing", Static).render())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_health_screen_shows_an_alarm_firing_then_ok(
        demo_flows: Any, tmp_path: Path, sandbox: Sandbox,
        monkeypatch: pytest.MonkeyPatch, receiver: Receiver, size: tuple[int, int]) -> None:
    monkeypatch.chdir(tmp_path)
    path = demo_flows(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + ALARMS + f'notify = ["{receiver.url()}"]\n',
                    encoding="utf-8")
    service = RunnerService(load(path))
    sandbox.set_faults("erp", error_rate=1.0, status=400)
    try:
        failed = service.runner.run("stock", {"sku": "SKU-000001"})
        again = service.runner.run("stock", {"sku": "SKU-000001"})
        assert (failed.status, again.status) == ("failed", "failed")
    finally:
        sandbox.clear_faults()
    assert receiver.titles == ["[fired] stock: error rate"]  # once, for two failures
    app = ConsoleApp(path, start_runner=False, settings=Settings())
    try:
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: str(app.sub_title).endswith("▲ 1 alarm firing (h)"))
            await pilot.press("h")
            await until(pilot, lambda: reported(app))
            screen = app.screen
            assert isinstance(screen, HealthScreen)
            assert state_of(screen, "stock") == "alarm"
            assert banner(screen) == "1 alarm firing: Stock Flow: error rate"
            problems = screen.query_one("#problems", DataTable)
            assert {str(k.value) for k in problems.rows} == {failed.id, again.id}

            for _ in range(3):
                done = await asyncio.to_thread(service.runner.run, "stock", {"sku": "SKU-000001"})
                assert done.status == "success"
            await pilot.press("r")
            await until(pilot, lambda: state_of(screen, "stock") == "ok")
            assert banner(screen) == "no alarm firing"
            app.check_alarms()
            await until(pilot, lambda: "alarm" not in str(app.sub_title))

            assert receiver.titles == ["[fired] stock: error rate", "[resolved] stock: error rate"]

            problems.focus()
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ExecutionLogScreen))
            assert app.screen.execution_id == str(next(iter(problems.rows)).value)
    finally:
        service.runner.close()


async def test_health_screen_sends_a_test_notification(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with webhook_receiver() as receiver:
        text = demo_flows_text().replace('listen = "127.0.0.1:8800"', 'listen = "127.0.0.1:9"')
        Path("flows.toml").write_text(text + f'\n[alarms]\nnotify = ["{receiver.url()}"]\n',
                                      encoding="utf-8")
        app = ConsoleApp("flows.toml", start_runner=False, clock=lambda: NOW,
                         settings=Settings())
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("h")
            await until(pilot, lambda: reported(app))
            await pilot.press("N")
            await until(pilot, lambda: bool(receiver.titles))
            assert receiver.titles == ["[test] integrator-console alarms"]
            assert app.config is not None
            history = ExecutionStore(app.config.store_path()).alarm_events()
            assert [(e.event, e.delivery) for e in history] == [("test", "sent to 1 target")]


def test_sparkline_text_scales_to_the_longest() -> None:
    assert spark_text((1.0, 2.0, 4.0, 8.0)) == "▂▃▅█"
    assert spark_text(tuple(float(n) for n in range(20)), width=4)[-1] == "█"
    assert spark_text(()) == ""


def fixed_history(app: ConsoleApp) -> None:
    """Executions and one firing alarm at fixed times, ids and durations."""
    assert app.config is not None
    path = app.config.store_path()
    store = ExecutionStore(path)
    plan = [("stock", "success", 40, 12.0, 500, 0), ("stock", "success", 35, 9.5, 480, 0),
            ("stock", "failed", 30, 3.0, 0, 0), ("stock", "partial", 25, 11.0, 500, 20),
            ("stock", "failed", 20, 2.0, 0, 0), ("stock_push", "success", 15, 1.5, 120, 0),
            ("order_status", "success", 10, 30.0, 60, 0), ("stock_push", "partial", 5, 1.0, 2, 1)]
    conn = store._conn()
    for number, (flow, status, ago, seconds, rows, failed) in enumerate(plan):
        execution = store.create(flow, "manual", {}, "ops")
        store.progress(execution.id, rows, rows - failed, failed, records_read=rows)
        store.finish(execution.id, status,
                     error="login: the ERP answered 400" if status == "failed" else None)
        started = NOW - timedelta(minutes=ago)
        conn.execute("UPDATE execution SET id = ?, started_at = ?, finished_at = ? WHERE id = ?",
                     (f"exec{number:08d}", stamp(started),
                      stamp(started + timedelta(seconds=seconds)), execution.id))
    stuck = store.create("stock_xml", "schedule", {}, "scheduler")
    conn.execute("UPDATE execution SET id = ?, started_at = ? WHERE id = ?",
                 ("stuck0000000", stamp(NOW - timedelta(hours=2)), stuck.id))
    store.change_alarm("stock", "error_rate", True, stamp(NOW - timedelta(minutes=20)), 60.0,
                       "Stock Flow: 3 of 5 executions failed or partial")


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ConsoleApp:
    monkeypatch.chdir(tmp_path)
    text = demo_flows_text().replace('listen = "127.0.0.1:8800"', 'listen = "127.0.0.1:9"')
    Path("flows.toml").write_text(text + ALARMS, encoding="utf-8")
    console = ConsoleApp("flows.toml", start_runner=False, clock=lambda: NOW, settings=Settings())
    fixed_history(console)
    return console


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_health_screen(snap_compare: Any, app: ConsoleApp, size: tuple[int, int]) -> None:
    async def open_health(pilot: Any) -> None:
        console = pilot.app
        # the header's runner line and the firing alarm both come from workers at start: wait
        # for both, so the alarm's toast is shown (and cleared below) before the snapshot, and
        # a later check finds the alarm known already
        await until(pilot, lambda: console.runner_text == "no runner" and bool(console.firing))
        await pilot.press("h")
        await until(pilot, lambda: isinstance(console.screen, HealthScreen)
                    and console.screen.report is not None)
        console.clear_notifications()
        await console_pilot.settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=open_health)


async def test_the_console_opens_on_the_health_screen_while_an_alarm_fires(
        app: ConsoleApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: reported(app))
        assert state_of(app.screen, "stock") == "alarm"  # type: ignore[arg-type]
        await pilot.press("escape")
        await until(pilot, lambda: type(app.screen).__name__ == "FlowsScreen")
        app.check_alarms()  # still firing: the flows screen stays
        await console_pilot.idle(pilot)
        assert type(app.screen).__name__ == "FlowsScreen"
        assert str(app.sub_title).endswith("▲ 1 alarm firing (h)")


async def test_the_console_opens_on_the_flows_screen_when_all_is_well(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = demo_flows_text().replace('listen = "127.0.0.1:8800"', 'listen = "127.0.0.1:9"')
    Path("flows.toml").write_text(text + ALARMS, encoding="utf-8")
    console = ConsoleApp("flows.toml", start_runner=False, clock=lambda: NOW, settings=Settings())
    async with console.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: console.runner_text == "no runner")
        await console_pilot.idle(pilot)
        assert type(console.screen).__name__ == "FlowsScreen"


async def test_command_palette_opens_the_health_screen(app: ConsoleApp) -> None:
    from textual.command import CommandPalette

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        for char in "health":
            await pilot.press(char)
        await until(pilot, lambda: palette_lists(app, "Health"))
        await pilot.press("enter")
        await until(pilot, lambda: reported(app))
        assert isinstance(app.screen, HealthScreen)
        assert state_of(app.screen, "stock") == "alarm"
        assert state_of(app.screen, "stock_xml") == "stalled"
        assert state_of(app.screen, "order_status") == "ok"
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "ExecutionsScreen")
        assert app.screen.flow.id == "stock"  # type: ignore[attr-defined]


def console_without_alarms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           history: list[tuple[str, str, int]]) -> ConsoleApp:
    """The demo flows with no alarm configured, and a store holding ``history``: (flow, status,
    minutes before NOW it started); a ``processing`` one never finished."""
    monkeypatch.chdir(tmp_path)
    text = demo_flows_text().replace('listen = "127.0.0.1:8800"', 'listen = "127.0.0.1:9"')
    assert "[alarms]" not in text
    Path("flows.toml").write_text(text, encoding="utf-8")
    console = ConsoleApp("flows.toml", start_runner=False, clock=lambda: NOW, settings=Settings())
    assert console.config is not None
    store = ExecutionStore(console.config.store_path())
    for flow, status, ago in history:
        execution = store.create(flow, "schedule", {}, "scheduler")
        started = NOW - timedelta(minutes=ago)
        finished = None
        if status != "processing":
            store.progress(execution.id, 10, 0 if status == "failed" else 10,
                           10 if status == "failed" else 0, records_read=10)
            store.finish(execution.id, status,
                         error="login: the ERP answered 400" if status == "failed" else None)
            finished = stamp(started + timedelta(seconds=5))
        store._conn().execute("UPDATE execution SET started_at = ?, finished_at = ? WHERE id = ?",
                              (stamp(started), finished, execution.id))
    return console


def unhealthy_toasts(app: ConsoleApp) -> list[str]:
    return [str(n.message) for n in app._notifications if n.title == "Unhealthy flows"]


@pytest.mark.parametrize(("history", "unhealthy", "state"), [
    ([("stock", "success", 90), ("stock", "failed", 30), ("order_status", "success", 20)],
     "stock", "failing"),
    # stock_xml's last finished run succeeded, and a run has been processing for two hours
    # (past the default hour, with no stalled_after configured)
    ([("stock_xml", "success", 180), ("stock_xml", "processing", 120), ("stock", "success", 10)],
     "stock_xml", "stalled"),
], ids=["failed last run", "stalled run"])
async def test_the_console_lands_on_health_when_a_flow_is_not_ok(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        history: list[tuple[str, str, int]], unhealthy: str, state: str) -> None:
    app = console_without_alarms(tmp_path, monkeypatch, history)
    healthy = next(flow for flow, _status, _ago in reversed(history) if flow != unhealthy)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: reported(app))
        screen = app.screen
        assert isinstance(screen, HealthScreen)
        assert state_of(screen, unhealthy) == state
        assert state_of(screen, healthy) == "ok"
        assert banner(screen) == "no alarm firing"
        assert unhealthy_toasts(app) == []  # the screen says it: no toast besides
        await pilot.press("escape")
        await until(pilot, lambda: type(app.screen).__name__ == "FlowsScreen")
        await console_pilot.idle(pilot)
        assert type(app.screen).__name__ == "FlowsScreen"  # once is enough
        assert len(app.screen_stack) == 1


async def test_the_console_stays_on_the_flows_screen_when_every_flow_is_ok(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read = threading.Event()
    real = health.health_report

    def health_report(*args: Any, **kwargs: Any) -> health.HealthReport:
        report = real(*args, **kwargs)
        read.set()
        return report

    monkeypatch.setattr(health, "health_report", health_report)
    app = console_without_alarms(tmp_path, monkeypatch, [
        ("stock", "failed", 90), ("stock", "success", 30), ("order_status", "partial", 50),
        ("order_status", "success", 20), ("stock_xml", "success", 10)])
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, read.is_set)
        await console_pilot.idle(pilot)
        assert type(app.screen).__name__ == "FlowsScreen"
        assert unhealthy_toasts(app) == []


@pytest.mark.parametrize(("key", "screen_name"), [("down", "FlowsScreen"),
                                                  ("enter", "DesignerScreen")])
async def test_a_key_pressed_before_the_health_read_keeps_the_user_where_they_are(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str, screen_name: str) -> None:
    gate, read = threading.Event(), threading.Event()
    real = health.health_report

    def health_report(*args: Any, **kwargs: Any) -> health.HealthReport:
        assert gate.wait(timeout=60), "the test never opened the gate"
        report = real(*args, **kwargs)
        read.set()
        return report

    monkeypatch.setattr(health, "health_report", health_report)
    app = console_without_alarms(tmp_path, monkeypatch, [("stock", "failed", 30)])
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press(key)
            for _ in range(50):  # not `until`: it waits for the workers, and the read is held
                if type(app.screen).__name__ == screen_name:
                    break
                await pilot.pause()
            assert type(app.screen).__name__ == screen_name
            assert not read.is_set()  # the key came first
            gate.set()
            await until(pilot, lambda: read.is_set() and bool(unhealthy_toasts(app)))
            await console_pilot.idle(pilot)
            assert type(app.screen).__name__ == screen_name
            assert not any(isinstance(s, HealthScreen) for s in app.screen_stack)
            if key == "down":
                assert app.screen.query_one("#flows", DataTable).cursor_row == 1
            assert unhealthy_toasts(app) == [
                "Stock Flow: failing\npress h on the flows screen for health"]
    finally:
        gate.set()
