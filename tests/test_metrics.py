"""``GET /metrics`` of ``console serve``: Prometheus text whose counters match the store."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from console.flows import load
from console.omnitron import RetryPolicy
from console.runner.service import RunnerService
from console.sandbox import Sandbox

TOKEN = {"Authorization": "Bearer sandbox-token"}
ALARMS = '\n[alarms]\nerror_rate = 50\nwindow = 5\nmin_interval = "0s"\n'


@pytest.fixture
def service(demo_flows: Any, tmp_path: Path) -> Iterator[RunnerService]:
    path = demo_flows(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + ALARMS, encoding="utf-8")
    running = RunnerService(load(path), tick_s=0.05)
    # as many retries, counted alike, without waiting out the backoff between them
    running.runner.retry_policy = RetryPolicy(base_delay=0.01, max_delay=0.02)
    running.start()
    yield running
    running.stop(drain_s=20)


def scrape(service: RunnerService, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.get(f"http://{service.address}/metrics", headers=headers, timeout=30)


def samples(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = tuple(sorted(sample.labels.items()))
            found.setdefault(sample.name, {})[labels] = sample.value
    return found


def by(values: dict[tuple[tuple[str, str], ...], float], *names: str) -> dict[Any, float]:
    out: dict[Any, float] = {}
    for labels, value in values.items():
        found = dict(labels)
        key = tuple(found[n] for n in names)
        out[key if len(key) > 1 else key[0]] = out.get(key if len(key) > 1 else key[0], 0) + value
    return out


def test_metrics_counters_match_the_store_after_a_run(service: RunnerService,
                                                      sandbox: Sandbox) -> None:
    runner = service.runner
    assert runner.run("stock", {"sku": "SKU-000001,SKU-000002"}).status == "success"
    rows = [{"product_sku": "SKU-000101", "stock": 5, "unit_type": "qty"},
            {"product_sku": "NOT-A-SKU", "stock": 1}]
    answer = httpx.post(f"http://{service.address}/flows/stock_push/outbound", json=rows,
                        headers=TOKEN)
    assert answer.status_code == 202
    runner.wait(timeout=60)
    sandbox.set_faults("erp", error_rate=1.0, status=400)
    try:
        assert runner.run("stock", {"sku": "SKU-000003"}).status == "failed"
    finally:
        sandbox.clear_faults()
    sandbox.set_faults("omnitron", error_rate=1.0, status=503)
    try:
        assert runner.run("stock", {"sku": "SKU-000004"}).status == "failed"
    finally:
        sandbox.clear_faults()

    assert scrape(service).status_code == 401
    response = scrape(service, TOKEN)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    metrics = samples(response.text)

    executions = runner.store.executions(limit=1000)
    assert by(metrics["console_executions_total"], "flow", "status") == \
        dict(Counter((e.flow_id, e.status) for e in executions))
    rows_total = by(metrics["console_rows_total"], "flow", "result")
    for flow in {e.flow_id for e in executions}:
        mine = [e for e in executions if e.flow_id == flow]
        assert rows_total[(flow, "written")] == sum(e.succeeded for e in mine)
        assert rows_total[(flow, "failed")] == sum(e.failed for e in mine)
        assert rows_total[(flow, "skipped")] == 0
    assert by(metrics["console_execution_duration_seconds_count"], "flow") == \
        dict(Counter(e.flow_id for e in executions))
    retried = sum(1 for e in executions for log in runner.store.iter_logs(e.id, level="warning")
                  if log.message.startswith("transient failure"))
    assert by(metrics["console_http_retries_total"], "system") == {"erp": 0, "omnitron": retried}
    assert retried >= 2
    requests = by(metrics["console_http_request_duration_seconds_count"], "system")
    assert requests["erp"] > 0 and requests["omnitron"] > 0
    assert by(metrics["console_http_request_duration_seconds_count"], "status")["400"] >= 1
    # the demo's price flow runs (its script too) after the first stock run, which succeeded
    assert by(metrics["console_script_duration_seconds_count"], "flow") == \
        {"stock": 1, "price": 1}
    assert by(metrics["console_alarm_firing"], "flow", "alarm") == {
        ("stock", "error_rate"): 1, ("stock_push", "error_rate"): 1}
    assert "console_active_executions" in response.text


def test_metrics_can_be_public(demo_flows: Any, tmp_path: Path) -> None:
    path = demo_flows(tmp_path, replace={
        "max_active_executions = 5": "max_active_executions = 5\nmetrics_public = true"})
    running = RunnerService(load(path))
    running.start()
    try:
        response = scrape(running)
        assert response.status_code == 200
        assert samples(response.text)["console_http_retries_total"] == {
            (("system", "erp"),): 0.0, (("system", "omnitron"),): 0.0}
    finally:
        running.stop(drain_s=5)


def test_active_executions_are_this_hosts_own(service: RunnerService) -> None:
    """In a cluster the store holds every host's executions: the gauge counts this host's."""
    from console import telemetry

    store = service.runner.store
    elsewhere = store.create("stock_push", "manual", {}, "another host")  # processing there
    during: list[dict[str, Any]] = []

    def scrape_mid_run(name: str, _value: float, _labels: dict[str, str]) -> None:
        if name == telemetry.HTTP_REQUEST and not during:
            found = samples(service.metrics.render()[0].decode())
            during.append(by(found.get("console_active_executions", {}), "flow"))

    stop = telemetry.listen(scrape_mid_run)
    try:
        assert service.runner.run("stock", {"sku": "SKU-000001"}).status == "success"
    finally:
        stop()
        store.finish(elsewhere.id, "failed", error="ended by the test")
    assert during == [{"stock": 1}]
    service.runner.wait(timeout=60)  # the price flow the stock flow starts after it
    after = samples(scrape(service, TOKEN).text)
    assert after.get("console_active_executions", {}) == {}
