"""Reading executions and their logs for people: one store opened once per console.

Opening the store creates its tables and adds missing columns; doing that on every poll (the
flows screen polls every two seconds) was wasted work, and an unwritable store then failed every
poll without a word. Here the store opens once, a failure to open is a ``ServiceError`` that
says which file and why, and later calls try again (the file may have been fixed meanwhile).
Only reading goes through here: executions are started by the runner.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit, urlunsplit

from console.flows import FlowsConfig
from console.services.errors import ServiceError
from console.surrogates import escaped

if TYPE_CHECKING:
    from console.store import Store
    from console.store.records import Execution, RowLog

T = TypeVar("T")


@dataclass(frozen=True)
class FlowActivity:
    """The newest execution of a flow (None if it never ran) and how many are running."""

    last: Execution | None
    running: int


def store_location(config: FlowsConfig) -> str | Path:
    """Where ``[runner] store`` keeps executions: a PostgreSQL connection string as written, or
    a SQLite file resolved beside flows.toml."""
    return config.store_location()


def open_store(location: str | Path) -> Store:
    """The execution store at ``location``, its tables checked: the one place the console's
    services open a store (``console.store`` picks which kind)."""
    from console.store import open_store as open_location

    return open_location(location)


def _shown(location: str | Path) -> str:
    """A store's location for messages: a connection string loses its user and password."""
    text = str(location)
    if "://" not in text:
        return text
    parts = urlsplit(text)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


class ExecutionsReader:
    def __init__(self, location: str | Path) -> None:
        self.location = location
        self.path = _shown(location)
        """The location as messages name it."""
        self._store: Store | None = None
        self._lock = threading.Lock()

    @classmethod
    def for_config(cls, config: FlowsConfig) -> ExecutionsReader:
        return cls(store_location(config))

    def store(self) -> Store:
        """The store, opened on first use and kept."""
        with self._lock:
            if self._store is None:
                import sqlite3  # here, in a worker: not on the way to the first screen

                from console.store import StoreUnavailable

                try:
                    self._store = open_store(self.location)
                except StoreUnavailable as exc:  # it names the store and says why
                    raise ServiceError(f"{exc} (see [runner] store in flows.toml)") from None
                except (OSError, sqlite3.Error) as exc:
                    raise ServiceError(f"cannot open the execution store {self.path}: "
                                       f"{getattr(exc, 'strerror', None) or exc} (see [runner] "
                                       "store in flows.toml; its folder must be writable)"
                                       ) from None
            return self._store

    def execution(self, execution_id: str) -> Execution | None:
        return self._read(lambda store: store.execution(execution_id))

    def executions(self, flow_id: str | None = None, limit: int = 200) -> list[Execution]:
        return self._read(lambda store: store.executions(flow_id, limit=limit))

    def activity(self, config: FlowsConfig) -> dict[str, FlowActivity]:
        def read(store: Store) -> dict[str, FlowActivity]:
            out = {}
            for flow in config.flows:
                recent = store.executions(flow.id, limit=1)
                out[flow.id] = FlowActivity(recent[0] if recent else None,
                                            store.active_count(flow.id))
            return out
        return self._read(read)

    def logs(self, execution_id: str, level: str | None = None) -> Iterator[RowLog]:
        """An execution's log lines in order, read in pages as they are consumed."""
        store = self.store()
        try:
            yield from store.iter_logs(execution_id, level=level)
        except Exception as exc:
            raise _read_error(store, exc) from None

    def last_sample(self, flow_id: str) -> str | None:
        return self._read(lambda store: store.last_sample(flow_id))

    def _read(self, call: Callable[[Store], T]) -> T:
        store = self.store()
        try:
            return call(store)
        except Exception as exc:
            raise _read_error(store, exc) from None


def _read_error(store: Store, exc: Exception) -> Exception:
    """What to raise for ``exc``: a ``ServiceError`` when the store failed (SQLite or
    PostgreSQL), the exception itself when it is a bug."""
    from console.store import StoreUnavailable, is_store_error

    if isinstance(exc, StoreUnavailable):
        return ServiceError(str(exc))
    if is_store_error(exc):
        return ServiceError(f"cannot read the execution store {store.location}: "
                            f"{str(exc).strip()}")
    return exc


def duration(execution: Execution) -> float | None:
    """Seconds from start to finish; None while running."""
    from datetime import datetime

    if not execution.finished_at:
        return None
    start = datetime.fromisoformat(execution.started_at)
    end = datetime.fromisoformat(execution.finished_at)
    return max((end - start).total_seconds(), 0.0)


def duration_text(execution: Execution) -> str:
    """``0.4s``, ``12s``, ``3m 05s``, ``1h 02m``; ``running`` while it runs."""
    seconds = duration(execution)
    if seconds is None:
        return "running"
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    return f"{whole // 3600}h {whole % 3600 // 60:02d}m"


def params_text(execution: Execution) -> str:
    """Trigger parameters as ``key=value`` pairs, ``-`` when there are none (a lone surrogate
    escaped, as the console shows one)."""
    return escaped(" ".join(f"{k}={v}" for k, v in execution.params.items())) or "-"
