"""The limits a public endpoint needs, on top of uvicorn's own settings.

uvicorn bounds header size (``h11_max_incomplete_event_size``), idle keep-alive connections
(``timeout_keep_alive``) and requests in flight (``limit_concurrency``, answered 503). It has no
bound on connections that never finish their request headers, so a few thousand half-sent
requests could exhaust the process's file descriptors. ``guarded_protocol`` adds that: beyond
``max_connections`` a new connection is answered 503 and closed at once, and a connection whose
request headers are not complete within ``header_timeout_s`` is answered 408 and closed. Body
limits (size, read timeout) are enforced by the endpoint that streams the body.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

_REFUSED = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nConnection: close\r\n"
            b"Content-Length: 22\r\n\r\ntoo many connections\r\n")
_TIMED_OUT = (b"HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain\r\nConnection: close\r\n"
              b"Content-Length: 38\r\n\r\nrequest headers not received in time\r\n")


@dataclass(frozen=True)
class HttpLimits:
    max_connections: int = 256
    """Open connections at once; also uvicorn's ``limit_concurrency``."""
    header_timeout_s: float = 10.0
    """Time a connection has to send complete request headers."""
    body_idle_timeout_s: float = 15.0
    """Longest wait for the next piece of a request body (408 after it)."""
    keep_alive_s: int = 5
    max_header_bytes: int = 16 * 1024
    bytes_per_row: int = 1024
    """The body limit is ``outbound_max_rows`` times this (at least 1 MiB)."""

    def max_body_bytes(self, max_rows: int) -> int:
        return max(1024 * 1024, max_rows * self.bytes_per_row)

    def uvicorn_settings(self) -> dict[str, Any]:
        return {"limit_concurrency": self.max_connections,
                "timeout_keep_alive": self.keep_alive_s,
                "h11_max_incomplete_event_size": self.max_header_bytes,
                "http": guarded_protocol(self)}


def guarded_protocol(limits: HttpLimits) -> type[H11Protocol]:
    class Guarded(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > limits.max_connections:
                transport.write(_REFUSED)
                transport.close()
                return
            self._arm()

        def _arm(self) -> None:
            self._disarm()
            self._header_timer = self.loop.call_later(limits.header_timeout_s, self._timed_out)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _timed_out(self) -> None:
            self._header_timer = None
            if self._idle() and not self.transport.is_closing():
                self.transport.write(_TIMED_OUT)
                self.transport.close()

        def _idle(self) -> bool:
            return self.cycle is None or self.cycle.response_complete

        def data_received(self, data: bytes) -> None:
            if self._idle() and self._header_timer is None:  # the start of a next request
                self._arm()
            super().data_received(data)

        def handle_events(self) -> None:
            super().handle_events()
            if not self._idle():
                self._disarm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return Guarded
