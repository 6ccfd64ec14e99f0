"""Product stock in Omnitron: browse it page by page, list it for the command line, and change
one row after the API's own rules are checked here, before anything is sent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from console.flows import FlowsConfig
from console.services.errors import ServiceError
from console.services.omnitron import explain, open_client

MAX_STOCK = 2147483647


@dataclass(frozen=True)
class StockPage:
    rows: list[dict[str, Any]]
    count: int
    """Rows matching the filters in all pages, as Omnitron counts them."""


def page(config: FlowsConfig, number: int, page_size: int, *, stock_list: int | None = None,
         sku: str | None = None) -> StockPage:
    try:
        with open_client(config.omnitron) as client:
            body = client.product_stock_page(page=number, page_size=page_size,
                                             stock_list=stock_list, sku=sku)
    except ServiceError:
        raise
    except Exception as exc:  # noqa: BLE001 - said plainly
        raise ServiceError(explain(exc)) from None
    return StockPage(list(body.get("results", [])), int(body.get("count", 0)))


def first_rows(config: FlowsConfig, limit: int, *, stock_list: int | None = None,
               sku: str | None = None) -> StockPage:
    """Up to ``limit`` rows from the first pages, and how many match in all."""
    size = min(max(limit, 1), 500)
    rows: list[dict[str, Any]] = []
    count = 0
    number = 1
    while len(rows) < limit:
        found = page(config, number, size, stock_list=stock_list, sku=sku)
        count = found.count
        rows += found.rows
        if not found.rows or len(rows) >= count:
            break
        number += 1
    return StockPage(rows[:limit], max(count, len(rows)))


def validate_edit(stock: str, unit: str, extra: str) -> tuple[dict[str, Any], str | None]:
    """The change as Omnitron's API wants it, or what is wrong with it."""
    change: dict[str, Any] = {}
    if stock.strip():
        if not stock.strip().isdigit() or not 0 <= int(stock) <= MAX_STOCK:
            return {}, f"stock: a whole number from 0 to {MAX_STOCK}"
        change["stock"] = int(stock)
    if unit.strip():
        if unit.strip() not in ("qty", "kg"):
            return {}, "unit_type: qty or kg"
        change["unit_type"] = unit.strip()
    if extra.strip():
        try:
            parsed = json.loads(extra)
        except json.JSONDecodeError as exc:
            return {}, f"extra_field: not JSON ({exc.msg})"
        if not isinstance(parsed, dict):
            return {}, "extra_field: a JSON object"
        change["extra_field"] = parsed
    return change, None


def describe_change(row: dict[str, Any], change: dict[str, Any]) -> str:
    """``SKU-1 in list 1: stock 5 → 7`` — what a confirmation asks about."""
    parts = [f"{key} {json.dumps(row.get(key), ensure_ascii=False)} → "
             f"{json.dumps(value, ensure_ascii=False)}"
             for key, value in change.items() if row.get(key) != value]
    what = ", ".join(parts) or "no change"
    return f"{row.get('product_sku')} in stock list {row.get('stock_list')}: {what}"


def save(config: FlowsConfig, sku: str, stock_list: int, change: dict[str, Any]
         ) -> dict[str, Any]:
    """Create or update one product's stock in Omnitron; returns the row Omnitron kept."""
    if "stock" in change and not 0 <= int(change["stock"]) <= MAX_STOCK:
        raise ServiceError(f"stock must be between 0 and {MAX_STOCK}, found {change['stock']}")
    try:
        with open_client(config.omnitron) as client:
            saved: dict[str, Any] = client.upsert_stock({"product_sku": sku,
                                                         "stock_list": stock_list, **change})
    except ServiceError:
        raise
    except Exception as exc:  # noqa: BLE001 - said plainly
        raise ServiceError(explain(exc)) from None
    return saved
