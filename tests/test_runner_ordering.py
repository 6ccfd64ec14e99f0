"""The newest value wins: outbound payloads, retries and crash re-runs against the sandbox."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from console.flows import load
from console.runner import ExecutionStore
from console.runner.service import RunnerService
from console.sandbox import Sandbox
from tests.waiting import wait_for

TOKEN = {"Authorization": "Bearer sandbox-token"}
SMALL_BATCHES = {"stock_list = 3\nbatch_size = 5000": "stock_list = 3\nbatch_size = 100"}



def rows(skus: range, stock: int) -> list[dict[str, Any]]:
    return [{"product_sku": f"SKU-{n:06d}", "stock": stock, "unit_type": "qty"} for n in skus]


@pytest.fixture
def service(demo_flows: Any, tmp_path: Path) -> Iterator[RunnerService]:
    running = RunnerService(load(demo_flows(tmp_path, replace=SMALL_BATCHES)), tick_s=0.05)
    running.start()
    yield running
    running.stop(drain_s=20)


def written(sandbox: Sandbox, number: int, stock: int) -> bool:
    found = sandbox.stock(f"SKU-{number:06d}", 3)
    return found is not None and found["stock"] == stock


def post(address: str, body: list[dict[str, Any]]) -> str:
    answer = httpx.post(f"http://{address}/flows/stock_push/outbound", json=body, headers=TOKEN,
                        timeout=30)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["execution_id"])


def finished(store: ExecutionStore, execution_id: str) -> bool:
    found = store.execution(execution_id)
    return found is not None and found.status != "processing"


def test_a_small_payload_accepted_after_a_big_one_keeps_its_value(
        service: RunnerService, sandbox: Sandbox) -> None:
    store = service.runner.store
    sandbox.set_faults("omnitron", latency_s=0.05)
    try:
        big = post(service.address, rows(range(1, 2001), 111))
        wait_for(lambda: written(sandbox, 100, 111))
        small = post(service.address, rows(range(1990, 1991), 222))
        wait_for(lambda: finished(store, small) and finished(store, big))
    finally:
        sandbox.clear_faults()
    assert sandbox.stock("SKU-001990", 3)["stock"] == 222
    assert sandbox.stock("SKU-001989", 3)["stock"] == 111
    big_run = store.execution(big)
    assert (big_run.status, big_run.succeeded, big_run.failed) == ("success", 1999, 0)
    skipped = store.logs(big, search="accepted later")
    assert [log.key for log in skipped] == ["SKU-001990"] and small in skipped[0].message


def test_a_big_payload_accepted_after_a_small_one_keeps_its_value(
        service: RunnerService, sandbox: Sandbox) -> None:
    store = service.runner.store
    small = post(service.address, rows(range(2100, 2101), 5))
    big = post(service.address, rows(range(2001, 2201), 6))
    wait_for(lambda: finished(store, small) and finished(store, big))
    assert sandbox.stock("SKU-002100", 3)["stock"] == 6


def test_a_retry_never_overwrites_a_newer_value(demo_flows: Any, tmp_path: Path,
                                                sandbox: Sandbox) -> None:
    from console.omnitron import RetryPolicy
    from console.runner import Runner

    config = load(demo_flows(tmp_path, replace={
        "stock_list = 3\nbatch_size = 5000": "stock_list = 3\nbatch_size = 20"}))
    with Runner(config, retry=RetryPolicy(attempts=1, base_delay=0.01)) as runner:
        store = runner.store
        sandbox.set_faults("omnitron", latency_s=0.1)
        try:
            old = runner.accept_payload("stock_push", httpx.Request(
                "POST", "/", json=rows(range(2201, 2501), 31)).content.decode(), "test")
            wait_for(lambda: written(sandbox, 2220, 31))
            sandbox.set_faults("omnitron", error_rate=1.0, status=500)
            wait_for(lambda: finished(store, old))
        finally:
            sandbox.clear_faults()
        failed = store.execution(old)
        assert failed.status == "failed" and failed.error and failed.succeeded < 300
        newer = runner.accept_payload("stock_push", '[{"product_sku": "SKU-002499", "stock": 32}]',
                                      "test")
        runner.wait(timeout=60)
        assert store.execution(newer).status == "success"
        again = store.execution(runner.retry(old, wait=True))
    assert again.accepted_seq == failed.accepted_seq
    assert sandbox.stock("SKU-002499", 3)["stock"] == 32
    assert sandbox.stock("SKU-002498", 3)["stock"] == 31
    assert (again.status, again.total, again.succeeded, again.failed) == ("success", 300, 299, 0)


def test_a_crash_re_run_keeps_the_original_acceptance_order(demo_flows: Any, tmp_path: Path,
                                                             sandbox: Sandbox) -> None:
    path = demo_flows(tmp_path, replace=SMALL_BATCHES)
    config = load(path)
    store = ExecutionStore(config.store_path())
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "console.cli", "--flows", str(path), "serve"]
    address = config.runner.listen
    sandbox.set_faults("omnitron", latency_s=0.05)
    try:
        first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        wait_for(lambda: _answers(address), timeout=30)
        old = post(address, rows(range(2501, 3001), 41))
        wait_for(lambda: written(sandbox, 2600, 41))
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        second = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        try:
            wait_for(lambda: _answers(address), timeout=30)
            newer = post(address, rows(range(2990, 2991), 42))
            wait_for(lambda: finished(store, newer))
            rerun = next(e for e in store.executions("stock_push") if e.retry_of == old)
            wait_for(lambda: finished(store, rerun.id))
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)
    finally:
        sandbox.clear_faults()
    assert store.execution(old).status == "interrupted"
    assert sandbox.stock("SKU-002990", 3)["stock"] == 42
    assert sandbox.stock("SKU-003000", 3)["stock"] == 41
    assert store.execution(rerun.id).accepted_seq == store.execution(old).accepted_seq


def _answers(address: str) -> bool:
    try:
        return httpx.get(f"http://{address}/health", timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_trigger_accepted_later_keeps_its_value_over_an_earlier_slower_one(
        demo_flows: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    from tests.sandbox_data import expected_written

    path = demo_flows(tmp_path, replace={
        "stock_list = 1\nbatch_size = 5000": "stock_list = 1\nbatch_size = 10"})
    running = RunnerService(load(path), tick_s=0.05)
    running.start()
    store = running.runner.store
    skus = sorted(expected_written(sandbox, 1))[:150]
    last = skus[-1]
    sandbox.set_erp_stock(skus[0], 401)
    sandbox.set_erp_stock(last, 501)
    sandbox.set_faults("omnitron", latency_s=0.05)
    try:
        trigger = f"http://{running.address}/flows/stock/trigger"
        older = httpx.post(trigger, params={"sku": ",".join(skus)}, headers=TOKEN,
                           timeout=30).json()["execution_id"]
        wait_for(lambda: (sandbox.stock(skus[0], 1) or {}).get("stock") == 401)
        # The older run has 14 batches left before the one with the last SKU: at a second
        # each, the newer run claims that SKU long before it, however slow a loaded machine
        # is to start it (at 0.05 s the older run could finish first and nothing is superseded)
        sandbox.set_faults("omnitron", latency_s=1.0)
        sandbox.set_erp_stock(last, 502)  # the ERP changes after the older run read it
        newer = httpx.post(trigger, params={"sku": last}, headers=TOKEN,
                           timeout=30).json()["execution_id"]
        wait_for(lambda: finished(store, newer))
        assert not finished(store, older)  # the order the test is about did happen
        sandbox.set_faults("omnitron", latency_s=0.05)
        wait_for(lambda: finished(store, older))
    finally:
        sandbox.clear_faults()
        running.stop(drain_s=20)
    assert store.execution(newer).status == "success"
    assert sandbox.stock(last, 1)["stock"] == 502
    skipped = store.logs(older, search="accepted later")
    assert [log.key for log in skipped] == [last] and newer in skipped[0].message
