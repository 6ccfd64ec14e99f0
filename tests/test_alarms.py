"""Alarms: conditions from flows.toml, fired and resolved once each by ``console serve``,
delivered through apprise to a loopback webhook, listed by ``console alarms``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from webhook import Receiver, webhook_receiver

from console.cli import main
from console.flows import FlowsError, load, loads
from console.runner.alarms import AlarmEvaluator
from console.runner.notify import notify_event
from console.runner.service import RunnerService
from console.sandbox import Sandbox
from console.store.records import stamp
from console.store.sqlite import ExecutionStore

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running


def with_alarms(path: Path, table: str) -> Path:
    path.write_text(path.read_text(encoding="utf-8") + "\n" + table, encoding="utf-8")
    return path


def test_a_failing_flow_fires_once_notifies_and_resolves_once(
        demo_flows: Any, tmp_path: Path, sandbox: Sandbox, receiver: Receiver) -> None:
    path = with_alarms(demo_flows(tmp_path), f"""
[alarms]
error_rate = 50
window = 3
min_interval = "0s"
notify = ["{receiver.url()}"]
""")
    service = RunnerService(load(path))
    store = service.runner.store
    try:
        sandbox.set_faults("erp", error_rate=1.0, status=400)
        try:
            for _ in range(3):
                assert service.runner.run("stock", {"sku": "SKU-000001"}).status == "failed"
                service.tick()
        finally:
            sandbox.clear_faults()
        assert receiver.titles == ["[fired] stock: error rate"]
        assert "1 of 1 executions failed" in receiver.messages[0]["message"]
        assert [s.firing for s in store.alarm_states()] == [True]
        statuses = []
        for _ in range(3):
            statuses.append(service.runner.run("stock", {"sku": "SKU-000001"}).status)
            service.evaluate_alarms()
        assert statuses == ["success"] * 3
    finally:
        service.runner.close()
    assert receiver.titles == ["[fired] stock: error rate", "[resolved] stock: error rate"]
    assert "1 of 3 executions failed" in receiver.messages[1]["message"]
    history = store.alarm_events()
    assert [(e.alarm, e.event, e.delivery) for e in history] == [
        ("error_rate", "resolved", "sent to 1 target"), ("error_rate", "fired", "sent to 1 target")]
    assert [s.firing for s in store.alarm_states()] == [False]


def finished(store: ExecutionStore, flow_id: str, status: str, started: datetime,
             seconds: float = 2.0, rows: int = 10) -> str:
    execution = store.create(flow_id, "manual", {}, "test")
    store.progress(execution.id, rows, rows if status == "success" else 0,
                   0 if status == "success" else rows)
    store.finish(execution.id, status)
    conn = store._conn()
    conn.execute("UPDATE execution SET started_at = ?, finished_at = ? WHERE id = ?",
                 (stamp(started), stamp(started + timedelta(seconds=seconds)), execution.id))
    return execution.id


FLOWS = """
[omnitron]
url = "http://127.0.0.1:9"
username = "u"
password = "p"

[runner]
store = "console.db"

[alarms]
{alarms}

[flows.push]
name = "Push"
type = "stock"
direction = "outbound"

[flows.nightly]
name = "Nightly"
type = "stock"
schedule = "0 2 * * *"
read = {{ url = "http://127.0.0.1:9/stock" }}
{nightly}
"""


def config_with(tmp_path: Path, alarms: str, nightly: str = "") -> Any:
    path = tmp_path / "flows.toml"
    path.write_text(FLOWS.format(alarms=alarms, nightly=nightly), encoding="utf-8")
    return load(path)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def test_min_interval_holds_a_change_back_so_an_alarm_does_not_flap(tmp_path: Path) -> None:
    config = config_with(tmp_path, 'error_rate = 50\nwindow = 2\nmin_interval = "10m"')
    store = ExecutionStore(config.store_path())
    clock = Clock(T0)
    evaluator = AlarmEvaluator(store, clock=clock)
    finished(store, "push", "failed", T0 - timedelta(minutes=1))
    assert [(e.flow_id, e.event) for e in evaluator.evaluate(config)] == [("push", "fired")]
    finished(store, "push", "success", T0)
    finished(store, "push", "success", T0 + timedelta(seconds=1))
    clock.at = T0 + timedelta(minutes=5)
    assert evaluator.evaluate(config) == []
    clock.at = T0 + timedelta(minutes=11)
    assert [e.event for e in evaluator.evaluate(config)] == ["resolved"]
    assert evaluator.evaluate(config) == []


def test_every_change_happens_once_whoever_evaluates(tmp_path: Path) -> None:
    config = config_with(tmp_path, 'error_rate = 50\nmin_interval = "0s"')
    first = AlarmEvaluator(ExecutionStore(config.store_path()), clock=Clock(T0))
    second = AlarmEvaluator(ExecutionStore(config.store_path()), clock=Clock(T0))
    finished(first.store, "push", "failed", T0 - timedelta(minutes=1))
    events = first.evaluate(config) + second.evaluate(config)
    assert [(e.flow_id, e.alarm, e.event) for e in events] == [("push", "error_rate", "fired")]
    assert len(first.store.alarm_events()) == 1


def test_time_window_average_time_no_success_and_stalled(tmp_path: Path) -> None:
    config = config_with(
        tmp_path, 'window = "30m"\navg_flow_time_s = 60\nno_success_within = "2h"\n'
                  'min_interval = "0s"',
        nightly='[flows.nightly.alarms]\nstalled_after = "15m"')
    store = ExecutionStore(config.store_path())
    clock = Clock(T0)
    evaluator = AlarmEvaluator(store, clock=clock)
    finished(store, "nightly", "success", T0 - timedelta(hours=3), seconds=30)
    finished(store, "nightly", "success", T0 - timedelta(minutes=20), seconds=120)
    finished(store, "push", "failed", T0 - timedelta(hours=5), seconds=500)
    stuck = store.create("nightly", "schedule", {}, "scheduler")
    store._conn().execute("UPDATE execution SET started_at = ? WHERE id = ?",
                          (stamp(T0 - timedelta(minutes=16)), stuck.id))
    fired = {(e.flow_id, e.alarm) for e in evaluator.evaluate(config)}
    # push runs on request: the default no_success_within is for scheduled flows; its slow
    # execution is outside the 30-minute window
    assert fired == {("nightly", "avg_flow_time"), ("nightly", "stalled")}
    clock.at = T0 + timedelta(hours=3)
    store.finish(stuck.id, "failed")
    changed = {(e.flow_id, e.alarm, e.event) for e in evaluator.evaluate(config)}
    assert changed == {("nightly", "avg_flow_time", "resolved"), ("nightly", "stalled", "resolved"),
                       ("nightly", "no_success", "fired")}
    message = next(s.message for s in store.alarm_states() if s.alarm == "no_success")
    assert message == "Nightly: the last success was 3h20m ago (alarm after 2h)"


def test_alarm_keys_are_checked_with_line_and_key_path(tmp_path: Path) -> None:
    text = FLOWS.format(alarms='error_rate = 120\nwindow = 10001\nnotify = ["not a url", 3]\n'
                               'min_interval = "soon"\nthreshold = 1',
                        nightly='[flows.nightly.alarms]\nstalled_after = "2x"\nenable = false')
    with pytest.raises(FlowsError) as caught:
        loads(text)
    found = {(p.key_path, p.line) for p in caught.value.problems}
    lines = text.splitlines()

    def line(prefix: str, after: int = 0) -> int:
        return next(n for n, text in enumerate(lines, 1) if n > after and text.startswith(prefix))

    alarms = line("[alarms]")
    assert found == {("alarms.error_rate", line("error_rate", alarms)),
                     ("alarms.window", line("window", alarms)),
                     ("alarms.notify", line("notify", alarms)),
                     ("alarms.min_interval", line("min_interval", alarms)),
                     ("alarms.threshold", line("threshold", alarms)),
                     ("flows.nightly.alarms.stalled_after", line("stalled_after")),
                     ("flows.nightly.alarms.enable", line("enable"))}
    messages = "\n".join(str(p.message) for p in caught.value.problems)
    assert "percentage above 0 and at most 100, found 120" in messages
    assert "item 1: expected an apprise URL" in messages and "item 2" in messages
    assert "did you mean 'enabled'?" in messages


def test_alarm_tables_survive_a_save(tmp_path: Path) -> None:
    from console.flows import dumps

    config = config_with(tmp_path, 'error_rate = 25\nwindow = "1h"\n'
                                   'notify = [{ env = "HOOK_URL" }, "json://127.0.0.1:9/x"]',
                         nightly='[flows.nightly.alarms]\nenabled = false\nerror_rate = 10')
    again = loads(dumps(config), config.source)
    assert again.alarms == config.alarms and again.flows == config.flows
    assert again.flow("nightly").alarms.enabled is False


def test_console_alarms_lists_states_and_history_and_test_sends(
        tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    secret_url = receiver.url("secret-path-token")
    monkeypatch.setenv("HOOK_URL", secret_url)
    config = config_with(tmp_path, 'error_rate = 50\nmin_interval = "0s"\n'
                                   'notify = [{ env = "HOOK_URL" }]')
    store = ExecutionStore(config.store_path())
    finished(store, "push", "failed", T0)
    AlarmEvaluator(store, notify_event, clock=Clock(T0 + timedelta(minutes=1))).evaluate(config)
    flows = str(config.source)
    assert main(["--flows", flows, "alarms", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    states = {(a["flow_id"], a["alarm"]): a["state"] for a in listed["alarms"]}
    assert states == {("push", "error_rate"): "firing", ("nightly", "error_rate"): "ok"}
    assert [(e["flow_id"], e["event"]) for e in listed["history"]] == [("push", "fired")]
    assert listed["notify"] == ["$HOOK_URL"]
    assert main(["--flows", flows, "alarms", "test"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == "sent to 1 target"
    assert receiver.received[-1][0] == "/secret-path-token"
    assert receiver.titles[-1] == "[test] integrator-console alarms"
    assert main(["--flows", flows, "alarms"]) == 0
    table = capsys.readouterr().out
    assert "firing" in table and "$HOOK_URL" in table and "secret-path-token" not in table
    assert "secret-path-token" not in Path(config.store_path()).read_bytes().decode("latin-1")


def test_a_channel_that_is_down_is_recorded_not_raised(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from conftest import free_port

    config = config_with(tmp_path, f'notify = ["json://127.0.0.1:{free_port()}/down", '
                                   '{ env = "UNSET_HOOK_URL" }]')
    assert main(["--flows", str(config.source), "alarms", "test"]) == 1
    out = capsys.readouterr().out
    assert "target 1 (json://…): not delivered" in out
    assert "target 2 ($UNSET_HOOK_URL): environment variable UNSET_HOOK_URL is not set" in out


def test_an_alarm_of_a_flow_no_longer_checked_resolves(tmp_path: Path) -> None:
    config = config_with(tmp_path, 'error_rate = 50\nmin_interval = "0s"')
    store = ExecutionStore(config.store_path())
    evaluator = AlarmEvaluator(store, clock=Clock(T0))
    finished(store, "push", "failed", T0 - timedelta(minutes=1))
    assert [e.event for e in evaluator.evaluate(config)] == ["fired"]
    quiet = config_with(tmp_path, 'min_interval = "0s"')
    events = evaluator.evaluate(quiet)
    assert [(e.flow_id, e.event, e.message) for e in events] == [
        ("push", "resolved", "push: error rate is no longer checked")]


def test_old_alarm_history_is_pruned_and_states_stay(tmp_path: Path) -> None:
    store = ExecutionStore(tmp_path / "console.db")
    store.change_alarm("a", "stalled", True, stamp(T0 - timedelta(days=40)), 1.0, "old")
    store.change_alarm("a", "stalled", False, stamp(T0 - timedelta(days=1)), 0.0, "new")
    assert store.prune_alarm_events(stamp(T0 - timedelta(days=30))) == 1
    assert [e.message for e in store.alarm_events()] == ["new"]
    assert [s.message for s in store.alarm_states()] == ["new"]
