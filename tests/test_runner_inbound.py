"""Inbound syncs through the runner against the sandbox: pagination, XML, scripts, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sandbox_data import erp_stock, expected_written

from console.flows import load
from console.runner import ExecutionStore, Runner
from console.sandbox import Sandbox


@pytest.mark.parametrize("pagination", [
    '{ type = "offset", page_size = 500, limit_param = "limit", offset_param = "offset", '
    'total_path = "count" }',
    '{ type = "seek", page_size = 400, limit_param = "limit", seek_param = "after", seek_field = "id" }',
    '{ type = "next", next_path = "next", total_path = "count" }',
])
def test_stock_sync_reads_every_page_and_writes_each_row(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path, pagination: str) -> None:
    path = demo_flows(tmp_path, replace={  # type: ignore[operator]
        '{ type = "offset", page_size = 500, limit_param = "limit", offset_param = "offset", '
        'total_path = "count" }': pagination})
    config = load(path)
    store = ExecutionStore(tmp_path / "store.db")
    with Runner(config, store) as runner:
        execution = runner.run("stock")
    erp_rows = erp_stock(sandbox, 1)
    expected = expected_written(sandbox, 1)
    assert execution.total == len([q for q in erp_rows.values() if q >= 0])
    assert execution.succeeded == len(expected)
    assert execution.status == "partial"
    stocks = sandbox.stocks(1)
    assert all(stocks[sku] == qty for sku, qty in expected.items())
    errors = store.logs(execution.id, level="error", limit=5)
    assert errors and errors[0].message == "product_sku: Product not found."
    pages = store.logs(execution.id, search="read page", limit=50)
    assert len(pages) >= 3
    assert store.count_logs(execution.id) == execution.total + len(pages)
    assert execution.records_read == len(erp_rows)
    assert execution.expected == (len(erp_rows) if "total_path" in pagination else None)


def test_xml_seek_flow_converts_and_reports_row_errors(sandbox: Sandbox, demo_flows: object,
                                                       tmp_path: Path) -> None:
    config = load(demo_flows(tmp_path))  # type: ignore[operator]
    store = ExecutionStore(tmp_path / "store.db")
    with Runner(config, store) as runner:
        execution = runner.run("stock_xml")
    negative = [sku for sku, qty in erp_stock(sandbox, 2).items() if qty < 0]
    assert execution.status == "partial" and execution.skipped == len(negative) > 0
    assert execution.error == (f"{len(negative)} of {execution.total:,} rows have a `stock` "
                               "outside 0 to 2147483647: check the mapping")
    messages = {log.key: log.message for log in store.logs(execution.id, level="warning",
                                                           limit=500)}
    assert messages[negative[0]] == ("skipped: the row has a `stock` outside 0 to 2147483647, "
                                     "so Omnitron would change nothing")
    errors = {log.key: log.message for log in store.logs(execution.id, level="error", limit=500)}
    assert set(errors).isdisjoint(negative) and len(errors) == execution.failed > 0
    written = expected_written(sandbox, 2)
    stocks = sandbox.stocks(2)  # once: each call reads the whole stock list over HTTP
    assert all(stocks[sku] == qty for sku, qty in written.items())


def test_manual_trigger_params_filter_the_erp_read(sandbox: Sandbox, demo_flows: object,
                                                   tmp_path: Path) -> None:
    skus = sorted(expected_written(sandbox, 1))[:2]
    config = load(demo_flows(tmp_path))  # type: ignore[operator]
    with Runner(config, ExecutionStore(tmp_path / "s.db")) as runner:
        execution = runner.run("stock", {"sku": ",".join(skus)})
    assert (execution.status, execution.total, execution.succeeded) == ("success", 2, 2)
    assert runner.store.last_request("stock") is None


def test_order_status_sync_runs_per_order_script_and_logs_rejected_transitions(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path) -> None:
    config = load(demo_flows(tmp_path))  # type: ignore[operator]
    store = ExecutionStore(tmp_path / "store.db")
    with Runner(config, store) as runner:
        execution = runner.run("order_status")
    assert execution.status == "partial" and execution.succeeded > 0 and execution.failed > 0
    errors = store.logs(execution.id, level="error", limit=100)
    assert any("is not allowed" in log.message and log.key and log.key.startswith("ORD-")
               for log in errors)
    done = store.logs(execution.id, level="info", limit=400)
    written = [log for log in done if "item(s) updated" in log.message]
    assert len(written) == execution.succeeded
    first = written[0]
    item_id = int(first.message.split(": ")[1].split("->")[0])
    assert sandbox.order_item(item_id)["fields"].get("invoice_number", "").startswith("INV-")
    assert "product" not in sandbox.order_item(item_id)["fields"]
    assert execution.attributes.get("log.order", "").startswith("ORD-")


def test_missing_order_number_is_a_row_error_not_a_crash(sandbox: Sandbox, demo_flows: object,
                                                         tmp_path: Path) -> None:
    script = '''def transform(order, attributes):
    if order["order"].endswith("2"):
        del order["order"]
    if order["order"].endswith("3") if "order" in order else False:
        order["orderitem_set"][0].pop("id")
    return order
'''
    path = demo_flows(tmp_path)  # type: ignore[operator]
    text = path.read_text().split("[flows.order_status.write]")
    head, rest = text[0], text[1].split("[flows.oms_stock]")
    path.write_text(f"{head}[flows.order_status.write]\nscript = '''\n{script}'''\n\n"
                    f"[flows.oms_stock]{rest[1]}")
    store = ExecutionStore(tmp_path / "store.db")
    with Runner(load(path), store) as runner:
        execution = runner.run("order_status", {"number": "ORD-000002,ORD-000003"})
    messages = sorted(log.message for log in store.logs(execution.id, level="warning"))
    assert messages == ["skipped: the row has an order item without `id`, so Omnitron would "
                        "change nothing",
                        "skipped: the row has no `order` (the Omnitron order number), so "
                        "Omnitron would change nothing"]
    assert (execution.status, execution.failed, execution.skipped) == ("failed", 0, 2)


def test_transient_503s_are_retried_and_logged(sandbox: Sandbox, demo_flows: object,
                                               tmp_path: Path) -> None:
    config = load(demo_flows(tmp_path))  # type: ignore[operator]
    store = ExecutionStore(tmp_path / "store.db")
    sandbox.set_faults("erp", error_rate=0.4, status=503)
    try:
        from console.omnitron import RetryPolicy

        with Runner(config, store, retry=RetryPolicy(attempts=12, base_delay=0.01,
                                                     max_delay=0.05)) as runner:
            execution = runner.run("stock")
    finally:
        sandbox.clear_faults()
    retries = [log for log in store.logs(execution.id, level="warning", limit=200)
               if "HTTP 503" in log.message]
    assert retries, "expected at least one logged retry"
    assert execution.succeeded == len(expected_written(sandbox, 1))


def test_unreachable_erp_fails_the_execution_with_a_clear_error(sandbox: Sandbox,
                                                               demo_flows: object,
                                                               tmp_path: Path) -> None:
    import dataclasses

    from console.omnitron import RetryPolicy

    config = load(demo_flows(tmp_path))  # type: ignore[operator]
    flow = config.flow("stock")
    assert flow.login is not None
    broken = dataclasses.replace(flow, login=dataclasses.replace(
        flow.login, url="http://127.0.0.1:9/auth/login"))
    with Runner(config.with_flow(broken), ExecutionStore(tmp_path / "s.db"),
                retry=RetryPolicy(attempts=2, base_delay=0.01)) as runner:
        execution = runner.run("stock")
    assert execution.status == "failed"
    assert execution.error is not None
    assert execution.error.startswith("login: cannot reach the ERP at http://127.0.0.1:9")


def test_retry_resends_only_the_rows_that_failed(sandbox: Sandbox, demo_flows: object,
                                                 tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from console.cli import main

    path = demo_flows(tmp_path)  # type: ignore[operator]
    config = load(path)
    store = ExecutionStore(config.store_path())
    with Runner(config, store) as runner:
        first = runner.run("stock")
        again = store.execution(runner.retry(first.id, wait=True))
    assert again is not None and again.retry_of == first.id
    assert (again.total, again.succeeded, again.failed) == (first.failed, 0, first.failed)
    failed = {log.key for log in store.iter_logs(first.id, level="error")}
    assert {log.key for log in store.iter_logs(again.id, level="error")} == failed
    assert main(["--flows", str(path), "retry", first.id]) == 1
    assert f"{first.failed} failed" in capsys.readouterr().out


@pytest.mark.parametrize("login", [
    'type = "basic"\nusername = "erp"\npassword = "sandbox"',
    'type = "token"\ntoken = "sandbox-api-key"\nprefix = "Token "',
    'type = "header"\ntoken = "sandbox-api-key"\nheader = "X-Api-Key"\nprefix = ""',
])
def test_static_logins_reach_the_erp(sandbox: Sandbox, demo_flows: object, tmp_path: Path,
                                     login: str) -> None:
    import re

    path = demo_flows(tmp_path)  # type: ignore[operator]
    text = path.read_text()
    path.write_text(re.sub(r"\[flows\.stock\.login\]\n.*?\n\n", f"[flows.stock.login]\n{login}\n\n",
                           text, count=1, flags=re.S))
    skus = sorted(expected_written(sandbox, 1))[:2]
    with Runner(load(path), ExecutionStore(tmp_path / "s.db")) as runner:
        execution = runner.run("stock", {"sku": ",".join(skus)})
    assert (execution.status, execution.succeeded) == ("success", 2), execution.error


def test_post_read_sends_the_extra_params_as_the_body(sandbox: Sandbox, demo_flows: object,
                                                      tmp_path: Path) -> None:
    import re

    path = demo_flows(tmp_path)  # type: ignore[operator]
    text = path.read_text()
    erp_url = re.search(r'url = "(http://127\.0\.0\.1:\d+)/stock\?', text)[1]  # type: ignore[index]
    post = (f'[flows.stock.read]\nurl = "{erp_url}/stock/query"\nmethod = "POST"\n'
            'extra_params = { sku = "${http.query.param.sku}" }\nrecords = "items"\n\n')
    path.write_text(re.sub(r"\[flows\.stock\.read\]\n.*?\n\n", lambda _: post, text, count=1,
                           flags=re.S))
    sku = sorted(expected_written(sandbox, 1))[0]
    with Runner(load(path), ExecutionStore(tmp_path / "s.db")) as runner:
        execution = runner.run("stock", {"sku": sku})
    assert (execution.status, execution.total, execution.succeeded) == ("success", 1, 1), \
        execution.error
    assert sandbox.stocks(1)[sku] == expected_written(sandbox, 1)[sku]
