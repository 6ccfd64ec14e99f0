"""Price flows against the sandbox: an inbound sync of a price list, an outbound payload,
skipped rows, per-row logs, idempotent batches, validation and the template."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from console.flows import FlowsError, load, loads
from console.flows.file import dumps
from console.flows.templates import template
from console.kinds.row_shapes import price_problem
from console.omnitron import OmnitronClient
from console.runner import ExecutionStore, Runner
from console.runner.price_writer import PriceWriter
from console.runner.service import RunnerService
from console.sandbox import Sandbox

KNOWN = {f"SKU-{n:06d}" for n in range(1, 3001)}


def test_inbound_price_flow_writes_the_price_list_with_a_log_per_row(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path) -> None:
    path = demo_flows(tmp_path)  # type: ignore[operator]
    store = ExecutionStore(tmp_path / "store.db")
    with Runner(load(path), store) as runner:
        execution = runner.run("price")
    erp_rows = sandbox.erp_prices(price_list=1)
    wanted = {r["sku"]: r for r in erp_rows if r["sale_price"] >= 0 and r["sku"] in KNOWN}
    unknown = [r for r in erp_rows if r["sale_price"] >= 0 and r["sku"] not in KNOWN]
    assert unknown and len(wanted) < len(erp_rows)
    written = sandbox.prices(1)
    assert execution.succeeded == len(wanted) and execution.failed == len(unknown)
    assert execution.status == "partial" and execution.records_read == len(erp_rows)
    for sku, row in wanted.items():
        got = written[sku]
        assert (float(got["price"]), float(got["retail_price"]), float(got["tax_rate"]),
                got["currency_type"]) == (row["sale_price"], row["list_price"], row["vat"], "try")
    sku = sorted(wanted)[0]
    line = store.logs(execution.id, search=sku, limit=5)[0]
    assert line.message == (f"price {wanted[sku]['sale_price']} try (retail "
                            f"{wanted[sku]['list_price']}) written to price list 1")
    errors = store.logs(execution.id, level="error", limit=3)
    assert errors[0].message == "product_sku: Product not found."
    pages = store.logs(execution.id, search="read page", limit=50)
    assert store.count_logs(execution.id) == execution.total + len(pages)


def test_rows_without_a_price_are_skipped_and_named(sandbox: Sandbox, demo_flows: object,
                                                    tmp_path: Path) -> None:
    path = demo_flows(tmp_path, replace={  # type: ignore[operator]
        '"sale_price": "[&1].price",': '"sale_price": "[&1].sale",'})
    store = ExecutionStore(tmp_path / "store.db")
    with Runner(load(path), store) as runner:
        execution = runner.run("price", {"sku": "SKU-000001,SKU-000002"})
    assert (execution.status, execution.succeeded, execution.skipped) == ("failed", 0, 2)
    assert execution.error == "2 of 2 rows have no `price`: check the mapping"
    warning = store.logs(execution.id, level="warning", limit=1)[0]
    assert warning.message == ("skipped: the row has no `price`, so Omnitron would change "
                               "nothing")


def test_outbound_price_payload_is_checked_then_written(sandbox: Sandbox, demo_flows: object,
                                                        tmp_path: Path) -> None:
    service = RunnerService(load(demo_flows(tmp_path)))  # type: ignore[operator]
    service.start()
    rows = [{"product_sku": "SKU-000010", "price": "199.90", "retail_price": 249.9,
             "tax_rate": 20, "currency_type": "eur"},
            {"product_sku": "SKU-000011", "price": 10, "tax_rate": 150},
            {"product_sku": "SKU-000012", "price": 10, "currency_type": "xyz"},
            {"product_sku": "SKU-000013", "price": 5, "price_list": 1}]
    try:
        answer = httpx.post(f"http://{service.address}/flows/price_push/outbound", json=rows,
                            headers={"Authorization": "Bearer sandbox-token"})
        assert answer.status_code == 202
        execution_id = answer.json()["execution_id"]
        deadline = time.monotonic() + 60
        while (execution := service.runner.store.execution(execution_id)) is not None and \
                execution.status == "processing" and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        service.stop(drain_s=20)
    assert execution is not None
    assert (execution.succeeded, execution.failed, execution.skipped) == (2, 1, 1)
    assert sandbox.prices(2)["SKU-000010"]["price"] == "199.90"
    assert sandbox.prices(1)["SKU-000013"]["price"] == "5"
    store = service.runner.store
    assert store.logs(execution.id, search="SKU-000012", limit=1)[0].message == \
        'currency_type: "xyz" is not a valid choice.'
    assert store.logs(execution.id, search="SKU-000011", limit=1)[0].message == \
        ("skipped: the row has a `tax_rate` that is not a percentage from 0 to 100, "
         "so Omnitron would change nothing")


def test_a_resent_batch_id_is_applied_once(sandbox: Sandbox, demo_flows: object,
                                           tmp_path: Path) -> None:
    config = load(demo_flows(tmp_path))  # type: ignore[operator]
    flow = config.flow("price_push")
    with OmnitronClient(sandbox.omnitron_url, "integrator", "sandbox") as client:
        writer = PriceWriter(flow, client, "execution-one")
        first = writer.write([{"product_sku": "SKU-000020", "price": 7}], 0)
        again = writer.write([{"product_sku": "SKU-000020", "price": 8}], 0)
        other = PriceWriter(flow, client, "execution-two").write(
            [{"product_sku": "SKU-000020", "price": 9}], 0)
    assert (first.succeeded, again.succeeded, other.succeeded) == (1, 1, 1)
    assert sandbox.prices(2)["SKU-000020"]["price"] == "9"
    assert first.rows()[0][2] == "price 7 written to price list 2"


@pytest.mark.parametrize(("row", "problem"), [
    ({"product_sku": "A", "price": 1}, None),
    ({"product_sku": "A", "price": "12.50", "retail_price": "15", "tax_rate": 8,
      "currency_type": "usd", "price_list": 3}, None),
    ({"price": 1}, "have no `product_sku`"),
    ({"product_sku": "A"}, "have no `price`"),
    ({"product_sku": "A", "price": "cheap"}, "have a `price` that is not a number"),
    ({"product_sku": "A", "price": -1}, "have a negative `price`"),
    ({"product_sku": "A", "price": 1, "retail_price": -2}, "have a negative `retail_price`"),
    ({"product_sku": "A", "price": 1, "price_list": "x"},
     "have a `price_list` that is not a price list id"),
    ({"product_sku": "A", "price": 1, "currency_type": "TRY"},
     "have a `currency_type` that is not a lowercase currency code such as try"),
    ("row", "are not JSON objects"),
])
def test_price_row_shape(row: object, problem: str | None) -> None:
    assert price_problem(row, 1) == problem


def test_price_write_keys_are_validated() -> None:
    head = '''[omnitron]
url = "http://127.0.0.1:8801"
username = "integrator"
password = "sandbox"

[flows.p]
name = "P"
type = "price"
direction = "outbound"
[flows.p.write]
stock_list = 1
[flows.s]
name = "S"
type = "stock"
direction = "outbound"
[flows.s.write]
price_list = 0
'''
    with pytest.raises(FlowsError) as caught:
        loads(head)
    assert [p.render("flows.toml") for p in caught.value.problems] == [
        "flows.toml:11: flows.p.write.stock_list: price flows write to a price list: "
        "use price_list",
        "flows.toml:17: flows.s.write.price_list: expected a whole number between 1 and "
        "2147483647, found 0",
        "flows.toml:17: flows.s.write.price_list: stock flows write no prices; only price "
        "flows have a price list",
    ]


def test_new_price_flows_start_from_a_template_that_validates(sandbox: Sandbox,
                                                              demo_flows: object,
                                                              tmp_path: Path) -> None:
    config = load(demo_flows(tmp_path))  # type: ignore[operator]
    for direction in ("inbound", "outbound"):
        flow = template(f"new_{direction}", f"New {direction}", "price", direction, config)
        reloaded = loads(dumps(config.with_flow(flow))).flow(flow.id)
        assert reloaded.type == "price" and reloaded.write.price_list == 1
        assert (reloaded.read is not None) == (direction == "inbound")
    assert reloaded.mapping is not None and "retail_price" in reloaded.mapping.spec


def test_a_price_accepted_after_a_big_payload_keeps_its_value(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path) -> None:
    path = demo_flows(tmp_path, replace={  # type: ignore[operator]
        "price_list = 2\nbatch_size = 1000": "price_list = 2\nbatch_size = 100"})
    service = RunnerService(load(path), tick_s=0.05)
    service.start()
    store = service.runner.store

    def post(rows: list[dict[str, object]]) -> str:
        answer = httpx.post(f"http://{service.address}/flows/price_push/outbound", json=rows,
                            headers={"Authorization": "Bearer sandbox-token"}, timeout=30)
        assert answer.status_code == 202, answer.text
        return str(answer.json()["execution_id"])

    def wait_for(done: object) -> None:
        deadline = time.monotonic() + 60
        while not done() and time.monotonic() < deadline:  # type: ignore[operator]
            time.sleep(0.05)

    def finished(execution_id: str) -> bool:
        found = store.execution(execution_id)
        return found is not None and found.status != "processing"

    sandbox.set_faults("omnitron", latency_s=0.05)
    try:
        big = post([{"product_sku": f"SKU-{n:06d}", "price": 111} for n in range(1, 2001)])
        wait_for(lambda: sandbox.prices(2).get("SKU-000100", {}).get("price") == "111")
        small = post([{"product_sku": "SKU-001990", "price": 222}])
        wait_for(lambda: finished(small) and finished(big))
    finally:
        sandbox.clear_faults()
        service.stop(drain_s=20)
    prices = sandbox.prices(2)
    assert (prices["SKU-001990"]["price"], prices["SKU-001989"]["price"]) == ("222", "111")
    skipped = store.logs(big, search="accepted later")
    assert [log.key for log in skipped] == ["SKU-001990"] and small in skipped[0].message
