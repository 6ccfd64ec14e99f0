"""Start the sandbox in a child process for tests and benchmarks, and inspect its state."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from console.sandbox import erp, omnitron


@dataclass
class Sandbox:
    """A running sandbox: its URLs, credentials and the admin calls tests use."""

    omnitron_url: str
    erp_url: str
    process: subprocess.Popen[str] | None = None
    omnitron_username: str = omnitron.USERNAME
    omnitron_password: str = omnitron.PASSWORD
    erp_username: str = erp.USERNAME
    erp_password: str = erp.PASSWORD
    _http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30.0))

    def _get(self, url: str, **params: Any) -> Any:
        response = self._http.get(url, params=params)
        return response.json() if response.status_code == 200 else None

    def _post(self, url: str, body: dict[str, Any]) -> Any:
        response = self._http.post(url, json=body)
        response.raise_for_status()
        return response.json()

    def stock(self, sku: str, stock_list: int = 1) -> dict[str, Any] | None:
        return self._get(f"{self.omnitron_url}/_sandbox/stock", sku=sku, stock_list=stock_list)

    def stocks(self, stock_list: int = 1) -> dict[str, int]:
        return self._get(f"{self.omnitron_url}/_sandbox/stocks", stock_list=stock_list)

    def order_item(self, item_id: int) -> dict[str, Any] | None:
        return self._get(f"{self.omnitron_url}/_sandbox/order_item/{item_id}")

    def set_faults(self, server: str, **faults: float) -> None:
        url = self.omnitron_url if server == "omnitron" else self.erp_url
        self._post(f"{url}/_sandbox/faults", faults)

    def clear_faults(self) -> None:
        for server in ("omnitron", "erp"):
            self.set_faults(server)

    def set_erp_stock(self, sku: str, qty: int, stock_list: int = 1) -> None:
        self._post(f"{self.erp_url}/_sandbox/erp_stock",
                   {"sku": sku, "qty": qty, "stock_list": stock_list})

    def set_erp_auth(self, required: bool) -> None:
        self._post(f"{self.erp_url}/_sandbox/auth", {"required": required})

    def erp_oauth(self, **control: Any) -> dict[str, Any]:
        """The ERP's OAuth2 endpoint: tokens issued so far; ``lifetime_s=`` and ``revoke=True``
        change it."""
        result: dict[str, Any] = self._post(f"{self.erp_url}/_sandbox/oauth", control)
        return result

    def erp_tokens(self, *, expire: bool = False) -> dict[str, Any]:
        """The ERP's JWT logins so far; ``expire=True`` makes it forget every token first."""
        result: dict[str, Any] = self._post(f"{self.erp_url}/_sandbox/tokens", {"expire": expire})
        return result

    def prices(self, price_list: int = 1) -> dict[str, dict[str, Any]]:
        """Omnitron's product prices of one price list, by SKU."""
        found: dict[str, dict[str, Any]] = self._get(f"{self.omnitron_url}/_sandbox/prices",
                                                     price_list=price_list)
        return found

    def erp_prices(self, **filters: Any) -> list[dict[str, Any]]:
        """The ERP's price rows (every page)."""
        rows: list[dict[str, Any]] = []
        url: str | None = f"{self.erp_url}/prices"
        params: dict[str, Any] = {"limit": 10_000, **filters}
        while url:
            body = self._http.get(url, params=params,
                                  headers={"X-Api-Key": erp.API_KEY}).json()
            rows += body["items"]
            url, params = body["next"], {}
        return rows

    def set_erp_price(self, sku: str, price: float, price_list: int = 1) -> None:
        self._post(f"{self.erp_url}/_sandbox/erp_price",
                   {"sku": sku, "price": price, "price_list": price_list})

    def expire_omnitron_tokens(self) -> None:
        self._post(f"{self.omnitron_url}/_sandbox/expire_tokens", {})

    def set_oms(self, *, failing: list[str] | None = None, task_seconds: float = 2.0) -> None:
        self._post(f"{self.omnitron_url}/_sandbox/oms",
                   {"steps": failing or [], "task_seconds": task_seconds})

    def batches(self) -> dict[str, dict[str, int]]:
        """Stock batch ids Omnitron saw: ``{"received": n, "applied": m}`` each."""
        found: dict[str, dict[str, int]] = self._get(f"{self.omnitron_url}/_sandbox/batches")
        return found

    def orders_sent(self, **control: Any) -> dict[str, bool]:
        """Omnitron's orders as ``{number: is_send}``; ``patch_fails=True`` makes marking an
        order sent answer 500, ``reset=True`` puts every order back as seeded."""
        url = f"{self.omnitron_url}/_sandbox/orders"
        found: dict[str, bool] = self._post(url, control) if control else self._get(url)
        return found

    def erp_sales_orders(self, **control: Any) -> dict[str, int]:
        """How many orders the ERP holds per number; ``failing=[numbers]`` makes writes of
        those numbers answer 500."""
        url = f"{self.erp_url}/_sandbox/sales_orders"
        found: dict[str, int] = self._post(url, control) if control else self._get(url)
        return found

    def dump(self) -> dict[str, Any]:
        return {"omnitron": self._get(f"{self.omnitron_url}/_sandbox/dump"),
                "erp": self._get(f"{self.erp_url}/_sandbox/dump")}

    def close(self) -> None:
        self._http.close()


@contextmanager
def start(data_dir: Path, *, seed: int = 1, products: int = 3000, orders: int = 300
          ) -> Iterator[Sandbox]:
    """Run both servers on free loopback ports in a child process; stop them on exit."""
    command = [sys.executable, "-m", "console.sandbox", "--omnitron-port", "0", "--erp-port", "0",
               "--data", str(data_dir), "--seed", str(seed), "--products", str(products),
               "--orders", str(orders), "--die-with-parent"]
    env = {k: v for k, v in os.environ.items() if not k.endswith(("PASSWORD", "TOKEN"))}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        error = process.stderr.read() if process.stderr else ""
        process.wait()
        raise RuntimeError(f"the sandbox did not start: {error.strip()[-500:]}")
    urls = json.loads(line)
    sandbox = Sandbox(urls["omnitron"], urls["erp"], process)
    try:
        yield sandbox
    finally:
        sandbox.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
