"""The sandbox must never be a benchmark's bottleneck: ERP paging and Omnitron bulk upserts,
each alone, over loopback HTTP at 1,000,000 rows.

Each is compared, interleaved (A B A B), with the same work done straight on SQLite by the
plainest fast code (keyset SELECTs; one executemany upsert per batch): the ratio says what the
HTTP server costs on top. Goal: each of ERP paging and bulk upsert at >= 150,000 rows/s.

What is timed is the sandbox's work: the upsert bodies are built and JSON-encoded before the
clock starts (a load generator's work, as the rows of the SQLite baseline are built before its
clock), and each round sends batch ids never sent before, so no batch is answered from the
sandbox's memory of earlier ones. The ERP pages are read and parsed as a flow reads them.

On Linux each server's own CPU time is read from /proc around its work, and printed as rows
per CPU-second: on a loaded machine the wall-clock rates fall with the share of a core the
server gets, its CPU cost per row does not. The goal is judged on the wall-clock rates.

    python benchmarks/bench_sandbox.py [--rows 1000000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from console.sandbox import Sandbox, start

PAGE = 5_000
GOAL = 150_000


def erp_paging(client: httpx.Client, token: str) -> int:
    """Every stock record, page by page, as a flow with offset pagination reads them."""
    read, offset = 0, 0
    while True:
        body = client.get("/stock", params={"limit": PAGE, "offset": offset},
                          headers={"Authorization": f"Bearer {token}"}).json()
        read += len(body["items"])
        offset += PAGE
        if not body["next"]:
            return read


def sqlite_paging(path: Path) -> int:
    conn = sqlite3.connect(path)
    read, last = 0, 0
    while True:
        rows = conn.execute("SELECT id, sku, qty, stock_list, unit_type, modified_date FROM stock"
                            " WHERE id > ? ORDER BY id LIMIT ?", (last, PAGE)).fetchall()
        if not rows:
            conn.close()
            return read
        read += len(rows)
        last = rows[-1][0]


def batches(rows: int) -> list[list[dict[str, object]]]:
    """Stock rows as a runner sends them, a fresh batch id per batch."""
    out = []
    for start_at in range(0, rows, PAGE):
        batch_id = str(uuid.uuid4())
        out.append([{"product_sku": f"SKU-{n + 1:06d}", "stock_list": 1 + n % 3,
                     "stock": (n * 7) % 500, "unit_type": "qty", "batch_id": batch_id}
                    for n in range(start_at, min(rows, start_at + PAGE))])
    return out


def bodies(rows: int) -> list[tuple[int, bytes]]:
    """Each batch's size and its request body, encoded as an HTTP client encodes it."""
    return [(len(batch), json.dumps(batch, separators=(",", ":")).encode())
            for batch in batches(rows)]


def omnitron_upserts(client: httpx.Client, key: str, sent: list[tuple[int, bytes]]) -> int:
    written = 0
    headers = {"Authorization": f"Token {key}", "Content-Type": "application/json"}
    for size, body in sent:
        answer = client.post("/api/i1/product_stock/bulk_upsert/", content=body,
                             headers=headers).json()
        assert not answer["errors"], answer["errors"][:1]
        assert answer["created"] + answer["updated"] == size, answer
        written += size
    return written


def upsert_rows(rows: int) -> list[list[tuple[object, ...]]]:
    return [[(r["product_sku"], r["stock_list"], r["stock"], r["unit_type"]) for r in batch]
            for batch in batches(rows)]


def sqlite_upserts(path: Path, prepared: list[list[tuple[object, ...]]]) -> int:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE IF NOT EXISTS s (sku TEXT, list INTEGER, stock INTEGER,"
                 " unit TEXT, UNIQUE (sku, list))")
    written = 0
    for batch in prepared:
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO s VALUES (?, ?, ?, ?) ON CONFLICT (sku, list) DO UPDATE"
                         " SET stock = excluded.stock", batch)
        conn.execute("COMMIT")
        written += len(batch)
    conn.close()
    return written


def rate(work: object) -> float:
    began = time.perf_counter()
    rows = work()  # type: ignore[operator]
    return rows / (time.perf_counter() - began)


def cpu_seconds(pid: int) -> float | None:
    """A process's user and system CPU time so far, or None off Linux."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pids(sandbox: Sandbox) -> dict[str, int | None]:
    """The Omnitron process (the one started) and the ERP (the child it forks)."""
    assert sandbox.process is not None
    pid = sandbox.process.pid
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return {"omnitron": pid, "erp": int(children[0]) if len(children) == 1 else None}


def cpu_rate(work: object, pid: int | None, cpu: list[float]) -> float:
    """``rate(work)``, adding the rows per CPU-second of process ``pid`` to ``cpu``."""
    before = cpu_seconds(pid) if pid else None
    began = time.perf_counter()
    rows = work()  # type: ignore[operator]
    wall = time.perf_counter() - began
    after = cpu_seconds(pid) if pid else None
    if before is not None and after is not None and after > before:
        cpu.append(rows / (after - before))
    return rows / wall


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    results: dict[str, list[float]] = {k: [] for k in ("erp", "erp_sql", "up", "up_sql")}
    cpu: dict[str, list[float]] = {"erp": [], "up": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        began = time.perf_counter()
        with start(folder / "sandbox", products=args.rows, orders=10) as sandbox:
            print(f"sandbox seeded with {args.rows:,} products in "
                  f"{time.perf_counter() - began:.0f} s")
            erp = httpx.Client(base_url=sandbox.erp_url, timeout=120)
            omnitron = httpx.Client(base_url=sandbox.omnitron_url, timeout=120)
            token = erp.post("/auth/login", json={"username": "erp", "password": "sandbox"}
                             ).json()["token"]
            key = omnitron.post("/api/v1/auth/login/", json={"username": "integrator",
                                                             "password": "sandbox"}).json()["key"]
            pids = server_pids(sandbox)
            for round_number in range(args.rounds):
                results["erp"].append(cpu_rate(lambda: erp_paging(erp, token), pids["erp"],
                                               cpu["erp"]))
                results["erp_sql"].append(rate(lambda: sqlite_paging(folder / "sandbox" /
                                                                     "erp.db")))
                sent = bodies(args.rows)
                results["up"].append(cpu_rate(lambda: omnitron_upserts(omnitron, key, sent),  # noqa: B023
                                              pids["omnitron"], cpu["up"]))
                baseline = folder / f"baseline-{round_number}.db"
                prepared = upsert_rows(args.rows)
                results["up_sql"].append(rate(lambda: sqlite_upserts(baseline, prepared)))  # noqa: B023
            erp.close()
            omnitron.close()
    medians = {k: statistics.median(v) for k, v in results.items()}
    print(f"{'ERP paging (HTTP)':<34}{medians['erp']:>12,.0f} rows/s")
    print(f"{'  plain keyset SELECT':<34}{medians['erp_sql']:>12,.0f} rows/s"
          f"   ratio {medians['erp'] / medians['erp_sql']:.2f}")
    print(f"{'Omnitron bulk upsert (HTTP)':<34}{medians['up']:>12,.0f} rows/s")
    print(f"{'  plain executemany upsert':<34}{medians['up_sql']:>12,.0f} rows/s"
          f"   ratio {medians['up'] / medians['up_sql']:.2f}")
    for label, key in (("ERP paging", "erp"), ("bulk upsert", "up")):
        if cpu[key]:
            print(f"{label} server CPU: {statistics.median(cpu[key]):,.0f} rows per CPU-second"
                  " of its process")
    for label, key in (("ERP paging", "erp"), ("bulk upsert", "up")):
        met = medians[key] >= GOAL
        print(f"{label} >= {GOAL:,} rows/s: {'goal met' if met else 'NOT met'} "
              f"({medians[key] / GOAL:.2f}x the goal)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
