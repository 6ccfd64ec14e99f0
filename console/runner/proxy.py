"""The generic proxy flow: a pre-script prepares one request, the flow sends it to the remote
(after the remote's login), and a post-script turns the answer into the flow's output.

Inbound runs give the pre-script no input and log a line per row of the post-script's output;
an outbound call gives it the caller's payload and answers the caller with the post-script's
output, synchronously. Every failure is a ``ProxyError`` with a status for the caller and a
message without a traceback or a secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from console import tls
from console.flows import Flow
from console.flows.model import SCRIPT_TIMEOUT_S
from console.omnitron import RetryPolicy
from console.runner import erp
from console.runner.erp import StepError
from console.runner.sync_script import ScriptStepFailed, run_script_step
from console.script import ScriptPool


class ProxyError(Exception):
    """The call failed: ``status`` for the caller (502: the remote; 500: a script; 504: too
    slow), ``step`` names the step for an execution's log."""

    def __init__(self, status: int, step: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.step = step
        self.message = message


@dataclass
class ProxyAnswer:
    output: Any
    request: dict[str, Any] = field(default_factory=dict)
    """What was sent: method, URL (without secrets), status of the answer."""
    steps: list[tuple[str, Any]] = field(default_factory=list)
    """Each step's output, for a dry run."""


def _run_script(pool: ScriptPool, flow: Flow, source: str | None, data: Any,
                attrs: dict[str, str], step: str) -> Any:
    timeout = flow.proxy.script_timeout_s if flow.proxy else SCRIPT_TIMEOUT_S
    try:
        return run_script_step(pool, flow, source, data, attrs, step=step, timeout=timeout,
                               table=f"flows.{flow.id}.proxy")
    except ScriptStepFailed as exc:
        raise ProxyError(504 if exc.timed_out else 500, step, exc.message) from None


def call(flow: Flow, payload: Any, pool: ScriptPool, attrs: dict[str, str], *,
         retry: RetryPolicy | None = None, until_remote: bool = False) -> ProxyAnswer:
    """Pre-script, at most one request to the remote, post-script (not ``until_remote``:
    the designer's live input is the remote's answer, the post-script's input)."""
    read = flow.read
    settings = flow.proxy
    if read is None or settings is None:
        raise ProxyError(500, "read", "this flow has no [read] table: no remote to call")
    answer = ProxyAnswer(None)
    prepared = _run_script(pool, flow, settings.pre_script, payload, attrs, "pre-script")
    answer.steps.append(("pre-script", prepared))
    policy = retry or RetryPolicy(attempts=2, max_total=10.0)
    with httpx.Client(timeout=read.timeout_s, verify=tls.context()) as client:
        try:
            session = erp.login(client, flow.login, policy)
        except StepError as exc:
            raise ProxyError(502, "login", exc.message) from None
        if session.token:
            attrs["token.erp"] = session.token
        body = _send(client, flow, prepared, attrs, session, policy, answer)
    answer.steps.append(("remote", body))
    if until_remote:
        answer.output = body
        return answer
    attrs["http.status.code"] = str(answer.request.get("status", ""))
    answer.output = _run_script(pool, flow, settings.post_script, body, attrs, "post-script")
    answer.steps.append(("post-script", answer.output))
    return answer


def _send(client: httpx.Client, flow: Flow, prepared: Any, attrs: dict[str, str],
          session: erp.ErpSession, policy: RetryPolicy, answer: ProxyAnswer) -> Any:
    """The one request: a POST sends the pre-script's output as its JSON body, a GET sends a
    JSON object from it as query parameters."""
    read = flow.read
    assert read is not None
    try:
        url = erp.evaluate(read.url, attrs, "read.url")
        headers = {k: erp.evaluate(v, attrs, f"read.headers.{k}") for k, v in read.headers.items()}
        params = {k: erp.evaluate(v, attrs, f"read.extra_params.{k}")
                  for k, v in read.extra_params.items()}
    except StepError as exc:
        raise ProxyError(500, "read", exc.message) from None
    extra: dict[str, Any] = {}
    if read.method == "POST":
        extra["json"] = prepared
    elif isinstance(prepared, dict):
        params.update({str(k): _text(v) for k, v in prepared.items() if v is not None})
    elif prepared is not None:
        raise ProxyError(500, "pre-script", "a GET request takes its query parameters from "
                                            "a JSON object; the pre-script gave "
                                            f"{type(prepared).__name__}")
    target = httpx.URL(url).copy_merge_params(params) if params else httpx.URL(url)
    shown = str(target).replace(session.token, "***") if session.token else str(target)
    answer.request = {"method": read.method, "url": shown}
    try:
        response = erp._send(client, policy, read.method, target,
                             headers={**session.headers, **headers}, auth=session.auth, **extra)
    except StepError as exc:  # a URL may carry the ERP token: never in the answer
        message = exc.message.replace(session.token, "***") if session.token else exc.message
        raise ProxyError(502, "read", message) from None
    answer.request["status"] = response.status_code
    if response.status_code >= 400:
        raise ProxyError(502, "read", f"the remote answered {response.status_code}: "
                                      f"{response.text[:200]}")
    if not response.content.strip():
        return None
    try:
        return erp.records_of(erp.parse_body(response, read), read.records) \
            if read.records else erp.parse_body(response, read)
    except StepError as exc:
        raise ProxyError(502, "read", exc.message) from None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def answer_proxy(flow: Flow, payload: Any, pool: ScriptPool) -> Any:
    """An outbound call's answer: the post-script's output for the caller's payload."""
    attrs = {"flow.id": flow.id, "flow.name": flow.name}
    return call(flow, payload, pool, attrs).output
