"""Per-thread database connections that do not outlive their threads.

Both stores give each thread its own connection. A server's worker threads come and go, so
each time a connection is opened, those of ended threads are closed and forgotten: the open
connections stay as many as the live threads, not as many as ever ran.
"""

from __future__ import annotations

import threading
from typing import Protocol, TypeVar


class Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=Closable)


def live_only(opened: list[tuple[threading.Thread, C]]) -> list[tuple[threading.Thread, C]]:
    """The connections of threads still running; the others are closed."""
    kept = []
    for thread, conn in opened:
        if thread.is_alive():
            kept.append((thread, conn))
        else:
            conn.close()
    return kept
