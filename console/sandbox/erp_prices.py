"""The sandbox ERP's price source: ``GET /prices``, one row per SKU and price list, paged
by offset and filtered by SKU, price list and modification date like the stock source.

Prices derive from the ERP's stock SKUs on first use, so they name the same products (and
the same few that Omnitron does not know). A few rows carry a negative price, which a flow's
script or Omnitron must refuse.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from console.sandbox.data import iso
from console.sandbox.db import made_on_first_use
from console.sandbox.erp import DEFAULT_LIMIT, _normal_date, guarded

_SCHEMA = """
CREATE TABLE IF NOT EXISTS prices (id INTEGER PRIMARY KEY, sku TEXT NOT NULL,
    price_list INTEGER NOT NULL, list_price REAL NOT NULL, sale_price REAL NOT NULL,
    vat INTEGER NOT NULL, currency TEXT NOT NULL, modified_date TEXT NOT NULL,
    UNIQUE (sku, price_list));
"""
_CURRENCIES = {1: "TRY", 2: "EUR"}


def _seed(conn: sqlite3.Connection) -> None:
    skus = [r[0] for r in conn.execute("SELECT DISTINCT sku FROM stock ORDER BY sku")]
    when = iso(datetime(2024, 1, 1, tzinfo=UTC))
    rows = []
    for number, sku in enumerate(skus):
        for price_list, rate in ((1, 1.0), (2, 0.03)):
            retail = round((49 + (number * 37) % 950) * rate + 0.99, 2)
            sale = round(retail * (0.8 if number % 3 == 0 else 1.0), 2)
            if number % 97 == 13:
                sale = -sale  # a data-entry slip the flow must not let through
            rows.append((sku, price_list, retail, sale, (1, 10, 20)[number % 3],
                         _CURRENCIES[price_list], when))
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO prices (sku, price_list, list_price, sale_price, vat, currency,"
                     " modified_date) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")


def _item(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "sku": row["sku"], "price_list": row["price_list"],
            "list_price": row["list_price"], "sale_price": row["sale_price"],
            "vat": row["vat"], "currency": row["currency"],
            "modified_date": row["modified_date"]}


def _ready(request: Request) -> sqlite3.Connection:
    """The ERP's database, with its prices made on first use (not at every start)."""
    conn: sqlite3.Connection = request.app.state.erp.conn
    made_on_first_use(request.app.state, "prices", conn, _SCHEMA, seed=("prices", _seed))
    return conn


async def prices(request: Request) -> Response:
    conn = _ready(request)
    params = dict(request.query_params)
    where: list[str] = []
    args: list[Any] = []
    if params.get("sku"):
        skus = [s.strip() for s in params["sku"].split(",") if s.strip()]
        where.append(f"sku IN ({','.join('?' * len(skus))})")
        args += skus
    if params.get("price_list", "").isdigit():
        where.append("price_list = ?")
        args.append(int(params["price_list"]))
    if params.get("modified_date__gt"):
        where.append("modified_date > ?")
        args.append(_normal_date(params["modified_date__gt"]))
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    count = conn.execute(f"SELECT COUNT(*) FROM prices {clause}", args).fetchone()[0]
    limit = int(params["limit"]) if params.get("limit", "").isdigit() else DEFAULT_LIMIT
    limit = max(1, min(limit, 10_000))
    offset = int(params["offset"]) if params.get("offset", "").isdigit() else 0
    rows = conn.execute(f"SELECT * FROM prices {clause} ORDER BY id LIMIT ? OFFSET ?",
                        [*args, limit, offset]).fetchall()
    following = str(request.url.include_query_params(offset=offset + limit, limit=limit)) \
        if offset + limit < count else None
    return JSONResponse({"count": count, "items": [_item(r) for r in rows], "next": following})


async def set_price(request: Request) -> JSONResponse:
    """``/_sandbox/erp_price``: change one price (it becomes the newest modification)."""
    body = await request.json()
    conn = _ready(request)
    conn.execute("UPDATE prices SET sale_price = ?, modified_date = ? WHERE sku = ? AND"
                 " price_list = ?", (float(body["price"]), iso(datetime.now(UTC)), body["sku"],
                                     int(body.get("price_list", 1))))
    return JSONResponse({"ok": True})


def install(app: Starlette) -> None:
    """Add the price source to the sandbox ERP ``app``."""
    app.router.routes.extend([Route("/prices", guarded(prices), methods=["GET"]),
                              Route("/_sandbox/erp_price", set_price, methods=["POST"])])
