"""The asyncio Omnitron client: the same calls as ``OmnitronClient``, awaited."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx

from console.flows import OmnitronSettings
from console.omnitron import calls
from console.omnitron.calls import BulkUpsertResult
from console.omnitron.client import unavailable
from console.omnitron.retry import RETRY_STATUSES, RetryableStatus, RetryPolicy, retry_async


class AsyncOmnitronClient:
    def __init__(self, base_url: str, username: str, password: str, *, timeout: float = 30.0,
                 retry: RetryPolicy | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.username = username
        self._password = password
        self.retry = retry or RetryPolicy()
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout,
                                       headers={"Accept": "application/json"})
        self._token: str | None = None
        self._lock = asyncio.Lock()

    @classmethod
    def for_settings(cls, settings: OmnitronSettings, *, retry: RetryPolicy | None = None
                     ) -> AsyncOmnitronClient:
        return cls(settings.url, settings.username, settings.password.resolve(), retry=retry)

    async def __aenter__(self) -> AsyncOmnitronClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def token(self) -> str | None:
        return self._token

    async def login(self) -> str:
        body = {"username": self.username, "password": self._password}
        response = await self._send("POST", calls.LOGIN_PATH, json=body, auth=False)
        async with self._lock:
            self._token = calls.token_from(response, self.username)
        return self._token

    async def _send(self, method: str, path: str, *, params: Any = None, json: Any = None,
                    auth: bool = True) -> httpx.Response:
        async def once() -> httpx.Response:
            headers = {"Authorization": f"Token {self._token}"} if auth and self._token else {}
            response = await self._http.request(method, path, params=params, json=json,
                                                headers=headers)
            if response.status_code in RETRY_STATUSES:
                raise RetryableStatus(response)
            return response

        try:
            return await retry_async(self.retry, once)
        except (RetryableStatus, httpx.TransportError) as exc:
            raise unavailable(method, path, self.base_url, exc) from None

    async def request(self, method: str, path: str, *, params: Any = None,
                      json: Any = None) -> Any:
        if self._token is None:
            await self.login()
        response = await self._send(method, path, params=params, json=json)
        if response.status_code == 401:
            await self.login()
            response = await self._send(method, path, params=params, json=json)
        return calls.checked(method, path, response)

    async def _pages(self, path: str, params: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        page = await self.request("GET", path, params=params)
        while True:
            for row in page.get("results", []):
                yield row
            following = page.get("next")
            if not following:
                return
            page = await self.request("GET", following)

    def iter_product_stocks(self, *, stock_list: int | None = None, sku: str | None = None,
                            page_size: int = 100) -> AsyncIterator[dict[str, Any]]:
        return self._pages(calls.STOCK_PATH,
                           calls.page_params(1, page_size, **calls.stock_filters(stock_list, sku)))

    async def product_stock_page(self, *, page: int, page_size: int = 100,
                                 stock_list: int | None = None,
                                 sku: str | None = None) -> dict[str, Any]:
        params = calls.page_params(page, page_size, **calls.stock_filters(stock_list, sku))
        return await self.request("GET", calls.STOCK_PATH, params=params)

    async def get_stock(self, sku: str, stock_list: int) -> dict[str, Any] | None:
        return calls.first_result(await self.product_stock_page(page=1, page_size=1,
                                                                stock_list=stock_list, sku=sku))

    async def upsert_stock(self, row: dict[str, Any]) -> dict[str, Any]:
        return await self.request("POST", calls.STOCK_PATH, json=row)

    async def bulk_upsert(self, rows: list[dict[str, Any]], batch_id: str) -> BulkUpsertResult:
        answer = await self.request("POST", calls.BULK_PATH, json=calls.bulk_body(rows, batch_id))
        return calls.bulk_result(answer, batch_id)

    async def bulk_status_update(self, order: dict[str, Any]) -> dict[str, Any]:
        return await self.request("PATCH", calls.STATUS_PATH, json=order)

    async def stock_lists(self) -> list[dict[str, Any]]:
        return [row async for row in self._pages(calls.STOCK_LIST_PATH, calls.page_params(1, 100))]

    def iter_products(self, *, productized_date__gte: str | None = None,
                      sku__in: list[str] | None = None, page_size: int = 500
                      ) -> AsyncIterator[dict[str, Any]]:
        filters = calls.product_filters(productized_date__gte, sku__in)
        return self._pages(calls.PRODUCT_PATH, calls.page_params(1, page_size, **filters))
