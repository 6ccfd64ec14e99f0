"""The sandbox Omnitron: auth, product stock, bulk upsert, order item statuses, products."""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from console import fastjson
from console.sandbox.oms import OmsSetup, oms_routes
from console.sandbox.pages import paginated
from console.sandbox.statuses import STATUSES, allowed
from console.sandbox.stock_writes import plain_columns, upsert_rows, write_plain
from console.sandbox.validation import already_clean, known_keys, validate_row

USERNAME, PASSWORD = "integrator", "sandbox"


class OmnitronState:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.tokens: set[str] = set()
        self.products, self.stock_lists = known_keys(conn)
        self.oms = OmsSetup(conn)
        self.batches: dict[str, dict[str, int]] = {}
        """Per stock batch id: how often it was received and applied (once, however often
        it is received), for tests of runs that are sent again."""


def _error(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def _authorized(request: Request) -> bool:
    state: OmnitronState = request.app.state.omnitron
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "token" and token in state.tokens


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _error(400, "JSON parse error - request body is not valid JSON.")


async def bulk_body(request: Request) -> tuple[list[Any], Any] | JSONResponse:
    """A bulk upsert's rows and the batch id the first row naming one carries, or the 400."""
    bulk = bulk_rows(await request.body())
    return bulk if isinstance(bulk, tuple) else _error(400, bulk)


def bulk_rows(raw: bytes) -> tuple[list[Any], Any] | str:
    """``bulk_body`` without the request: the rows and batch id, or what is wrong."""
    try:
        body = fastjson.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "JSON parse error - request body is not valid JSON."
    if not isinstance(body, list):
        return "Expected a list of items."
    batch_id = next((r.get("batch_id") for r in body if isinstance(r, dict) and r.get("batch_id")),
                    None)
    return body, batch_id


Validate = Callable[[Any], tuple[dict[str, Any], dict[str, list[str]]]]


def validated(rows: list[Any], validate: Validate,
              already_clean: Callable[[Any], bool] | None = None
              ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The clean rows, and an error (index, SKU, messages) for each row refused; a row
    ``already_clean`` says ``validate`` would keep as it is is taken without validating it."""
    if already_clean is not None and all(map(already_clean, rows)):  # what a runner sends
        return list(rows), []
    clean_rows, errors = [], []
    for index, row in enumerate(rows):
        if already_clean is not None and already_clean(row):
            clean_rows.append(row)
            continue
        clean, problems = validate(row)
        if problems:
            sku = row.get("product_sku") if isinstance(row, dict) else None
            errors.append({"index": index, "product_sku": sku, "errors": problems})
        else:
            clean_rows.append(clean)
    return clean_rows, errors


def guarded(handler: Any) -> Any:
    async def endpoint(request: Request) -> JSONResponse:
        if not _authorized(request):
            return _error(401, "Invalid token." if "authorization" in request.headers
                          else "Authentication credentials were not provided.")
        return await handler(request)

    return endpoint


async def login(request: Request) -> JSONResponse:
    body = await _json(request)
    if isinstance(body, JSONResponse):
        return body
    if not isinstance(body, dict) or body.get("username") != USERNAME or body.get("password") != PASSWORD:
        return JSONResponse({"non_field_errors": ["Unable to log in with provided credentials."]},
                            status_code=400)
    token = secrets.token_hex(20)
    request.app.state.omnitron.tokens.add(token)
    return JSONResponse({"key": token})


def _stock_row(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "product_sku": row["product_sku"], "stock": row["stock"],
            "stock_list": row["stock_list"], "unit_type": row["unit_type"],
            "sold_quantity_unreported": row["sold_quantity_unreported"],
            "extra_field": json.loads(row["extra_field"])}


async def product_stock(request: Request) -> JSONResponse:
    state: OmnitronState = request.app.state.omnitron
    if request.method == "POST":
        return await _upsert_one(request, state)
    where, args = [], []
    for name, column in (("product_sku", "product_sku"), ("stock_list", "stock_list")):
        if request.query_params.get(name):
            where.append(f"{column} = ?")
            args.append(request.query_params[name])
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    count = state.conn.execute(f"SELECT COUNT(*) FROM product_stock {clause}", args).fetchone()[0]

    def fetch(limit: int, offset: int) -> list[Any]:
        rows = state.conn.execute(
            f"SELECT * FROM product_stock {clause} ORDER BY id LIMIT ? OFFSET ?",
            [*args, limit, offset])
        return [_stock_row(r) for r in rows]

    return JSONResponse(paginated(request, count, fetch))


async def _upsert_one(request: Request, state: OmnitronState) -> JSONResponse:
    body = await _json(request)
    if isinstance(body, JSONResponse):
        return body
    clean, errors = validate_row(body, state.products, state.stock_lists)
    if errors:
        return JSONResponse(errors, status_code=400)
    created, _ = upsert_rows(state.conn, [clean])
    row = state.conn.execute("SELECT * FROM product_stock WHERE product_sku = ? AND stock_list = ?",
                             (clean["product_sku"], clean["stock_list"])).fetchone()
    return JSONResponse(_stock_row(row), status_code=201 if created else 200)


async def bulk_upsert(request: Request) -> JSONResponse:
    status, answer = stock_bulk(request.app.state.omnitron, await request.body())
    return JSONResponse(answer, status_code=status)


def stock_bulk(state: OmnitronState, raw: bytes) -> tuple[int, Any]:
    """A stock bulk upsert's status and answer for the request body ``raw``.

    A batch id seen before is answered as it was then, whatever the rows; plain rows of one
    shape are written without a Python step per row; any other batch is validated row by
    row."""
    bulk = bulk_rows(raw)
    if isinstance(bulk, str):
        return 400, {"detail": bulk}
    body, batch_id = bulk
    if batch_id:
        counts = state.batches.setdefault(str(batch_id), {"received": 0, "applied": 0})
        counts["received"] += 1
        seen = state.conn.execute("SELECT answer FROM batch WHERE batch_id = ?",
                                  (str(batch_id),)).fetchone()
        if seen:
            return 200, json.loads(seen[0])
        counts["applied"] += 1
    plain = plain_columns(body, state.stock_lists)
    written = write_plain(state.conn, *plain) if plain is not None else None
    errors: list[dict[str, Any]] = []
    if written is None:
        products, stock_lists = state.products, state.stock_lists
        clean_rows, errors = validated(
            body, lambda row: validate_row(row, products, stock_lists),
            lambda row: already_clean(row, products, stock_lists))
        written = upsert_rows(state.conn, clean_rows)
    created, updated = written
    answer = {"batch_id": batch_id, "created": created, "updated": updated, "errors": errors}
    if batch_id:
        state.conn.execute("INSERT OR REPLACE INTO batch VALUES (?, ?)",
                           (str(batch_id), json.dumps(answer)))
    return 200, answer


async def bulk_status_update(request: Request) -> JSONResponse:
    state: OmnitronState = request.app.state.omnitron
    body = await _json(request)
    if isinstance(body, JSONResponse):
        return body
    if not isinstance(body, dict) or not body.get("order"):
        return JSONResponse({"order": ["This field is required."]}, status_code=400)
    items = body.get("orderitem_set")
    if not isinstance(items, list) or not items:
        return JSONResponse({"orderitem_set": ["This field is required."]}, status_code=400)
    errors, changes = _check_items(state, str(body["order"]), items)
    if errors:
        return JSONResponse({"order": body["order"], "orderitem_set": errors}, status_code=400)
    updated = []
    state.conn.execute("BEGIN")
    for item_id, status, fields in changes:
        state.conn.execute("UPDATE order_item SET status = ?, fields = ? WHERE id = ?",
                           (status, json.dumps(fields), item_id))
        updated.append({"id": item_id, "status": status, **fields})
    state.conn.execute("COMMIT")
    return JSONResponse({"order": body["order"], "orderitem_set": updated})


def _check_items(state: OmnitronState, order: str, items: list[Any]
                 ) -> tuple[list[dict[str, Any]], list[tuple[Any, Any, dict[str, Any]]]]:
    errors: list[dict[str, Any]] = []
    changes: list[tuple[Any, Any, dict[str, Any]]] = []
    for item in items:
        item_id = item.get("id") if isinstance(item, dict) else None
        row = state.conn.execute("SELECT * FROM order_item WHERE id = ?", (item_id,)).fetchone() \
            if isinstance(item_id, int) else None
        if row is None:
            errors.append({"id": item_id, "errors": ["Order item not found."]})
            continue
        if row["order_number"] != order:
            errors.append({"id": item_id, "errors": [f"Order item does not belong to order {order}."]})
            continue
        status = item.get("status", row["status"])
        if status not in STATUSES:
            errors.append({"id": item_id, "errors": [f'"{status}" is not a valid status.']})
            continue
        if not allowed(row["status"], status):
            errors.append({"id": item_id, "errors": [
                f"Transition from {STATUSES[row['status']]} ({row['status']}) to "
                f"{STATUSES[status]} ({status}) is not allowed."]})
            continue
        fields = {**json.loads(row["fields"]),
                  **{k: v for k, v in item.items() if k not in ("id", "status")}}
        changes.append((item_id, status, fields))
    return errors, changes


async def products(request: Request) -> JSONResponse:
    state: OmnitronState = request.app.state.omnitron
    where, args = [], []
    if request.query_params.get("productized_date__gte"):
        where.append("productized_date >= ?")
        args.append(request.query_params["productized_date__gte"])
    if request.query_params.get("sku__in"):
        skus = request.query_params["sku__in"].split(",")
        where.append(f"sku IN ({','.join('?' * len(skus))})")
        args.extend(skus)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    count = state.conn.execute(f"SELECT COUNT(*) FROM product {clause}", args).fetchone()[0]

    def fetch(limit: int, offset: int) -> list[Any]:
        rows = state.conn.execute(f"SELECT * FROM product {clause} ORDER BY sku LIMIT ? OFFSET ?",
                                  [*args, limit, offset])
        return [{"sku": r["sku"], "name": r["name"], "productized_date": r["productized_date"]}
                for r in rows]

    return JSONResponse(paginated(request, count, fetch))


async def stock_lists(request: Request) -> JSONResponse:
    conn = request.app.state.omnitron.conn
    rows = [{"id": r[0], "name": r[1], "code": r[2]} for r in conn.execute("SELECT * FROM stock_list")]
    return JSONResponse({"count": len(rows), "next": None, "previous": None, "results": rows})


async def order_items(request: Request) -> JSONResponse:
    conn = request.app.state.omnitron.conn
    number = request.query_params.get("order", "")
    rows = conn.execute("SELECT * FROM order_item WHERE order_number = ? ORDER BY id", (number,))
    return JSONResponse({"results": [
        {"id": r["id"], "order": r["order_number"], "product_sku": r["product_sku"],
         "status": r["status"], **json.loads(r["fields"])} for r in rows]})


def routes() -> list[Route]:
    return [
        Route("/api/v1/auth/login/", login, methods=["POST"]),
        Route("/api/i1/product_stock/", guarded(product_stock), methods=["GET", "POST"]),
        Route("/api/i1/product_stock/bulk_upsert/", guarded(bulk_upsert), methods=["POST"]),
        Route("/api/i1/order_items/bulk_status_update/", guarded(bulk_status_update),
              methods=["PATCH"]),
        Route("/api/i1/order_items/", guarded(order_items), methods=["GET"]),
        Route("/api/i1/product/", guarded(products), methods=["GET"]),
        Route("/api/i1/stock_list/", guarded(stock_lists), methods=["GET"]),
        *[Route(r.path, guarded(r.endpoint), methods=r.methods) for r in oms_routes()],
    ]


def create_app(conn: sqlite3.Connection) -> Starlette:
    app = Starlette(routes=routes())
    app.state.omnitron = OmnitronState(conn)
    return app
