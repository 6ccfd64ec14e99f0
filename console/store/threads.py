"""Per-thread database connections that do not outlive their threads.

Both stores give each thread its own connection. A server's worker threads come and go, so
each time a connection is opened, those of ended threads are closed and forgotten: the open
connections stay as many as the live threads, not as many as ever ran.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar


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


class ThreadConnections(Generic[C]):
    """The calling thread's connection, made by ``connect`` on first use (or again once
    ``usable`` says the kept one is not), and every thread's connection closed at once."""

    def __init__(self, connect: Callable[[], C],
                 usable: Callable[[C], bool] = lambda conn: True) -> None:
        self._connect = connect
        self._usable = usable
        self._local = threading.local()
        self._opened: list[tuple[threading.Thread, C]] = []
        self._lock = threading.Lock()

    def get(self) -> C:
        conn: C | None = getattr(self._local, "conn", None)
        if conn is None or not self._usable(conn):
            conn = self._connect()
            self._local.conn = conn
            with self._lock:
                self._opened = live_only(self._opened)
                self._opened.append((threading.current_thread(), conn))
        return conn

    def close(self) -> None:
        """Close every thread's connection; a later ``get`` opens a new one."""
        with self._lock:
            opened, self._opened = self._opened, []
        for _thread, conn in opened:
            conn.close()
        self._local = threading.local()
