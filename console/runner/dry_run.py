"""A dry run: login, the first ERP page, the script and the mapping, showing each step's
output and the rows that would be written — without writing anything to Omnitron. For an OMS
stock flow, the stock query's answer for some SKUs."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from console.flows import Flow, FlowsConfig
from console.kinds import kind_of
from console.kinds.row_shapes import check_rows, row_check, summary
from console.omnitron import RetryPolicy
from console.runner import erp
from console.runner.attributes import trigger_attributes, with_all_var
from console.runner.erp import StepError
from console.runner.pipeline import script_pool
from console.script import ScriptPool
from console.store.records import now


@dataclass
class DryRun:
    steps: list[tuple[str, str]] = field(default_factory=list)
    records: list[Any] = field(default_factory=list)
    rows: list[Any] = field(default_factory=list)
    error: str | None = None
    problem: str | None = None
    """Rows the write step would skip, as one line (the same check the runner makes)."""

    def add(self, step: str, text: str) -> None:
        self.steps.append((step, text))


def _json(data: Any, limit: int = 4000) -> str:
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "\n… (cut)"


def fetch_records(config: FlowsConfig, flow_id: str, params: dict[str, str] | None = None,
                  report: DryRun | None = None) -> list[Any]:
    """Login and the first page of the Read step, as the test panel's live input."""
    flow = config.flow(flow_id)
    if flow.read is None:
        raise StepError("read", "this flow does not read from the ERP")
    attrs = trigger_attributes(flow, params or {}, now() - timedelta(days=1), "dry-run")
    retry = RetryPolicy(attempts=2, max_total=10.0)
    with httpx.Client(timeout=flow.read.timeout_s) as client:
        session = erp.login(client, flow.login, retry)
        if report is not None:
            report.add("login", "ERP token received" if session.token else
                       f"no ERP login ({flow.login.type if flow.login else 'none'})")
        if session.token:
            attrs["token.erp"] = session.token
        urls: list[str] = []
        pages = erp.read_pages(client, flow, attrs, session, retry,
                               on_page=lambda _, url, _total: urls.append(url))
        records = next(iter(pages), [])
    if report is not None:
        shown = urls[0].replace(session.token, "***") if urls and session.token else \
            (urls[0] if urls else "")
        report.add("read", f"GET {shown}\n{len(records)} record(s) on the first page")
    return records


def dry_run(config: FlowsConfig, flow_id: str, params: dict[str, str] | None = None, *,
            input_text: str | None = None) -> DryRun:
    from console.runner.pipeline import Pipeline

    report = DryRun()
    flow = config.flow(flow_id)
    if kind_of(flow.type).writer == "stock_answer":
        return _stock_query(flow, params or {}, report)
    if kind_of(flow.type).writer == "proxy_call":
        return _proxy_call(flow, input_text, report)
    if kind_of(flow.type).writer == "stock_compare":
        return _stock_compare(config, flow, report)
    if kind_of(flow.type).reads_omnitron_orders:
        from console.runner.order_export import dry_run_orders

        return dry_run_orders(config, flow_id, params or {}, report, input_text)
    try:
        if input_text is not None:
            report.records = json.loads(input_text)
            report.add("input", "the given sample instead of the ERP")
        else:
            report.records = fetch_records(config, flow_id, params, report)
        attrs = trigger_attributes(flow, params or {}, now() - timedelta(days=1), "dry-run")
        with script_pool(config, workers=1) as pool:
            result = Pipeline(flow, pool).run(report.records, with_all_var(attrs))
        if flow.script is not None:
            report.add("script", _json(result.script_output))
        report.rows = result.rows
        if flow.mapping is not None:
            report.add("mapping", _json(result.rows))
        default, key = flow.default_list, kind_of(flow.type).default_list
        if key is not None and default is not None:
            report.rows = [{**r, key: default} if isinstance(r, dict) and
                           key not in r else r for r in report.rows]
        check = row_check(flow.type, default)
        problems = check_rows(report.rows, check) if check is not None else Counter()
        report.problem = summary(problems, len(report.rows))
        skipped = sum(problems.values())
        report.add("write (not sent)", f"{len(report.rows) - skipped} row(s) would be written"
                                       + (f", {skipped} skipped: {report.problem}"
                                          if skipped else "")
                                       + f"\n{_json(report.rows[:20])}")
    except StepError as exc:
        report.error = f"{exc.step}: {exc.message}"
    except (json.JSONDecodeError, ValueError) as exc:
        report.error = f"input: {exc}"
    return report


def _proxy_call(flow: Flow, input_text: str | None, report: DryRun) -> DryRun:
    """A proxy flow's call for real (the remote gets its one request), with each step's
    output; an inbound flow's pre-script gets no input, an outbound one the given payload."""
    from console.runner.proxy import ProxyError, call

    try:
        payload = json.loads(input_text) if input_text and not flow.is_inbound else None
    except json.JSONDecodeError as exc:
        report.error = f"input: the payload is not JSON: {exc}"
        return report
    report.add("payload", "none (inbound)" if payload is None else _json(payload))
    try:
        with ScriptPool(workers=1) as pool:
            answer = call(flow, payload, pool, {"flow.id": flow.id, "flow.name": flow.name})
    except ProxyError as exc:
        report.error = f"{exc.step}: {exc.message}"
        return report
    for step, output in answer.steps:
        text = _json(output)
        if step == "remote" and answer.request:
            text = (f"{answer.request['method']} {answer.request['url']} answered "
                    f"{answer.request.get('status', '-')}\n{text}")
        report.add(step, text)
    output = answer.output
    report.rows = output if isinstance(output, list) else ([] if output is None else [output])
    report.add("output (a log line per row)" if flow.is_inbound else "answer (what the caller "
               "would receive)", _json(output))
    return report


def _stock_compare(config: FlowsConfig, flow: Flow, report: DryRun) -> DryRun:
    """A full stock flow's compare, whole, without starting the stock flow: what a run
    would find and which SKUs it would sync."""
    from console.omnitron import OmnitronClient, OmnitronError
    from console.runner import full_stock
    from console.runner.pipeline import Pipeline

    settings, stock_list = flow.full_stock, flow.write.stock_list
    if settings is None or stock_list is None or flow.read is None:
        report.error = "compare: this flow names no stock flow, stock list or ERP read"
        return report
    attrs = trigger_attributes(flow, {}, now() - timedelta(days=1), "dry-run")
    retry = RetryPolicy(attempts=2, max_total=10.0)
    erp_side = full_stock.ErpStock(stock_list)
    pages = 0
    try:
        with httpx.Client(timeout=flow.read.timeout_s) as client, \
                script_pool(config, workers=1) as pool:
            session = erp.login(client, flow.login, retry)
            if session.token:
                attrs["token.erp"] = session.token
            pipeline = Pipeline(flow, pool)
            for records in erp.read_pages(client, flow, attrs, session, retry):
                pages += 1
                if pages == 1:
                    report.records = records
                erp_side.add(pipeline.run(records, with_all_var(attrs)).rows)
        report.add("read", f"{pages} page(s); {len(erp_side.stocks)} SKU(s) of stock list "
                           f"{stock_list} in the ERP")
        omnitron = config.omnitron
        with OmnitronClient(omnitron.url, omnitron.username, omnitron.password.resolve(),
                            retry=retry) as client_o:
            theirs = full_stock.omnitron_stock(client_o.iter_product_stocks(
                stock_list=stock_list, page_size=full_stock.OMNITRON_PAGE_SIZE))
    except StepError as exc:
        report.error = f"{exc.step}: {exc.message}"
        return report
    except OmnitronError as exc:
        report.error = f"omnitron: {exc.message}"
        return report
    found = full_stock.compare(erp_side, theirs)
    report.add("compare", found.summary())
    skus = found.to_sync()
    runs = -(-len(skus) // settings.chunk_size)
    lines = [f"{key}: {message}" for _, key, message, _ in
             full_stock.log_lines(found, settings.stock_flow)]
    report.add("sync (not started)", f"{settings.stock_flow} would run {runs} time(s) for "
                                     f"{len(skus)} SKU(s)\n" + "\n".join(lines[:50]))
    report.rows = [{"product_sku": sku} for sku in skus]
    report.problem = summary(found.skipped, erp_side.rows)
    return report


def _stock_query(flow: Flow, params: dict[str, str], report: DryRun) -> DryRun:
    """An OMS stock flow answers a stock query: pre-script, ERP read, post-script."""
    from console.runner.oms import OmsQueryError, answer_stock_query

    key = flow.oms.sku_query_key if flow.oms else "sku"
    skus = [s.strip() for s in params.get(key, "").split(",") if s.strip()]
    if not skus:
        report.error = f"stock query: no SKUs to ask for (give {key}=SKU1,SKU2)"
        return report
    report.add("stock query", f"{key}={','.join(skus)}")
    try:
        with ScriptPool(workers=1) as pool:
            answer = answer_stock_query(flow, skus, pool)
    except OmsQueryError as exc:
        report.error = f"stock query: {exc}"
        return report
    report.rows = answer if isinstance(answer, list) else [answer]
    report.add("answer (what OMS would receive)", _json(answer))
    return report
