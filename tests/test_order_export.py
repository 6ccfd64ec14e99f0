"""The order export (Omnitron → ERP) against a sandbox of its own per test: each waiting
order is written once and marked sent, re-runs and crashes never duplicate an order in the
ERP, a check-response refusal leaves the order unsent, and one failing order stops no other."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import demo_flows_for

from console.flows import FlowsError, load, loads
from console.flows.file import dumps
from console.flows.templates import template
from console.omnitron import OmnitronClient, RetryPolicy
from console.runner import ExecutionStore, Runner
from console.runner.dry_run import dry_run
from console.sandbox import Sandbox, start

FLOW = "orders_to_erp"
QUICK = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02, max_total=1.0)


@pytest.fixture
def own_sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """Each test changes which orders are sent: it gets a small sandbox of its own."""
    with start(tmp_path / "sandbox", products=200, orders=60) as running:
        yield running


def _orders(sandbox: Sandbox, **filters: Any) -> list[dict[str, Any]]:
    with OmnitronClient(sandbox.omnitron_url, "integrator", "sandbox") as client:
        page = client.request("GET", "/api/i1/orders/", params={"limit": 1000, **filters})
    return list(page["results"])


def _waiting(sandbox: Sandbox) -> list[dict[str, Any]]:
    return _orders(sandbox, is_send="false", status="400", channel=1)


def _refused(order: dict[str, Any]) -> bool:
    """The sandbox ERP refuses (inside a 200) an order without a customer e-mail."""
    return not order["customer"]["email"]


def _run(path: Path, store: ExecutionStore, params: dict[str, str] | None = None) -> Any:
    with Runner(load(path), store, retry=QUICK) as runner:
        return runner.run(FLOW, params or {})


def test_a_run_sends_each_waiting_order_once_and_marks_it_sent(
        own_sandbox: Sandbox, tmp_path: Path) -> None:
    waiting = _waiting(own_sandbox)
    others = [o for o in _orders(own_sandbox) if o["number"] not in
              {w["number"] for w in waiting}]
    accepted = [o["number"] for o in waiting if not _refused(o)]
    refused = [o["number"] for o in waiting if _refused(o)]
    assert accepted and refused and others
    store = ExecutionStore(tmp_path / "store.db")
    execution = _run(demo_flows_for(own_sandbox, tmp_path), store)
    assert (execution.status, execution.succeeded, execution.failed) == \
        ("partial", len(accepted), len(refused))
    assert own_sandbox.erp_sales_orders() == {number: 1 for number in accepted}
    sent = own_sandbox.orders_sent()
    assert all(sent[n] for n in accepted) and not any(sent[n] for n in refused)
    assert all(sent[o["number"]] == o["is_send"] for o in others)  # untouched
    rows = {log.key: log for log in store.logs(execution.id, limit=500) if log.key}
    assert set(rows) == set(accepted) | set(refused)  # one log row per order
    assert rows[accepted[0]].level == "info"
    assert rows[accepted[0]].message.startswith("written to the ERP (201) and marked sent: "
                                                "ERP order id ")
    written = json.loads(rows[accepted[0]].payload)  # the order as the ERP got it
    assert (written["number"], written["channel"]) == (accepted[0], "web")
    assert rows[refused[0]].message == ("check-response: the ERP refused it: customer e-mail "
                                        "address is required; the order stays unsent")


def test_a_rerun_and_a_reset_never_duplicate_an_order_in_the_erp(
        own_sandbox: Sandbox, tmp_path: Path) -> None:
    path = demo_flows_for(own_sandbox, tmp_path)
    store = ExecutionStore(tmp_path / "store.db")
    first = _run(path, store)
    again = _run(path, store)
    refused = first.failed
    assert (again.succeeded, again.failed) == (0, refused)  # only the refused ones wait
    own_sandbox.orders_sent(reset=True)  # every order waits again, the ERP has them already
    third = _run(path, store)
    assert (third.succeeded, third.failed) == (first.succeeded, refused)
    assert set(own_sandbox.erp_sales_orders().values()) == {1}
    found = [log for log in store.logs(third.id, level="info", limit=500) if log.key]
    assert found and all(log.message == "already in the ERP (query check): not written again, "
                                        "marked sent" for log in found)


def test_a_crash_between_the_erp_write_and_the_mark_creates_no_duplicate(
        own_sandbox: Sandbox, tmp_path: Path) -> None:
    path = demo_flows_for(own_sandbox, tmp_path)
    store = ExecutionStore(tmp_path / "store.db")
    waiting = [o["number"] for o in _waiting(own_sandbox) if not _refused(o)]
    own_sandbox.orders_sent(patch_fails=True)
    crashed = _run(path, store)
    assert crashed.succeeded == 0 and crashed.failed == len(_waiting(own_sandbox))
    assert own_sandbox.erp_sales_orders() == {number: 1 for number in waiting}
    row = store.logs(crashed.id, search=waiting[0], limit=1)[0]
    assert row.message.startswith("mark sent: the ERP has the order but Omnitron did not take "
                                  "is_send: ")
    own_sandbox.orders_sent(patch_fails=False)
    recovered = _run(path, store)
    assert recovered.succeeded == len(waiting)
    assert own_sandbox.erp_sales_orders() == {number: 1 for number in waiting}
    sent = own_sandbox.orders_sent()
    assert all(sent[number] for number in waiting)


def _run_holding(sandbox: Sandbox, tmp_path: Path, held: str, order: str,
                 before: str) -> tuple[Any, Any]:
    """A run whose demo script raises for order ``held`` just before its line ``before``
    (``order``: how that script names the order); the run and the order's log row."""
    path = demo_flows_for(sandbox, tmp_path, replace={before: (
        f'    if {order}["number"] == "{held}":\n'
        f'        raise ValueError("order %s is on hold" % {order}["number"])\n' + before)})
    store = ExecutionStore(tmp_path / "store.db")
    execution = _run(path, store)
    return execution, store.logs(execution.id, search=held, limit=1)[0]


def test_a_check_response_script_that_raises_refuses_the_order_with_its_message(
        own_sandbox: Sandbox, tmp_path: Path) -> None:
    waiting = _waiting(own_sandbox)
    held = next(o["number"] for o in waiting if not _refused(o))
    execution, row = _run_holding(own_sandbox, tmp_path, held, 'data["order"]',
                                  '    if data["already_in_erp"]:')
    assert (row.level, row.message) == ("error", f"check-response: ValueError: order {held} "
                                                 "is on hold; the order stays unsent")
    assert own_sandbox.orders_sent()[held] is False
    assert own_sandbox.erp_sales_orders()[held] == 1  # written, then refused by the check
    assert execution.succeeded == len([o for o in waiting if not _refused(o)]) - 1


def test_a_script_that_raises_fails_its_order_with_one_line_and_writes_nothing(
        own_sandbox: Sandbox, tmp_path: Path) -> None:
    held = next(o["number"] for o in _waiting(own_sandbox) if not _refused(o))
    execution, row = _run_holding(own_sandbox, tmp_path, held, "order",
                                  '    order["channel_code"]')
    assert (row.level, row.message) == ("error", f"script: ValueError: order {held} is on hold")
    assert held not in own_sandbox.erp_sales_orders()
    assert own_sandbox.orders_sent()[held] is False
    assert execution.succeeded > 0


def test_an_erp_failure_on_one_order_does_not_stop_the_others(
        own_sandbox: Sandbox, tmp_path: Path) -> None:
    accepted = [o["number"] for o in _waiting(own_sandbox) if not _refused(o)]
    broken = accepted[1]
    own_sandbox.erp_sales_orders(failing=[broken])
    path = demo_flows_for(own_sandbox, tmp_path)
    config = load(path)
    flow = config.flow(FLOW)
    assert flow.order_export is not None
    unchecked = replace(flow, order_export=replace(flow.order_export, check_response=None))
    path.write_text(dumps(config.with_flow(unchecked)), encoding="utf-8")  # the status decides
    store = ExecutionStore(tmp_path / "store.db")
    execution = _run(path, store)
    row = store.logs(execution.id, search=broken, limit=1)[0]
    assert (row.level, row.message) == ("error", 'check-response: the ERP answered 500: '
                                                 '{"message": "internal error"}; the order '
                                                 'stays unsent')
    sent = own_sandbox.orders_sent()
    assert not sent[broken]
    assert all(sent[n] for n in accepted if n != broken)
    assert own_sandbox.erp_sales_orders() == {n: 1 for n in accepted if n != broken}
    assert execution.failed == 1  # without a check-response script, a 200 is accepted


def test_a_trigger_with_a_number_sends_that_order_only(own_sandbox: Sandbox,
                                                        tmp_path: Path) -> None:
    number = next(o["number"] for o in _waiting(own_sandbox) if not _refused(o))
    store = ExecutionStore(tmp_path / "store.db")
    execution = _run(demo_flows_for(own_sandbox, tmp_path), store, {"number": number})
    assert (execution.succeeded, execution.failed) == (1, 0)
    assert own_sandbox.erp_sales_orders() == {number: 1}


def test_a_dry_run_writes_nothing(own_sandbox: Sandbox, tmp_path: Path) -> None:
    config = load(demo_flows_for(own_sandbox, tmp_path))
    waiting = _waiting(own_sandbox)
    report = dry_run(config, FLOW)
    assert report.error is None
    assert [s for s, _ in report.steps][:3] == ["login", "read", f"order {waiting[0]['number']}"]
    assert dict(report.steps)["read"] == (f"{len(waiting)} order(s) wait for the ERP "
                                          "(is_send false, status 400, channel 1)")
    first = dict(report.steps)[f"order {waiting[0]['number']}"]
    assert first.startswith("not in the ERP (query check answered 200); would send POST "
                            f"{own_sandbox.erp_url}/sales-orders?source=omnitron")
    assert report.rows and report.rows[0]["number"] == waiting[0]["number"]
    assert own_sandbox.erp_sales_orders() == {}
    assert not any(own_sandbox.orders_sent()[o["number"]] for o in waiting)


def _flow_problems(text: str) -> dict[str, str]:
    base = """
[omnitron]
url = "http://127.0.0.1:8801"
username = "u"
password = "p"
"""
    with pytest.raises(FlowsError) as caught:
        loads(base + text)
    return {p.key_path: p.message for p in caught.value.problems}


def test_flows_toml_refuses_bad_order_export_settings() -> None:
    problems = _flow_problems("""
[flows.x]
name = "X"
type = "order_export"
direction = "outbound"

[flows.x.read]
url = "http://erp/orders"

[flows.x.order_export]
status = ["40x"]
channel = 0

[flows.x.order_export.query_check]
url = "http://erp/orders?number=${order.number:noSuchFunction()}"
found_path = ""

[flows.x.order_export.write]
url = "erp/orders"
method = "DELETE"

[flows.x.order_export.check_response]
source = "def transform(data, attributes)\\n    return data"
""")
    assert problems["flows.x.direction"] == ("order_export flows are always inbound: they read "
                                             "the orders waiting for the ERP from Omnitron")
    assert problems["flows.x.read"].startswith("order_export flows read the orders waiting for "
                                               "the ERP from Omnitron")
    assert problems["flows.x.order_export.status"] == ('expected Omnitron order status codes such '
                                                       'as ["400"], found \'40x\'')
    assert problems["flows.x.order_export.channel"].startswith("expected a whole number")
    assert problems["flows.x.order_export.query_check.url"].startswith("expression error")
    assert problems["flows.x.order_export.query_check.found_path"].startswith(
        "expected a dotted path")
    assert problems["flows.x.order_export.write.url"] == \
        "expected an http:// or https:// URL, found 'erp/orders'"
    assert problems["flows.x.order_export.write.method"] == \
        "expected one of POST | PUT | PATCH, found 'DELETE'"
    assert problems["flows.x.order_export.check_response.source"].startswith(
        "Python syntax error at line 1")


def test_an_order_export_needs_its_table_and_other_flows_may_not_have_it() -> None:
    problems = _flow_problems("""
[flows.x]
name = "X"
type = "order_export"

[flows.y]
name = "Y"
type = "stock"
direction = "outbound"

[flows.y.order_export.write]
url = "http://erp/orders"
""")
    assert problems["flows.x.order_export"].startswith("missing table; order_export flows need "
                                                       "[order_export.write]")
    assert problems["flows.y.order_export"] == \
        "only order_export flows have an [order_export] table"


def test_the_template_is_a_valid_inbound_export(tmp_path: Path) -> None:
    config = loads('[omnitron]\nurl = "http://127.0.0.1:8801"\nusername = "u"\npassword = "p"\n')
    flow = template("exp", "Export", "order_export", "outbound", config)
    again = loads(dumps(config.with_flow(flow))).flow("exp")
    assert again == flow and flow.direction == "inbound" and flow.schedule
    assert flow.order_export is not None and flow.order_export.write is not None
    assert flow.order_export.query_check is not None
    assert flow.order_export.write.url == "http://127.0.0.1:8802/sales-orders"
    assert flow.login is not None and flow.login.type == "jwt"


def test_a_timed_out_script_fails_the_export_instead_of_timing_out_every_order(
        own_sandbox: Sandbox, tmp_path: Path) -> None:
    path = demo_flows_for(own_sandbox, tmp_path, replace={
        '    """The ERP knows channels by code, not by Omnitron\'s id."""\n':
        "    while True:\n        pass\n"})
    path.write_text(path.read_text().replace(
        "[flows.orders_to_erp.script]\n", "[flows.orders_to_erp.script]\ntimeout_s = 0.5\n"))
    store = ExecutionStore(tmp_path / "store.db")
    assert len(_waiting(own_sandbox)) > 1
    execution = _run(path, store)
    assert execution.status == "failed" and execution.error is not None
    assert "ran longer than 0.5 s" in execution.error
    assert "[flows.orders_to_erp.script] timeout_s" in execution.error
    assert "the orders after it were not sent" in execution.error
    assert (execution.succeeded, execution.failed) == (0, 1)  # one order tried, not every one
    assert own_sandbox.erp_sales_orders() == {}
