"""One runner per store, and a clean stop: real ``console serve`` processes on real stores."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import httpx

from console.flows import load
from console.runner import ExecutionStore
from console.sandbox import Sandbox
from console.tui.runner_link import RunnerLink
from tests.waiting import wait_for

TOKEN = {"Authorization": "Bearer sandbox-token"}
ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}



def answers(address: str) -> bool:
    try:
        return httpx.get(f"http://{address}/health", timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False


def serve(path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "console.cli", "--flows", str(path), "serve"],
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class Busy(NamedTuple):
    """A ``console serve`` process busy with one execution."""

    process: subprocess.Popen[str]
    store: ExecutionStore
    execution_id: str
    address: str


def same_store_elsewhere(demo_flows: Any, folder: Path, store: Path) -> Path:
    """Another flows file (its own free port) pointing at ``store``."""
    folder.mkdir()
    return demo_flows(folder, replace={'store = ".console/console.db"': f'store = "{store}"'})


def test_a_second_serve_on_a_held_store_refuses_before_touching_it(
        demo_flows: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    store_path = tmp_path / "shared.db"
    first_flows = same_store_elsewhere(demo_flows, tmp_path / "a", store_path)
    second_flows = same_store_elsewhere(demo_flows, tmp_path / "b", store_path)
    first_address = load(first_flows).runner.listen
    second_address = load(second_flows).runner.listen
    store = ExecutionStore(store_path)
    sandbox.set_faults("omnitron", latency_s=2.0)
    first = serve(first_flows)
    try:
        wait_for(lambda: answers(first_address))
        answer = httpx.post(f"http://{first_address}/flows/stock_push/outbound", headers=TOKEN,
                            json=[{"product_sku": "SKU-000020", "stock": 1}])
        in_flight = answer.json()["execution_id"]
        second = serve(second_flows)
        out, err = second.communicate(timeout=30)
        assert second.returncode == 3, (out, err)
        assert f"pid {first.pid}" in err and f"http://{first_address}" in err
        assert "Traceback" not in err and not answers(second_address)
        assert not [e for e in store.executions() if e.retry_of or e.status == "interrupted"]
        assert store.execution(in_flight).status in ("processing", "success")
        run = subprocess.run([sys.executable, "-m", "console.cli", "--flows", str(second_flows),
                              "run", "stock", "--param", "sku=SKU-000021"], env=ENV,
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 3 and f"pid {first.pid}" in run.stderr
        link = RunnerLink(load(second_flows), second_flows)
        assert link.connect(start=False) == \
            f"attached to console serve (pid {first.pid}) at {first_address}"
    finally:
        sandbox.clear_faults()
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=30)
    assert not [e for e in store.executions() if e.retry_of]


def test_a_killed_runner_does_not_block_the_next_start(demo_flows: Any, tmp_path: Path) -> None:
    path = demo_flows(tmp_path)
    address = load(path).runner.listen
    first = serve(path)
    wait_for(lambda: answers(address))
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    second = serve(path)
    try:
        wait_for(lambda: answers(address))
        assert httpx.get(f"http://{address}/health").json()["pid"] == second.pid
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert second.returncode == 0


def test_sigterm_stops_serve_at_a_page_boundary_and_the_rest_runs_at_the_next_start(
        demo_flows: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    path = demo_flows(tmp_path)
    config = load(path)
    store = ExecutionStore(config.store_path())
    address = config.runner.listen
    sandbox.set_faults("omnitron", latency_s=1.0)
    first = serve(path)
    try:
        wait_for(lambda: answers(address))
        slow = httpx.post(f"http://{address}/flows/stock/trigger", headers=TOKEN).json()
        wait_for(lambda: store.execution(slow["execution_id"]).succeeded > 0, timeout=60)
        first.send_signal(signal.SIGTERM)
        out, _ = first.communicate(timeout=15)
    finally:
        sandbox.clear_faults()
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0 and "runner stopped" in out
    stopped = store.execution(slow["execution_id"])
    assert stopped.status == "interrupted"
    assert not answers(address)
    second = serve(path)
    try:
        wait_for(lambda: any(e.retry_of == stopped.id for e in store.executions("stock")))
        rerun = next(e for e in store.executions("stock") if e.retry_of == stopped.id)
        assert rerun.accepted_seq == stopped.accepted_seq
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert second.returncode == 0


@contextmanager
def serving_a_script_that_runs_on(demo_flows: Any, tmp_path: Path) -> Iterator[Busy]:
    """``console serve`` with the stock flow triggered and its script asleep on the rows it
    read; killed on the way out if it still runs."""
    path = demo_flows(tmp_path, replace={
        '    return [row for row in data if row["qty"] >= 0]':
        '    import time\n    time.sleep(120)\n    return data'})
    config = load(path)
    store = ExecutionStore(config.store_path())
    process = serve(path)
    try:
        wait_for(lambda: answers(config.runner.listen))
        started = httpx.post(f"http://{config.runner.listen}/flows/stock/trigger",
                             headers=TOKEN).json()["execution_id"]
        wait_for(lambda: store.count_logs(started, search="read page") > 0)
        yield Busy(process, store, started, config.runner.listen)
    finally:
        if process.poll() is None:
            process.kill()


def test_sigterm_does_not_wait_for_a_script_that_runs_on(demo_flows: Any, tmp_path: Path) -> None:
    with serving_a_script_that_runs_on(demo_flows, tmp_path) as busy:
        busy.process.send_signal(signal.SIGTERM)
        busy.process.communicate(timeout=15)
    assert busy.process.returncode == 0
    assert busy.store.execution(busy.execution_id).status == "interrupted"


def test_a_tick_that_fails_is_one_warning_and_the_runner_ticks_on(
        demo_flows: Any, tmp_path: Path, sandbox: Sandbox, monkeypatch: Any,
        caplog: Any) -> None:
    """The store locked for a moment (another program writing to it) when a schedule is due:
    serve says so once and fires at the next tick instead of ending with a traceback."""
    import logging
    import sqlite3
    import threading

    from console.runner.service import RunnerService

    path = demo_flows(tmp_path, replace={'schedule = "*/5 * * * *"': 'schedule = "* * * * * ?"'})
    service = RunnerService(load(path), tick_s=0.05)
    store = service.runner.store
    real = store.last_request
    failures = [sqlite3.OperationalError("database is locked")]

    def locked_once(flow_id: str) -> Any:
        if failures:
            raise failures.pop()
        return real(flow_id)

    monkeypatch.setattr(store, "last_request", locked_once)
    service.start()
    loop = threading.Thread(target=service.serve_forever, daemon=True)
    try:
        with caplog.at_level(logging.WARNING, logger="console.runner"):
            loop.start()
            wait_for(lambda: any(e.trigger == "schedule" for e in store.executions("stock")) or
                     not loop.is_alive())
            assert loop.is_alive()
    finally:
        service.stop(drain_s=10)
        loop.join(10)
    assert not failures
    warned = [r for r in caplog.records if "database is locked" in r.getMessage()]
    assert len(warned) == 1 and warned[0].exc_info is None
    assert "the runner goes on and ticks again" in warned[0].getMessage()


def test_a_second_signal_stops_at_once_and_says_so(demo_flows: Any, tmp_path: Path) -> None:
    with serving_a_script_that_runs_on(demo_flows, tmp_path) as busy:
        busy.process.send_signal(signal.SIGTERM)
        wait_for(lambda: not answers(busy.address))  # it is stopping, waiting on
        busy.process.send_signal(signal.SIGTERM)
        _, err = busy.process.communicate(timeout=15)
    assert busy.process.returncode == 1
    assert "a second signal: stopping now" in err and "Traceback" not in err


def test_a_refused_serve_leaves_the_held_store_as_it_was_even_its_schema(
        demo_flows: Any, tmp_path: Path) -> None:
    """An upgraded console started by mistake beside a running older one must not bring the
    store's schema up to date under it before it finds the store held."""
    import sqlite3

    from console.runner.lock import RunnerLock

    path = demo_flows(tmp_path)
    store_path = load(path).store_path()
    ExecutionStore(store_path)
    with sqlite3.connect(store_path) as conn:  # the schema of an older console
        conn.execute("ALTER TABLE execution DROP COLUMN resume_pending")
    with RunnerLock(store_path, "console serve"):
        refused = subprocess.run([sys.executable, "-m", "console.cli", "--flows", str(path),
                                  "serve"], env=ENV, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 3, refused.stderr
    assert f"pid {os.getpid()}" in refused.stderr
    with sqlite3.connect(store_path) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(execution)")}
    assert "resume_pending" not in columns
