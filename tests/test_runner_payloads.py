"""A 202 is a promise: outbound bodies checked completely, atomic admission, honest retries."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from console.flows import load
from console.runner.service import RunnerService
from console.sandbox import Sandbox
from tests.waiting import wait_for

TOKEN = {"Authorization": "Bearer sandbox-token", "Content-Type": "application/json"}


@pytest.fixture
def service(demo_flows: Any, tmp_path: Path) -> Iterator[RunnerService]:
    running = RunnerService(load(demo_flows(tmp_path)), tick_s=0.05)
    running.start()
    yield running
    running.stop(drain_s=20)



def post(service: RunnerService, body: bytes) -> httpx.Response:
    return httpx.post(f"http://{service.address}/flows/stock_push/outbound", content=body,
                      headers=TOKEN, timeout=30)


@pytest.mark.parametrize(("body", "message"), [
    (b'[{"product_sku": "SKU-000001", "stock": 1}, {"product_sku": "SKU-000002", "stock": NaN}]',
     "row 1: $[1].stock is NaN"),
    (b'[{"product_sku": "SKU-000001", "stock": Infinity}]', "row 0: $[0].stock is Infinity"),
    (b'[{"product_sku": "SKU-000001", "stock": -Infinity}]', "row 0: $[0].stock is -Infinity"),
    (b'[{"product_sku": "SKU-\\ud800", "stock": 1}]', "row 0: $[0].product_sku holds a lone"),
    (b'[{"product_sku": "A", "stock": 1, "stock": 2}]', "row 0: $[0] has the key 'stock' twice"),
    ('[{"product_sku": "A", "stock": 1}]'.encode("utf-16"), "UTF-16"),
    ('[{"product_sku": "A", "stock": 1}]'.encode("utf-16-le"), "UTF-16"),
    ('[{"product_sku": "A", "stock": 1}]'.encode("utf-32"), "UTF-32"),
    (b'[{"product_sku": "\xff"}]', "not UTF-8: byte 18"),
    (b"[" * 100_000 + b"]" * 100_000, "nests deeper than 32 levels"),
    (b'[{"a": ' + b"[" * 40 + b"]" * 40 + b"}]", "row 0: $[0].a"),
    (b'[{"product_sku": "A"}, 3]', "row 1 is a number, not an object"),
    (b'[{"product_sku": "A"}, null]', "row 1 is null, not an object"),
    (b'[{"product_sku": "A"}', "not JSON"),
    (b"NaN", "found NaN"),
], ids=["nan", "infinity", "minus-infinity", "lone-surrogate", "duplicate-key", "utf16-bom",
        "utf16-le", "utf32", "latin1-byte", "deep-array", "deep-row", "number-row", "null-row",
        "truncated", "bare-nan"])
def test_bad_bodies_are_refused_with_where_and_nothing_is_stored(
        service: RunnerService, body: bytes, message: str) -> None:
    answer = post(service, body)
    assert answer.status_code == 400, answer.text
    assert message in answer.json()["error"]
    assert service.runner.store.executions() == []


def test_a_body_with_a_byte_order_mark_is_accepted_and_written(service: RunnerService,
                                                              sandbox: Sandbox) -> None:
    answer = post(service, b'\xef\xbb\xbf[{"product_sku": "SKU-000007", "stock": 70}]')
    assert answer.status_code == 202, answer.text
    store = service.runner.store
    execution_id = answer.json()["execution_id"]
    wait_for(lambda: store.execution(execution_id).status != "processing")
    execution = store.execution(execution_id)
    assert (execution.status, execution.succeeded) == ("success", 1)
    assert sandbox.stock("SKU-000007", 3)["stock"] == 70


def test_an_empty_array_starts_nothing(service: RunnerService) -> None:
    answer = post(service, b"[]")
    assert (answer.status_code, answer.json()) == (200, {"execution_id": None, "rows": 0})
    assert service.runner.store.executions() == []


def test_a_burst_of_posts_admits_at_most_the_active_limit(service: RunnerService,
                                                          sandbox: Sandbox) -> None:
    limit = service.config.runner.max_active_executions
    start = threading.Barrier(20)
    statuses: list[int] = []

    def send(n: int) -> None:
        start.wait()
        answer = post(service, f'[{{"product_sku": "SKU-000010", "stock": {n}}}]'.encode())
        statuses.append(answer.status_code)

    sandbox.set_faults("omnitron", latency_s=1.0)
    try:
        threads = [threading.Thread(target=send, args=(n,)) for n in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sandbox.clear_faults()
    assert sorted(statuses) == [202] * limit + [429] * (20 - limit)
    assert len(service.runner.store.executions("stock_push")) == limit


def test_a_retry_with_nothing_to_retry_says_so(service: RunnerService) -> None:
    answer = post(service, b'[{"product_sku": "SKU-000008", "stock": 8}]')
    store = service.runner.store
    execution_id = answer.json()["execution_id"]
    wait_for(lambda: store.execution(execution_id).status != "processing")
    retry = httpx.post(f"http://{service.address}/executions/{execution_id}/retry",
                       headers=TOKEN)
    assert retry.status_code == 409
    assert "no failed rows: nothing to retry" in retry.json()["error"]
    assert len(store.executions()) == 1


def test_a_retry_of_an_execution_that_failed_whole_runs_it_again(
        demo_flows: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    from console.omnitron import RetryPolicy
    from console.runner import Runner

    config = load(demo_flows(tmp_path))
    with Runner(config, retry=RetryPolicy(attempts=1, base_delay=0.01)) as runner:
        sandbox.set_faults("omnitron", error_rate=1.0, status=502)
        try:
            failed = runner.run("stock", {"sku": "SKU-000009"})
        finally:
            sandbox.clear_faults()
        assert failed.status == "failed" and failed.total == 0
        again = runner.store.execution(runner.retry(failed.id, wait=True))
    assert (again.status, again.total, again.succeeded) == ("success", 1, 1)
    assert again.params == {"sku": "SKU-000009"} and again.retry_of == failed.id
