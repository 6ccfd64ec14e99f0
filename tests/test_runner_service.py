"""The runner's endpoints, scheduler, fetch-missing and crash recovery, over loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sandbox_data import expected_written

from console.flows import load
from console.runner.service import RunnerService
from console.sandbox import Sandbox
from tests.waiting import wait_for

TOKEN = {"Authorization": "Bearer sandbox-token"}


@pytest.fixture
def service(demo_flows: object, tmp_path: Path) -> Iterator[RunnerService]:
    running = RunnerService(load(demo_flows(tmp_path)), tick_s=0.05)  # type: ignore[operator]
    running.start()
    yield running
    running.stop(drain_s=20)



def test_outbound_payload_is_accepted_then_processed(service: RunnerService,
                                                     sandbox: Sandbox) -> None:
    rows = [{"product_sku": "SKU-000101", "stock": 77, "unit_type": "qty"},
            {"product_sku": "NOT-A-SKU", "stock": 1}]
    answer = httpx.post(f"http://{service.address}/flows/stock_push/outbound", json=rows,
                        headers=TOKEN)
    assert answer.status_code == 202
    execution_id = answer.json()["execution_id"]
    store = service.runner.store
    assert store.execution(execution_id) is not None
    wait_for(lambda: store.execution(execution_id).status != "processing")
    execution = store.execution(execution_id)
    assert (execution.status, execution.succeeded, execution.failed) == ("partial", 1, 1)
    assert sandbox.stock("SKU-000101", 3)["stock"] == 77


@pytest.mark.parametrize(("body", "headers", "status", "message"), [
    (b"[]", {}, 401, "bearer token"),
    (b"[]", {"Authorization": "Bearer wrong"}, 401, "bearer token"),
    (b"{not json", TOKEN, 400, "not JSON"),
    (b'{"rows": []}', TOKEN, 400, "expected a JSON array"),
])
def test_outbound_rejects_bad_requests(service: RunnerService, body: bytes, headers: dict,
                                       status: int, message: str) -> None:
    answer = httpx.post(f"http://{service.address}/flows/stock_push/outbound", content=body,
                        headers=headers)
    assert answer.status_code == status and message in answer.json()["error"]


def test_outbound_refuses_oversized_and_unknown_and_inbound(service: RunnerService) -> None:
    big = [{"product_sku": "x"}] * (service.config.runner.outbound_max_rows + 1)
    url = f"http://{service.address}/flows"
    assert httpx.post(f"{url}/stock_push/outbound", json=big, headers=TOKEN).status_code == 413
    assert httpx.post(f"{url}/nope/outbound", json=[], headers=TOKEN).status_code == 404
    assert httpx.post(f"{url}/stock/outbound", json=[], headers=TOKEN).status_code == 409


def test_sixth_concurrent_outbound_execution_is_answered_429(service: RunnerService,
                                                             sandbox: Sandbox) -> None:
    sandbox.set_faults("omnitron", latency_s=1.5)
    try:
        answers = [httpx.post(f"http://{service.address}/flows/stock_push/outbound",
                              json=[{"product_sku": "SKU-000001", "stock": n}], headers=TOKEN,
                              timeout=30)
                   for n in range(6)]
    finally:
        sandbox.clear_faults()
    assert [a.status_code for a in answers] == [202] * 5 + [429]
    assert "5 executions processing" in answers[5].json()["error"]


@pytest.mark.parametrize("mode", ["single", "multiple"])
def test_oms_stock_query_answers_synchronously(sandbox: Sandbox, demo_flows: object,
                                               tmp_path: Path, mode: str) -> None:
    path = demo_flows(tmp_path, replace={'sku_mode = "multiple"': f'sku_mode = "{mode}"'})  # type: ignore[operator]
    running = RunnerService(load(path))
    running.start()
    try:
        answer = httpx.get(f"http://{running.address}/flows/oms_stock/stock",
                           params={"sku": "SKU-000005,SKU-000006"}, headers=TOKEN)
        empty = httpx.get(f"http://{running.address}/flows/oms_stock/stock", headers=TOKEN)
    finally:
        running.stop()
    assert answer.status_code == 200
    body = answer.json()
    assert sorted({row["sku"] for row in body}) == ["SKU-000005", "SKU-000006"]
    assert set(body[0]) == {"sku", "stock", "location"}
    assert empty.status_code == 400
    assert running.runner.store.executions() == []


def test_oms_stock_query_reports_erp_failures_as_502(service: RunnerService,
                                                     sandbox: Sandbox) -> None:
    sandbox.set_faults("erp", error_rate=1.0, status=500)
    try:
        answer = httpx.get(f"http://{service.address}/flows/oms_stock/stock",
                           params={"sku": "SKU-000005"}, headers=TOKEN, timeout=60)
    finally:
        sandbox.clear_faults()
    assert answer.status_code == 502 and "500" in answer.json()["error"]


def test_oms_stock_query_reports_a_failing_script_in_one_line(sandbox: Sandbox,
                                                              demo_flows: object,
                                                              tmp_path: Path) -> None:
    from console.runner.oms import OmsQueryError, answer_stock_query
    from console.script import ScriptPool

    path = demo_flows(tmp_path, replace={  # type: ignore[operator]
        'return [{"sku": row["sku"]': 'return [{"sku": row["no such key"]'})
    flow = load(path).flow("oms_stock")
    with ScriptPool(workers=1) as pool, pytest.raises(OmsQueryError) as failed:
        answer_stock_query(flow, ["SKU-000005"], pool)
    message = str(failed.value)
    assert message.startswith("the post-script failed at line ") and "KeyError" in message
    assert "Traceback" not in message and "\n" not in message


def test_trigger_url_and_health(service: RunnerService) -> None:
    health = httpx.get(f"http://{service.address}/health").json()
    assert health["pid"] == os.getpid() and "stock" in health["flows"]
    answer = httpx.post(f"http://{service.address}/flows/stock/trigger",
                        params={"sku": "SKU-000003"}, headers=TOKEN)
    assert answer.status_code == 202
    store = service.runner.store
    execution_id = answer.json()["execution_id"]
    wait_for(lambda: store.execution(execution_id).status != "processing")
    assert store.execution(execution_id).params == {"sku": "SKU-000003"}


def test_fetch_missing_triggers_the_flow_for_products_without_stock(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path) -> None:
    path = demo_flows(tmp_path, replace={  # type: ignore[operator]
        "enabled = false\nidentifier_path": "enabled = true\nchunk_size = 40\nidentifier_path",
        "productized_within_days = 30": "productized_within_days = 1000"})
    running = RunnerService(load(path))
    flow = running.config.flow("stock")
    started = running.fetch_missing.run(flow)
    try:
        running.runner.wait(timeout=60)
    finally:
        running.runner.close()
    store = running.runner.store
    executions = [store.execution(i) for i in started]
    assert executions and all(e.trigger == "fetch_missing" for e in executions)
    skus = [s for e in executions for s in e.params["sku"].split(",")]
    assert all(len(e.params["sku"].split(",")) <= 40 for e in executions)
    assert len(skus) == len(set(skus)) and skus
    stocked_before = set(sandbox.stocks(1))
    assert not set(skus) & (stocked_before - set(skus))


def test_scheduler_runs_due_flows_once_and_skips_a_busy_flow(service: RunnerService) -> None:
    from datetime import timedelta

    scheduler = service.scheduler
    past = scheduler.clock() - timedelta(seconds=1)
    signature = scheduler.due["stock"][0]
    scheduler.due["stock"] = (signature, past)
    first = scheduler.tick()
    assert len(first) == 1
    execution = service.runner.store.execution(first[0])
    assert execution.trigger == "schedule" and "modified_date__gt" in execution.params
    scheduler.due["stock"] = (signature, past)
    if service.runner.store.active_count("stock"):
        assert scheduler.tick() == [] and scheduler.skipped == ["stock"]
    assert scheduler.due["stock"][1] > past


def test_sigkill_mid_run_then_restart_ends_with_the_expected_stock(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path) -> None:
    path = demo_flows(tmp_path, replace={"batch_size = 5000": "batch_size = 50"})  # type: ignore[operator]
    config = load(path)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    sandbox.set_faults("omnitron", latency_s=0.05)
    run = subprocess.Popen([sys.executable, "-m", "console.cli", "--flows", str(path), "run",
                            "stock"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    from console.runner import ExecutionStore

    store = ExecutionStore(config.store_path())
    try:
        wait_for(lambda: any(e.succeeded >= 200 for e in store.executions("stock")))
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=10)
    finally:
        sandbox.clear_faults()
    killed = store.executions("stock")[0]
    assert killed.status == "processing" and 0 < killed.succeeded < 1700
    serve = subprocess.Popen([sys.executable, "-m", "console.cli", "--flows", str(path), "serve"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: store.execution(killed.id).status == "interrupted")
        wait_for(lambda: any(e.retry_of == killed.id and e.status != "processing"
                             for e in store.executions("stock")), timeout=60)
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)
    rerun = next(e for e in store.executions("stock") if e.retry_of == killed.id)
    assert rerun.status == "partial" and rerun.trigger == "manual" and rerun.params == {}
    assert serve.returncode == 0
    stocks = sandbox.stocks(1)
    mismatched = {sku: (qty, stocks.get(sku)) for sku, qty in expected_written(sandbox, 1).items()
                  if stocks.get(sku) != qty}
    assert mismatched == {}
