"""Validation of product stock rows, with Omnitron-style per-field messages."""

from __future__ import annotations

import sqlite3
from typing import Any

MAX_INT = 2147483647
UNIT_TYPES = ("qty", "kg")


def _integer(value: Any, field: str, errors: dict[str, list[str]]) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors[field] = ["A valid integer is required."]
        return None
    try:
        number = int(value)
    except ValueError:
        errors[field] = ["A valid integer is required."]
        return None
    if number < 0:
        errors[field] = ["Ensure this value is greater than or equal to 0."]
    elif number > MAX_INT:
        errors[field] = [f"Ensure this value is less than or equal to {MAX_INT}."]
    return number


def validate_row(row: Any, products: set[str], stock_lists: set[int]
                 ) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Clean one row; the second value maps field names to messages (empty when valid)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(row, dict):
        return {}, {"non_field_errors": ["Invalid data. Expected a dictionary."]}
    clean: dict[str, Any] = {}
    sku = row.get("product_sku")
    if sku is None or sku == "":
        errors["product_sku"] = ["This field is required."]
    elif not isinstance(sku, str | int) or str(sku) not in products:
        errors["product_sku"] = ["Product not found."]
    else:
        clean["product_sku"] = str(sku)
    stock_list = row.get("stock_list")
    if stock_list is None or stock_list == "":
        errors["stock_list"] = ["This field is required."]
    else:
        number = _integer(stock_list, "stock_list", errors)
        if number is not None and "stock_list" not in errors:
            if number in stock_lists:
                clean["stock_list"] = number
            else:
                errors["stock_list"] = [f'Invalid pk "{stock_list}" - object does not exist.']
    for field in ("stock", "sold_quantity_unreported"):
        if row.get(field) is not None:
            number = _integer(row[field], field, errors)
            if field not in errors:
                clean[field] = number
    if "unit_type" in row:
        if row["unit_type"] in UNIT_TYPES:
            clean["unit_type"] = row["unit_type"]
        else:
            errors["unit_type"] = [f'"{row["unit_type"]}" is not a valid choice.']
    if "extra_field" in row:
        if isinstance(row["extra_field"], dict):
            clean["extra_field"] = row["extra_field"]
        else:
            errors["extra_field"] = ["Value must be valid JSON object."]
    return clean, errors


def already_clean(row: Any, products: set[str], stock_lists: set[int]) -> bool:
    """Whether ``validate_row`` would accept ``row`` and keep each of its values as it is, so
    a bulk upsert can write the row itself: what a runner sends (a known SKU string, a known
    stock list id, counts as ints in range, a known unit type) passes; anything else, such as
    numbers as strings or a null count, takes the full validation. One pass of cheap checks,
    for the 50,000 rows of a bulk upsert."""
    if type(row) is not dict:
        return False
    get = row.get
    sku, stock_list = get("product_sku"), get("stock_list")
    stock, sold = get("stock", 0), get("sold_quantity_unreported", 0)
    return (type(sku) is str and sku in products
            and type(stock_list) is int and stock_list in stock_lists
            and type(stock) is int and 0 <= stock <= MAX_INT
            and type(sold) is int and 0 <= sold <= MAX_INT
            and get("unit_type", "qty") in UNIT_TYPES
            and type(get("extra_field", {})) is dict)


def known_keys(conn: sqlite3.Connection) -> tuple[set[str], set[int]]:
    products = {r[0] for r in conn.execute("SELECT sku FROM product")}
    stock_lists = {r[0] for r in conn.execute("SELECT id FROM stock_list")}
    return products, stock_lists
