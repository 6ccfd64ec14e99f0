"""Fault injection: latency, error answers, timeouts and malformed bodies, per server or request."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

FAULT_HEADER = "x-sandbox-fault"
HANG_SECONDS = 120.0


@dataclass
class Faults:
    """Per-server fault rates; the admin endpoint ``/_sandbox/faults`` changes them."""

    error_rate: float = 0.0
    status: int = 503
    latency_s: float = 0.0
    timeout_rate: float = 0.0
    malformed_rate: float = 0.0

    def pick(self, rng: random.Random) -> str | None:
        if self.timeout_rate and rng.random() < self.timeout_rate:
            return "timeout"
        if self.error_rate and rng.random() < self.error_rate:
            return str(self.status)
        if self.malformed_rate and rng.random() < self.malformed_rate:
            return "malformed"
        return None


class FaultMiddleware:
    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults
        self.rng = random.Random(7)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        fault = request.headers.get(FAULT_HEADER) or self.faults.pick(self.rng)
        if self.faults.latency_s:
            await asyncio.sleep(self.faults.latency_s)
        response = await _apply(fault)
        if response is None:
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)


async def _apply(fault: str | None) -> Response | None:
    if not fault:
        return None
    if fault.startswith("latency="):
        await asyncio.sleep(float(fault.partition("=")[2] or 0))
        return None
    if fault == "timeout":
        await asyncio.sleep(HANG_SECONDS)
        return PlainTextResponse("too late", status_code=504)
    if fault == "malformed":
        return Response('{"items": [{"sku": ', media_type="application/json")
    if fault.isdigit():
        return JSONResponse({"detail": f"injected fault {fault}"}, status_code=int(fault))
    return None
