"""The execution log view's keys on an execution with 1,000,000 row logs.

Each key is timed as the view does it: the store reads that the view makes to repaint (a
count on reload, the page under the cursor), from a fresh reader like the view's worker.
The baseline is the plainest fast code a person would write against the same SQLite file
with the same indexes: one LIMIT query of the rows on screen by the row's primary key range
(``id BETWEEN``), which is as cheap as a read of 200 rows can be. Keys and baseline alternate
(A B A B); medians are printed. Goal: every key under 50 ms, and peak memory flat.

    python benchmarks/bench_logview.py [--rows 1000000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from console.store.sqlite import ExecutionStore

PAGE = 200
GOAL_MS = 50.0


def fill(store: ExecutionStore, rows: int) -> str:
    execution_id = store.create("stock", "manual", {}, "bench").id
    for first in range(1, rows + 1, 5000):
        store.add_logs(execution_id, [
            ("error", f"SKU-{n:07d}", "product_sku: Product not found.",
             {"product_sku": f"SKU-{n:07d}", "stock": n % 500, "stock_list": 1})
            if n % 97 == 0 else
            ("info", f"SKU-{n:07d}", f"stock {n % 500} written to stock list 1",
             {"product_sku": f"SKU-{n:07d}", "stock": n % 500, "stock_list": 1})
            for n in range(first, min(rows, first + 4999) + 1)])
    return execution_id


def keys(view: ExecutionStore, execution_id: str, rows: int, turn: int
         ) -> dict[str, Callable[[], object]]:
    """What the view reads for each key (a reload counts, then reads the page in view).
    Searches use a new term each turn: the store keeps a search's results, so a repeated
    term would time the kept list instead of the search."""
    errors = rows // 97
    sku = f"SKU-{rows // 2 + turn * 97 + 1:07d}"
    words = ["not found", "Product not", "sku: Prod", "ot foun", "duct_sk"][turn % 5]
    return {
        "open (count + first page)": lambda: (view.count_logs(execution_id),
                                              view.logs(execution_id, offset=0, limit=PAGE)),
        "page down (next page)": lambda: view.logs(execution_id, offset=PAGE * 3, limit=PAGE),
        "end (last page)": lambda: view.logs(execution_id, offset=rows - PAGE, limit=PAGE),
        "errors only (count + page)": lambda: (
            view.count_logs(execution_id, level="error"),
            view.logs(execution_id, offset=0, limit=PAGE, level="error")),
        "errors only, end": lambda: view.logs(execution_id, offset=errors - PAGE, limit=PAGE,
                                              level="error"),
        "search a SKU (count + page)": lambda: (
            view.count_logs(execution_id, search=sku),
            view.logs(execution_id, offset=0, limit=PAGE, search=sku)),
        "search a SKU prefix (count + page)": lambda: (
            view.count_logs(execution_id, search=sku[:-2]),
            view.logs(execution_id, offset=0, limit=PAGE, search=sku[:-2])),
        "search errors' text (count + page)": lambda: (
            view.count_logs(execution_id, search=words),
            view.logs(execution_id, offset=0, limit=PAGE, search=words)),
        "search results, page down": lambda: view.logs(execution_id, offset=PAGE * 5,
                                                       limit=PAGE, search=words),
    }


def baseline(path: Path) -> Callable[[], object]:
    conn = sqlite3.connect(path)
    last = conn.execute("SELECT MAX(id) FROM row_log").fetchone()[0]
    return lambda: conn.execute("SELECT * FROM row_log WHERE id BETWEEN ? AND ?",
                                (last - PAGE + 1, last)).fetchall()


def timed(work: Callable[[], object]) -> float:
    began = time.perf_counter()
    work()
    return (time.perf_counter() - began) * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store.db"
        began = time.perf_counter()
        execution_id = fill(ExecutionStore(path), args.rows)
        print(f"{args.rows:,} row logs stored in {time.perf_counter() - began:.1f} s")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        plain = baseline(path)
        view = ExecutionStore(path)  # one reader for the screen, as the view keeps one
        times: dict[str, list[float]] = {}
        base: list[float] = []
        for turn in range(args.rounds):
            for name, action in keys(view, execution_id, args.rows, turn).items():
                times.setdefault(name, [])
                times[name].append(timed(action))
                base.append(timed(plain))
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    floor = statistics.median(base)
    print(f"{'plain read of 200 rows by id':<34}{floor:>8.2f} ms")
    worst = 0.0
    for name, samples in times.items():
        median = statistics.median(samples)
        worst = max(worst, median)
        print(f"{name:<34}{median:>8.2f} ms   {median / floor:>6.1f}x the plain read")
    print(f"peak memory while reading: {after:.0f} MB (grew {after - before:.0f} MB)")
    print(f"slowest key {worst:.1f} ms (goal < {GOAL_MS:.0f} ms): "
          f"{'goal met' if worst < GOAL_MS else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
