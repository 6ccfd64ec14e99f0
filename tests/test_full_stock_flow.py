"""The full stock flow against the sandbox: a compare of the ERP's whole stock with Omnitron's
stock list starts the stock flow for exactly the SKUs that differ, in chunks, and after those
runs a second compare finds nothing different. It never runs by hand; a dry run compares."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sandbox_data import erp_stock

from console.flows import FlowsError, load, loads
from console.runner import ExecutionStore, Runner
from console.runner.dry_run import dry_run
from console.runner.runner import NotByHand
from console.runner.service import RunnerService
from console.sandbox import Sandbox

KNOWN = {f"SKU-{n:06d}" for n in range(1, 3001)}


def _expected(sandbox: Sandbox) -> tuple[set[str], set[str], set[str]]:
    """(different, missing in Omnitron, missing in the ERP) for stock list 1, as the demo
    flow's script sees the ERP (negative quantities dropped)."""
    erp = {sku: qty for sku, qty in erp_stock(sandbox, 1).items() if qty >= 0}
    omnitron = sandbox.stocks(1)
    different = {sku for sku, qty in erp.items() if sku in omnitron and omnitron[sku] != qty}
    return different, set(erp) - set(omnitron), set(omnitron) - set(erp)


def test_a_compare_syncs_exactly_the_differing_skus_and_a_second_finds_none(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path) -> None:
    sandbox.set_erp_stock("SKU-000005", 77)  # one known difference at least
    different, missing_omnitron, missing_erp = _expected(sandbox)
    assert different and missing_omnitron and missing_erp
    store = ExecutionStore(tmp_path / "store.db")
    with Runner(load(demo_flows(tmp_path)), store) as runner:  # type: ignore[operator]
        first = runner.run("nightly_stock", trigger="schedule", triggered_by="scheduler")
        runner.wait()
        syncs = [e for e in store.executions("stock") if e.trigger == "full_stock"]
        second = runner.run("nightly_stock", trigger="schedule", triggered_by="scheduler")
        runner.wait()
    assert first.status == "success", first.error
    counts = {k.removeprefix("log."): int(v) for k, v in first.attributes.items()
              if k != "log.stock_executions"}
    assert counts["different"] == len(different)
    assert counts["missing_in_omnitron"] == len(missing_omnitron)
    assert counts["missing_in_erp"] == len(missing_erp)
    assert counts["compared"] == counts["equal"] + len(different) + len(missing_omnitron) + \
        len(missing_erp)
    chunks = [e.params["sku"].split(",") for e in syncs]
    assert all(len(chunk) <= 100 for chunk in chunks)
    sent = [sku for chunk in chunks for sku in chunk]
    assert sorted(sent) == sorted(different | missing_omnitron)  # each once, nothing else
    assert set(first.attributes["log.stock_executions"].split(",")) == {e.id for e in syncs}
    assert sandbox.stock("SKU-000005")["stock"] == 77  # type: ignore[index]
    # the second compare: everything the stock flow could write now agrees
    assert second.attributes["log.different"] == "0"
    assert int(second.attributes["log.missing_in_omnitron"]) == \
        len(missing_omnitron - KNOWN)  # products Omnitron does not have stay missing
    line = store.logs(first.id, search="SKU-000005", limit=1)[0]
    assert line.message.startswith("ERP 77, Omnitron ") and line.message.endswith(
        "sent to stock")
    assert store.logs(first.id, search=sorted(missing_erp)[0], limit=1)[0].level == "warning"


def test_it_never_runs_by_hand_and_a_dry_run_compares_without_syncing(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path) -> None:
    config = load(demo_flows(tmp_path))  # type: ignore[operator]
    store = ExecutionStore(tmp_path / "store.db")
    with Runner(config, store) as runner, pytest.raises(NotByHand):
        runner.run("nightly_stock")
    service = RunnerService(config)
    service.start()
    try:
        answer = httpx.post(f"http://{service.address}/flows/nightly_stock/trigger",
                            headers={"Authorization": "Bearer sandbox-token"})
    finally:
        service.stop(drain_s=10)
    assert answer.status_code == 409
    assert "runs only at its scheduled time" in answer.json()["error"]
    report = dry_run(config, "nightly_stock")
    assert report.error is None
    steps = dict(report.steps)
    assert "SKU(s) compared" in steps["compare"]
    assert steps["sync (not started)"].startswith("stock would run ")
    assert not store.executions("stock")


HEAD = '''[omnitron]
url = "http://127.0.0.1:8801"
username = "integrator"
password = "sandbox"

[flows.stock]
name = "Stock"
type = "stock"
[flows.stock.read]
url = "http://erp/stock"
[flows.stock.write]
stock_list = 1

[flows.price]
name = "Price"
type = "price"
[flows.price.read]
url = "http://erp/prices"

[flows.full]
name = "Full"
type = "full_stock"
schedule = "0 3 * * *"
[flows.full.read]
url = "http://erp/stock"
'''


def _problems(tail: str) -> list[str]:
    with pytest.raises(FlowsError) as caught:
        loads(HEAD + tail)
    return [p.render("flows.toml") for p in caught.value.problems]


def test_full_stock_keys_are_validated_with_their_key_paths() -> None:
    good = '[flows.full.write]\nstock_list = 1\n[flows.full.full_stock]\nstock_flow = "stock"\n'
    assert loads(HEAD + good).flow("full").full_stock.stock_flow == "stock"  # type: ignore[union-attr]
    assert any("flows.full.full_stock: missing table" in p for p in _problems(
        '[flows.full.write]\nstock_list = 1\n'))
    assert any("flows.full.full_stock.stock_flow: 'price' is a price inbound flow; expected "
               "the id of an inbound stock flow (stock)" in p
               for p in _problems(good.replace('"stock"', '"price"')))
    assert any("flows.full.write.stock_list: the compared stock list (2) must be the one stock "
               "writes to (1)" in p for p in _problems(good.replace("= 1", "= 2")))
    often = HEAD.replace('schedule = "0 3 * * *"', 'schedule = "0 */6 * * *"') + good
    with pytest.raises(FlowsError) as caught:
        loads(often)
    assert any("flows.full.schedule: full_stock flows run at most once a day" in
               p.render("flows.toml") for p in caught.value.problems)
    outbound = HEAD.replace('type = "full_stock"', 'type = "full_stock"\ndirection = "outbound"')
    with pytest.raises(FlowsError) as caught:
        loads(outbound + good)
    assert any("flows.full.direction: full_stock flows are always inbound" in
               p.render("flows.toml") for p in caught.value.problems)
    assert any("flows.stock.full_stock: only full_stock flows have a [full_stock] table" in p
               for p in _problems(good + '[flows.stock.full_stock]\nstock_flow = "stock"\n'))
    assert any("flows.full.full_stock.chunk_size: expected a whole number between 1 and 10000"
               in p for p in _problems(good + "chunk_size = 0\n"))


def test_erp_rows_a_broken_mapping_left_without_stock_make_the_compare_partial(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path) -> None:
    """The reason counts ERP rows, not the SKUs only Omnitron has; the dry run says the same."""
    from test_write_check import RENAMED

    path = demo_flows(tmp_path, replace=RENAMED)  # type: ignore[operator]
    erp_rows = {sku: qty for sku, qty in erp_stock(sandbox, 1).items() if qty >= 0}
    without = sum(1 for sku in erp_rows if not sku.endswith("7"))
    store = ExecutionStore(tmp_path / "store.db")
    with Runner(load(path), store) as runner:
        execution = runner.run("nightly_stock", trigger="schedule", triggered_by="scheduler")
        runner.wait()
    reason = f"{without:,} of {len(erp_rows):,} rows have no `stock`: check the mapping"
    assert (execution.status, execution.error) == ("partial", reason)
    assert execution.skipped == without
    report = dry_run(load(path), "nightly_stock")
    assert report.problem == reason
