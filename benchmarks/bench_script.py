"""Per-call cost of a trivial script through the warm pool, against in-process exec.

Order-status flows run one script per order, so this overhead is paid per row. Goal: under
2 ms per call and under 20x the in-process cost of the same script.
"""

from __future__ import annotations

import sys
import time

from console.script import ScriptPool
from console.script.execute import execute

SOURCE = "def transform(data, attributes):\n    data['seen'] = True\n    return data\n"
INPUT = '{"order": "ORD-1", "orderitem_set": [{"id": 1, "status": 500}]}'
CALLS = 2000


def per_call(fn: object, calls: int) -> float:
    began = time.perf_counter()
    for _ in range(calls):
        fn()  # type: ignore[operator]
    return (time.perf_counter() - began) / calls


def main() -> int:
    attributes = {"token.omnitron": "x", "flow.id": "order_status"}
    in_process = per_call(lambda: execute(SOURCE, INPUT, attributes), CALLS)
    with ScriptPool(size=1) as pool:
        pool.run(SOURCE, INPUT, attributes)
        pooled = per_call(lambda: pool.run(SOURCE, INPUT, attributes), CALLS)
    ratio = pooled / in_process
    print(f"{'in-process exec':<22}{in_process * 1e6:>10.1f} us/call")
    print(f"{'warm pool':<22}{pooled * 1e6:>10.1f} us/call")
    print(f"{'pool / in-process':<22}{ratio:>10.1f}x")
    print(f"goal < 2 ms and < 20x: {'met' if pooled < 0.002 and ratio < 20 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
