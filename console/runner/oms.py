"""The OMS stock flow: answer a stock query synchronously, logging nothing (as the seed says)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import httpx

from console import tls
from console.flows import Flow
from console.flows.model import SCRIPT_TIMEOUT_S
from console.omnitron import RetryPolicy
from console.runner import erp
from console.runner.erp import StepError
from console.runner.sync_script import ScriptStepFailed, run_script_step
from console.script import ScriptPool


class OmsQueryError(Exception):
    """Returned to the caller as a 502 with this reason."""


def _script(pool: ScriptPool, flow: Flow, source: str | None, data: Any,
            attrs: dict[str, str], step: str) -> Any:
    timeout = flow.oms.script_timeout_s if flow.oms else SCRIPT_TIMEOUT_S
    try:
        return run_script_step(pool, flow, source, data, attrs, step=step, timeout=timeout,
                               table=f"flows.{flow.id}.oms")
    except ScriptStepFailed as exc:
        raise OmsQueryError(f"{step}: {exc.message}" if exc.timed_out else exc.message) from None


def answer_stock_query(flow: Flow, skus: list[str], pool: ScriptPool,
                       retry: RetryPolicy | None = None) -> Any:
    """Pre-script, ERP read (one request per SKU or one for all), post-script."""
    oms = flow.oms
    read = flow.read
    if oms is None or read is None:
        raise OmsQueryError("this flow has no [read] or [oms] settings")
    key = oms.sku_query_key
    joined = ",".join(skus)
    attrs = {"flow.id": flow.id, "http.query.string": urlencode({key: joined}),
             f"http.query.param.{key}": joined}
    policy = retry or RetryPolicy(attempts=2, max_total=10.0)
    with httpx.Client(timeout=read.timeout_s, verify=tls.context()) as client:
        try:
            session = erp.login(client, flow.login, policy)
        except StepError as exc:
            raise OmsQueryError(exc.message) from None
        if session.token:
            attrs["token.erp"] = session.token
        prepared = _script(pool, flow, oms.pre_script, skus, attrs, "pre-script")
        requests = _requests(flow, skus, prepared, attrs, session)

        def fetch(request: tuple[str, dict[str, str], Any]) -> list[Any]:
            url, params, body = request
            target = httpx.URL(url).copy_merge_params(params) if params else url
            extra = {"json": body} if read.method == "POST" else {}
            try:
                response = erp._send(client, policy, read.method, target,
                                     headers=session.headers, auth=session.auth, **extra)
            except StepError as exc:
                raise OmsQueryError(exc.message) from None
            if response.status_code >= 400:
                raise OmsQueryError(f"the ERP answered {response.status_code}: "
                                    f"{response.text[:200]}")
            try:
                return erp.records_of(erp.parse_body(response, read), read.records)
            except StepError as exc:
                raise OmsQueryError(exc.message) from None

        with ThreadPoolExecutor(max_workers=max(1, oms.concurrency)) as threads:
            pages = list(threads.map(fetch, requests))
    records = [row for page in pages for row in page]
    return _script(pool, flow, oms.post_script, records, attrs, "post-script")


def _requests(flow: Flow, skus: list[str], prepared: Any, attrs: dict[str, str],
              session: erp.ErpSession) -> list[tuple[str, dict[str, str], Any]]:
    read = flow.read
    oms = flow.oms
    assert read is not None and oms is not None
    url = erp.evaluate(read.url, attrs, "read.url")
    extra = {k: erp.evaluate(v, attrs, f"read.extra_params.{k}") for k, v in read.extra_params.items()}
    if read.method == "POST":
        bodies = prepared if oms.sku_mode == "single" and isinstance(prepared, list) else [prepared]
        if not oms.pre_script:
            bodies = [{"sku": s} for s in skus] if oms.sku_mode == "single" else [{"skus": skus}]
        return [(url, extra, body) for body in bodies]
    if oms.sku_mode == "single":
        return [(url, {**extra, oms.sku_query_key: sku}, None) for sku in skus]
    return [(url, {**extra, oms.sku_query_key: ",".join(skus)}, None)]
