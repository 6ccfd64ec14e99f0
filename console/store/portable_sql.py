"""SQL written once for both stores, with ``?`` for each parameter.

A store whose driver marks parameters otherwise (PostgreSQL's ``%s``) names its mark in
``_MARK``; the queries it shares with the other store run through ``_run``, which puts that mark
in place of each ``?``. What the two databases do differently stays in each store's own module.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


class _Connection(Protocol):
    def execute(self, sql: Any, args: Any = ..., /) -> Cursor: ...


class PortableSQL:
    """Mixed into a store: needs its per-thread connection."""

    _MARK = "?"

    def _conn(self) -> Any:
        raise NotImplementedError

    def _run(self, sql: str, args: Sequence[Any] = ()) -> Cursor:
        connection: _Connection = self._conn()
        return connection.execute(sql if self._MARK == "?" else sql.replace("?", self._MARK),
                                  args)
