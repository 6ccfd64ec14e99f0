"""The shape of a row that can change something in Omnitron, per flow type.

Omnitron accepts a stock row without ``stock`` and changes nothing for it; an order without
item ids is refused. A mapping mistake (a renamed output key) therefore looks like success
unless the rows are checked before they are sent. A price row needs a price (a non-negative
number) for a price list. The write step, the dry run and the mapping
test panel all check rows here, so they agree on what "cannot change anything" means.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from console.surrogates import has_lone

MAX_STOCK = 2_147_483_647
"""Omnitron's bound for ``stock`` (and for a stock list id)."""
UNIT_TYPES = ("qty", "kg")
_WHOLE = re.compile(r"\s*[+-]?\d+(?:\.0*)?\s*")


LONE_SKU = ("have a `product_sku` with a lone surrogate (a \\ud800-\\udfff escape without its"
            " pair), which is not text a SKU can be")
"""A SKU no product can have: UTF-8 cannot encode it, so no store keeps its newest-wins claim
and Omnitron cannot match it (see ``console.surrogates``)."""
LONE_ORDER = ("have an `order` with a lone surrogate (a \\ud800-\\udfff escape without its"
              " pair), which is not text an order number can be")


def _lone(text: Any) -> bool:
    """Whether ``text`` is a string with a lone surrogate."""
    return isinstance(text, str) and has_lone(text)


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
    if _lone(row["product_sku"]):
        return LONE_SKU
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
    if _lone(row["order"]):
        return LONE_ORDER
    items = row.get("orderitem_set")
    if not isinstance(items, list) or not items:
        return "have no `orderitem_set` (a list of order items)"
    if any(not isinstance(item, dict) or item.get("id") in (None, "") for item in items):
        return "have an order item without `id`"
    return None


CURRENCY = re.compile(r"[a-z]{3}")
MAX_TAX_RATE = 100


def _amount(value: Any) -> float | None:
    """The non-negative number Omnitron reads from a price field (12, 12.5, "12.50")."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value) if isinstance(value, int | float | str) else None
    except ValueError:
        return None
    if number is None or number != number or number in (float("inf"), float("-inf")):
        return None
    return number


def price_problem(row: Any, default_price_list: int | None) -> str | None:
    """Why a price row cannot change a product price, as a phrase after "rows"."""
    if not isinstance(row, dict):
        return "are not JSON objects"
    if row.get("product_sku") in (None, ""):
        return "have no `product_sku`"
    if _lone(row["product_sku"]):
        return LONE_SKU
    if row.get("price_list") in (None, "") and default_price_list is None:
        return "have no `price_list` (and the flow sets none)"
    if "price_list" in row and row["price_list"] not in (None, ""):
        number = _whole(row["price_list"])
        if number is None or not 0 < number <= MAX_STOCK:
            return "have a `price_list` that is not a price list id"
    if row.get("price") in (None, ""):
        return "have no `price`"
    for name in ("price", "retail_price"):
        if row.get(name) in (None, "") and name == "retail_price":
            continue
        amount = _amount(row[name])
        if amount is None:
            return f"have a `{name}` that is not a number"
        if amount < 0:
            return f"have a negative `{name}`"
    if row.get("tax_rate") not in (None, ""):
        rate = _amount(row["tax_rate"])
        if rate is None or rate > MAX_TAX_RATE:
            return f"have a `tax_rate` that is not a percentage from 0 to {MAX_TAX_RATE}"
    currency = row.get("currency_type")
    if currency not in (None, "") and not (isinstance(currency, str) and
                                           CURRENCY.fullmatch(currency)):
        return "have a `currency_type` that is not a lowercase currency code such as try"
    return None


RowCheck = Callable[[Any], "str | None"]


def row_check(flow_type: str, default_list: int | None = None) -> RowCheck | None:
    """The check of one row for a flow type (its kind's row shape); None when the type
    writes nothing to Omnitron. ``default_list`` is the flow's default list (stock or price)."""
    from console.kinds.registry import kind_of

    shape = kind_of(flow_type).row_shape
    if shape is None:
        return None
    return lambda row: shape(row, default_list)


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
