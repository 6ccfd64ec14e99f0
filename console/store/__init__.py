"""Where executions, row logs, payloads and alarm history live.

``open_store`` is the one place that chooses a store: a ``postgresql://`` connection string
gives the PostgreSQL store (several hosts share it), anything else is a SQLite file (embedded,
the default). Everything else receives a :class:`~console.store.protocol.Store`.
"""

from __future__ import annotations

from pathlib import Path

from console.store.protocol import Store
from console.store.records import StoreUnavailable

__all__ = ["Store", "StoreUnavailable", "is_postgres", "is_store_error", "open_store"]

_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(location: str | Path) -> bool:
    """Whether ``location`` is a PostgreSQL connection string (not a SQLite file)."""
    return isinstance(location, str) and location.startswith(_POSTGRES_SCHEMES)


def is_store_error(exc: BaseException) -> bool:
    """Whether ``exc`` is the database's (SQLite's or psycopg's): a store that went away or
    broke, to be told to the user, not a bug."""
    return type(exc).__module__.split(".")[0] in ("sqlite3", "psycopg")


def open_store(location: str | Path) -> Store:
    """The store at ``location``: a PostgreSQL connection string or a SQLite file path.

    Raises ``StoreUnavailable`` saying what to do when the store cannot be opened.
    """
    if is_postgres(location):
        try:
            from console.store.postgres import PostgresStore
        except ImportError as exc:
            raise StoreUnavailable(
                f"a PostgreSQL store needs psycopg ({exc}): install the console with its "
                "postgres extra, `pip install 'integrator-console[postgres]'`") from None
        return PostgresStore(str(location))
    from console.store.sqlite import SQLiteStore

    return SQLiteStore(location)
