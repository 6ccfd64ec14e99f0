"""What the sandbox ERP holds, read over HTTP, to compute what a sync should have written."""

from __future__ import annotations

import httpx

from console.sandbox import Sandbox


def erp_stock(sandbox: Sandbox, stock_list: int) -> dict[str, int]:
    token = httpx.post(f"{sandbox.erp_url}/auth/login",
                       json={"username": "erp", "password": "sandbox"}).json()["token"]
    rows, url = [], f"{sandbox.erp_url}/stock?stock_list={stock_list}&limit=1000"
    while url:
        page = httpx.get(url, headers={"Authorization": f"Bearer {token}"}).json()
        rows += page["items"]
        url = page["next"]
    return {r["sku"]: r["qty"] for r in rows}


def expected_written(sandbox: Sandbox, stock_list: int) -> dict[str, int]:
    """ERP rows a stock sync can write: a product Omnitron knows and a quantity of 0 or more."""
    known = {f"SKU-{n:06d}" for n in range(1, 3001)}
    return {sku: qty for sku, qty in erp_stock(sandbox, stock_list).items()
            if qty >= 0 and sku in known}
