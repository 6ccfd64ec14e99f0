"""The sandbox ERP: stock and order sources with login, pagination, JSON or XML bodies."""

from __future__ import annotations

import base64
import json
import re
import secrets
import sqlite3
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

USERNAME, PASSWORD = "erp", "sandbox"
# A fixed key, for ERPs reached with a static token ("token" and "header" logins) rather than
# a login call: sent as "Authorization: Token KEY" or as the X-Api-Key header.
API_KEY = "sandbox-api-key"
DEFAULT_LIMIT = 100
_PATH_TOKEN = re.compile(r"^/\(S\(([^)]*)\)\)")


class PathToken:
    """Accepts the token inside the path, ``/(S(TOKEN))/...``, as some ERPs expect."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            match = _PATH_TOKEN.match(unquote(scope["path"]))
            if match:
                scope = dict(scope)
                scope["path_token"] = match.group(1)
                scope["path"] = unquote(scope["path"])[match.end():] or "/"
                scope["raw_path"] = scope["path"].encode()
        await self.app(scope, receive, send)


class ErpState:
    """The ERP's data, its tokens, and what paging remembers: each query's record count
    (counted once) and where each page ended, so the next ``offset`` page is read by key
    (``id > last``) instead of by skipping rows. Writes forget both."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.tokens: set[str] = set()
        self.logins = 0
        """JWT logins answered with a token (a renewal after a 401 counts one more)."""
        self.require_auth = True
        self.counts: dict[tuple[Any, ...], int] = {}
        self.ends: dict[tuple[Any, ...], int] = {}

    def count(self, table: str, clause: str, args: list[Any]) -> int:
        key = (table, clause, *args)
        if key not in self.counts:
            if len(self.counts) > 1000:
                self.counts.clear()
            self.counts[key] = self.conn.execute(f"SELECT COUNT(*) FROM {table} {clause}",
                                                 args).fetchone()[0]
        return self.counts[key]

    def remember_end(self, table: str, clause: str, args: list[Any], offset: int,
                     last_id: int) -> None:
        if len(self.ends) > 10_000:
            self.ends.clear()
        self.ends[(table, clause, *args, offset)] = last_id

    def changed(self) -> None:
        self.counts.clear()
        self.ends.clear()


def _authorized(request: Request) -> bool:
    state: ErpState = request.app.state.erp
    if not state.require_auth:
        return True
    token = request.scope.get("path_token")
    if token is None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            return _basic_ok(token)
        if scheme.lower() not in ("bearer", "token", "jwt"):
            token = ""
    return token in state.tokens or API_KEY in (token, request.headers.get("x-api-key"))


def _basic_ok(encoded: str) -> bool:
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return (user, password) == (USERNAME, PASSWORD)


def guarded(handler: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        if not _authorized(request):
            return JSONResponse({"error": "unauthorized", "message": "missing or invalid token"},
                                status_code=401)
        return await handler(request)
    return endpoint


async def login(request: Request) -> JSONResponse:
    try:
        body = json.loads(await request.body())
    except json.JSONDecodeError:
        body = None
    if not isinstance(body, dict) or body.get("username") != USERNAME or body.get("password") != PASSWORD:
        return JSONResponse({"error": "invalid_credentials"}, status_code=401)
    token = secrets.token_urlsafe(24)
    request.app.state.erp.tokens.add(token)
    request.app.state.erp.logins += 1
    return JSONResponse({"token": token, "expires_in": 3600})


def _normal_date(text: str) -> str:
    """Compare as the stored ``...sssZ`` form: drop the zone, pad the fraction."""
    base = text.strip().rstrip("Z").replace(" ", "T")
    base = re.sub(r"[+-]\d\d:?\d\d$", "", base)
    head, _, fraction = base.partition(".")
    return f"{head}.{(fraction + '000')[:3]}Z"


def _filters(params: dict[str, str], key_column: str, key_param: str) -> tuple[str, list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    if params.get(key_param):
        keys = [k.strip() for k in params[key_param].split(",") if k.strip()]
        where.append(f"{key_column} IN ({','.join('?' * len(keys))})")
        args += keys
    if params.get("modified_date__gt"):
        where.append("modified_date > ?")
        args.append(_normal_date(params["modified_date__gt"]))
    if key_column == "sku" and params.get("stock_list", "").isdigit():
        where.append("stock_list = ?")
        args.append(int(params["stock_list"]))
    return (f"WHERE {' AND '.join(where)}" if where else ""), args


def _stock_item(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "sku": row["sku"], "qty": row["qty"], "stock_list": row["stock_list"],
            "unit_type": row["unit_type"], "modified_date": row["modified_date"]}


def _order_item(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "order": row["number"], "modified_date": row["modified_date"],
            "orderitems": json.loads(row["items"])}


_JSON_ROWS = {
    "stock": "json_object('id', id, 'sku', sku, 'qty', qty, 'stock_list', stock_list,"
             " 'unit_type', unit_type, 'modified_date', modified_date)",
    "orders": "json_object('id', id, 'order', number, 'modified_date', modified_date,"
              " 'orderitems', json(items))",
}


def _page(request: Request, table: str, key_column: str, key_param: str,
          render: Any) -> Response:
    params = dict(request.query_params)
    clause, args = _filters(params, key_column, key_param)
    state: ErpState = request.app.state.erp
    count = state.count(table, clause, args)
    limit_text = params.get("limit", "")
    limit = min(int(limit_text), 10_000) if limit_text.isdigit() and int(limit_text) > 0 else DEFAULT_LIMIT
    offset: int | None = None
    seek: int | None = None
    if params.get("after", "").lstrip("-").isdigit():
        seek = int(params["after"])
    else:
        offset = int(params["offset"]) if params.get("offset", "").isdigit() else 0
        seek = state.ends.get((table, clause, *args, offset))
    where, query_args = clause, list(args)
    if seek is not None:
        where = f"{clause} AND id > ?" if clause else "WHERE id > ?"
        query_args.append(seek)
    skip = offset if offset is not None and seek is None else 0
    rows_sql = f"SELECT * FROM {table} {where} ORDER BY id LIMIT ? OFFSET ?"
    if _wants_xml(request):
        rows = state.conn.execute(rows_sql, [*query_args, limit, skip]).fetchall()
        items, returned, last = [render(r) for r in rows], len(rows), rows[-1]["id"] if rows else None
    else:
        items, returned, last = state.conn.execute(
            f"SELECT COALESCE(json_group_array({_JSON_ROWS[table]}), '[]'), COUNT(*), MAX(id)"
            f" FROM ({rows_sql})", [*query_args, limit, skip]).fetchone()
    if offset is not None:
        if last is not None:
            state.remember_end(table, clause, args, offset + returned, last)
        nxt = (str(request.url.include_query_params(offset=offset + limit, limit=limit))
               if offset + limit < count else None)
    else:
        nxt = (str(request.url.include_query_params(after=last, limit=limit))
               if returned == limit else None)
    if isinstance(items, str):  # the page, already JSON: spliced in, never parsed again
        head = json.dumps({"count": count})[:-1]
        text = f'{head}, "items": {items}, "next": {json.dumps(nxt)}}}'
        return Response(text, media_type="application/json")
    return _respond(request, {"count": count, "items": items, "next": nxt})


def _wants_xml(request: Request) -> bool:
    return request.query_params.get("format") == "xml" or \
        "xml" in request.headers.get("accept", "")


def _respond(request: Request, body: dict[str, Any]) -> Response:
    if _wants_xml(request):
        return Response(to_xml(body), media_type="application/xml")
    return JSONResponse(body)


def _xml_value(name: str, value: Any) -> str:
    if value is None:
        return f"<{name}/>"
    if isinstance(value, dict):
        return f"<{name}>{''.join(_xml_value(k, v) for k, v in value.items())}</{name}>"
    if isinstance(value, list):
        child = name[:-1] if name.endswith("s") else "item"
        if name == "items":
            child = "item"
        return f"<{name}>{''.join(_xml_value(child, v) for v in value)}</{name}>"
    return f"<{name}>{escape(str(value))}</{name}>"


def to_xml(body: dict[str, Any]) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>' + _xml_value("response", body)


async def stock(request: Request) -> Response:
    return _page(request, "stock", "sku", "sku", _stock_item)


async def orders(request: Request) -> Response:
    return _page(request, "orders", "number", "number", _order_item)


async def stock_query(request: Request) -> Response:
    try:
        body = json.loads(await request.body())
    except json.JSONDecodeError:
        return JSONResponse({"error": "body is not JSON"}, status_code=400)
    skus = body.get("skus") if isinstance(body, dict) else None
    if skus is None and isinstance(body, dict) and body.get("sku"):
        skus = [body["sku"]]
    if not isinstance(skus, list) or not all(isinstance(s, str) for s in skus):
        return JSONResponse({"error": "expected {\"skus\": [...]} or {\"sku\": \"...\"}"},
                            status_code=400)
    conn: sqlite3.Connection = request.app.state.erp.conn
    rows = conn.execute(f"SELECT * FROM stock WHERE sku IN ({','.join('?' * len(skus))})"
                        " ORDER BY id", skus).fetchall() if skus else []
    return _respond(request, {"items": [_stock_item(r) for r in rows]})


_PARAMETER = re.compile(r"'Name'\s*:\s*'(\w+)'\s*,\s*'Value'\s*:\s*'([^']*)'")


async def service_run(request: Request) -> Response:
    """The seed's pseudo-JSON query form: ``?{'name': ..., 'Parameters': [{'Name', 'Value'}]}``."""
    query = unquote(request.scope.get("query_string", b"").decode("latin-1"))
    params = dict(_PARAMETER.findall(query))
    conn: sqlite3.Connection = request.app.state.erp.conn
    if "Order" in params:
        clause, args = _filters({"number": params["Order"]}, "number", "number")
        rows = conn.execute(f"SELECT * FROM orders {clause} ORDER BY id", args).fetchall()
        return JSONResponse({"items": [_order_item(r) for r in rows]})
    if "Barcodes" in params:
        clause, args = _filters({"sku": params["Barcodes"]}, "sku", "sku")
    elif "Date" in params:
        clause, args = _filters({"modified_date__gt": params["Date"]}, "sku", "sku")
    else:
        return JSONResponse({"error": "expected a Barcodes, Date or Order parameter"},
                            status_code=400)
    rows = conn.execute(f"SELECT * FROM stock {clause} ORDER BY id", args).fetchall()
    return JSONResponse({"items": [_stock_item(r) for r in rows]})


def create_app(conn: sqlite3.Connection) -> Starlette:
    app = Starlette(routes=[
        Route("/auth/login", login, methods=["POST"]),
        Route("/stock", guarded(stock), methods=["GET"]),
        Route("/stock/query", guarded(stock_query), methods=["POST"]),
        Route("/orders", guarded(orders), methods=["GET"]),
        Route("/service/run", guarded(service_run), methods=["GET", "POST"]),
    ])
    app.state.erp = ErpState(conn)
    return app
