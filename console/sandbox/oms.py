"""OMS setup endpoints: copy steps run as asynchronous tasks that progress over a few seconds."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

COPY_STEPS = {"addresses": "setup/addresses", "stock_locations": "stock_locations",
              "channels": "channels"}
STOCK_ENGINES = ("default", "erp_stock", "akinon_stock")
TASK_SECONDS = 2.0


@dataclass
class Task:
    step: str
    started: float
    fail: bool


@dataclass
class OmsSetup:
    conn: sqlite3.Connection
    tasks: dict[str, Task] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)
    failing: set[str] = field(default_factory=set)
    task_seconds: float = TASK_SECONDS


def _oms(request: Request) -> OmsSetup:
    return request.app.state.omnitron.oms


def _is_required(step: str) -> Any:
    async def endpoint(request: Request) -> JSONResponse:
        return JSONResponse({"is_required": step not in _oms(request).done})
    return endpoint


def _execute(step: str) -> Any:
    async def endpoint(request: Request) -> JSONResponse:
        oms = _oms(request)
        task_id = uuid.uuid4().hex
        oms.tasks[task_id] = Task(step, time.monotonic(), step in oms.failing)
        return JSONResponse({"task_id": task_id, "status": "pending"}, status_code=202)
    return endpoint


def _status(step: str) -> Any:
    async def endpoint(request: Request) -> JSONResponse:
        oms = _oms(request)
        task = oms.tasks.get(request.query_params.get("task_id", ""))
        if task is None or task.step != step:
            return JSONResponse({"detail": "Task not found."}, status_code=404)
        elapsed = time.monotonic() - task.started
        progress = min(100, int(elapsed / oms.task_seconds * 100))
        if progress < 100:
            state = "pending" if progress < 10 else "in_progress"
            return JSONResponse({"status": state, "progress": progress})
        if task.fail:
            return JSONResponse({"status": "failed", "progress": 100,
                                 "error": f"Copying {step} failed: OMS did not accept the records."})
        oms.done.add(step)
        return JSONResponse({"status": "done", "progress": 100})
    return endpoint


async def stock_engines(request: Request) -> JSONResponse:
    return JSONResponse([{"stock_engine_type": name} for name in STOCK_ENGINES])


async def define_integration(request: Request) -> JSONResponse:
    try:
        body = json.loads(await request.body())
    except json.JSONDecodeError:
        return JSONResponse({"detail": "JSON parse error."}, status_code=400)
    errors: dict[str, list[str]] = {}
    if not isinstance(body, dict):
        return JSONResponse({"non_field_errors": ["Expected an object."]}, status_code=400)
    url = body.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        errors["url"] = ["Enter a valid URL."]
    if body.get("stock_engine_type") not in STOCK_ENGINES:
        errors["stock_engine_type"] = [f'"{body.get("stock_engine_type")}" is not a valid choice.']
    if errors:
        return JSONResponse(errors, status_code=400)
    record = {k: body[k] for k in ("url", "stock_engine_type", "username") if k in body}
    _store(request, "stock_integration", record)
    return JSONResponse(record, status_code=201)


def _store(request: Request, kind: str, record: dict[str, Any]) -> None:
    _oms(request).conn.execute("INSERT INTO oms_record VALUES (?, ?)", (kind, json.dumps(record)))


def _cargo_errors(body: Any) -> dict[str, list[str]]:
    if not isinstance(body, dict):
        return {"non_field_errors": ["Expected an object."]}
    errors: dict[str, list[str]] = {}
    for name in ("name", "erp_code", "shipping_company"):
        if not isinstance(body.get(name), str) or not body[name]:
            errors[name] = ["This field is required."]
    conf = body.get("conf")
    if not isinstance(conf, dict):
        errors["conf"] = ["This field is required."]
    elif body.get("is_demo_client"):
        if not str(conf.get("klass", "")).startswith("oms.shipments.clients.demo_client."):
            errors["conf"] = ["Demo clients need conf.klass = oms.shipments.clients.demo_client.<Name>."]
    elif not conf.get("username") or not conf.get("password"):
        errors["conf"] = ["Cargo company credentials need conf.username and conf.password."]
    return errors


async def cargo_company(request: Request) -> JSONResponse:
    conn = _oms(request).conn
    if request.method == "GET":
        rows = [json.loads(r[0]) for r in
                conn.execute("SELECT body FROM oms_record WHERE kind = 'cargo_company'")]
        for row in rows:
            row.get("conf", {}).pop("password", None)
        return JSONResponse({"count": len(rows), "results": rows})
    try:
        body = json.loads(await request.body())
    except json.JSONDecodeError:
        return JSONResponse({"detail": "JSON parse error."}, status_code=400)
    errors = _cargo_errors(body)
    if errors:
        return JSONResponse(errors, status_code=400)
    _store(request, "cargo_company", body)
    return JSONResponse({k: v for k, v in body.items() if k != "conf"}, status_code=201)


def oms_routes() -> list[Route]:
    routes: list[Route] = []
    for step, path in COPY_STEPS.items():
        base = f"/api/v1/oms/{path}"
        routes += [Route(f"{base}/is_required/", _is_required(step), methods=["GET"]),
                   Route(f"{base}/execute/", _execute(step), methods=["POST"]),
                   Route(f"{base}/get_async_status/", _status(step), methods=["GET"])]
    integration = "/api/v1/oms/setup/product-stock-integration"
    routes += [Route(f"{integration}/available-stock-engines/", stock_engines, methods=["GET"]),
               Route(f"{integration}/execute/", define_integration, methods=["POST"]),
               Route("/api/v1/oms/cargo-company/", cargo_company, methods=["GET", "POST"])]
    return routes
