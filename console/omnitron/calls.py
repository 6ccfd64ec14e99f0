"""What each Omnitron call sends and how its answer is read, shared by the sync and async
clients so there is one implementation of every call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from console import fastjson
from console.omnitron.errors import (
    OmnitronAuthError,
    OmnitronError,
    OmnitronValidationError,
    describe_body,
)

LOGIN_PATH = "/api/v1/auth/login/"
STOCK_PATH = "/api/i1/product_stock/"
BULK_PATH = "/api/i1/product_stock/bulk_upsert/"
PRICE_BULK_PATH = "/api/i1/product_price/bulk_upsert/"
STATUS_PATH = "/api/i1/order_items/bulk_status_update/"
STOCK_LIST_PATH = "/api/i1/stock_list/"
PRODUCT_PATH = "/api/i1/product/"


@dataclass
class BulkUpsertResult:
    batch_id: str
    created: int
    updated: int
    errors: list[dict[str, Any]] = field(default_factory=list)


def body_of(response: httpx.Response) -> Any:
    try:
        return fastjson.loads(response.content)
    except ValueError:
        return response.text[:500]


def token_from(response: httpx.Response, username: str) -> str:
    data = body_of(response)
    if response.status_code >= 400 or not isinstance(data, dict) or "key" not in data:
        raise OmnitronAuthError(f"Omnitron refused the login of {username!r}: "
                                f"{describe_body(data)}", response.status_code, data)
    return str(data["key"])


def checked(method: str, path: str, response: httpx.Response) -> Any:
    """The answer's body, or the typed error its status stands for."""
    body = body_of(response)
    status = response.status_code
    if status == 401:
        raise OmnitronAuthError(f"Omnitron rejected the token: {describe_body(body)}", 401, body)
    if status == 400:
        raise OmnitronValidationError(describe_body(body), 400, body)
    if status >= 400:
        raise OmnitronError(f"{method} {path} answered {status}: {describe_body(body)}", status,
                            body)
    return body


def page_params(page: int, page_size: int, **filters: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": page_size, "page": page}
    params.update({k: v for k, v in filters.items() if v not in (None, "")})
    return params


def stock_filters(stock_list: int | None, sku: str | None) -> dict[str, Any]:
    return {"stock_list": stock_list, "product_sku": sku}


def product_filters(productized_date__gte: str | None, sku__in: list[str] | None
                    ) -> dict[str, Any]:
    return {"productized_date__gte": productized_date__gte,
            "sku__in": ",".join(sku__in) if sku__in else None}


def bulk_body(rows: list[dict[str, Any]], batch_id: str) -> list[dict[str, Any]]:
    return [{**row, "batch_id": batch_id} for row in rows]


class JsonText:
    """A request body encoded to JSON once, as httpx would encode it, and sent as is (the
    runner encodes a batch while the one before it is sent, and logs the text it sent)."""

    def __init__(self, value: Any, *, plain: bool = False) -> None:
        """``plain``: the caller knows ``value`` is made of the plain types, with no float
        (see ``fastjson.dumps``)."""
        self.text = fastjson.dumps(value, allow_nan=False, strings_and_ints=plain)

    @classmethod
    def joined(cls, arrays: list[str]) -> JsonText:
        """The array of the elements of ``arrays``, each the JSON text of a non-empty list
        (as ``fastjson.dumps`` writes it): the text encoding their lists joined would give."""
        joined = cls.__new__(cls)
        joined.text = arrays[0] if len(arrays) == 1 else \
            "[" + ",".join(text[1:-1] for text in arrays) + "]"
        return joined


def bulk_result(answer: Any, batch_id: str) -> BulkUpsertResult:
    return BulkUpsertResult(str(answer.get("batch_id") or batch_id), int(answer.get("created", 0)),
                            int(answer.get("updated", 0)), list(answer.get("errors", [])))


def first_result(page: Any) -> dict[str, Any] | None:
    results = page.get("results", []) if isinstance(page, dict) else []
    return results[0] if results else None
