"""Retries with exponential backoff and jitter, shared by the Omnitron client and ERP reads."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx

T = TypeVar("T")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryAttempt:
    attempt: int
    delay_s: float
    reason: str


class RetryableStatus(Exception):
    """An answer whose status is worth trying again (429, 5xx)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        super().__init__(f"HTTP {response.status_code}")


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded in attempts and in total time; ``on_retry`` is told about each retry."""

    attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 5.0
    max_total: float = 30.0
    on_retry: Callable[[RetryAttempt], None] | None = None

    def delay(self, attempt: int) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)


def _reason(error: Exception) -> str:
    if isinstance(error, RetryableStatus):
        return f"HTTP {error.response.status_code}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


async def retry_async(policy: RetryPolicy, fn: Callable[[], Awaitable[T]]) -> T:
    """``retry_call`` for coroutines: the same bounds, waiting with ``asyncio.sleep``."""
    began = time.monotonic()
    attempt = 1
    while True:
        try:
            return await fn()
        except (httpx.TransportError, RetryableStatus) as error:
            delay = policy.delay(attempt)
            if attempt >= policy.attempts or time.monotonic() - began + delay > policy.max_total:
                raise
            if policy.on_retry is not None:
                policy.on_retry(RetryAttempt(attempt, delay, _reason(error)))
            await asyncio.sleep(delay)
            attempt += 1


def retry_call(policy: RetryPolicy, fn: Callable[[], T]) -> T:
    """Call ``fn``; on a transient failure wait and call again, within the policy's bounds."""
    began = time.monotonic()
    attempt = 1
    while True:
        try:
            return fn()
        except (httpx.TransportError, RetryableStatus) as error:
            delay = policy.delay(attempt)
            spent = time.monotonic() - began
            if attempt >= policy.attempts or spent + delay > policy.max_total:
                raise
            if policy.on_retry is not None:
                policy.on_retry(RetryAttempt(attempt, delay, _reason(error)))
            time.sleep(delay)
            attempt += 1
