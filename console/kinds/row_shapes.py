"""The shape of a row that can change something in Omnitron, per flow type.

Omnitron accepts a stock row without ``stock`` and changes nothing for it; an order without
item ids is refused. A mapping mistake (a renamed output key) therefore looks like success
unless the rows are checked before they are sent. The write step, the dry run and the mapping
test panel all check rows here, so they agree on what "cannot change anything" means.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

MAX_STOCK = 2_147_483_647
"""Omnitron's bound for ``stock`` (and for a stock list id)."""
UNIT_TYPES = ("qty", "kg")
_WHOLE = re.compile(r"\s*[+-]?\d+(?:\.0*)?\s*")


def _whole(value: Any) -> int | None:
    """The integer Omnitron reads from ``value`` (5, 5.0, "5"), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _WHOLE.fullmatch(value):
        return int(float(value))
    return None


def stock_problem(row: Any, default_stock_list: int | None) -> str | None:
    """Why a stock row cannot change a stock, as a phrase after "rows" ("have no `stock`")."""
    if not isinstance(row, dict):
        return "are not JSON objects"
    if row.get("product_sku") in (None, ""):
        return "have no `product_sku`"
    if row.get("stock_list") in (None, "") and default_stock_list is None:
        return "have no `stock_list` (and the flow sets none)"
    if "stock_list" in row and row["stock_list"] not in (None, ""):
        number = _whole(row["stock_list"])
        if number is None or not 0 < number <= MAX_STOCK:
            return "have a `stock_list` that is not a stock list id"
    if row.get("stock") is None:
        return "have no `stock`"
    stock = _whole(row["stock"])
    if stock is None:
        return "have a `stock` that is not a whole number"
    if not 0 <= stock <= MAX_STOCK:
        return f"have a `stock` outside 0 to {MAX_STOCK}"
    if "unit_type" in row and row["unit_type"] not in UNIT_TYPES:
        return "have a `unit_type` other than " + " or ".join(UNIT_TYPES)
    return None


def order_problem(row: Any) -> str | None:
    """Why an order-status row cannot change an order, as a phrase after "rows"."""
    if not isinstance(row, dict):
        return "are not JSON objects"
    if row.get("order") in (None, ""):
        return "have no `order` (the Omnitron order number)"
    items = row.get("orderitem_set")
    if not isinstance(items, list) or not items:
        return "have no `orderitem_set` (a list of order items)"
    if any(not isinstance(item, dict) or item.get("id") in (None, "") for item in items):
        return "have an order item without `id`"
    return None


RowCheck = Callable[[Any], "str | None"]


def row_check(flow_type: str, default_stock_list: int | None = None) -> RowCheck | None:
    """The check of one row for a flow type (its kind's row shape); None when the type
    writes nothing to Omnitron."""
    from console.kinds.registry import kind_of

    shape = kind_of(flow_type).row_shape
    if shape is None:
        return None
    return lambda row: shape(row, default_stock_list)


def _singular(phrase: str) -> str:
    for plural, single in (("have ", "has "), ("are ", "is ")):
        if phrase.startswith(plural):
            return single + phrase[len(plural):]
    return phrase


def one_row(phrase: str) -> str:
    """The log line of one skipped row: ``skipped: the row has no `stock```."""
    return f"skipped: the row {_singular(phrase).replace('JSON objects', 'a JSON object')}, " \
           "so Omnitron would change nothing"


def summary(problems: Counter[str], total: int) -> str | None:
    """One line for an execution or a test: the commonest problem and how many rows have it,
    e.g. "1,755 of 1,791 rows have no `stock`: check the mapping"."""
    if not problems:
        return None
    (phrase, count), *others = problems.most_common()
    rows = "row" if total == 1 else "rows"
    text = f"{count:,} of {total:,} {rows} {phrase if count != 1 else _singular(phrase)}"
    rest = sum(n for _, n in others)
    if rest:
        text += f" ({rest:,} more with other problems)"
    return text + ": check the mapping"


def check_rows(rows: Iterable[Any], check: RowCheck) -> Counter[str]:
    """How many rows have each problem."""
    return Counter(problem for row in rows if (problem := check(row)) is not None)
