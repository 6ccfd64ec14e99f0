"""The sandbox ERP's order intake: ``POST /sales-orders`` takes one order, ``GET
/sales-orders?number=...`` looks orders up by number.

Like many ERPs it answers a refused order with 200 and a result field rather than an error
status (here: an order without a customer e-mail address), so only a check-response script
that reads the answer tells success from refusal. A number it already holds is refused with
409, so a duplicate never enters it. ``/_sandbox/sales_orders`` lists what it holds and can
make chosen numbers answer 500.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from console.sandbox.data import iso
from console.sandbox.db import made_on_first_use
from console.sandbox.erp import guarded

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sales_order (id INTEGER PRIMARY KEY, number TEXT NOT NULL,
    body TEXT NOT NULL, received TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sales_order_number ON sales_order (number);
"""


def _ready(request: Request) -> sqlite3.Connection:
    conn: sqlite3.Connection = request.app.state.erp.conn
    if made_on_first_use(request.app.state, "sales_orders", conn, _SCHEMA):
        request.app.state.sales_orders_failing = set()
    return conn


def _item(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "number": row["number"], "received": row["received"],
            "order": json.loads(row["body"])}


async def lookup(request: Request) -> Response:
    conn = _ready(request)
    number = request.query_params.get("number", "")
    rows = conn.execute("SELECT * FROM sales_order WHERE number = ? ORDER BY id",
                        (number,)).fetchall() if number else []
    return JSONResponse({"count": len(rows), "items": [_item(r) for r in rows]})


def _refusal(order: Any) -> str | None:
    """Why the ERP refuses an order it could read (the answer is still 200)."""
    if not isinstance(order, dict) or not str(order.get("number") or "").strip():
        return "the order has no number"
    lines = order.get("lines")
    if not isinstance(lines, list) or not lines:
        return "the order has no lines"
    customer = order.get("customer")
    if not isinstance(customer, dict) or not str(customer.get("email") or "").strip():
        return "customer e-mail address is required"
    return None


async def receive(request: Request) -> Response:
    conn = _ready(request)
    try:
        order = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return JSONResponse({"result": "error", "message": "the body is not JSON"},
                            status_code=400)
    number = str(order.get("number") or "") if isinstance(order, dict) else ""
    if number in request.app.state.sales_orders_failing:
        return JSONResponse({"message": "internal error"}, status_code=500)
    refusal = _refusal(order)
    if refusal is not None:
        return JSONResponse({"result": "error", "message": refusal, "number": number or None})
    cursor = conn.execute("INSERT INTO sales_order (number, body, received) VALUES (?, ?, ?)",
                          (number, json.dumps(order), iso(datetime.now(UTC))))
    return JSONResponse({"result": "ok", "id": cursor.lastrowid, "number": number},
                        status_code=201)


async def control(request: Request) -> JSONResponse:
    """GET: ``{number: how many orders with it}``. POST ``{"failing": [numbers]}``: those
    numbers answer 500 to a write."""
    conn = _ready(request)
    if request.method == "POST":
        body = json.loads(await request.body() or b"{}")
        request.app.state.sales_orders_failing = set(body.get("failing", []))
    rows = conn.execute("SELECT number, COUNT(*) FROM sales_order GROUP BY number")
    return JSONResponse({r[0]: r[1] for r in rows})


def install(app: Starlette) -> None:
    """Add the order intake to the sandbox ERP ``app``."""
    app.router.routes.extend([
        Route("/sales-orders", guarded(lookup), methods=["GET"]),
        Route("/sales-orders", guarded(receive), methods=["POST"]),
        Route("/_sandbox/sales_orders", control, methods=["GET", "POST"]),
    ])
