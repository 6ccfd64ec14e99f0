"""A synchronous Omnitron API client: login, token renewal, retries and typed errors.

One implementation of each call, used by the runner's writers, the stock browser, the OMS
setup console and the CLI.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from console.flows import OmnitronSettings
from console.omnitron.errors import (
    OmnitronAuthError,
    OmnitronError,
    OmnitronUnavailable,
    OmnitronValidationError,
    describe_body,
)
from console.omnitron.retry import RETRY_STATUSES, RetryableStatus, RetryPolicy, retry_call

LOGIN_PATH = "/api/v1/auth/login/"


@dataclass
class BulkUpsertResult:
    batch_id: str
    created: int
    updated: int
    errors: list[dict[str, Any]] = field(default_factory=list)


class OmnitronClient:
    def __init__(self, base_url: str, username: str, password: str, *, timeout: float = 30.0,
                 retry: RetryPolicy | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.username = username
        self._password = password
        self.retry = retry or RetryPolicy()
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout,
                                  headers={"Accept": "application/json"})
        self._token: str | None = None
        self._lock = threading.Lock()

    @classmethod
    def for_settings(cls, settings: OmnitronSettings, *, retry: RetryPolicy | None = None
                     ) -> OmnitronClient:
        """A client for the ``[omnitron]`` table of flows.toml; the password resolves now."""
        return cls(settings.url, settings.username, settings.password.resolve(), retry=retry)

    def __enter__(self) -> OmnitronClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def token(self) -> str | None:
        return self._token

    def login(self) -> str:
        body = {"username": self.username, "password": self._password}
        response = self._send("POST", LOGIN_PATH, json=body, auth=False)
        data = _json(response)
        if response.status_code >= 400 or not isinstance(data, dict) or "key" not in data:
            raise OmnitronAuthError(f"Omnitron refused the login of {self.username!r}: "
                                    f"{describe_body(data)}", response.status_code, data)
        with self._lock:
            self._token = str(data["key"])
        return self._token

    def _send(self, method: str, path: str, *, params: Any = None, json: Any = None,
              auth: bool = True) -> httpx.Response:
        def once() -> httpx.Response:
            headers = {"Authorization": f"Token {self._token}"} if auth and self._token else {}
            response = self._http.request(method, path, params=params, json=json, headers=headers)
            if response.status_code in RETRY_STATUSES:
                raise RetryableStatus(response)
            return response

        try:
            return retry_call(self.retry, once)
        except RetryableStatus as exc:
            body = _json(exc.response)
            raise OmnitronUnavailable(
                f"Omnitron answered {exc.response.status_code} to {method} {path} after "
                f"retries: {describe_body(body)}", exc.response.status_code, body) from None
        except httpx.TransportError as exc:
            raise OmnitronUnavailable(f"cannot reach Omnitron at {self.base_url}: "
                                      f"{type(exc).__name__}: {exc}") from None

    def request(self, method: str, path: str, *, params: Any = None, json: Any = None) -> Any:
        """Send an authenticated request; log in first, and once more if the token expired."""
        if self._token is None:
            self.login()
        response = self._send(method, path, params=params, json=json)
        if response.status_code == 401:
            self.login()
            response = self._send(method, path, params=params, json=json)
        body = _json(response)
        if response.status_code == 401:
            raise OmnitronAuthError(f"Omnitron rejected the token: {describe_body(body)}", 401, body)
        if response.status_code == 400:
            raise OmnitronValidationError(describe_body(body), 400, body)
        if response.status_code >= 400:
            raise OmnitronError(f"{method} {path} answered {response.status_code}: "
                                f"{describe_body(body)}", response.status_code, body)
        return body

    def _pages(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        page = self.request("GET", path, params=params)
        while True:
            yield from page.get("results", [])
            following = page.get("next")
            if not following:
                return
            page = self.request("GET", following)

    def iter_product_stocks(self, *, stock_list: int | None = None, sku: str | None = None,
                            page_size: int = 100) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {"limit": page_size, "page": 1}
        if stock_list is not None:
            params["stock_list"] = stock_list
        if sku:
            params["product_sku"] = sku
        return self._pages("/api/i1/product_stock/", params)

    def product_stock_page(self, *, page: int, page_size: int = 100,
                           stock_list: int | None = None, sku: str | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": page_size, "page": page}
        if stock_list is not None:
            params["stock_list"] = stock_list
        if sku:
            params["product_sku"] = sku
        return self.request("GET", "/api/i1/product_stock/", params=params)

    def get_stock(self, sku: str, stock_list: int) -> dict[str, Any] | None:
        found = self.product_stock_page(page=1, page_size=1, stock_list=stock_list, sku=sku)
        results = found.get("results", [])
        return results[0] if results else None

    def upsert_stock(self, row: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", "/api/i1/product_stock/", json=row)

    def bulk_upsert(self, rows: list[dict[str, Any]], batch_id: str) -> BulkUpsertResult:
        body = [{**row, "batch_id": batch_id} for row in rows]
        answer = self.request("POST", "/api/i1/product_stock/bulk_upsert/", json=body)
        return BulkUpsertResult(str(answer.get("batch_id") or batch_id), int(answer.get("created", 0)),
                                int(answer.get("updated", 0)), list(answer.get("errors", [])))

    def bulk_status_update(self, order: dict[str, Any]) -> dict[str, Any]:
        return self.request("PATCH", "/api/i1/order_items/bulk_status_update/", json=order)

    def stock_lists(self) -> list[dict[str, Any]]:
        return list(self._pages("/api/i1/stock_list/", {"limit": 100, "page": 1}))

    def iter_products(self, *, productized_date__gte: str | None = None,
                      sku__in: list[str] | None = None, page_size: int = 500
                      ) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {"limit": page_size, "page": 1}
        if productized_date__gte:
            params["productized_date__gte"] = productized_date__gte
        if sku__in:
            params["sku__in"] = ",".join(sku__in)
        return self._pages("/api/i1/product/", params)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:500]
