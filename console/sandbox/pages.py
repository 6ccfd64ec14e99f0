"""Omnitron-style pagination: ``limit`` and ``page`` in, ``count/next/previous/results`` out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request


def page_params(request: Request, default_limit: int = 20) -> tuple[int, int]:
    def number(name: str, default: int) -> int:
        raw = request.query_params.get(name, "")
        return int(raw) if raw.isdigit() and int(raw) > 0 else default

    return min(number("limit", default_limit), 10_000), number("page", 1)


def paginated(request: Request, count: int, fetch: Callable[[int, int], list[Any]]) -> dict[str, Any]:
    limit, page = page_params(request)
    results = fetch(limit, (page - 1) * limit)

    def link(target: int) -> str:
        return str(request.url.include_query_params(page=target, limit=limit))

    return {
        "count": count,
        "next": link(page + 1) if page * limit < count else None,
        "previous": link(page - 1) if page > 1 else None,
        "results": results,
    }
