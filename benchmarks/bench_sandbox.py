"""Bulk upsert throughput of the sandbox Omnitron, 5,000-row batches over loopback HTTP.

Prints rows/s for the sandbox and for a baseline measured in the same run: the same rows
upserted straight into SQLite with one executemany (no HTTP, no validation). Goal: at least
50,000 rows/s through the sandbox.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from console.sandbox import start

PRODUCTS = 20_000
BATCH = 5_000
BATCHES = 8


def _rows(batch: int) -> list[dict[str, object]]:
    base = (batch * BATCH) % PRODUCTS
    batch_id = str(uuid.uuid4())
    return [{"product_sku": f"SKU-{(base + n) % PRODUCTS + 1:06d}", "stock_list": 1 + batch % 3,
             "stock": (n * 7) % 500, "unit_type": "qty", "batch_id": batch_id}
            for n in range(BATCH)]


def sandbox_rate(folder: Path) -> float:
    with start(folder, products=PRODUCTS, orders=10) as sandbox, httpx.Client(
            base_url=sandbox.omnitron_url, timeout=60) as client:
        key = client.post("/api/v1/auth/login/", json={"username": "integrator",
                                                       "password": "sandbox"}).json()["key"]
        client.headers["Authorization"] = f"Token {key}"
        batches = [_rows(b) for b in range(BATCHES)]
        began = time.perf_counter()
        for rows in batches:
            answer = client.post("/api/i1/product_stock/bulk_upsert/", json=rows).json()
            assert not answer["errors"], answer["errors"][:1]
        return BATCH * BATCHES / (time.perf_counter() - began)


def baseline_rate(folder: Path) -> float:
    conn = sqlite3.connect(folder / "baseline.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE s (sku TEXT, list INTEGER, stock INTEGER, unit TEXT,"
                 " UNIQUE (sku, list))")
    batches = [_rows(b) for b in range(BATCHES)]
    began = time.perf_counter()
    for rows in batches:
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO s VALUES (?, ?, ?, ?) ON CONFLICT (sku, list) DO UPDATE"
                         " SET stock = excluded.stock",
                         [(r["product_sku"], r["stock_list"], r["stock"], r["unit_type"])
                          for r in rows])
        conn.execute("COMMIT")
    return BATCH * BATCHES / (time.perf_counter() - began)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sandbox = sandbox_rate(folder / "sandbox")
        baseline = baseline_rate(folder)
    print(f"{'sandbox bulk_upsert':<28}{sandbox:>12,.0f} rows/s")
    print(f"{'baseline sqlite executemany':<28}{baseline:>12,.0f} rows/s")
    print(f"{'sandbox / baseline':<28}{sandbox / baseline:>12.2f}")
    goal = sandbox >= 50_000
    print(f"goal >= 50,000 rows/s: {'met' if goal else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
