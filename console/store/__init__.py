"""Where executions, row logs, payloads and alarm history live.

``open_store`` is the one place that chooses a store: a ``postgresql://`` connection string
gives the PostgreSQL store (several hosts), anything else is a SQLite file (embedded, the
default). Everything else receives a :class:`~console.store.protocol.Store`.
"""

from __future__ import annotations

from pathlib import Path

from console.store.protocol import Store

__all__ = ["Store", "StoreUnavailable", "is_postgres", "open_store"]

_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class StoreUnavailable(Exception):
    """The store named in the configuration cannot be opened; the message says why."""


def is_postgres(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(_POSTGRES_SCHEMES)


def open_store(location: str | Path) -> Store:
    """The store at ``location``: a PostgreSQL connection string or a SQLite file path."""
    if is_postgres(location):
        raise StoreUnavailable("a PostgreSQL store is not supported by this version yet")
    from console.store.sqlite import SQLiteStore

    return SQLiteStore(location)
