"""The sandbox Omnitron's product prices: price lists, the price list of each product, and
a bulk upsert with Omnitron-style per-field errors and idempotent batch ids."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from console.sandbox.omnitron import bulk_body, guarded, validated
from console.sandbox.pages import paginated

PRICE_LISTS = ((1, "Default", "try"), (2, "Euro", "eur"))
CURRENCIES = ("try", "usd", "eur", "gbp", "aed", "sar", "rub", "ron", "huf", "pln", "czk")
MAX_DIGITS, DECIMAL_PLACES = 24, 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS price_list (id INTEGER PRIMARY KEY, name TEXT NOT NULL,
    currency TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS product_price (id INTEGER PRIMARY KEY, product_sku TEXT NOT NULL,
    price_list INTEGER NOT NULL, price TEXT NOT NULL, retail_price TEXT, tax_rate TEXT NOT NULL,
    currency_type TEXT NOT NULL, extra_field TEXT NOT NULL DEFAULT '{}',
    UNIQUE (product_sku, price_list));
"""


def _decimal(value: Any, name: str, errors: dict[str, list[str]], *,
             high: Decimal | None = None) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        errors[name] = ["A valid number is required."]
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        errors[name] = ["A valid number is required."]
        return None
    if not number.is_finite():
        errors[name] = ["A valid number is required."]
    elif number < 0:
        errors[name] = ["Ensure this value is greater than or equal to 0."]
    elif high is not None and number > high:
        errors[name] = [f"Ensure this value is less than or equal to {high}."]
    elif -number.as_tuple().exponent > DECIMAL_PLACES:  # type: ignore[operator]
        errors[name] = [f"Ensure that there are no more than {DECIMAL_PLACES} decimal places."]
    elif len(number.as_tuple().digits) > MAX_DIGITS:
        errors[name] = [f"Ensure that there are no more than {MAX_DIGITS} digits in total."]
    else:
        return str(number)
    return None


def validate_price(row: Any, products: set[str], price_lists: dict[int, str]
                   ) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Clean one product price row; the second value maps field names to messages."""
    if not isinstance(row, dict):
        return {}, {"non_field_errors": ["Invalid data. Expected a dictionary."]}
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    sku = row.get("product_sku")
    if sku in (None, ""):
        errors["product_sku"] = ["This field is required."]
    elif not isinstance(sku, str | int) or str(sku) not in products:
        errors["product_sku"] = ["Product not found."]
    else:
        clean["product_sku"] = str(sku)
    price_list = row.get("price_list")
    if price_list in (None, ""):
        errors["price_list"] = ["This field is required."]
    elif isinstance(price_list, bool) or not str(price_list).isdigit() or \
            int(price_list) not in price_lists:
        errors["price_list"] = [f'Invalid pk "{price_list}" - object does not exist.']
    else:
        clean["price_list"] = int(price_list)
    if row.get("price") in (None, ""):
        errors["price"] = ["This field is required."]
    else:
        clean["price"] = _decimal(row["price"], "price", errors)
    if row.get("retail_price") not in (None, ""):
        clean["retail_price"] = _decimal(row["retail_price"], "retail_price", errors)
    clean["tax_rate"] = _decimal(row.get("tax_rate", 0), "tax_rate", errors,
                                 high=Decimal(100))
    currency = row.get("currency_type")
    if currency in (None, ""):
        currency = price_lists.get(clean.get("price_list", 0), "try")
    if currency not in CURRENCIES:
        errors["currency_type"] = [f'"{currency}" is not a valid choice.']
    clean["currency_type"] = currency
    if "extra_field" in row:
        if isinstance(row["extra_field"], dict):
            clean["extra_field"] = json.dumps(row["extra_field"])
        else:
            errors["extra_field"] = ["Value must be valid JSON object."]
    return clean, errors


class PriceState:
    def __init__(self, conn: sqlite3.Connection) -> None:
        conn.executescript(_SCHEMA)
        if conn.execute("SELECT COUNT(*) FROM price_list").fetchone()[0] == 0:
            conn.executemany("INSERT INTO price_list VALUES (?, ?, ?)", PRICE_LISTS)
        self.conn = conn
        self.price_lists = {r[0]: r[1] for r in conn.execute("SELECT id, currency FROM price_list")}


_UPSERT = ("INSERT INTO product_price (product_sku, price_list, price, retail_price, tax_rate,"
           " currency_type, extra_field) VALUES (:product_sku, :price_list, :price,"
           " :retail_price, :tax_rate, :currency_type, :extra_field)"
           " ON CONFLICT (product_sku, price_list) DO UPDATE SET price = excluded.price,"
           " retail_price = COALESCE(excluded.retail_price, retail_price),"
           " tax_rate = excluded.tax_rate, currency_type = excluded.currency_type,"
           " extra_field = excluded.extra_field")


def _row(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "product_sku": row["product_sku"], "price_list": row["price_list"],
            "price": row["price"], "retail_price": row["retail_price"],
            "tax_rate": row["tax_rate"], "currency_type": row["currency_type"],
            "extra_field": json.loads(row["extra_field"])}


async def bulk_upsert(request: Request) -> JSONResponse:
    omnitron = request.app.state.omnitron
    prices: PriceState = request.app.state.prices
    bulk = await bulk_body(request)
    if isinstance(bulk, JSONResponse):
        return bulk
    body, batch_id = bulk
    conn = prices.conn
    if batch_id:
        seen = conn.execute("SELECT answer FROM batch WHERE batch_id = ?",
                            (f"price:{batch_id}",)).fetchone()
        if seen:
            return JSONResponse(json.loads(seen[0]))
    valid, errors = validated(
        body, lambda row: validate_price(row, omnitron.products, prices.price_lists))
    clean_rows = [{"retail_price": None, "extra_field": "{}", **clean} for clean in valid]
    before = conn.execute("SELECT COUNT(*) FROM product_price").fetchone()[0]
    conn.execute("BEGIN")
    try:
        conn.executemany(_UPSERT, clean_rows)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    created = conn.execute("SELECT COUNT(*) FROM product_price").fetchone()[0] - before
    answer = {"batch_id": batch_id, "created": created, "updated": len(clean_rows) - created,
              "errors": errors}
    if batch_id:
        conn.execute("INSERT OR REPLACE INTO batch VALUES (?, ?)",
                     (f"price:{batch_id}", json.dumps(answer)))
    return JSONResponse(answer)


async def product_prices(request: Request) -> JSONResponse:
    prices: PriceState = request.app.state.prices
    where, args = [], []
    for name in ("product_sku", "price_list"):
        if request.query_params.get(name):
            where.append(f"{name} = ?")
            args.append(request.query_params[name])
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    count = prices.conn.execute(f"SELECT COUNT(*) FROM product_price {clause}", args).fetchone()[0]

    def fetch(limit: int, offset: int) -> list[Any]:
        rows = prices.conn.execute(f"SELECT * FROM product_price {clause} ORDER BY id"
                                   " LIMIT ? OFFSET ?", [*args, limit, offset])
        return [_row(r) for r in rows]
    return JSONResponse(paginated(request, count, fetch))


async def price_lists(request: Request) -> JSONResponse:
    prices: PriceState = request.app.state.prices
    rows = [{"id": i, "name": n, "currency": c} for i, n, c in
            prices.conn.execute("SELECT id, name, currency FROM price_list ORDER BY id")]
    return JSONResponse({"count": len(rows), "next": None, "previous": None, "results": rows})


async def dump_prices(request: Request) -> JSONResponse:
    """``{sku: row}`` of one price list, for tests and the demo."""
    prices: PriceState = request.app.state.prices
    rows = prices.conn.execute("SELECT * FROM product_price WHERE price_list = ?",
                               (request.query_params.get("price_list", "1"),))
    return JSONResponse({r["product_sku"]: _row(r) for r in rows})


def install(app: Starlette) -> None:
    """Add the price routes to the sandbox Omnitron ``app``."""
    app.state.prices = PriceState(app.state.omnitron.conn)
    app.router.routes.extend([
        Route("/api/i1/product_price/bulk_upsert/", guarded(bulk_upsert), methods=["POST"]),
        Route("/api/i1/product_price/", guarded(product_prices), methods=["GET"]),
        Route("/api/i1/price_list/", guarded(price_lists), methods=["GET"]),
        Route("/_sandbox/prices", dump_prices),
    ])
