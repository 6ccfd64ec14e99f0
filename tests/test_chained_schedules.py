"""Chained schedules: a flow that runs after another flow's successful execution, started by
``console serve``'s scheduler against the sandbox; validated in flows.toml."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from sandbox_data import expected_written

from console.flows import FlowsError, load, loads
from console.runner.service import RunnerService
from console.sandbox import Sandbox
from console.store.records import Execution

CHAINED = {'enabled = false\nschedule = "0 0/30 * * * ? *"': 'enabled = true\nafter = "stock"'}


def _finished(service: RunnerService, flow_id: str, count: int) -> list[Execution]:
    """The flow's executions once ``count`` of them have finished (a minute at most)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = [e for e in service.runner.store.executions(flow_id)
                if e.status != "processing"]
        if len(done) >= count:
            return done
        time.sleep(0.05)
    raise AssertionError(f"{flow_id} did not finish {count} executions")


def test_serve_runs_the_chained_flow_after_the_upstream_succeeds(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path) -> None:
    path = demo_flows(tmp_path, replace=CHAINED)  # type: ignore[operator]
    config = load(path)
    assert config.flow("stock_xml").after == "stock"
    service = RunnerService(config)
    service.start()
    try:
        sku = sorted(expected_written(sandbox, 1))[0]
        answer = httpx.post(f"http://{service.address}/flows/stock/trigger",
                            params={"sku": sku},
                            headers={"Authorization": "Bearer sandbox-token"})
        assert answer.status_code == 202
        upstream = _finished(service, "stock", 1)[0]
        assert upstream.status == "success"
        chained = _finished(service, "stock_xml", 1)
        assert len(chained) == 1
        assert (chained[0].trigger, chained[0].triggered_by) == \
            ("schedule", f"after stock {upstream.id}")
        assert chained[0].status in ("success", "partial")  # the XML flow rejects some rows

        sandbox.set_faults("erp", error_rate=1.0, status=400)
        try:
            failed = service.runner.run("stock", {"sku": sku}, triggered_by="test")
        finally:
            sandbox.clear_faults()
        assert failed.status == "failed"
        # the hooks ran before run() returned: a chained run would already be recorded
        assert len(service.runner.store.executions("stock_xml")) == 1
    finally:
        service.stop(drain_s=20)


HEAD = '''[omnitron]
url = "http://127.0.0.1:8801"
username = "integrator"
password = "sandbox"
'''


def _flow(flow_id: str, extra: str) -> str:
    return f'''
[flows.{flow_id}]
name = "{flow_id}"
type = "stock"
{extra}
[flows.{flow_id}.read]
url = "http://erp/stock"
'''


def _problems(text: str) -> list[str]:
    with pytest.raises(FlowsError) as caught:
        loads(HEAD + text)
    return [p.render("flows.toml") for p in caught.value.problems]


def test_unknown_upstream_and_cycles_are_located_errors() -> None:
    found = _problems(_flow("a", 'after = "nope"') + _flow("b", 'after = "c"') +
                      _flow("c", 'after = "d"') + _flow("d", 'after = "b"'))
    assert found == [
        "flows.toml:9: flows.a.after: no flow 'nope'; expected the id of another flow "
        "(a, b, c, d)",
        "flows.toml:16: flows.b.after: a cycle of chained flows never starts: "
        "b -> c -> d -> b",
    ]


def test_after_is_exclusive_with_schedule_and_only_for_inbound_flows() -> None:
    found = _problems(_flow("a", 'schedule = "*/5 * * * *"\nafter = "c"') +
                      _flow("b", 'direction = "outbound"\nafter = "a"') +
                      _flow("c", 'after = "c"'))
    assert found == [
        "flows.toml:10: flows.a.after: a flow runs on its schedule or after another flow, "
        "not both; remove one of schedule and after",
        "flows.toml:18: flows.b.after: only inbound flows run after another flow",
        "flows.toml:25: flows.c.after: a flow cannot run after itself",
    ]
    config = loads(HEAD + _flow("a", "") + _flow("b", 'after = "a"') + _flow("c", 'after = "b"'))
    assert [f.after for f in config.flows] == [None, "a", "b"]


def test_the_flows_table_shows_the_upstream_as_the_next_run() -> None:
    from datetime import UTC, datetime

    from console.services.flows import next_run

    config = loads(HEAD + _flow("stock", "") + _flow("prices", 'after = "stock"') +
                   _flow("p2", 'after = "prices"\nenabled = false'))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert next_run(config.flow("prices"), now).label() == "after stock"
    assert next_run(config.flow("p2"), now).label() == "disabled"


QUIET = {'schedule = "*/5 * * * *"': 'schedule = "0 0 1 1 *"',
         'schedule = "*/10 * * * *"': 'schedule = "0 0 1 1 *"'}


def _succeeded_upstream(store: object) -> Execution:
    """A stock execution that just ended with success, as the runner's hook sees it."""
    upstream = store.create("stock", "manual", {}, "test")  # type: ignore[attr-defined]
    store.finish(upstream.id, "success")  # type: ignore[attr-defined]
    return store.execution(upstream.id)  # type: ignore[attr-defined,no-any-return]


def test_a_chained_run_due_while_the_runner_stops_runs_at_its_next_start(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path) -> None:
    from console.runner import Runner
    from console.runner.scheduler import Scheduler

    config = load(demo_flows(tmp_path, replace={**CHAINED, **QUIET}))  # type: ignore[operator]
    with Runner(config) as runner:
        upstream = _succeeded_upstream(runner.store)
        runner.stopping.set()  # the upstream's last page was written as the stop began
        chained = Scheduler(runner).chain(upstream)
        runner.shutdown(drain_s=5)
        left = [runner.store.execution(e) for e in chained]
        assert sorted(e.flow_id for e in left if e is not None) == ["price", "stock_xml"]
        assert all(e is not None and e.status == "interrupted" and
                   e.triggered_by == f"after stock {upstream.id}" for e in left)
    with Runner(config) as again:
        resumed = again.recover()
        again.wait(timeout=60)
        done = [again.store.execution(e) for e in resumed]
    assert sorted(e.flow_id for e in done if e is not None) == ["price", "stock_xml"]
    assert all(e is not None and e.status in ("success", "partial") for e in done)


def test_a_chained_run_claimed_by_a_stopping_host_runs_on_another(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path, postgres_url: str) -> None:
    """On a cluster the chain's claim is the only one: the stopping host admits the run and
    its job waits in the shared queue for a host that runs it."""
    def host(folder: str) -> RunnerService:
        (tmp_path / folder).mkdir()
        path = demo_flows(tmp_path / folder, replace={  # type: ignore[operator]
            **CHAINED, **QUIET, 'store = ".console/console.db"': f'store = "{postgres_url}"'})
        return RunnerService(load(path), tick_s=0.05)

    stopping = host("a")
    stopping.start()
    try:
        upstream = _succeeded_upstream(stopping.runner.store)
        stopping.runner.stopping.set()
        chained = stopping.scheduler.chain(upstream)
        assert len(chained) == 2 and stopping.scheduler.chain(upstream) == []  # claimed once
    finally:
        stopping.stop(drain_s=5)
    other = host("b")
    other.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = [other.runner.store.execution(e) for e in chained]
            if all(e is not None and e.status != "processing" for e in done):
                break
            time.sleep(0.1)
    finally:
        other.stop(drain_s=5)
    assert sorted(e.flow_id for e in done if e is not None) == ["price", "stock_xml"]
    assert all(e is not None and e.status in ("success", "partial") for e in done)
