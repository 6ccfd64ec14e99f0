"""SQLite state of the sandbox servers; seeded once, kept across restarts of the same folder."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from console.sandbox.data import STOCK_LISTS, generate

_OMNITRON_SCHEMA = """
CREATE TABLE IF NOT EXISTS product (sku TEXT PRIMARY KEY, name TEXT NOT NULL,
    productized_date TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS stock_list (id INTEGER PRIMARY KEY, name TEXT NOT NULL, code TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS product_stock (id INTEGER PRIMARY KEY, product_sku TEXT NOT NULL,
    stock_list INTEGER NOT NULL, stock INTEGER NOT NULL, unit_type TEXT NOT NULL,
    sold_quantity_unreported INTEGER NOT NULL DEFAULT 0, extra_field TEXT NOT NULL DEFAULT '{}',
    UNIQUE (product_sku, stock_list));
CREATE TABLE IF NOT EXISTS order_item (id INTEGER PRIMARY KEY, order_number TEXT NOT NULL,
    product_sku TEXT NOT NULL, status INTEGER NOT NULL, fields TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS batch (batch_id TEXT PRIMARY KEY, answer TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS oms_record (kind TEXT NOT NULL, body TEXT NOT NULL);
"""

_ERP_SCHEMA = """
CREATE TABLE IF NOT EXISTS stock (id INTEGER PRIMARY KEY, sku TEXT NOT NULL, stock_list INTEGER NOT NULL,
    qty INTEGER NOT NULL, unit_type TEXT NOT NULL, modified_date TEXT NOT NULL,
    UNIQUE (sku, stock_list));
CREATE INDEX IF NOT EXISTS stock_modified ON stock (modified_date);
CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, number TEXT UNIQUE NOT NULL,
    modified_date TEXT NOT NULL, items TEXT NOT NULL);
"""


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.row_factory = sqlite3.Row
    return conn


def made_on_first_use(state: Any, name: str, conn: sqlite3.Connection, schema: str,
                      seed: tuple[str, Callable[[sqlite3.Connection], None]] | None = None
                      ) -> bool:
    """Make a route's tables in ``conn`` when it is first asked, not at every start: ``schema``,
    then ``seed`` (a table and what fills it) when that table is empty. A flag on the app's
    ``state`` (``<name>_ready``) remembers it is done; True on the call that made it."""
    flag = f"{name}_ready"
    if getattr(state, flag, False):
        return False
    conn.executescript(schema)
    if seed is not None:
        table, fill = seed
        if conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0:
            fill(conn)
    setattr(state, flag, True)
    return True


def open_state(folder: Path, seed: int, products: int, orders: int
               ) -> tuple[sqlite3.Connection, sqlite3.Connection]:
    """Open (and on first use, seed) ``omnitron.db`` and ``erp.db`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    omnitron = connect(folder / "omnitron.db")
    erp = connect(folder / "erp.db")
    omnitron.executescript(_OMNITRON_SCHEMA)
    erp.executescript(_ERP_SCHEMA)
    if omnitron.execute("SELECT COUNT(*) FROM stock_list").fetchone()[0] == 0:
        _seed(omnitron, erp, seed, products, orders)
    return omnitron, erp


def _seed(omnitron: sqlite3.Connection, erp: sqlite3.Connection, seed: int, products: int,
          orders: int) -> None:
    data = generate(seed, products, orders)
    with omnitron:
        omnitron.execute("BEGIN")
        omnitron.executemany("INSERT INTO stock_list VALUES (?, ?, ?)", STOCK_LISTS)
        omnitron.executemany("INSERT INTO product VALUES (?, ?, ?)", data.products)
        omnitron.executemany(
            "INSERT INTO product_stock (product_sku, stock_list, stock, unit_type,"
            " sold_quantity_unreported) VALUES (?, ?, ?, ?, ?)", data.omnitron_stock)
        omnitron.executemany("INSERT INTO order_item (id, order_number, product_sku, status)"
                             " VALUES (?, ?, ?, ?)", data.order_items)
    with erp:
        erp.execute("BEGIN")
        erp.executemany("INSERT INTO stock (sku, stock_list, qty, unit_type, modified_date)"
                        " VALUES (?, ?, ?, ?, ?)", data.erp_stock)
        erp.executemany("INSERT INTO orders (number, modified_date, items) VALUES (?, ?, ?)",
                        [(n, m, json.dumps(items)) for n, m, items in data.erp_orders])
