"""The synchronous Omnitron client: login, token renewal, retries and typed errors.

Used by the runner's writers (in worker threads), the stock browser, the OMS setup console
and the CLI. ``AsyncOmnitronClient`` offers the same calls for asyncio code.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx

from console import telemetry, tls
from console.flows import OmnitronSettings
from console.omnitron import calls
from console.omnitron.calls import BulkUpsertResult
from console.omnitron.errors import OmnitronUnavailable, describe_body
from console.omnitron.retry import RETRY_STATUSES, RetryableStatus, RetryPolicy, retry_call
from console.responses import released
from console.surrogates import escaped


def unavailable(method: str, path: str, base_url: str, error: Exception) -> OmnitronUnavailable:
    if isinstance(error, RetryableStatus):
        body = calls.body_of(error.response)
        return OmnitronUnavailable(f"Omnitron answered {error.response.status_code} to {method} "
                                   f"{path} after retries: {describe_body(body)}",
                                   error.response.status_code, body)
    return OmnitronUnavailable(f"cannot reach Omnitron at {base_url}: "
                               f"{type(error).__name__}: {error}")


class OmnitronClient:
    def __init__(self, base_url: str, username: str, password: str, *, timeout: float = 30.0,
                 retry: RetryPolicy | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.username = username
        self._password = password
        self.retry = retry or RetryPolicy()
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, verify=tls.context(),
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
        token = calls.token_from(self._send("POST", calls.LOGIN_PATH, json=body, auth=False),
                                 self.username)
        with self._lock:
            self._token = token
        return token

    def _send(self, method: str, path: str, *, params: Any = None, json: Any = None,
              auth: bool = True) -> httpx.Response:
        attempts = 0
        if json is not None and not isinstance(json, calls.JsonText):
            json = calls.JsonText(json)  # httpx's text, a lone surrogate escaped (``_utf8``)

        def once() -> httpx.Response:
            nonlocal attempts
            attempts += 1
            if attempts > 1:
                telemetry.report(telemetry.HTTP_RETRY, 1, system="omnitron")
            headers = {"Authorization": f"Token {self._token}"} if auth and self._token else {}
            content, data = None, json
            if isinstance(data, calls.JsonText):
                headers["Content-Type"] = "application/json"
                content, data = _utf8(data.text), None
            began = time.perf_counter()
            try:
                response = released(self._http.request(method, path, params=params, json=data,
                                                       content=content, headers=headers))
            except httpx.TransportError:
                telemetry.report(telemetry.HTTP_REQUEST, time.perf_counter() - began,
                                 system="omnitron", status="error")
                raise
            telemetry.report(telemetry.HTTP_REQUEST, time.perf_counter() - began,
                             system="omnitron", status=str(response.status_code))
            if response.status_code in RETRY_STATUSES:
                raise RetryableStatus(response)
            return response

        try:
            return retry_call(self.retry, once)
        except (RetryableStatus, httpx.TransportError) as exc:
            raise unavailable(method, path, self.base_url, exc) from None

    def request(self, method: str, path: str, *, params: Any = None, json: Any = None) -> Any:
        """Send an authenticated request; log in first, and once more if the token expired."""
        if self._token is None:
            self.login()
        response = self._send(method, path, params=params, json=json)
        if response.status_code == 401:
            self.login()
            response = self._send(method, path, params=params, json=json)
        return calls.checked(method, path, response)

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
        return self._pages(calls.STOCK_PATH,
                           calls.page_params(1, page_size, **calls.stock_filters(stock_list, sku)))

    def product_stock_page(self, *, page: int, page_size: int = 100,
                           stock_list: int | None = None, sku: str | None = None) -> dict[str, Any]:
        params = calls.page_params(page, page_size, **calls.stock_filters(stock_list, sku))
        return self.request("GET", calls.STOCK_PATH, params=params)

    def get_stock(self, sku: str, stock_list: int) -> dict[str, Any] | None:
        return calls.first_result(self.product_stock_page(page=1, page_size=1,
                                                          stock_list=stock_list, sku=sku))

    def upsert_stock(self, row: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", calls.STOCK_PATH, json=row)

    def bulk_upsert(self, rows: list[dict[str, Any]] | calls.JsonText,
                    batch_id: str) -> BulkUpsertResult:
        """Stocks in one batch: rows, or their ``bulk_body`` already encoded."""
        body = rows if isinstance(rows, calls.JsonText) else \
            calls.JsonText(calls.bulk_body(rows, batch_id))
        answer = self.request("POST", calls.BULK_PATH, json=body)
        return calls.bulk_result(answer, batch_id)

    def bulk_upsert_prices(self, rows: list[dict[str, Any]] | calls.JsonText,
                           batch_id: str) -> BulkUpsertResult:
        """Product prices of price lists, in one batch (same answer shape as stocks)."""
        body = rows if isinstance(rows, calls.JsonText) else \
            calls.JsonText(calls.bulk_body(rows, batch_id))
        answer = self.request("POST", calls.PRICE_BULK_PATH, json=body)
        return calls.bulk_result(answer, batch_id)

    def bulk_status_update(self, order: dict[str, Any]) -> dict[str, Any]:
        return self.request("PATCH", calls.STATUS_PATH, json=order)

    def stock_lists(self) -> list[dict[str, Any]]:
        return list(self._pages(calls.STOCK_LIST_PATH, calls.page_params(1, 100)))

    def iter_products(self, *, productized_date__gte: str | None = None,
                      sku__in: list[str] | None = None, page_size: int = 500
                      ) -> Iterator[dict[str, Any]]:
        filters = calls.product_filters(productized_date__gte, sku__in)
        return self._pages(calls.PRODUCT_PATH, calls.page_params(1, page_size, **filters))


def _utf8(text: str) -> bytes:
    """A request body's bytes; a lone surrogate in it (which UTF-8 cannot encode) is sent
    escaped, as ``json.dumps`` writes it: the same JSON value."""
    try:
        return text.encode()
    except UnicodeEncodeError:
        return escaped(text).encode()
