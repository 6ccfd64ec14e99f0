"""The generic proxy flow against the sandbox ERP: an outbound call is answered with the
post-script's output; failures (the remote down, a script raising) answer a clear error body
without a traceback; an inbound run logs a line per output row; the file's validation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sandbox_data import erp_stock

from console.flows import FlowsError, load, loads
from console.runner import ExecutionStore, Runner
from console.runner.dry_run import dry_run
from console.runner.service import RunnerService
from console.sandbox import Sandbox

TOKEN = {"Authorization": "Bearer sandbox-token"}
FAILING_POST = '''    return [{"sku": row["sku"], "stock": max(row["qty"], 0), "stock_list": row["stock_list"]}
            for row in data]'''


@pytest.fixture
def serve(demo_flows: object, tmp_path: Path) -> Iterator[object]:
    """``serve(replace={...})``: a runner on the demo flows (edited), stopped afterwards."""
    services: list[RunnerService] = []

    def start(replace: dict[str, str] | None = None) -> RunnerService:
        folder = tmp_path / str(len(services))
        folder.mkdir()
        service = RunnerService(load(demo_flows(folder, replace=replace)))  # type: ignore[operator]
        service.start()
        services.append(service)
        return service

    yield start
    for service in services:
        service.stop(drain_s=10)


def _call(service: RunnerService, body: object, flow: str = "stock_lookup") -> httpx.Response:
    return httpx.post(f"http://{service.address}/flows/{flow}/proxy", json=body, headers=TOKEN,
                      timeout=60)


def test_an_outbound_call_is_answered_with_the_post_scripts_output(
        sandbox: Sandbox, serve: object) -> None:
    service = serve()  # type: ignore[operator]
    stock = {}
    for stock_list in (1, 2, 3):
        stock.update({(sku, stock_list): qty for sku, qty in erp_stock(sandbox, stock_list).items()
                      if sku in ("SKU-000001", "SKU-000002")})
    answer = _call(service, {"skus": ["SKU-000001", "SKU-000002"]})
    assert answer.status_code == 200, answer.text
    assert sorted((r["sku"], r["stock_list"], r["stock"]) for r in answer.json()) == \
        sorted((sku, stock_list, max(qty, 0)) for (sku, stock_list), qty in stock.items())
    one = _call(service, "SKU-000002")  # the pre-script takes one SKU too
    assert [r["sku"] for r in one.json()] == ["SKU-000002"]
    assert httpx.post(f"http://{service.address}/flows/stock_lookup/proxy", content=b"{no",
                      headers=TOKEN).status_code == 400
    refused = httpx.post(f"http://{service.address}/flows/stock_lookup/outbound", json=[{}],
                         headers=TOKEN)
    assert refused.status_code == 409 and "/flows/stock_lookup/proxy" in refused.json()["error"]
    assert _call(service, {}, flow="stock_push").status_code == 409


def test_a_script_error_and_a_remote_down_answer_a_clear_error_without_a_traceback(
        sandbox: Sandbox, serve: object) -> None:
    broken = serve(replace={FAILING_POST: '''    return [row["quantity"] for row in data]'''})  # type: ignore[operator]
    answer = _call(broken, {"skus": ["SKU-000001"]})
    assert answer.status_code == 500
    error = answer.json()["error"]
    assert error == "post-script: the post-script failed at line 3: KeyError: 'quantity'"
    assert "Traceback" not in answer.text
    down = serve(replace={  # type: ignore[operator]
        'url = "' + sandbox.erp_url + '/stock/query"': 'url = "http://127.0.0.1:9/stock/query"'})
    answer = _call(down, {"skus": ["SKU-000001"]})
    assert answer.status_code == 502
    assert answer.json()["error"].startswith("read: cannot reach the ERP at http://127.0.0.1:9/")
    assert "Traceback" not in answer.text and "sandbox" not in answer.text


def test_an_inbound_run_makes_one_request_and_logs_a_line_per_output_row(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path) -> None:
    path = demo_flows(tmp_path, replace={  # type: ignore[operator]
        'name = "Stock Lookup"\ntype = "proxy"\ndirection = "outbound"':
        'name = "Stock Lookup"\ntype = "proxy"\ndirection = "inbound"'})
    store = ExecutionStore(tmp_path / "store.db")
    with Runner(load(path), store) as runner:
        execution = runner.run("stock_lookup")
    assert execution.status == "success", execution.error
    rows = [line for line in store.iter_logs(execution.id) if line.key]
    assert sorted(line.key for line in rows) == ["SKU-000001", "SKU-000002", "SKU-000003"]
    assert execution.succeeded == 3
    requests = [line.message for line in store.iter_logs(execution.id) if line.key is None]
    assert len(requests) == 1 and requests[0].startswith("POST ") and \
        requests[0].endswith("answered 200")
    report = dry_run(load(path), "stock_lookup")
    assert report.error is None and [step for step, _ in report.steps] == [
        "payload", "pre-script", "remote", "post-script", "output (a log line per row)"]


def test_the_live_input_of_the_post_script_is_the_remotes_answer(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path) -> None:
    from console.services.workbench import live_input

    loaded = live_input(load(demo_flows(tmp_path)), "stock_lookup")  # type: ignore[operator]
    rows = json.loads(loaded.text)
    assert sorted(row["sku"] for row in rows) == ["SKU-000001", "SKU-000002", "SKU-000003"]
    assert {"qty", "stock_list"} <= set(rows[0])


HEAD = '''[omnitron]
url = "http://127.0.0.1:8801"
username = "integrator"
password = "sandbox"

[flows.p]
name = "P"
type = "proxy"
direction = "outbound"
'''


def _problems(tail: str) -> list[str]:
    with pytest.raises(FlowsError) as caught:
        loads(HEAD + tail)
    return [p.render("flows.toml") for p in caught.value.problems]


def test_proxy_keys_are_validated_with_their_key_paths() -> None:
    good = '[flows.p.read]\nurl = "http://erp/x"\nmethod = "POST"\n[flows.p.proxy]\n' \
           'pre_script = "def transform(data, attributes):\\n    return data\\n"\n'
    assert loads(HEAD + good).flow("p").proxy is not None
    assert any("flows.p.read: missing table" in p for p in _problems(""))
    assert any("flows.p.read.pagination: a proxy flow makes one request" in p
               for p in _problems(good.replace('method = "POST"',
                                               'method = "POST"\npagination = { type = "next" }')))
    assert any("flows.p.proxy.post_script: Python syntax error at line 1" in p
               for p in _problems(good + 'post_script = "def ("\n'))
    assert any("flows.p.proxy.script_timeout_s: expected a number between 0.1 and 86400" in p
               for p in _problems(good + "script_timeout_s = 0\n"))
