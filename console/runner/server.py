"""The runner's HTTP endpoints on ``runner.listen``.

- ``POST /flows/{id}/outbound``: a JSON array of rows; stored durably, then answered 202.
- ``GET /flows/{id}/stock?sku=A,B``: the OMS stock flow's synchronous answer.
- ``POST /flows/{id}/trigger?param=value``: a manual run; ``POST /executions/{id}/retry``.
- ``GET /health``: who is serving, for the console to attach to.
- ``GET /metrics``: Prometheus text; public only with ``[runner] metrics_public = true``.
Everything but ``/health`` needs ``Authorization: Bearer <outbound_token>``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from console.kinds import kind_of
from console.runner.metrics import RunnerMetrics
from console.runner.oms import OmsQueryError, answer_stock_query
from console.runner.runner import FlowBusy, Runner, UnknownFlow
from console.runner.store import stamp


def _problem(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class RunnerApp:
    def __init__(self, runner: Runner, metrics: RunnerMetrics | None = None) -> None:
        self.runner = runner
        self.metrics = metrics
        self.started_at = stamp()

    def authorized(self, request: Request) -> bool:
        expected = self.runner.config.runner.outbound_token.resolve()
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
        return endpoint

    async def outbound(self, request: Request) -> Response:
        flow_id = request.path_params["flow_id"]
        flow = self.runner.config.find(flow_id)
        if flow is None:
            raise UnknownFlow(flow_id)
        if flow.direction != "outbound" or kind_of(flow.type).outbound_only:
            return _problem(409, f"{flow.name} is not an outbound {flow.type} flow")
        raw = await request.body()
        try:
            rows = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return _problem(400, f"the body is not JSON: {exc}")
        if not isinstance(rows, list):
            return _problem(400, f"expected a JSON array of rows, found {type(rows).__name__}")
        limit = self.runner.config.runner.outbound_max_rows
        if len(rows) > limit:
            return _problem(413, f"{len(rows)} rows is above the limit of {limit} per call; "
                                 "5,000 rows per call is suggested")
        who = request.client.host if request.client else "unknown"
        try:
            execution_id = await asyncio.to_thread(self.runner.accept_payload, flow.id,
                                                   raw.decode("utf-8"), f"outbound from {who}")
        except FlowBusy as exc:
            return _problem(429, str(exc))
        return JSONResponse({"execution_id": execution_id, "rows": len(rows)}, status_code=202)

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

    async def trigger(self, request: Request) -> Response:
        params = dict(request.query_params)
        try:
            execution_id = await asyncio.to_thread(self.runner.trigger,
                                                   request.path_params["flow_id"], params,
                                                   triggered_by="trigger url")
        except FlowBusy as exc:
            return _problem(429, str(exc))
        return JSONResponse({"execution_id": execution_id}, status_code=202)

    async def retry(self, request: Request) -> Response:
        try:
            execution_id = await asyncio.to_thread(self.runner.retry,
                                                   request.path_params["execution_id"])
        except KeyError:
            return _problem(404, "no such execution")
        return JSONResponse({"execution_id": execution_id}, status_code=202)

    async def health(self, request: Request) -> Response:
        config = self.runner.config
        return JSONResponse({"pid": os.getpid(), "started_at": self.started_at,
                             "store": str(self.runner.store.path),
                             "flows": [f.id for f in config.flows]})

    async def metrics_text(self, request: Request) -> Response:
        if not self.runner.config.runner.metrics_public and not self.authorized(request):
            return _problem(401, "missing or wrong bearer token")
        if self.metrics is None:
            return _problem(404, "this runner does not export metrics")
        body, content_type = await asyncio.to_thread(self.metrics.render)
        return Response(body, media_type=content_type)

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/health", self.health),
            Route("/metrics", self.metrics_text),
            Route("/flows/{flow_id}/outbound", self.guarded(self.outbound), methods=["POST"]),
            Route("/flows/{flow_id}/stock", self.guarded(self.stock), methods=["GET"]),
            Route("/flows/{flow_id}/trigger", self.guarded(self.trigger), methods=["POST"]),
            Route("/executions/{execution_id}/retry", self.guarded(self.retry), methods=["POST"]),
        ])
