"""A 5,000-row stock page through the script pool, against the same ``transform`` called
in-process on data that is already parsed (no JSON on either side), interleaved in one run.

The pool hands native ``transform(data, attributes)`` scripts their page in binary form, in
chunks of rows (marshal there, pickle back, so one side encodes a chunk while the other decodes
the last), and the worker checks the output is JSON data chunk by chunk. Goal: the pooled page
within 1.3x of the in-process call. Also printed: what encoding and decoding the page and its
output alone cost in one process (a floor for any design that keeps Python data on both sides
of a process boundary), the machine's load (numbers under load are noisy), and the per-call
cost of a one-order script, which order-status flows pay per row.
"""

from __future__ import annotations

import marshal
import os
import pickle
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from console.script import ScriptPool

SOURCE = '''
def transform(data, attributes):
    return [{"product_sku": row["sku"], "stock": row["qty"], "unit_type": "qty"}
            for row in data if row["qty"] >= 0]
'''
ORDER_SOURCE = "def transform(data, attributes):\n    data['seen'] = True\n    return data\n"
ROWS = 5000
ROUNDS = 40
GOAL = 1.3


def page() -> list[dict[str, Any]]:
    return [{"id": n, "sku": f"SKU-{n:06d}", "qty": n % 90 - 3, "stock_list": 1,
             "warehouse": "W1", "modified_date": "2026-01-01T10:00:00"} for n in range(ROWS)]


def timed(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def main() -> int:
    data = page()
    attributes = {"token.omnitron": "x", "flow.id": "stock"}
    namespace: dict[str, Any] = {}
    exec(SOURCE, namespace)  # noqa: S102 - the same script, in-process
    transform = namespace["transform"]
    in_process: list[float] = []
    pooled: list[float] = []
    floor: list[float] = []
    output = transform(data, dict(attributes))
    with ScriptPool(workers=1) as pool:
        first = pool.run("stock", SOURCE, data, attributes)
        assert first.ok and first.result_json == transform(data, dict(attributes)), first.error
        for _ in range(ROUNDS):
            in_process.append(timed(lambda: transform(data, dict(attributes))))
            pooled.append(timed(lambda: pool.run("stock", SOURCE, data, attributes).result_json))
            floor.append(timed(lambda: (marshal.loads(marshal.dumps(data)),
                                        pickle.loads(pickle.dumps(output, protocol=5)))))
        order = {"order": "ORD-1", "orderitem_set": [{"id": 1, "status": 500}]}
        calls = 500
        per_call = timed(lambda: [pool.run("order", ORDER_SOURCE, order, attributes)
                                  for _ in range(calls)]) / calls
    base = statistics.median(in_process)
    through = statistics.median(pooled)
    ratio = through / base
    print(f"{'in-process transform':<28}{base * 1e3:>9.2f} ms/page ({ROWS:,} rows, parsed)")
    print(f"{'through the pool':<28}{through * 1e3:>9.2f} ms/page")
    print(f"{'pool / in-process':<28}{ratio:>9.2f}x  goal <= {GOAL}x: "
          f"{'goal met' if ratio <= GOAL else 'NOT met'}")
    print(f"{'encode+decode, no process':<28}{statistics.median(floor) * 1e3:>9.2f} ms/page "
          f"({statistics.median(floor) / base:.1f}x the transform itself)")
    print(f"{'one-order script per call':<28}{per_call * 1e6:>9.0f} us")
    print(f"{'load average (1 min)':<28}{os.getloadavg()[0]:>9.2f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
