"""The order export: Omnitron's orders waiting for the ERP, each looked up in the ERP, written
to it, checked, and marked sent, with one log row per order.

Per order: the query check asks the ERP for the order's number; an order already there skips
the script, mapping and write and goes straight to the response check, so a re-run (or a run
after a crash between the ERP write and marking the order sent) never writes it twice. The
write itself is sent once and never retried blindly: when its answer is lost the order stays
unsent, and the next run's query check finds out whether the ERP has it. Only an order the
check-response step accepts is marked sent (``PATCH /api/v1/orders/{pk}/``); any other
outcome is a row error and the order waits for the next run.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx

from console import telemetry, tls
from console.flows import Flow, FlowsConfig
from console.flows.model import OrderExport, QueryCheck
from console.omnitron import OmnitronClient, OmnitronError, RetryPolicy
from console.runner import erp
from console.runner.attributes import trigger_attributes, with_all_var
from console.runner.erp import ErpSession, StepError
from console.runner.oauth import OAuth2LoginError
from console.runner.pipeline import PageResult, Pipeline, timeout_hint
from console.script import ScriptPool
from console.store.records import now

if TYPE_CHECKING:
    from console.runner.dry_run import DryRun

ORDERS_PATH = "/api/i1/orders/"


def order_path(pk: Any) -> str:
    """Omnitron's address of one order, for marking it sent."""
    return f"/api/v1/orders/{pk}/"


class RowError(Exception):
    """One order failed at ``step``; the others go on."""

    def __init__(self, step: str, message: str, payload: Any = None) -> None:
        super().__init__(f"{step}: {message}")
        self.step = step
        self.message = message
        self.payload = payload


@dataclass
class Outcome:
    """What became of one order: its log row."""

    ok: bool
    number: str
    message: str
    payload: Any
    timed_out: bool = False
    """A script of the order ran out of time: it would for every order, so the run stops."""


@dataclass
class ErpAnswer:
    """The ERP's answer to the query check or the write, as the check-response step sees it."""

    status_code: int
    body: Any

    def as_data(self) -> dict[str, Any]:
        return {"status_code": self.status_code, "body": self.body}


def waiting_filters(export: OrderExport, params: dict[str, str],
                    evaluated: dict[str, str]) -> dict[str, Any]:
    """The order list's query: not yet sent, these statuses and channel, one number when a
    trigger names one, and the flow's extra filters."""
    filters: dict[str, Any] = {"is_send": "false", "limit": export.page_size}
    if len(export.status) == 1:
        filters["status"] = export.status[0]
    else:
        filters["status__in"] = ",".join(export.status)
    if export.channel is not None:
        filters["channel"] = export.channel
    filters.update(evaluated)
    if params.get("number"):
        filters["number"] = params["number"]
    return filters


def check_verdict(result: Any, error: str | None, relationship: str) -> tuple[bool, str]:
    """A check-response script's decision: ``(accepted, message)``.

    The script refuses an order by raising, by routing to failure (its ``log.*error*``
    attribute is the message), or by returning ``{"success": false, "message": ...}``; it
    accepts it otherwise. A ``message`` it returns with success is kept for the log row.
    """
    if error or relationship != "success":
        return False, _last_line(error) or "the check-response script sent the order to failure"
    if isinstance(result, dict) and "success" in result:
        message = str(result.get("message") or "")
        if not result["success"]:
            return False, message or "the check-response script said the order failed"
        return True, message
    return True, ""


def _last_line(error: str | None) -> str:
    """A traceback's closing line (``ValueError: ...``), or a plain message as it is."""
    lines = [line for line in (error or "").strip().splitlines()
             if line.strip() and not line.startswith("Hint:")]
    return lines[-1].strip() if lines else ""


def default_verdict(answer: ErpAnswer, found: bool) -> tuple[bool, str]:
    """Without a check-response script: an order found by the query check, or a 2xx answer."""
    if found or 200 <= answer.status_code < 300:
        return True, ""
    body = answer.body if isinstance(answer.body, str) else json.dumps(answer.body,
                                                                      ensure_ascii=False)
    return False, f"the ERP answered {answer.status_code}: {body[:200]}"


def found_in(body: Any, path: str) -> bool:
    """Whether the lookup's answer holds the order: a non-empty, non-zero value at ``path``."""
    value = erp.dotted(body, path)
    return value not in (None, False, 0, "", "0", [], {})


class OrderExporter:
    """Compiled once per execution: reads the waiting orders and exports them one by one."""

    def __init__(self, flow: Flow, client: OmnitronClient | None, http: httpx.Client,
                 session: ErpSession, pool: ScriptPool, attrs: dict[str, str],
                 retry: RetryPolicy) -> None:
        if flow.order_export is None or flow.order_export.write is None:
            raise StepError("write", "this flow has no [order_export.write] table: nowhere "
                                     "to write orders")
        self.flow = flow
        self.export = flow.order_export
        self.client = client
        self.http = http
        self.session = session
        self.pool = pool
        self.attrs = attrs
        self.retry = retry
        self.pipeline = Pipeline(flow, pool)

    def waiting(self, params: dict[str, str],
                on_page: Callable[[int, int | None], None] | None = None) -> list[dict[str, Any]]:
        """Every order waiting for the ERP, all pages read before the first is sent: marking
        orders sent while paging a list filtered on ``is_send`` would shift the later pages
        and skip orders."""
        extra = {k: erp.evaluate(v, self.attrs, f"order_export.extra_params.{k}")
                 for k, v in self.export.extra_params.items()}
        params_now: dict[str, Any] | None = waiting_filters(self.export, params, extra)
        assert self.client is not None, "reading orders needs an Omnitron client"
        url = ORDERS_PATH
        orders: list[dict[str, Any]] = []
        number = 0
        while url:
            try:
                page = self.client.request("GET", url, params=params_now)
            except OmnitronError as exc:
                raise StepError("read", f"Omnitron's order list: {exc.message}") from None
            number += 1
            results = page.get("results", []) if isinstance(page, dict) else []
            orders += [order for order in results if isinstance(order, dict)]
            if on_page is not None:
                on_page(number, page.get("count") if isinstance(page, dict) else None)
            following = page.get("next") if isinstance(page, dict) else None
            url, params_now = (str(following), None) if following else ("", None)
        return orders

    def order_attributes(self, order: dict[str, Any]) -> dict[str, str]:
        attrs = dict(self.attrs)
        for name in ("number", "pk", "channel", "status"):
            if order.get(name) is not None:
                attrs[f"order.{name}"] = str(order[name])
        return attrs

    def run(self, order: dict[str, Any]) -> Outcome:
        """Query check, script, mapping, write, check-response, mark sent: one order."""
        number = str(order.get("number") or order.get("pk") or "?")
        attrs = self.order_attributes(order)
        sent: Any = None
        try:
            found, answer = self.query_check(attrs)
            if not found:
                sent = self.transform(order, attrs)
                answer = self.write(sent, attrs)
            accepted, message = self.check(order, sent, answer, found, attrs)
            if not accepted:
                raise RowError("check-response", f"{message}; the order stays unsent",
                               sent if sent is not None else order)
            self.mark_sent(order)
        except RowError as exc:
            payload = exc.payload if exc.payload is not None else (
                sent if sent is not None else order)
            return Outcome(False, number, f"{exc.step}: {exc.message}", payload,
                           timed_out="TimeoutError: " in exc.message)
        done = ("already in the ERP (query check): not written again, marked sent" if found
                else f"written to the ERP ({answer.status_code}) and marked sent")
        return Outcome(True, number, done + (f": {message}" if message else ""),
                       sent if sent is not None else order)

    def query_check(self, attrs: dict[str, str]) -> tuple[bool, ErpAnswer]:
        check = self.export.query_check
        if check is None:
            return False, ErpAnswer(0, None)
        response = self._lookup(check, attrs)
        if response.status_code == 404:
            return False, ErpAnswer(404, _body(response))
        if response.status_code >= 400:
            raise RowError("query check", f"the ERP answered {response.status_code}: "
                                          f"{response.text[:200]}")
        body = _body(response)
        if isinstance(body, str):
            raise RowError("query check", f"the ERP's answer is not JSON: {body[:200]!r}")
        return found_in(body, check.found_path), ErpAnswer(response.status_code, body)

    def _lookup(self, check: QueryCheck, attrs: dict[str, str]) -> httpx.Response:
        try:
            url, headers, params = self._request(check.url, check.headers, check.extra_params,
                                                 attrs, "order_export.query_check")
            body = {"json": params} if check.method == "POST" else {}
            target = url if check.method == "POST" else httpx.URL(url).copy_merge_params(params)
            return erp._send(self.http, self.retry, check.method, target, step="query check",
                             headers=headers, auth=self.session.auth, timeout=check.timeout_s,
                             **body)
        except StepError as exc:
            raise RowError("query check", exc.message) from None

    def _request(self, url: str, headers: Any, params: Any, attrs: dict[str, str],
                 where: str) -> tuple[str, dict[str, str], dict[str, str]]:
        evaluated = erp.evaluate(url, attrs, f"{where}.url")
        sent_headers = {**self.session.headers}
        sent_headers.update({k: erp.evaluate(v, attrs, f"{where}.headers.{k}")
                             for k, v in headers.items()})
        query = {k: erp.evaluate(v, attrs, f"{where}.extra_params.{k}")
                 for k, v in params.items()}
        return evaluated, sent_headers, query

    def transform(self, order: dict[str, Any], attrs: dict[str, str]) -> Any:
        """The flow's script, then its mapping, on one order: what the ERP receives."""
        try:
            data = self.pipeline.transform(order, attrs, PageResult(rows=[]))
        except StepError as exc:
            message = _last_line(exc.message) if exc.step == "script" else exc.message
            raise RowError(exc.step, message) from None
        if data is None:
            raise RowError("mapping", "the order became empty: nothing to write to the ERP")
        return data

    def write_request(self, attrs: dict[str, str]) -> tuple[str, str, dict[str, str]]:
        """The write's method, URL (with its extra params) and headers for one order."""
        write = self.export.write
        assert write is not None
        try:
            url, headers, params = self._request(write.url, write.headers, write.extra_params,
                                                 attrs, "order_export.write")
        except StepError as exc:
            raise RowError("write to ERP", exc.message) from None
        target = str(httpx.URL(url).copy_merge_params(params)) if params else url
        return write.method, target, headers

    def write(self, body: Any, attrs: dict[str, str]) -> ErpAnswer:
        """One request; a lost answer is not retried (the ERP may have the order)."""
        write = self.export.write
        assert write is not None
        method, target, headers = self.write_request(attrs)
        url = target
        try:
            response = self.http.request(method, target, json=body, headers=headers,
                                         auth=self.session.auth, timeout=write.timeout_s)
        except httpx.TransportError as exc:
            raise RowError("write to ERP", f"no answer from {url} ({type(exc).__name__}); the "
                                           "next run's query check finds out whether the ERP "
                                           "has it") from None
        except OAuth2LoginError as exc:
            raise RowError("login", str(exc)) from None
        return ErpAnswer(response.status_code, _body(response))

    def check(self, order: dict[str, Any], sent: Any, answer: ErpAnswer, found: bool,
              attrs: dict[str, str]) -> tuple[bool, str]:
        step = self.export.check_response
        if step is None or not step.source.strip():
            return default_verdict(answer, found)
        data = {"order": order, "sent": sent, "response": answer.as_data(),
                "already_in_erp": found}
        outcome = self.pool.run(self.flow.id, step.source, data,
                                {**attrs, "erp.response.status": str(answer.status_code)},
                                timeout=step.timeout_s)
        telemetry.report(telemetry.SCRIPT, outcome.duration_s, flow=self.flow.id)
        error = timeout_hint(outcome.error, f"flows.{self.flow.id}.order_export.check_response",
                             "timeout_s")
        return check_verdict(outcome.result_json if not error else None, error,
                             outcome.relationship)

    def preview(self, order: dict[str, Any]) -> tuple[str, Any]:
        """What a run would do with one order, without writing anything: the query check is
        asked (it only reads), the order transformed, the write described. Returns the text
        and the body that would be sent (None when the order is already in the ERP)."""
        attrs = self.order_attributes(order)
        try:
            found, answer = self.query_check(attrs)
            if found:
                return ("already in the ERP (query check answered "
                        f"{answer.status_code}): would be marked sent, not written"), None
            body = self.transform(order, attrs)
            method, url, headers = self.write_request(attrs)
        except RowError as exc:
            return f"would fail at {exc.step}: {exc.message}", None
        lookup = "no query check" if self.export.query_check is None else \
            f"not in the ERP (query check answered {answer.status_code})"
        shown = {k: v for k, v in headers.items() if k.lower() != "authorization"}
        return (f"{lookup}; would send {method} {url}\nheaders: {json.dumps(shown)}\n"
                f"{json.dumps(body, indent=2, ensure_ascii=False)[:2000]}"), body

    def mark_sent(self, order: dict[str, Any]) -> None:
        assert self.client is not None, "marking orders sent needs an Omnitron client"
        try:
            self.client.request("PATCH", order_path(order.get("pk")), json={"is_send": True})
        except OmnitronError as exc:
            raise RowError("mark sent", f"the ERP has the order but Omnitron did not take "
                                        f"is_send: {exc.message}; the next run's query check "
                                        "finds it and marks it") from None


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:2000]


DRY_RUN_ORDERS = 5
"""A dry run shows what would happen to this many of the waiting orders."""


@contextmanager
def connected(config: FlowsConfig, flow_id: str, params: dict[str, str] | None = None,
              notes: list[tuple[str, str]] | None = None, *, omnitron: bool = True,
              erp_login: bool = True) -> Iterator[OrderExporter]:
    """An exporter for the designer's dry run and test panels, logged in to Omnitron (when
    it reads or marks orders) and the ERP (when it asks it); ``notes`` is told how each login
    went."""
    from console.runner.pipeline import script_pool

    flow = config.flow(flow_id)
    attrs = trigger_attributes(flow, params or {}, now() - timedelta(days=1), "dry-run")
    retry = RetryPolicy(attempts=2, max_total=10.0)
    with contextlib.ExitStack() as stack:
        client = stack.enter_context(_omnitron(config, retry)) if omnitron else None
        http = stack.enter_context(httpx.Client(timeout=30.0, verify=tls.context()))
        pool = stack.enter_context(script_pool(config, workers=1))
        session = erp.login(http, flow.login, retry) if erp_login else ErpSession({}, None, None)
        if notes is not None:
            notes.append(("login", "Omnitron token received; " + (
                "ERP token received" if session.token else
                f"no ERP token ({flow.login.type if flow.login else 'none'} login)")))
        yield OrderExporter(flow, client, http, session, pool, with_all_var(attrs), retry)


@contextmanager
def _omnitron(config: FlowsConfig, retry: RetryPolicy) -> Iterator[OmnitronClient]:
    settings = config.omnitron
    try:
        password = settings.password.resolve()
    except Exception as exc:  # noqa: BLE001 - a missing secret is a login failure to report
        raise StepError("login", f"Omnitron password: {exc}") from None
    with OmnitronClient(settings.url, settings.username, password, retry=retry) as client:
        try:
            client.login()
        except OmnitronError as exc:
            raise StepError("login", exc.message) from None
        yield client


def waiting_sample(config: FlowsConfig, flow_id: str) -> list[dict[str, Any]]:
    """The first page of the orders waiting for the ERP: the designer's live input."""
    with connected(config, flow_id) as exporter:
        return exporter.waiting({})[:exporter.export.page_size]


def dry_run_orders(config: FlowsConfig, flow_id: str, params: dict[str, str],
                   report: DryRun, input_text: str | None = None) -> DryRun:
    """The order export as a run would do it, up to the write: nothing is sent to the ERP
    and no order is marked sent."""
    try:
        with connected(config, flow_id, params, report.steps) as exporter:
            if input_text is not None:
                orders = json.loads(input_text)
                orders = orders if isinstance(orders, list) else [orders]
                report.add("input", "the given sample instead of Omnitron's orders")
            else:
                orders = exporter.waiting(params)
                export = exporter.export
                report.add("read", f"{len(orders)} order(s) wait for the ERP (is_send false, "
                                   f"status {', '.join(export.status)}"
                                   + (f", channel {export.channel}" if export.channel else "")
                                   + ")")
            report.records = orders
            for order in orders[:DRY_RUN_ORDERS]:
                text, body = exporter.preview(order)
                report.add(f"order {order.get('number')}", text)
                if body is not None:
                    report.rows.append(body)
            if len(orders) > DRY_RUN_ORDERS:
                report.add("…", f"{len(orders) - DRY_RUN_ORDERS} more order(s) not shown")
    except StepError as exc:
        report.error = f"{exc.step}: {exc.message}"
    except (json.JSONDecodeError, ValueError) as exc:
        report.error = f"input: {exc}"
    return report
