"""``/_sandbox/...``: inspection and fault controls for tests, benchmarks and the demo."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from console.sandbox.data import iso
from console.sandbox.faults import Faults


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    data = json.loads(raw) if raw else {}
    return data if isinstance(data, dict) else {}


def fault_route(faults: Faults) -> Route:
    async def set_faults(request: Request) -> JSONResponse:
        body = await _body(request)
        for name in ("error_rate", "latency_s", "timeout_rate", "malformed_rate"):
            setattr(faults, name, float(body.get(name, 0.0)))
        faults.status = int(body.get("status", 503))
        return JSONResponse(vars(faults))
    return Route("/_sandbox/faults", set_faults, methods=["POST"])


def dump_omnitron(conn: sqlite3.Connection) -> dict[str, Any]:
    return {
        "stock_lists": [dict(r) for r in conn.execute("SELECT * FROM stock_list")],
        "products": conn.execute("SELECT COUNT(*) FROM product").fetchone()[0],
        "product_stock": [dict(r) for r in conn.execute(
            "SELECT product_sku, stock_list, stock, unit_type FROM product_stock ORDER BY id")],
        "order_items": [dict(r) for r in conn.execute(
            "SELECT id, order_number, product_sku, status FROM order_item ORDER BY id")],
    }


def omnitron_routes() -> list[Route]:
    async def stock(request: Request) -> JSONResponse:
        conn = request.app.state.omnitron.conn
        row = conn.execute("SELECT * FROM product_stock WHERE product_sku = ? AND stock_list = ?",
                           (request.query_params.get("sku"),
                            request.query_params.get("stock_list", "1"))).fetchone()
        return JSONResponse(dict(row) if row else None)

    async def stocks(request: Request) -> JSONResponse:
        conn = request.app.state.omnitron.conn
        rows = conn.execute("SELECT product_sku, stock FROM product_stock WHERE stock_list = ?",
                            (request.query_params.get("stock_list", "1"),))
        return JSONResponse({r[0]: r[1] for r in rows})

    async def order_item(request: Request) -> JSONResponse:
        conn = request.app.state.omnitron.conn
        row = conn.execute("SELECT * FROM order_item WHERE id = ?",
                           (int(request.path_params["item_id"]),)).fetchone()
        if row is None:
            return JSONResponse(None, status_code=404)
        return JSONResponse({**dict(row), "fields": json.loads(row["fields"])})

    async def expire_tokens(request: Request) -> JSONResponse:
        request.app.state.omnitron.tokens.clear()
        return JSONResponse({"expired": True})

    async def oms_fail(request: Request) -> JSONResponse:
        body = await _body(request)
        oms = request.app.state.omnitron.oms
        oms.failing = set(body.get("steps", []))
        oms.task_seconds = float(body.get("task_seconds", oms.task_seconds))
        return JSONResponse({"failing": sorted(oms.failing)})

    async def dump(request: Request) -> JSONResponse:
        return JSONResponse(dump_omnitron(request.app.state.omnitron.conn))

    return [Route("/_sandbox/stock", stock), Route("/_sandbox/stocks", stocks),
            Route("/_sandbox/order_item/{item_id:int}", order_item),
            Route("/_sandbox/expire_tokens", expire_tokens, methods=["POST"]),
            Route("/_sandbox/oms", oms_fail, methods=["POST"]),
            Route("/_sandbox/dump", dump), _ping_route("omnitron")]


def _ping_route(server: str) -> Route:
    """``/_sandbox/ping``: how ``make run`` tells the sandbox from another program on its port."""
    async def ping(request: Request) -> JSONResponse:
        return JSONResponse({"sandbox": server})

    return Route("/_sandbox/ping", ping)


def erp_routes() -> list[Route]:
    async def set_stock(request: Request) -> JSONResponse:
        body = await _body(request)
        conn = request.app.state.erp.conn
        conn.execute(
            "INSERT INTO stock (sku, stock_list, qty, unit_type, modified_date) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (sku, stock_list) DO UPDATE SET qty = excluded.qty,"
            " modified_date = excluded.modified_date",
            (body["sku"], int(body.get("stock_list", 1)), int(body["qty"]),
             body.get("unit_type", "qty"), iso(datetime.now(UTC))))
        request.app.state.erp.changed()
        return JSONResponse({"ok": True})

    async def auth(request: Request) -> JSONResponse:
        body = await _body(request)
        request.app.state.erp.require_auth = bool(body.get("required", True))
        return JSONResponse({"required": request.app.state.erp.require_auth})

    async def dump(request: Request) -> JSONResponse:
        conn = request.app.state.erp.conn
        return JSONResponse({
            "stock": conn.execute("SELECT COUNT(*) FROM stock").fetchone()[0],
            "orders": conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0]})

    async def tokens(request: Request) -> JSONResponse:
        """How many JWT logins the ERP answered; ``{"expire": true}`` makes it forget every
        token it gave, as when tokens lapse or the ERP restarts."""
        state = request.app.state.erp
        if request.method == "POST" and (await _body(request)).get("expire"):
            state.tokens.clear()
            if hasattr(state.tokens, "expiry"):
                state.tokens.expiry.clear()
        return JSONResponse({"logins": state.logins, "tokens": len(state.tokens)})

    return [Route("/_sandbox/erp_stock", set_stock, methods=["POST"]),
            Route("/_sandbox/tokens", tokens, methods=["GET", "POST"]),
            Route("/_sandbox/auth", auth, methods=["POST"]), _ping_route("erp"),
            Route("/_sandbox/dump", dump)]
