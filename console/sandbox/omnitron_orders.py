"""The sandbox Omnitron's orders: the list an order export reads (``GET /api/i1/orders/``
filtered by ``is_send``, status, channel and number, paged) and the call that marks an order
sent to the ERP (``PATCH /api/v1/orders/{pk}/`` with ``{"is_send": true}``).

Orders derive from the seeded order items on first use: one order per order number, its
status the lowest of its items', on channel 1 or 2, and a third of them already sent. Every
23rd order has a customer without an e-mail address, which the sandbox ERP refuses inside a
200 answer (the case a check-response script is for).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from console.sandbox.db import made_on_first_use
from console.sandbox.omnitron import _error, _json, guarded
from console.sandbox.pages import paginated

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sales_order (pk INTEGER PRIMARY KEY, number TEXT UNIQUE NOT NULL,
    channel INTEGER NOT NULL, status TEXT NOT NULL, date_placed TEXT NOT NULL,
    body TEXT NOT NULL, is_send INTEGER NOT NULL, seeded_send INTEGER NOT NULL);
"""
_TRUE, _FALSE = ("true", "True", "1"), ("false", "False", "0")


def _order_body(number: int, items: list[sqlite3.Row]) -> dict[str, Any]:
    """The order's fields besides pk, number, channel, status and is_send."""
    lines = []
    for item in items:
        price = f"{49 + (item['id'] * 37) % 400}.90"
        lines.append({"id": item["id"], "product": {"sku": item["product_sku"]},
                      "status": str(item["status"]), "quantity": 1, "price": price,
                      "tax_rate": "20.00"})
    amount = sum(float(line["price"]) for line in lines)
    email = "" if number % 23 == 0 else f"customer{number}@example.com"
    address = {"first_name": "Ada", "last_name": f"Customer {number}", "city": "Istanbul",
               "line": f"Sample Street {number}", "postcode": "34000", "country": "TR"}
    return {"customer": {"id": 1000 + number, "email": email, "first_name": "Ada",
                         "last_name": f"Customer {number}"},
            "shipping_address": address, "billing_address": address, "currency": "try",
            "amount": f"{amount:.2f}", "shipping_amount": "0.00", "orderitem_set": lines}


def _seed(conn: sqlite3.Connection) -> None:
    rows = conn.execute("SELECT * FROM order_item ORDER BY order_number, id").fetchall()
    by_number: dict[str, list[sqlite3.Row]] = {}
    for row in rows:
        by_number.setdefault(row["order_number"], []).append(row)
    values = []
    for pk, (code, items) in enumerate(sorted(by_number.items()), start=1):
        body = _order_body(pk, items)
        sent = int(pk % 3 == 0)
        placed = f"2024-10-{1 + pk % 28:02d}T{pk % 24:02d}:15:00.000000Z"
        values.append((pk, code, 2 if pk % 5 == 0 else 1,
                       str(min(item["status"] for item in items)), placed, json.dumps(body),
                       sent, sent))
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO sales_order VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values)
    conn.execute("COMMIT")


def _ready(request: Request) -> sqlite3.Connection:
    conn: sqlite3.Connection = request.app.state.omnitron.conn
    made_on_first_use(request.app.state, "orders", conn, _SCHEMA, seed=("sales_order", _seed))
    return conn


def _order(row: sqlite3.Row) -> dict[str, Any]:
    return {"pk": row["pk"], "number": row["number"], "channel": row["channel"],
            "status": row["status"], "date_placed": row["date_placed"],
            "is_send": bool(row["is_send"]), **json.loads(row["body"])}


def _filters(params: Any) -> tuple[str, list[Any]] | JSONResponse:
    where: list[str] = []
    args: list[Any] = []
    is_send = params.get("is_send")
    if is_send is not None:
        if is_send not in _TRUE + _FALSE:
            return JSONResponse({"is_send": ["Select a valid choice."]}, status_code=400)
        where.append("is_send = ?")
        args.append(int(is_send in _TRUE))
    statuses = [s for s in params.get("status__in", "").split(",") if s]
    if params.get("status"):
        statuses.append(params["status"])
    if statuses:
        where.append(f"status IN ({','.join('?' * len(statuses))})")
        args += statuses
    for name in ("channel", "number", "pk"):
        if params.get(name):
            where.append(f"{name} = ?")
            args.append(params[name])
    return (f"WHERE {' AND '.join(where)}" if where else ""), args


async def orders(request: Request) -> JSONResponse:
    conn = _ready(request)
    found = _filters(request.query_params)
    if isinstance(found, JSONResponse):
        return found
    clause, args = found
    count = conn.execute(f"SELECT COUNT(*) FROM sales_order {clause}", args).fetchone()[0]

    def fetch(limit: int, offset: int) -> list[Any]:
        rows = conn.execute(f"SELECT * FROM sales_order {clause} ORDER BY pk LIMIT ? OFFSET ?",
                            [*args, limit, offset])
        return [_order(r) for r in rows]

    return JSONResponse(paginated(request, count, fetch))


async def update_order(request: Request) -> JSONResponse:
    conn = _ready(request)
    if getattr(request.app.state, "orders_patch_fails", False):
        return _error(500, "Server Error (500)")
    body = await _json(request)
    if isinstance(body, JSONResponse):
        return body
    pk = request.path_params["pk"]
    row = conn.execute("SELECT * FROM sales_order WHERE pk = ?", (pk,)).fetchone()
    if row is None:
        return _error(404, "Not found.")
    if not isinstance(body, dict) or set(body) - {"is_send"}:
        others = sorted(set(body) - {"is_send"}) if isinstance(body, dict) else ["body"]
        return JSONResponse({name: ["Only is_send can be updated here."] for name in others},
                            status_code=400)
    if "is_send" in body:
        if not isinstance(body["is_send"], bool):
            return JSONResponse({"is_send": ["Must be a valid boolean."]}, status_code=400)
        conn.execute("UPDATE sales_order SET is_send = ? WHERE pk = ?", (int(body["is_send"]), pk))
        row = conn.execute("SELECT * FROM sales_order WHERE pk = ?", (pk,)).fetchone()
    return JSONResponse(_order(row))


async def control(request: Request) -> JSONResponse:
    """``/_sandbox/orders``: GET lists ``{number: is_send}``; POST ``{"patch_fails": true}``
    makes every PATCH answer 500 (a crash between the ERP write and the mark), and
    ``{"reset": true}`` puts every order back as seeded."""
    conn = _ready(request)
    if request.method == "POST":
        body = await _json(request)
        body = body if isinstance(body, dict) else {}
        request.app.state.orders_patch_fails = bool(body.get("patch_fails", False))
        if body.get("reset"):
            conn.execute("UPDATE sales_order SET is_send = seeded_send")
    rows = conn.execute("SELECT number, is_send FROM sales_order ORDER BY pk")
    return JSONResponse({r[0]: bool(r[1]) for r in rows})


def install(app: Starlette) -> None:
    """Add the order list, the order update and their control to the sandbox Omnitron."""
    app.router.routes.extend([
        Route("/api/i1/orders/", guarded(orders), methods=["GET"]),
        Route("/api/v1/orders/{pk:int}/", guarded(update_order), methods=["PATCH"]),
        Route("/_sandbox/orders", control, methods=["GET", "POST"]),
    ])
