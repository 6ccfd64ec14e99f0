"""The runner's HTTP endpoints on ``runner.listen``.

- ``POST /flows/{id}/outbound``: a JSON array of rows; read as a stream within the size limit,
  checked completely, stored durably with its execution, then answered 202.
- ``GET /flows/{id}/stock?sku=A,B``: the OMS stock flow's synchronous answer.
- ``POST /flows/{id}/proxy``: an outbound proxy flow's synchronous answer (any JSON body).
- ``POST /flows/{id}/trigger?param=value``: a manual run; ``POST /executions/{id}/retry``.
- ``GET /health``: who is serving, for the console to attach to; ``GET /openapi.json``.
- ``GET /metrics``: Prometheus text; public only with ``[runner] metrics_public = true``.
Everything but ``/health`` and ``/openapi.json`` needs ``Authorization: Bearer <outbound_token>``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import time
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from console.kinds import kind_of
from console.runner.http_limits import HttpLimits
from console.runner.metrics import RunnerMetrics
from console.runner.oms import OmsQueryError, answer_stock_query
from console.runner.openapi import describe
from console.runner.payload import PayloadError, checked_payload
from console.runner.proxy import ProxyError, answer_proxy
from console.runner.runner import (
    FlowBusy,
    NotByHand,
    NothingToRetry,
    Runner,
    RunnerStopping,
    UnknownFlow,
)
from console.store.records import stamp

BODY_TOTAL_TIMEOUT_S = 300.0


def _problem(status: int, message: str, *, close: bool = False) -> JSONResponse:
    headers = {"Connection": "close"} if close else None
    return JSONResponse({"error": message}, status_code=status, headers=headers)


class _BodyRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class RunnerApp:
    def __init__(self, runner: Runner, metrics: RunnerMetrics | None = None,
                 limits: HttpLimits | None = None, address: str = "",
                 cluster: Callable[[], dict[str, Any]] | None = None) -> None:
        self.runner = runner
        self.cluster = cluster
        """This host's view of its cluster, for ``/health``; None for the embedded runner."""
        self.metrics = metrics
        self.limits = limits or HttpLimits()
        self.address = address
        self.started_at = stamp()
        self._proxy_calls: dict[str, int] = {}

    def authorized(self, request: Request) -> bool:
        try:
            expected = self.runner.config.runner.outbound_token.resolve()
        except Exception:  # noqa: BLE001 - no token configured: nobody is authorized
            return False
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return bool(expected) and scheme.lower() == "bearer" and \
            hmac.compare_digest(token.encode(), expected.encode())

    def guarded(self, handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            if not self.authorized(request):
                return _problem(401, "missing or wrong bearer token")
            try:
                return await handler(request)
            except UnknownFlow as exc:
                return _problem(404, f"no flow {exc}")
            except RunnerStopping as exc:
                return _problem(503, str(exc))
        return endpoint

    async def _read_body(self, request: Request, limit: int) -> bytes:
        """The body, read as it arrives: refused with 413 as soon as it passes ``limit`` (never
        buffered beyond it), 408 when the sender stalls."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _BodyRefused(413, f"the body is {int(declared):,} bytes; the limit is "
                                    f"{limit:,} bytes")
        chunks: list[bytes] = []
        size = 0
        deadline = time.monotonic() + BODY_TOTAL_TIMEOUT_S
        stream = request.stream().__aiter__()
        while True:
            wait = min(self.limits.body_idle_timeout_s, deadline - time.monotonic())
            try:
                chunk = await asyncio.wait_for(stream.__anext__(), timeout=max(wait, 0.001))
            except StopAsyncIteration:
                return b"".join(chunks)
            except TimeoutError:
                raise _BodyRefused(408, "the body was not received in time") from None
            size += len(chunk)
            if size > limit:
                raise _BodyRefused(413, f"the body is above the limit of {limit:,} bytes")
            chunks.append(chunk)

    async def _posted_body(self, request: Request) -> bytes | Response:
        """A posted body within the outbound size limit, or the answer refusing it; a refusal
        closes the connection, since the rest of the body is never read."""
        limit = self.limits.max_body_bytes(self.runner.config.runner.outbound_max_rows)
        try:
            return await self._read_body(request, limit)
        except _BodyRefused as exc:
            return _problem(exc.status, exc.message, close=True)
        except ClientDisconnect:
            return _problem(400, "the client went away before sending the whole body", close=True)

    async def outbound(self, request: Request) -> Response:
        flow_id = request.path_params["flow_id"]
        flow = self.runner.config.find(flow_id)
        if flow is None:
            raise UnknownFlow(flow_id)
        if kind_of(flow.type).answers_outbound:
            return _problem(409, f"{flow.name} is a proxy flow: POST to /flows/{flow.id}/proxy")
        if flow.direction != "outbound" or kind_of(flow.type).outbound_only:
            return _problem(409, f"{flow.name} is not an outbound {flow.type} flow")
        settings = self.runner.config.runner
        raw = await self._posted_body(request)
        if isinstance(raw, Response):
            return raw
        try:
            await asyncio.to_thread(self.runner.check_room, flow.id)
        except FlowBusy as exc:
            return _problem(429, str(exc))
        try:
            count, body = await asyncio.to_thread(checked_payload, raw)
        except PayloadError as exc:
            return _problem(400, str(exc))
        if count > settings.outbound_max_rows:
            return _problem(413, f"{count} rows is above the limit of "
                                 f"{settings.outbound_max_rows} per call; 5,000 rows per call is "
                                 "suggested")
        if not count:
            return JSONResponse({"execution_id": None, "rows": 0})
        who = request.client.host if request.client else "unknown"
        try:
            execution_id = await asyncio.to_thread(self.runner.accept_payload, flow.id, body,
                                                   f"outbound from {who}")
        except FlowBusy as exc:
            return _problem(429, str(exc))
        return JSONResponse({"execution_id": execution_id, "rows": count}, status_code=202)

    async def stock(self, request: Request) -> Response:
        flow_id = request.path_params["flow_id"]
        flow = self.runner.config.find(flow_id)
        if flow is None:
            raise UnknownFlow(flow_id)
        if kind_of(flow.type).writer != "stock_answer" or flow.oms is None:
            return _problem(409, f"{flow.name} is not an OMS stock flow")
        raw = request.query_params.get(flow.oms.sku_query_key, "")
        skus = [s.strip() for s in raw.split(",") if s.strip()]
        if not skus:
            return _problem(400, f"pass the SKUs as ?{flow.oms.sku_query_key}=A,B")
        try:
            body = await asyncio.to_thread(answer_stock_query, flow, skus, self.runner.pool)
        except OmsQueryError as exc:
            return _problem(502, str(exc))
        return JSONResponse(body)

    async def proxy(self, request: Request) -> Response:
        """The caller's JSON through the pre-script, the remote and the post-script; the
        post-script's output is the answer. At most ``max_active_executions`` calls of a flow
        at once (429 beyond)."""
        flow_id = request.path_params["flow_id"]
        flow = self.runner.config.find(flow_id)
        if flow is None:
            raise UnknownFlow(flow_id)
        if not kind_of(flow.type).answers_outbound or flow.direction != "outbound":
            return _problem(409, f"{flow.name} is not an outbound proxy flow")
        settings = self.runner.config.runner
        raw = await self._posted_body(request)
        if isinstance(raw, Response):
            return raw
        try:
            payload = json.loads(raw) if raw.strip() else None
        except (ValueError, UnicodeDecodeError) as exc:
            return _problem(400, f"the body is not UTF-8 JSON: {exc}")
        calls = self._proxy_calls.setdefault(flow.id, 0)
        if calls >= settings.max_active_executions:
            return _problem(429, f"{flow.name} already answers {calls} calls")
        self._proxy_calls[flow.id] = calls + 1
        try:
            answer = await asyncio.to_thread(answer_proxy, flow, payload, self.runner.pool)
        except ProxyError as exc:
            return _problem(exc.status, f"{exc.step}: {exc.message}")
        finally:
            self._proxy_calls[flow.id] -= 1
        return JSONResponse(answer)

    async def trigger(self, request: Request) -> Response:
        flow_id = request.path_params["flow_id"]
        flow = self.runner.config.find(flow_id)
        if flow is None:
            raise UnknownFlow(flow_id)
        if not flow.is_inbound or not flow.reads_data:
            return _problem(409, f"{flow.name} reads no ERP data to trigger: it receives "
                                 "posted rows")
        params = dict(request.query_params)
        try:
            execution_id = await asyncio.to_thread(
                self.runner.trigger, flow.id, params, triggered_by="trigger url",
                limit=self.runner.config.runner.max_active_executions)
        except FlowBusy as exc:
            return _problem(429, str(exc))
        except NotByHand as exc:
            return _problem(409, str(exc))
        return JSONResponse({"execution_id": execution_id}, status_code=202)

    async def retry(self, request: Request) -> Response:
        try:
            execution_id = await asyncio.to_thread(self.runner.retry,
                                                   request.path_params["execution_id"])
        except KeyError:
            return _problem(404, "no such execution")
        except NothingToRetry as exc:
            return _problem(409, str(exc))
        return JSONResponse({"execution_id": execution_id}, status_code=202)

    async def health(self, request: Request) -> Response:
        config = self.runner.config
        return JSONResponse({"pid": os.getpid(), "started_at": self.started_at,
                             "address": self.address, "store": self.runner.store.location,
                             "flows": [f.id for f in config.flows],
                             **({"cluster": self.cluster()} if self.cluster else {})})

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(describe(self.runner.config, self.limits))

    async def metrics_text(self, request: Request) -> Response:
        if not self.runner.config.runner.metrics_public and not self.authorized(request):
            return _problem(401, "missing or wrong bearer token")
        if self.metrics is None:
            return _problem(404, "this runner does not export metrics")
        body, content_type = await asyncio.to_thread(self.metrics.render)
        return Response(body, media_type=content_type)

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/health", self.health, methods=["GET"]),
            Route("/openapi.json", self.openapi, methods=["GET"]),
            Route("/metrics", self.metrics_text, methods=["GET"]),
            Route("/flows/{flow_id}/outbound", self.guarded(self.outbound), methods=["POST"]),
            Route("/flows/{flow_id}/stock", self.guarded(self.stock), methods=["GET"]),
            Route("/flows/{flow_id}/proxy", self.guarded(self.proxy), methods=["POST"]),
            Route("/flows/{flow_id}/trigger", self.guarded(self.trigger), methods=["POST"]),
            Route("/executions/{execution_id}/retry", self.guarded(self.retry), methods=["POST"]),
        ])

