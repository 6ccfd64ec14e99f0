"""Mapping throughput on 5,000 rows, measured in one process against two baselines.

Rows: this engine, jolt-py (``pip install -e '.[bench]'``), and a hand-written comprehension
that produces the same output. Goals for the stock shift: at least 10x jolt-py and within 4x
of the comprehension. Also reported: a modify-overwrite spec with functions and the nested
order-status shift.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from console.mapping import compile

ROWS = 5_000
STOCK_SPEC = [{"operation": "shift", "spec": {"*": {
    "sku": "[&1].product_sku", "stock": "[&1].stock", "stock_list": "[&1].stock_list",
    "unit_type": "[&1].unit_type", "updated_date": "[&1].updated_date"}}}]
MODIFY_SPEC = [{"operation": "modify-overwrite-beta", "spec": {"*": {
    "stock": "=toInteger", "unit_type": "=toLower", "label": "=concat(@(1,sku),'-',@(1,stock_list))"}}}]
ORDER_SPEC = [{"operation": "shift", "spec": {"*": {"orderitems": "[&1].orderitem_set",
                                                   "order": "[&1].order"}}}]


def stock_rows() -> list[dict[str, Any]]:
    return [{"sku": f"SKU-{n:06d}", "stock": n % 500, "stock_list": "1", "unit_type": "qty",
             "updated_date": "2024-07-01T01:30:59"} for n in range(ROWS)]


def order_rows() -> list[dict[str, Any]]:
    return [{"order": f"ORD-{n}", "orderitems": [{"id": n * 2, "status": 500},
                                                  {"id": n * 2 + 1, "status": 550}]}
            for n in range(ROWS)]


def hand_written(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = (("stock_list", "stock_list"), ("updated_date", "updated_date"),
            ("sku", "product_sku"), ("stock", "stock"), ("unit_type", "unit_type"))
    return [{out: row[src] for src, out in keys if src in row} for row in rows]


def rate(fn: Callable[[], Any], repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - began)
    return ROWS / best


def jolt_py(spec: list[dict[str, Any]]) -> Callable[[Any], Any] | None:
    try:
        import pyjolt
    except ImportError:
        return None
    chain = pyjolt.Chainr.from_spec(spec)
    return chain.apply


def report(label: str, value: float | None, baseline: float) -> None:
    if value is None:
        print(f"{label:<34}{'not installed':>14}")
        return
    print(f"{label:<34}{value:>14,.0f} rows/s  {value / baseline:>6.2f}x engine")


def main() -> int:
    rows = stock_rows()
    engine = compile(STOCK_SPEC)
    assert engine.apply(rows) == hand_written(rows)
    ours = rate(lambda: engine.apply(rows))
    hand = rate(lambda: hand_written(rows))
    other = jolt_py(STOCK_SPEC)
    theirs = rate(lambda: other(rows), repeat=2) if other else None
    print("stock shift, 5,000 rows")
    report("  this engine", ours, ours)
    report("  jolt-py", theirs, ours)
    report("  hand-written comprehension", hand, ours)
    goal_hand = hand <= 4 * ours
    if theirs is None:
        verdict_py = "not measured (pip install -e '.[bench]')"
    else:
        verdict_py = "met" if ours >= 10 * theirs else "NOT met"
    print(f"  goal >= 10x jolt-py: {verdict_py};"
          f" within 4x of hand-written: {'met' if goal_hand else 'NOT met'}")
    modify = compile(MODIFY_SPEC)
    print(f"modify-overwrite with functions: {rate(lambda: modify.apply(rows)):,.0f} rows/s")
    orders = order_rows()
    nested = compile(ORDER_SPEC)
    print(f"order-status nested shift:       {rate(lambda: nested.apply(orders)):,.0f} rows/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
