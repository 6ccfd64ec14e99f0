"""Row log inserts through the store against the plainest fast insert of the same rows.

The store's ``add_logs`` numbers each row (``seq`` and its number within its level), encodes
its payload and inserts a batch in one transaction: ``COPY`` on PostgreSQL, ``executemany`` on
SQLite. The baseline is what a person would write for the same rows into the same table and
indexes: rows already numbered and encoded, one ``COPY`` (or ``executemany``) per batch. Store
and baseline alternate (A B A B) on fresh executions; medians of rows per second are printed.

    python benchmarks/bench_store_insert.py [--rows 200000] [--batch 5000] [--rounds 3]
                                            [--store postgresql://...]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from console.store import Store, open_store
from console.store.records import stamp

COLUMNS = "execution_id, seq, level, key, message, payload, created_at, level_seq"


def entries(count: int) -> list[tuple[str, str | None, str, Any]]:
    return [("error" if n % 97 == 0 else "info", f"SKU-{n:07d}",
             f"stock {n % 500} written to stock list 1",
             {"product_sku": f"SKU-{n:07d}", "stock": n % 500, "stock_list": 1})
            for n in range(count)]


def through_store(store: Store, rows: list[Any], batch: int) -> None:
    execution_id = store.create("stock", "manual", {}, "bench").id
    for start in range(0, len(rows), batch):
        store.add_logs(execution_id, rows[start:start + batch])


def plain(location: str, conn: Any, rows: list[Any], batch: int) -> None:
    execution_id = uuid.uuid4().hex[:12]
    created = stamp()
    counts: dict[str, int] = {}
    numbered = []
    for seq, (level, key, message, payload) in enumerate(rows, 1):
        counts[level] = counts.get(level, 0) + 1
        numbered.append((execution_id, seq, level, key, message,
                         json.dumps(payload, separators=(",", ":")), created, counts[level]))
    for start in range(0, len(numbered), batch):
        chunk = numbered[start:start + batch]
        if "://" in location:
            with conn.transaction(), conn.cursor().copy(
                    f"COPY row_log ({COLUMNS}) FROM STDIN") as copy:
                for row in chunk:
                    copy.write_row(row)
        else:
            conn.execute("BEGIN")
            conn.executemany(f"INSERT INTO row_log ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             chunk)
            conn.execute("COMMIT")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--store", help="a postgresql:// string (default: a SQLite file)")
    args = parser.parse_args()
    rows = entries(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        location = args.store or str(Path(tmp) / "store.db")
        store = open_store(location)
        if "://" in location:
            import psycopg

            conn: Any = psycopg.connect(location, autocommit=True)
        else:
            import sqlite3

            conn = sqlite3.connect(location, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        mine: list[float] = []
        base: list[float] = []
        for _ in range(args.rounds):
            began = time.perf_counter()
            through_store(store, rows, args.batch)
            mine.append(args.rows / (time.perf_counter() - began))
            began = time.perf_counter()
            plain(location, conn, rows, args.batch)
            base.append(args.rows / (time.perf_counter() - began))
        store.close()
        conn.close()
    kind = "PostgreSQL" if "://" in location else "SQLite"
    floor, got = statistics.median(base), statistics.median(mine)
    print(f"{kind}: plain batched insert {floor:>10,.0f} rows/s")
    print(f"{kind}: store add_logs       {got:>10,.0f} rows/s   {floor / got:.2f}x the plain"
          " insert's time per row")
    return 0


if __name__ == "__main__":
    sys.exit(main())
