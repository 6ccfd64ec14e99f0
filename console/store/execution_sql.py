"""The execution updates and row-log reads both stores answer with the same SQL.

Written once with ``?`` for each parameter (see ``portable_sql``): a run's counters, its
expected total and its end, and the compact records under a window of the log view. How each
database numbers, inserts and searches rows stays in each store's own module.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterator
from typing import Any

from console.store.log_batches import Record
from console.store.portable_sql import PortableSQL
from console.store.records import ACTIVE, RowLog, stamp

RECORD = "execution_id, first_seq, level, created_at, numbers, keys, body, sent"
"""The ``row_batch`` columns of a :class:`~console.store.log_batches.Record`, in its order."""


class ExecutionSQL(PortableSQL):
    """Mixed into a store: needs its per-thread connection and its own row-log reads."""

    def progress(self, execution_id: str, total: int, succeeded: int, failed: int,
                 records_read: int = 0, skipped: int = 0) -> None:
        self._run("UPDATE execution SET total = ?, succeeded = ?, failed = ?, records_read = ?,"
                  " skipped = ? WHERE id = ?",
                  (total, succeeded, failed, records_read, skipped, execution_id))

    def expect(self, execution_id: str, expected: int) -> None:
        self._run("UPDATE execution SET expected = ? WHERE id = ?", (expected, execution_id))

    def finish(self, execution_id: str, status: str, *, error: str | None = None,
               attributes: dict[str, str] | None = None) -> None:
        """End a processing execution; one already ended (say, interrupted by a stopping runner
        while its thread was still busy) keeps the status it has."""
        self._run("UPDATE execution SET status = ?, finished_at = ?, error = ?, attributes = ?"
                  " WHERE id = ? AND status = ?",
                  (status, stamp(), error, json.dumps(attributes or {}), execution_id, ACTIVE))

    def _records(self, execution_id: str, low: int, high: int,
                 level: str | None) -> list[Record]:
        """The compact records holding positions ``low < position <= high`` of the view:
        those starting in the range, and the one before it if it reaches into it."""
        first, last, only = ("first_seq", "last_seq", "") if level is None else \
            ("first_level_seq", "last_level_seq", " AND level = ?")
        args: list[Any] = [execution_id, *([level] if level else [])]
        before = self._run(f"SELECT {first}, {last} FROM row_batch WHERE execution_id = ?"
                           f"{only} AND {first} <= ? ORDER BY {first} DESC LIMIT 1",
                           [*args, low]).fetchone()
        start = before[0] - 1 if before is not None and before[1] > low else low
        return [Record(*r) for r in self._run(
            f"SELECT {RECORD} FROM row_batch WHERE execution_id = ?{only} AND {first} > ? AND"
            f" {first} <= ? ORDER BY {first}", [*args, start, high])]

    def logs(self, execution_id: str, *, offset: int = 0, limit: int = 100,
             level: str | None = None, search: str | None = None) -> list[RowLog]:
        raise NotImplementedError

    def _rows_by_seq(self, execution_id: str, seqs: array[int]) -> list[RowLog]:
        raise NotImplementedError

    def _search_seqs(self, execution_id: str, level: str | None, search: str) -> array[int]:
        raise NotImplementedError

    def iter_logs(self, execution_id: str, *, level: str | None = None,
                  search: str | None = None, batch: int = 5000) -> Iterator[RowLog]:
        """Every matching row in order, read a window of positions at a time (no OFFSET
        scans), for exports and ``console logs`` of executions with millions of rows: memory
        stays flat."""
        if search:
            seqs = self._search_seqs(execution_id, level, search)
            for start in range(0, len(seqs), batch):
                yield from self._rows_by_seq(execution_id, seqs[start:start + batch])
            return
        after = 0
        while True:
            page = self.logs(execution_id, offset=after, limit=batch, level=level)
            if not page:
                return
            yield from page
            after += len(page)
