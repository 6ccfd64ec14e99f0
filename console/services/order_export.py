"""The order export's test panels: ask the ERP's query check for one order, show the request
the write would send, and judge an answer as the check-response step does. Nothing here
writes to the ERP or marks an order sent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from console.flows import FlowsConfig
from console.services.errors import ServiceError


@dataclass(frozen=True)
class PanelResult:
    """One test run of an order export card: a summary line and the JSON shown below it."""

    ok: bool
    summary: str
    body: str


def _order(text: str) -> dict[str, Any]:
    try:
        order = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ServiceError(f"input is not JSON: line {exc.lineno}, column {exc.colno}: "
                           f"{exc.msg}") from None
    if isinstance(order, list) and order and isinstance(order[0], dict):
        order = order[0]
    if not isinstance(order, dict):
        raise ServiceError("input: expected one Omnitron order (a JSON object with its number)")
    return order


def query_check(config: FlowsConfig, flow_id: str, order_text: str) -> PanelResult:
    """The flow's lookup of one order in the ERP (a read), and what a run would do next."""
    from console.runner.erp import StepError
    from console.runner.order_export import RowError, connected

    order = _order(order_text)
    flow = config.flow(flow_id)
    if flow.order_export is None or flow.order_export.query_check is None:
        return PanelResult(True, "no query check: every order is written (a re-run after a "
                                 "crash may duplicate it)", "")
    try:
        with connected(config, flow_id, omnitron=False) as exporter:
            attrs = exporter.order_attributes(order)
            found, answer = exporter.query_check(attrs)
    except (StepError, RowError) as exc:
        step = exc.step
        return PanelResult(False, f"{step}: {exc.message}", "")
    verdict = ("already in the ERP: a run skips the write and goes to the check-response step"
               if found else "not in the ERP: a run transforms and writes it")
    return PanelResult(True, f"answered {answer.status_code}; {verdict}",
                       json.dumps(answer.body, indent=2, ensure_ascii=False))


def write_preview(config: FlowsConfig, flow_id: str, order_text: str) -> PanelResult:
    """The script and mapping on one order and the request the write would send (unsent)."""
    from console.runner.erp import StepError
    from console.runner.order_export import RowError, connected

    order = _order(order_text)
    try:
        with connected(config, flow_id, omnitron=False, erp_login=False) as exporter:
            attrs = exporter.order_attributes(order)
            body = exporter.transform(order, attrs)
            method, url, headers = exporter.write_request(attrs)
    except (StepError, RowError) as exc:
        return PanelResult(False, f"{exc.step}: {exc.message}", "")
    shown = ", ".join(f"{k}: {v}" for k, v in headers.items())
    return PanelResult(True, f"not sent: {method} {url}" + (f"\nheaders: {shown}" if shown else ""),
                       json.dumps(body, indent=2, ensure_ascii=False))
