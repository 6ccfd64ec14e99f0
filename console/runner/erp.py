"""Login to the ERP and read pages from it, following the flow's pagination."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx

from console import fastjson, telemetry
from console.expression import ExpressionError
from console.expression import compile as compile_expression
from console.flows import ErpLogin, Flow, ReadStep
from console.omnitron.retry import RETRY_STATUSES, RetryableStatus, RetryPolicy, retry_call
from console.records import dotted, records_of
from console.responses import released
from console.runner.jwt_login import JwtLogin, JwtRenewalError
from console.runner.oauth import OAuth2LoginError, session_for
from console.runner.xml import XmlBodyError, xml_to_data


class StepError(Exception):
    """A step of an execution failed; ``step`` names it for the log."""

    def __init__(self, step: str, message: str) -> None:
        self.step = step
        self.message = message
        super().__init__(f"{step}: {message}")


@dataclass
class ErpSession:
    """How to authenticate ERP requests after login: headers, an ``httpx.Auth`` (basic, or
    a JWT or OAuth2 login renewing its token on 401), or nothing."""

    headers: dict[str, str]
    auth: httpx.Auth | None
    token: str | None

    def on_renewal(self, told: Callable[[str], None]) -> None:
        """Have ``told`` hear of every token a renewal brings (to keep it out of logs)."""
        if isinstance(self.auth, JwtLogin):
            self.auth.on_token = told


def login(client: httpx.Client, login_step: ErpLogin | None, retry: RetryPolicy) -> ErpSession:
    if login_step is None or login_step.type == "none":
        return ErpSession({}, None, None)
    if login_step.type == "oauth2":
        return _oauth2(login_step)
    try:
        if login_step.type == "basic":
            password = login_step.password.resolve() if login_step.password else ""
            return ErpSession({}, httpx.BasicAuth(login_step.username, password), None)
        if login_step.type in ("token", "header"):
            token = login_step.token.resolve() if login_step.token else ""
            return ErpSession({login_step.header: f"{login_step.prefix}{token}"}, None, token)
        password = login_step.password.resolve() if login_step.password else ""
    except Exception as exc:  # noqa: BLE001 - a missing secret is a login failure to report
        raise StepError("login", f"ERP credentials: {exc}") from None
    body = {"username": login_step.username, "password": password, **login_step.extra_body}
    response = _send(client, retry, "POST", login_step.url, json=body,
                     headers=dict(login_step.headers), step="login")
    if response.status_code >= 400:
        raise StepError("login", f"the ERP refused the login ({response.status_code}): "
                                 f"{response.text[:200]}")
    token = token_at(response.text, login_step.token_path)
    if not token:
        raise StepError("login", f"no token at {login_step.token_path!r} in the ERP's login answer")
    return ErpSession({}, JwtLogin(login_step, password, token, token_at), token)


def token_at(body: str, path: str) -> str:
    """The token in a login answer: ``path`` is a JSONPath (``$.data.token``) or dotted."""
    if path.startswith("$"):
        from console.expression.jsonpath import json_path

        try:
            return json_path(body, path)
        except ExpressionError:
            return ""
    try:
        found = dotted(json.loads(body), path)
    except ValueError:
        return ""
    return str(found) if found else ""


def _oauth2(login_step: ErpLogin) -> ErpSession:
    """The OAuth2 token keeper for this login, with a token fetched now (or still valid)."""
    try:
        keeper = session_for(login_step)
    except Exception as exc:  # noqa: BLE001 - a missing secret is a login failure to report
        raise StepError("login", f"ERP credentials: {exc}") from None
    try:
        token = keeper.token()
    except OAuth2LoginError as exc:
        raise StepError("login", str(exc)) from None
    return ErpSession({}, keeper, token)


def _send(client: httpx.Client, retry: RetryPolicy, method: str, url: str | httpx.URL,
          step: str = "read", **kwargs: Any) -> httpx.Response:
    attempts = 0

    def once() -> httpx.Response:
        nonlocal attempts
        attempts += 1
        if attempts > 1:
            telemetry.report(telemetry.HTTP_RETRY, 1, system="erp")
        began = time.perf_counter()
        try:
            response = released(client.request(method, url, **kwargs))
        except httpx.TransportError:
            telemetry.report(telemetry.HTTP_REQUEST, time.perf_counter() - began, system="erp",
                             status="error")
            raise
        telemetry.report(telemetry.HTTP_REQUEST, time.perf_counter() - began, system="erp",
                         status=str(response.status_code))
        if response.status_code in RETRY_STATUSES:
            raise RetryableStatus(response)
        return response

    try:
        return retry_call(retry, once)
    except RetryableStatus as exc:
        raise StepError(step, f"the ERP answered {exc.response.status_code} after retries: "
                              f"{exc.response.text[:200]}") from None
    except httpx.TransportError as exc:
        raise StepError(step, f"cannot reach the ERP at {url}: {type(exc).__name__}: {exc}") \
            from None
    except (OAuth2LoginError, JwtRenewalError) as exc:  # a token renewal during the read failed
        raise StepError("login", str(exc)) from None


def evaluate(text: str, attrs: dict[str, str], where: str) -> str:
    try:
        return compile_expression(text).evaluate(attrs)
    except ExpressionError as exc:
        raise StepError("read", f"{where}: {exc.message} at offset {exc.offset}\n{exc.excerpt}") \
            from None


def parse_body(response: httpx.Response, read: ReadStep) -> Any:
    return _parsed(response, read)[0]


def _parsed(response: httpx.Response, read: ReadStep) -> tuple[Any, bool]:
    """The body, and whether orjson read it (``fastjson.parse``)."""
    try:
        if read.response == "xml":
            return xml_to_data(response.content), False
        return fastjson.parse(response.content)  # response.json(), faster
    except XmlBodyError as exc:
        raise StepError("read", str(exc)) from None
    except ValueError:
        raise StepError("read", "the ERP answered a body that is not JSON: "
                                f"{response.text[:200]!r}") from None


KEPT_BODY_MAX = 8 * 1024 * 1024
"""The biggest answer ``read_pages`` keeps with its records: a bigger one is let go as before,
and its records reach the script worker encoded in chunks, so neither the runner (a page in
each step) nor the worker (the text and its records at once, within its memory limit) holds a
big answer twice."""


class ErpPage(list[Any]):
    """A page's records, with the JSON answer they were read from (``body``) and where in it
    they are (``path``): the script step hands the worker these bytes, which it reads itself,
    instead of encoding the records again. ``as_read``: orjson read the body (then the worker
    does too, without looking it over again; see ``fastjson.parse``)."""

    __slots__ = ("as_read", "body", "path")

    def __init__(self, records: list[Any], body: bytes, path: str,
                 as_read: bool = False) -> None:
        super().__init__(records)
        self.body = body
        self.path = path
        self.as_read = as_read


@dataclass
class ReadRequest:
    method: str
    url: str
    headers: dict[str, str]
    params: dict[str, str]
    body: dict[str, str] | None


def build_request(flow: Flow, attrs: dict[str, str], session: ErpSession) -> ReadRequest:
    read = flow.read
    assert read is not None
    url = evaluate(read.url, attrs, "read.url")
    headers = {**session.headers}
    headers.update({k: evaluate(v, attrs, f"read.headers.{k}") for k, v in read.headers.items()})
    extra = {k: evaluate(v, attrs, f"read.extra_params.{k}") for k, v in read.extra_params.items()}
    if read.stock_list_key and flow.write.stock_list is not None:
        extra.setdefault(read.stock_list_key, str(flow.write.stock_list))
    if read.method == "POST":
        return ReadRequest("POST", url, headers, {}, extra)
    return ReadRequest("GET", url, headers, extra, None)


def read_pages(client: httpx.Client, flow: Flow, attrs: dict[str, str], session: ErpSession,
               retry: RetryPolicy, *,
               on_page: Callable[[int, str, int | None], None] | None = None,
               keep_body: bool = False) -> Iterator[list[Any]]:
    """Yield one list of records per ERP page, fetching the next page only when asked;
    ``keep_body``: a page read as JSON comes as an ``ErpPage``, with its answer's bytes (up to
    ``KEPT_BODY_MAX`` of them).

    ``on_page(number, url, total)`` is told of each page; ``total`` is the record count the
    first page reports at the pagination's ``total_path`` (None when unknown or later pages).
    """
    read = flow.read
    assert read is not None
    request = build_request(flow, attrs, session)
    pagination = read.pagination
    params = dict(request.params)
    url: str | None = request.url
    page_number = 0
    while url:
        if pagination is not None and pagination.type in ("offset", "seek"):
            params[pagination.limit_param] = str(pagination.page_size)
        target = httpx.URL(url).copy_merge_params(params) if params else url
        response = _send(client, retry, request.method, target,
                         headers=request.headers, auth=session.auth, timeout=read.timeout_s,
                         **_json_body(request.body))
        if response.status_code >= 400:
            raise StepError("read", f"the ERP answered {response.status_code} to {url}: "
                                    f"{response.text[:200]}")
        body, as_read = _parsed(response, read)
        rows = records_of(body, read.records)
        if keep_body and read.response != "xml" and len(response.content) <= KEPT_BODY_MAX:
            rows = ErpPage(rows, response.content, read.records, as_read)
        page_number += 1
        if on_page is not None:
            on_page(page_number, str(response.url),
                    reported_total(body, pagination) if page_number == 1 else None)
        yield rows
        url = _next_url(pagination, body, rows, params, str(response.url), request.url)
        if pagination is not None and pagination.type == "next":
            params = {}


def reported_total(body: Any, pagination: Any) -> int | None:
    if pagination is None or not pagination.total_path:
        return None
    value = dotted(body, pagination.total_path)
    if isinstance(value, bool):
        return None
    try:
        total = int(value)
    except (TypeError, ValueError):
        return None
    return total if total >= 0 else None


def _next_url(pagination: Any, body: Any, rows: list[Any], params: dict[str, str],
              current: str, first: str) -> str | None:
    if pagination is None:
        return None
    if pagination.type == "next":
        following = dotted(body, pagination.next_path)
        return urljoin(current, str(following)) if following else None
    if len(rows) < pagination.page_size:
        return None
    if pagination.type == "offset":
        params[pagination.offset_param] = str(int(params.get(pagination.offset_param, "0")) +
                                              len(rows))
    else:
        last = rows[-1].get(pagination.seek_field) if isinstance(rows[-1], dict) else None
        if last is None:
            raise StepError("read", f"seek pagination: the last row has no {pagination.seek_field!r}")
        params[pagination.seek_param] = str(last)
    return first


def json_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def _json_body(body: Any) -> dict[str, Any]:
    """The request's JSON keyword, or nothing when the read sends no body."""
    return {"json": body} if body is not None else {}
