"""End-to-end stock sync throughput and peak memory: the runner against the fastest loop a
person would write by hand.

One sandbox per size serves both. The runner reads the ERP with offset pagination, runs a
script and a shift mapping, and writes 5,000-row batches with a log line per row. The baseline
is a pipelined httpx loop: a reader thread fetches ERP pages ahead, the main thread maps them
with a comprehension, a writer thread posts each bulk upsert while the next page is mapped; no
logs, no store. Runs alternate (runner, loop, runner, loop...), each in its own process so its
peak RSS is its own; medians are compared. Goals: the runner at >= 0.8x the loop's rows/s at
100,000 and 1,000,000 rows, and its peak memory under 150 MB at 1,000,000.

A third run per round, the same loop reading and writing JSON with orjson, is printed for
reference only (what the JSON library alone gives a loop; the goal stays the plain loop).

``--steps`` also prints, for the runner's last round, each step's median wall and CPU time
(the CPU time of the thread that ran it) per call, over all calls and over the first and last
ten: which step bounds the pipeline, and whether a step slows down as the store grows.

    python benchmarks/bench_sync.py [--rows 100000 1000000] [--rounds N] [--steps]

Rounds: 9 below 1,000,000 rows and 2 from there, unless ``--rounds`` says. A 100,000-row run
lasts under a second, so one slow start moves a 2-round median by a tenth.
"""

from __future__ import annotations

import argparse
import json
import queue
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

JSON = {"Content-Type": "application/json"}
PAGE = 5000
GOAL_RATIO = 0.8
GOAL_MB = 150
FLOWS = """
[omnitron]
url = "{omnitron}"
username = "integrator"
password = "sandbox"

[runner]
store = "{store}"

[flows.bench]
name = "Bench"
type = "stock"
direction = "inbound"

[flows.bench.login]
type = "jwt"
url = "{erp}/auth/login"
username = "erp"
password = "sandbox"

[flows.bench.read]
url = "{erp}/stock"
records = "items"
pagination = {{ type = "offset", page_size = {page} }}

[flows.bench.script]
source = '''
def transform(data, attributes):
    return [row for row in data if row["qty"] >= 0]
'''

[flows.bench.mapping]
spec = '''[{{"operation": "shift", "spec": {{"*": {{"sku": "[&1].product_sku", "qty": "[&1].stock",
  "unit_type": "[&1].unit_type"}}}}}}]'''

[flows.bench.write]
stock_list = 1
batch_size = {page}
"""


STEPS = {
    "script": ("console.runner.pipeline", "Pipeline", "scripted"),
    "mapping": ("console.runner.pipeline", "Pipeline", "mapped"),
    "prepare": ("console.runner.writers", "BulkWriter", "prepare"),
    "claim": ("console.store.sqlite", "SQLiteStore", "claim_newest"),
    "Omnitron call": ("console.runner.writers", "BulkWriter", "_send"),
    "write step": ("console.runner.engine", "Engine", "_write"),
    "log records": ("console.store.sqlite", "SQLiteStore", "add_logs"),
}
"""Each step's function, timed per call by ``--steps``."""


def timed_steps() -> dict[str, list[tuple[float, float]]]:
    """Wrap each step's function to note its wall and thread CPU time per call."""
    import importlib

    seen: dict[str, list[tuple[float, float]]] = {}
    for label, (module, owner, name) in STEPS.items():
        cls = getattr(importlib.import_module(module), owner)
        setattr(cls, name, _timer(getattr(cls, name), seen.setdefault(label, [])))
    return seen


def _timer(wrapped: Any, calls: list[tuple[float, float]]) -> Any:
    def timed(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return wrapped(*args, **kwargs)
        finally:
            calls.append((time.perf_counter() - wall, time.thread_time() - cpu))
    return timed


def step_table(seen: dict[str, list[list[float]]]) -> list[str]:
    def ms(calls: list[list[float]], index: int) -> float:
        return statistics.median(call[index] for call in calls) * 1000

    lines = [f"  {'step (ms per call, median)':<28}{'calls':>6}{'wall':>8}{'cpu':>7}"
             f"{'first 10 wall':>15}{'cpu':>6}{'last 10 wall':>14}{'cpu':>6}"]
    for label, calls in seen.items():
        if calls:
            lines.append(f"  {label:<28}{len(calls):>6}{ms(calls, 0):>8.1f}{ms(calls, 1):>7.1f}"
                         f"{ms(calls[:10], 0):>15.1f}{ms(calls[:10], 1):>6.1f}"
                         f"{ms(calls[-10:], 0):>14.1f}{ms(calls[-10:], 1):>6.1f}")
    return lines


def runner_phase(flows: Path, steps: bool = False) -> dict[str, Any]:
    from console.flows import load
    from console.runner import Runner

    seen = timed_steps() if steps else {}
    with Runner(load(flows)) as runner:
        began = time.perf_counter()
        execution = runner.run("bench")
        elapsed = time.perf_counter() - began
    assert execution.error is None, execution.error  # "partial": the ERP has unknown SKUs
    return {"rows": execution.total, "seconds": elapsed, "steps": seen}


def baseline_phase(omnitron: str, erp: str, tag: str, fast: bool = False) -> dict[str, float]:
    """Reader thread -> mapping in the main thread -> writer thread, one page in each queue.
    ``fast``: the reference loop, reading and writing JSON with orjson."""
    began = time.perf_counter()
    pages: queue.Queue[list[dict[str, Any]] | None] = queue.Queue(maxsize=1)
    bodies: queue.Queue[list[dict[str, Any]] | None] = queue.Queue(maxsize=1)
    with httpx.Client(timeout=60) as login:
        key = login.post(f"{omnitron}/api/v1/auth/login/",
                         json={"username": "integrator", "password": "sandbox"}).json()["key"]
        token = login.post(f"{erp}/auth/login",
                           json={"username": "erp", "password": "sandbox"}).json()["token"]
    written = [0]

    def read() -> None:
        with httpx.Client(timeout=60, headers={"Authorization": f"Bearer {token}"}) as client:
            offset = 0
            while True:
                answer = client.get(f"{erp}/stock", params={"limit": PAGE, "offset": offset})
                page = orjson.loads(answer.content) if fast else answer.json()
                pages.put(page["items"])
                offset += PAGE
                if not page["next"]:
                    break
        pages.put(None)

    def write() -> None:
        with httpx.Client(timeout=60, headers={"Authorization": f"Token {key}"}) as client:
            while (body := bodies.get()) is not None:
                url = f"{omnitron}/api/i1/product_stock/bulk_upsert/"
                answer = client.post(url, content=orjson.dumps(body), headers=JSON) if fast \
                    else client.post(url, json=body)
                answer.raise_for_status()
                written[0] += len(body)

    threads = [threading.Thread(target=read), threading.Thread(target=write)]
    for thread in threads:
        thread.start()
    batch = 0
    while (items := pages.get()) is not None:
        batch_id = f"{tag}-{batch}"
        bodies.put([{"product_sku": r["sku"], "stock": r["qty"], "unit_type": r["unit_type"],
                     "stock_list": 1, "batch_id": batch_id} for r in items if r["qty"] >= 0])
        batch += 1
    bodies.put(None)
    for thread in threads:
        thread.join()
    return {"rows": written[0], "seconds": time.perf_counter() - began}


def child(args: argparse.Namespace) -> int:
    result: dict[str, Any]
    if args.phase == "runner":
        result = runner_phase(Path(args.flows), args.steps)
    else:
        result = baseline_phase(args.omnitron, args.erp, args.tag, args.phase == "reference")
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))
    return 0


def phase(*argv: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, *argv], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"benchmark phase {argv[1]} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


Results = list[dict[str, Any]]


def measure(rows: int, rounds: int, steps: bool = False) -> tuple[Results, Results, Results]:
    from console.sandbox import start

    ours: Results = []
    base: Results = []
    reference: Results = []
    with tempfile.TemporaryDirectory() as tmp, \
            start(Path(tmp) / "sandbox", products=rows, orders=10) as sandbox:
        for round_number in range(rounds):
            store = Path(tmp) / f"store-{round_number}.db"
            flows = Path(tmp) / f"flows-{round_number}.toml"
            flows.write_text(FLOWS.format(omnitron=sandbox.omnitron_url, erp=sandbox.erp_url,
                                          page=PAGE, store=store), encoding="utf-8")
            ours.append(phase("--phase", "runner", "--flows", str(flows),
                              *(["--steps"] if steps else [])))
            base.append(phase("--phase", "baseline", "--omnitron", sandbox.omnitron_url,
                              "--erp", sandbox.erp_url, "--tag", f"loop-{round_number}"))
            reference.append(phase("--phase", "reference", "--omnitron", sandbox.omnitron_url,
                                   "--erp", sandbox.erp_url, "--tag", f"orjson-{round_number}"))
            for leftover in Path(tmp).glob(f"store-{round_number}.db*"):
                leftover.unlink()
    return ours, base, reference


def report(rows: int, ours: Results, base: Results, reference: Results) -> bool:
    def rate(results: Results) -> float:
        return statistics.median(r["rows"] / r["seconds"] for r in results)

    def peak(results: Results) -> float:
        return max(r["peak_mb"] for r in results)

    print(f"--- {rows:,} ERP records, {len(ours)} rounds, medians")
    for label, results in (("runner (console run)", ours), ("pipelined hand-written loop", base),
                           ("loop with orjson (reference, not the goal)", reference)):
        print(f"{label:<44}{results[0]['rows']:>10,.0f} rows {rate(results):>10,.0f} rows/s "
              f"peak {peak(results):>5.0f} MB")
    ratio = rate(ours) / rate(base)
    met = ratio >= GOAL_RATIO and (rows < 1_000_000 or peak(ours) < GOAL_MB)
    memory = f", runner peak < {GOAL_MB} MB" if rows >= 1_000_000 else ""
    print(f"runner / loop: {ratio:.2f}x (goal >= {GOAL_RATIO}x{memory}): "
          f"{'goal met' if met else 'NOT met'}")
    if ours[-1].get("steps"):
        print(f"runner steps, last round ({len(ours[-1]['steps']['write step'])} pages):")
        print("\n".join(step_table(ours[-1]["steps"])))
    return met


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--phase", choices=["runner", "baseline", "reference"])
    parser.add_argument("--flows")
    parser.add_argument("--omnitron")
    parser.add_argument("--erp")
    parser.add_argument("--tag", default="loop")
    parser.add_argument("--steps", action="store_true",
                        help="also print the runner's per-step wall and CPU times")
    args = parser.parse_args()
    if args.phase:
        return child(args)
    for rows in args.rows:
        rounds = args.rounds or (9 if rows < 1_000_000 else 2)
        report(rows, *measure(rows, rounds, args.steps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
