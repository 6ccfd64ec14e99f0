"""How the sandbox Omnitron writes product stock rows: one upsert statement per shape of row.

A row names its key (``product_sku``, ``stock_list``) and any of the optional fields; a new key
is inserted with defaults for the fields the row leaves out, an existing one keeps them. Rows
are written in order, so a key repeated in one batch ends as if each row were written in turn.

A bulk upsert of plain rows, all of one shape (what a runner sends), is checked column by
column and written in multi-row statements that look each SKU up themselves: no Python work
per row beyond decoding the JSON. Any other batch is validated row by row, as before.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any

from console.sandbox.validation import MAX_INT, UNIT_TYPES

OPTIONAL = {"stock": "0", "unit_type": "'qty'", "sold_quantity_unreported": "0",
            "extra_field": "'{}'"}
"""The optional fields in the order a statement binds them, each with its value on insert."""

Shape = tuple[str, ...]
"""The optional fields a row gives, in ``OPTIONAL`` order."""

_COUNTS = ("stock", "sold_quantity_unreported")
_UNITS = frozenset(UNIT_TYPES)
_ROWS_PER_STATEMENT = 500


@lru_cache(maxsize=256)
def statement(shape: Shape, rows: int, checked: bool) -> str:
    """An upsert of ``rows`` rows of ``shape``; ``checked`` skips rows whose SKU is not a
    product (the caller compares the rows written with the rows sent)."""
    placeholders = ", ".join("?" if name in shape else default
                             for name, default in OPTIONAL.items())
    one = f"(?, ?, {placeholders})"
    values = ", ".join([one] * rows)
    source = (f"SELECT * FROM (VALUES {values}) WHERE column1 IN (SELECT sku FROM product)"
              if checked else f"VALUES {values}")
    # Setting a column to itself still counts the row as written, as an update with nothing
    # to change is.
    changes = ", ".join(f"{name} = excluded.{name}" for name in shape) or "stock = stock"
    return ("INSERT INTO product_stock (product_sku, stock_list, stock, unit_type,"
            f" sold_quantity_unreported, extra_field) {source}"
            f" ON CONFLICT (product_sku, stock_list) DO UPDATE SET {changes}")


def shape_of(row: dict[str, Any]) -> Shape:
    return tuple(name for name in OPTIONAL if name in row)


def plain_columns(rows: list[Any], stock_lists: set[int]
                  ) -> tuple[Shape, list[tuple[Any, ...]]] | None:
    """The shape and the bound values of a batch whose rows are all plain and alike, or None.

    Plain is what ``already_clean`` accepts (a string SKU, a known stock list id, counts as
    ints in range, a known unit type, an object as ``extra_field``), except that the SKU is
    left to the statement to look up. Alike: every row has the same keys. Each check runs
    over a whole column at once."""
    if not rows or type(rows[0]) is not dict or len(rows[0]) < 2:
        return None
    keys = tuple(rows[0])
    try:  # a KeyError: a row lacks one of the first row's keys; a TypeError: not a dict
        if len(set(map(len, rows))) != 1:
            return None
        columns = dict(zip(keys, zip(*map(itemgetter(*keys), rows), strict=True), strict=True))
        if not _plain(columns, stock_lists):
            return None
    except (KeyError, TypeError):
        return None
    shape = shape_of(columns)
    if "extra_field" in columns:
        columns["extra_field"] = tuple(map(json.dumps, columns["extra_field"]))
    bound = [columns["product_sku"], columns["stock_list"], *map(columns.__getitem__, shape)]
    return shape, list(zip(*bound, strict=True))


def _plain(columns: dict[str, tuple[Any, ...]], stock_lists: set[int]) -> bool:
    """Whether every value of each column is one ``already_clean`` takes, but for the SKUs'
    being products. Types are checked first, so each set test sees hashable values."""
    if set(map(type, columns["product_sku"])) != {str}:
        return False
    lists = columns["stock_list"]
    if set(map(type, lists)) != {int} or not stock_lists.issuperset(lists):
        return False
    for name in _COUNTS:
        counts = columns.get(name)
        if counts is not None and (set(map(type, counts)) != {int} or min(counts) < 0
                                   or max(counts) > MAX_INT):
            return False
    units = columns.get("unit_type")
    if units is not None and (set(map(type, units)) != {str} or not _UNITS.issuperset(units)):
        return False
    extra = columns.get("extra_field")
    return extra is None or set(map(type, extra)) == {dict}


def _largest_id(conn: sqlite3.Connection) -> int:
    largest: int = conn.execute("SELECT COALESCE(MAX(id), 0) FROM product_stock").fetchone()[0]
    return largest


def _write(conn: sqlite3.Connection, shape: Shape, values: Sequence[tuple[Any, ...]],
           checked: bool) -> int:
    """Upsert rows of one shape in statements of many rows; the rows written."""
    per = max(1, min(_ROWS_PER_STATEMENT,
                     conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // (2 + len(shape))))
    before = conn.total_changes
    for start in range(0, len(values), per):
        part = values[start:start + per]
        conn.execute(statement(shape, len(part), checked), list(chain.from_iterable(part)))
    return conn.total_changes - before


def write_plain(conn: sqlite3.Connection, shape: Shape, values: Sequence[tuple[Any, ...]]
                ) -> tuple[int, int] | None:
    """Upsert ``plain_columns``' rows in one transaction: (created, updated), or None, with
    nothing written, when a SKU is not a product."""
    conn.execute("BEGIN")
    try:
        first = _largest_id(conn)
        if _write(conn, shape, values, checked=True) != len(values):
            conn.execute("ROLLBACK")
            return None
        created = _largest_id(conn) - first  # a new row takes the largest id plus one
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return created, len(values) - created


def upsert_rows(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> tuple[int, int]:
    """Write validated rows in order in one transaction: (created, updated). A field a row
    leaves out keeps its value on an update."""
    runs: list[tuple[Shape, list[tuple[Any, ...]]]] = []
    for row in rows:
        shape = shape_of(row)
        if not runs or runs[-1][0] != shape:
            runs.append((shape, []))
        runs[-1][1].append((row["product_sku"], row["stock_list"], *(
            json.dumps(row[name]) if name == "extra_field" else row[name] for name in shape)))
    conn.execute("BEGIN")
    try:
        first = _largest_id(conn)
        for shape, values in runs:
            _write(conn, shape, values, checked=False)
        created = _largest_id(conn) - first
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return created, len(rows) - created

