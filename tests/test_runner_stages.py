"""The overlapped steps of an execution: order kept, work overlapped, failures stop the right
steps; stored payloads parsed a slice at a time."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from console.flows import load
from console.omnitron import RetryPolicy
from console.runner import Runner
from console.runner.stages import PayloadError, count_rows, payload_slices, run_stages
from console.sandbox import Sandbox


def test_items_leave_every_step_in_order_while_the_steps_overlap() -> None:
    seen: dict[str, list[int]] = {"a": [], "b": [], "c": []}
    second_started = threading.Event()

    def a(n: int) -> int:
        if n == 1:  # the first step runs ahead while the second still works on item 0
            assert second_started.wait(5)
        seen["a"].append(n)
        return n

    def b(n: int) -> int:
        second_started.set()
        seen["b"].append(n)
        return n * 10

    def c(n: int) -> None:
        seen["c"].append(n)

    run_stages(range(50), [a, b, c])
    assert seen == {"a": list(range(50)), "b": list(range(50)),
                    "c": [n * 10 for n in range(50)]}


def test_a_failing_step_stops_the_steps_before_it_and_lets_later_ones_finish() -> None:
    recorded: list[int] = []
    transformed: list[int] = []

    def transform(n: int) -> int:
        transformed.append(n)
        return n

    def write(n: int) -> int:
        if n == 3:
            raise RuntimeError("write refused")
        return n

    with pytest.raises(RuntimeError, match="write refused"):
        run_stages(range(1000), [transform, write, recorded.append])
    assert recorded == [0, 1, 2]  # everything written before the failure is recorded
    assert len(transformed) < 10  # and reading stopped soon after it


def test_an_error_in_the_first_step_is_raised_after_the_rest_drain() -> None:
    recorded: list[int] = []

    def transform(n: int) -> int:
        if n == 2:
            raise ValueError("bad page")
        return n

    with pytest.raises(ValueError, match="bad page"):
        run_stages(range(10), [transform, lambda n: n, recorded.append])
    assert recorded == [0, 1]


@pytest.mark.parametrize("body", ['[{"a": 1}, 2, "x", [3], null, {"b": {"c": [1, 2]}}, 7]',
                                  ' \n[ 1 ,2,\t3,4,5,6,7 ] ', "[]", '{"single": true}'])
def test_payload_slices_give_the_rows_json_gives(body: str) -> None:
    rows = json.loads(body)
    rows = rows if isinstance(rows, list) else [rows]
    slices = list(payload_slices(body, 3))
    assert [row for part in slices for row in part] == rows
    assert all(len(part) == 3 for part in slices[:-1])
    assert count_rows(body) == len(rows)


@pytest.mark.parametrize("body", ['[1, 2', '[1 2]', '[1,]', "nope", '[{"a": }]'])
def test_payload_slices_reject_what_is_not_a_json_array(body: str) -> None:
    with pytest.raises(PayloadError, match="not"):
        count_rows(body)


def test_outbound_payload_is_written_in_batch_size_slices_and_not_kept_twice(
        sandbox: Sandbox, demo_flows: Any, tmp_path: Path) -> None:
    config = load(demo_flows(tmp_path, replace={"batch_size = 5000": "batch_size = 40"}))
    rows = [{"product_sku": f"SKU-{n:06d}", "stock": n % 90, "unit_type": "qty"}
            for n in range(1, 131)]
    with Runner(config) as runner:
        calls: list[int] = []
        original = httpx.Client.send

        def send(client: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
            if request.url.path.endswith("/bulk_upsert/"):
                calls.append(len(json.loads(request.content)))
            return original(client, request, **kwargs)

        httpx.Client.send = send  # type: ignore[method-assign]
        try:
            execution_id = runner.accept_payload("stock_push", json.dumps(rows), "test")
            runner.wait(timeout=60)
        finally:
            httpx.Client.send = original  # type: ignore[method-assign]
        execution = runner.store.execution(execution_id)
        assert execution is not None
        assert (execution.status, execution.succeeded, execution.expected) == ("success", 130, 130)
        assert calls == [40, 40, 40, 10]
        assert execution.payload_id is not None and runner.store.payload(execution.payload_id) is None
        logged = [json.loads(log.payload or "null")["stock"]
                  for log in runner.store.iter_logs(execution_id) if log.key]
        assert logged == [row["stock"] for row in rows]
    assert sandbox.stock("SKU-000130", 3)["stock"] == 130 % 90


def test_a_payload_whose_write_failed_is_kept_for_the_next_attempt(
        sandbox: Sandbox, demo_flows: Any, tmp_path: Path) -> None:
    config = load(demo_flows(tmp_path))
    # every attempt fails: short delays between them, or the test waits out the backoff
    with Runner(config, retry=RetryPolicy(base_delay=0.01, max_delay=0.02)) as runner:
        sandbox.set_faults("omnitron", error_rate=1.0, status=500)
        try:
            execution_id = runner.accept_payload(
                "stock_push", json.dumps([{"product_sku": "SKU-000001", "stock": 5}]), "test")
            runner.wait(timeout=60)
        finally:
            sandbox.clear_faults()
        execution = runner.store.execution(execution_id)
        assert execution is not None and execution.status == "failed"
        assert execution.payload_id and runner.store.payload(execution.payload_id) is not None
