"""1,000,000 outbound stock rows posted to ``console serve`` as 20 payloads of 50,000.

The runner stores each payload, answers 202, and processes it in ``batch_size`` slices
(5,000 rows: one bulk upsert each, a log line per row). The baseline is the fastest plain
code a person would write for the same job: the same rows posted straight to Omnitron's bulk
upsert, 5,000 at a time, from one loop (no store, no logs, no durability). Runs alternate
(runner, loop, ...); medians are compared. Printed: rows/s of both, the ``serve`` process's
peak RSS, and what the store keeps: bytes per row after processing, and how many payload
bodies are still stored (once every row has its log line, with the row as written, the
payload would only keep each row a second time). Goals: serve under 150 MB peak, and no
processed payload left in the store.

    python benchmarks/bench_outbound.py [--payloads 20] [--rows-per-payload 50000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

GOAL_MB = 150
TOKEN = "bench-token"
BATCH = 5000
FLOWS = """
[omnitron]
url = "{omnitron}"
username = "integrator"
password = "sandbox"

[runner]
listen = "127.0.0.1:{port}"
store = "{store}"
max_active_executions = 5
outbound_token = "{token}"

[flows.push]
name = "Push"
type = "stock"
direction = "outbound"

[flows.push.write]
stock_list = 1
batch_size = {batch}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def payload(number: int, rows: int, products: int) -> bytes:
    return json.dumps([{"product_sku": f"SKU-{(number * rows + n) % products + 1:06d}",
                        "stock": (number + n) % 700, "unit_type": "qty"}
                       for n in range(rows)]).encode()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def store_bytes(path: Path) -> int:
    """The store's size with its write-ahead log folded in, as it would be at rest."""
    if not path.exists():
        return 0
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def payloads_kept(path: Path) -> int:
    conn = sqlite3.connect(path)
    kept = conn.execute("SELECT COUNT(*) FROM payload").fetchone()[0]
    conn.close()
    return int(kept)


def runner_round(folder: Path, omnitron: str, bodies: list[bytes]) -> dict[str, float]:
    port = free_port()
    store = folder / "store.db"
    flows = folder / "flows.toml"
    flows.write_text(FLOWS.format(omnitron=omnitron, port=port, store=store, token=TOKEN,
                                  batch=BATCH), encoding="utf-8")
    serve = subprocess.Popen([sys.executable, "-m", "console.cli", "--flows", str(flows),
                              "serve"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert serve.stdout is not None
        serve.stdout.readline()  # "runner serving on ..."
        before = store_bytes(store)
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120,
                              headers={"Authorization": f"Bearer {TOKEN}",
                                       "Content-Type": "application/json"})
        began = time.perf_counter()
        ids = []
        for body in bodies:
            while True:
                answer = client.post("/flows/push/outbound", content=body)
                if answer.status_code != 429:
                    break
                time.sleep(0.05)  # five payloads already processing: the client waits
            assert answer.status_code == 202, answer.text
            ids.append(answer.json()["execution_id"])
        from console.store.sqlite import ExecutionStore

        reader = ExecutionStore(store)
        while True:
            states = [reader.execution(i) for i in ids]
            if all(s is not None and s.status != "processing" for s in states):
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - began
        assert all(s is not None and s.error is None for s in states), \
            [s.error for s in states if s is not None]
        rows = sum(s.total for s in states if s is not None)
        peak = peak_rss_mb(serve.pid)
        client.close()
    finally:
        serve.terminate()
        serve.wait(timeout=60)
    grown = store_bytes(store) - before
    kept = payloads_kept(store)
    for leftover in folder.glob("store.db*"):
        leftover.unlink()
    return {"rows": rows, "seconds": seconds, "peak_mb": peak, "row_bytes": grown / rows,
            "payload_bytes": sum(len(b) for b in bodies) / rows, "kept": kept}


def loop_round(omnitron: str, bodies: list[bytes]) -> dict[str, float]:
    with httpx.Client(base_url=omnitron, timeout=120) as client:
        key = client.post("/api/v1/auth/login/", json={"username": "integrator",
                                                       "password": "sandbox"}).json()["key"]
        client.headers["Authorization"] = f"Token {key}"
        began = time.perf_counter()
        rows = 0
        for number, body in enumerate(bodies):
            batch = json.loads(body)
            for start in range(0, len(batch), BATCH):
                part = [{**r, "stock_list": 1, "batch_id": f"loop-{time.time_ns()}-{number}"}
                        for r in batch[start:start + BATCH]]
                client.post("/api/i1/product_stock/bulk_upsert/", json=part).raise_for_status()
                rows += len(part)
        return {"rows": rows, "seconds": time.perf_counter() - began}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--payloads", type=int, default=20)
    parser.add_argument("--rows-per-payload", type=int, default=50_000)
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    from console.sandbox import start

    bodies = [payload(n, args.rows_per_payload, args.products) for n in range(args.payloads)]
    ours, base = [], []
    with tempfile.TemporaryDirectory() as tmp, \
            start(Path(tmp) / "sandbox", products=args.products, orders=10) as sandbox:
        for _ in range(args.rounds):
            ours.append(runner_round(Path(tmp), sandbox.omnitron_url, bodies))
            base.append(loop_round(sandbox.omnitron_url, bodies))
    total = args.payloads * args.rows_per_payload
    ours_rate = statistics.median(r["rows"] / r["seconds"] for r in ours)
    base_rate = statistics.median(r["rows"] / r["seconds"] for r in base)
    peak = max(r["peak_mb"] for r in ours)
    row_bytes = statistics.median(r["row_bytes"] for r in ours)
    kept = max(r["kept"] for r in ours)
    print(f"--- {total:,} rows as {args.payloads} payloads of {args.rows_per_payload:,}, "
          f"{args.rounds} rounds, medians")
    print(f"{'console serve (202, then slices)':<36}{ours_rate:>10,.0f} rows/s "
          f"peak {peak:>5.0f} MB")
    print(f"{'plain loop straight to Omnitron':<36}{base_rate:>10,.0f} rows/s")
    print(f"serve / loop: {ours_rate / base_rate:.2f}x")
    print(f"store grew {row_bytes:.0f} bytes per row (its log line and indexes; the row as "
          f"posted is {ours[0]['payload_bytes']:.0f} bytes)")
    print(f"serve peak < {GOAL_MB} MB: {'goal met' if peak < GOAL_MB else 'NOT met'} "
          f"({peak:.0f} MB)")
    print(f"processed payloads left in the store: {kept} "
          f"({'goal met' if kept == 0 else 'NOT met'}: each row kept once)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
