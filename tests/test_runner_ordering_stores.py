"""The newest value wins on both stores (SQLite and PostgreSQL), against the sandbox: a newer
execution gets the flow's write lock between two batches of an older one, also when pages hold
several batches, and a failed send leaves no claim on the batches it never sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from console.flows import load
from console.omnitron import RetryPolicy
from console.runner import Runner
from console.sandbox import Sandbox
from console.store import open_store
from tests.waiting import wait_for

BATCHES_OF_TEN = {"[flows.stock_push.write]\nstock_list = 3\nbatch_size = 5000":
                  "[flows.stock_push.write]\nstock_list = 3\nbatch_size = 10"}


def rows(numbers: range, stock: int) -> list[dict[str, Any]]:
    return [{"product_sku": f"SKU-{n:06d}", "stock": stock, "unit_type": "qty"} for n in numbers]



def test_a_newer_execution_writes_between_two_batches_of_an_older_one(
        store_location: str, demo_flows: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    config = load(demo_flows(tmp_path, replace=BATCHES_OF_TEN))
    store = open_store(store_location)
    sandbox.set_faults("omnitron", latency_s=0.03)
    try:
        with Runner(config, store) as runner:
            older = runner.accept_payload("stock_push", json.dumps(rows(range(1101, 1301), 7)),
                                          "test")
            wait_for(lambda: (sandbox.stock("SKU-001120", 3) or {}).get("stock") == 7)
            newer = runner.accept_payload("stock_push", json.dumps(rows(range(1290, 1291), 8)),
                                          "test")
            runner.wait(timeout=60)
    finally:
        sandbox.clear_faults()
    assert sandbox.stock("SKU-001290", 3)["stock"] == 8
    assert sandbox.stock("SKU-001291", 3)["stock"] == 7
    old = store.execution(older)
    assert old is not None and (old.status, old.succeeded, old.failed) == ("success", 199, 0)
    skipped = store.logs(older, search="accepted later")
    assert [log.key for log in skipped] == ["SKU-001290"] and newer in skipped[0].message
    store.close()


def test_pages_of_several_batches_let_a_newer_execution_in_between_two_batches(
        store_location: str, demo_flows: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """Pages of four batches: a newer run waiting for the flow's write lock gets it between two
    batches of the older one, both end, and the older one skips the key the newer one wrote."""
    from tests.sandbox_data import expected_written

    config = load(demo_flows(tmp_path, replace={
        "page_size = 500, limit_param": "page_size = 40, limit_param",
        "stock_list = 1\nbatch_size = 5000": "stock_list = 1\nbatch_size = 10"}))
    store = open_store(store_location)
    skus = sorted(expected_written(sandbox, 1))[1000:1160]
    last = skus[-1]
    sandbox.set_erp_stock(last, 601)
    sandbox.set_faults("omnitron", latency_s=0.03)
    try:
        with Runner(config, store) as runner:
            older = runner.trigger("stock", {"sku": ",".join(skus)})
            wait_for(lambda: getattr(store.execution(older), "succeeded", 0) >= 40)
            sandbox.set_erp_stock(last, 602)
            newer = runner.trigger("stock", {"sku": last})
            runner.wait(timeout=60)
            ended = [store.execution(older), store.execution(newer)]
    finally:
        sandbox.clear_faults()
    assert [e.status if e else None for e in ended] == ["success", "success"]
    assert len(store.logs(older, search="read page")) >= 4  # pages of 40 rows
    assert sandbox.stock(last, 1)["stock"] == 602
    skipped = store.logs(older, search="accepted later")
    assert [log.key for log in skipped] == [last] and newer in skipped[0].message
    store.close()


def test_a_failed_send_leaves_no_claim_on_the_batches_it_never_sent(
        store_location: str, demo_flows: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """The newer execution's first batch fails at Omnitron: that batch's claim stands (Omnitron
    may have applied it), the batch after it, never sent, is not claimed, so an older
    execution run afterwards still writes those keys."""
    config = load(demo_flows(tmp_path, replace=BATCHES_OF_TEN))
    store = open_store(store_location)
    older = store.admit("stock_push", "outbound", {}, "test",
                        body=json.dumps(rows(range(1401, 1421), 51)))
    newer = store.admit("stock_push", "outbound", {}, "test",
                        body=json.dumps(rows(range(1401, 1421), 52)))
    faulty: list[bool] = []

    def omnitron_fails_after_login() -> None:
        if not faulty:
            faulty.append(True)
            sandbox.set_faults("omnitron", error_rate=1.0, status=500, latency_s=0.3)

    with Runner(config, store, retry=RetryPolicy(attempts=1, base_delay=0.01)) as runner:
        try:
            failed = runner.execute_queued(newer, omnitron_fails_after_login)
        finally:
            sandbox.clear_faults()
        assert failed.status == "failed" and failed.succeeded == 0, failed.error
        assert "write" in (failed.error or "")
        done = runner.execute_queued(older, lambda: None)
    assert (done.status, done.succeeded) == ("success", 10)
    skipped = store.logs(older.id, search="accepted later")
    assert sorted(log.key for log in skipped) == [f"SKU-{n:06d}" for n in range(1401, 1411)]
    assert all(sandbox.stock(f"SKU-{n:06d}", 3)["stock"] == 51 for n in range(1411, 1421))
    store.close()
