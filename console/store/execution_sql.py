"""The execution updates and row-log reads both stores answer with the same SQL.

Written once with ``?`` for each parameter (see ``portable_sql``): a run's counters, its
expected total and its end, and the log view's pages, read by position (``seq`` or
``level_seq``) from full rows and compact records. How each database numbers and inserts rows,
and how it finds a search's rows, stays in each store's own module.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterator
from typing import Any

from console.store.log_batches import Expander, Record, holders, in_order
from console.store.portable_sql import PortableSQL
from console.store.records import ACTIVE, RowLog, stamp
from console.surrogates import escaped

RECORD = "execution_id, first_seq, level, created_at, numbers, keys, body, sent"
"""The ``row_batch`` columns of a :class:`~console.store.log_batches.Record`, in its order."""
ROW_LOG = "id, execution_id, seq, level, key, message, payload, created_at"
"""The ``row_log`` columns of a :class:`~console.store.records.RowLog`, in its order."""


def _row_log(row: Any) -> RowLog:
    return RowLog(*row)


class ExecutionSQL(PortableSQL):
    """Mixed into a store: needs its per-thread connection, an ``Expander`` for its compact
    records, the last position of a view and the rows a search finds."""

    _expand: Expander
    _search: tuple[tuple[Any, ...], array[int]] | None

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
                  (status, stamp(), None if error is None else escaped(error),
                   json.dumps(attributes or {}), execution_id, ACTIVE))

    def logs(self, execution_id: str, *, offset: int = 0, limit: int = 100,
             level: str | None = None, search: str | None = None) -> list[RowLog]:
        """Rows ``offset`` to ``offset + limit`` of the view, in seq order.

        Without a search, positions are keys (``seq`` or ``level_seq``), so the last page of
        a million rows costs what the first does.
        """
        low, high = offset, offset + limit
        if search:
            return self._rows_by_seq(execution_id,
                                     self._search_seqs(execution_id, level, search)[low:high])
        if level is None:
            full = self._run(f"SELECT {ROW_LOG} FROM row_log WHERE execution_id = ? AND seq > ?"
                             " AND seq <= ? ORDER BY seq", (execution_id, low, high))
        elif self._level_keyed(execution_id, level):
            full = self._run(f"SELECT {ROW_LOG} FROM row_log WHERE execution_id = ? AND level = ?"
                             " AND level_seq > ? AND level_seq <= ? ORDER BY level_seq",
                             (execution_id, level, low, high))
        else:
            return [_row_log(r) for r in self._run(
                f"SELECT {ROW_LOG} FROM row_log WHERE execution_id = ? AND level = ? ORDER BY"
                " seq LIMIT ? OFFSET ?", (execution_id, level, limit, offset))]
        return self._expand.window(map(_row_log, full),
                                   self._records(execution_id, low, high, level), low, high,
                                   level)

    def _level_keyed(self, execution_id: str, level: str) -> bool:
        """Whether every row of this level has its level seq (a store may hold rows from
        before it had one)."""
        return True

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

    def _rows_by_seq(self, execution_id: str, seqs: array[int]) -> list[RowLog]:
        """The rows numbered ``seqs`` (in order; negative: a row of a compact record)."""
        plain = [seq for seq in seqs if seq > 0]
        compact = [-seq for seq in seqs if seq < 0]
        rows = []
        if plain:
            among, numbers = self._one_of("seq", plain)
            rows = [_row_log(r) for r in self._run(
                f"SELECT {ROW_LOG} FROM row_log WHERE execution_id = ? AND {among}",
                [execution_id, *numbers])]
        if compact:
            spans = self._run("SELECT first_seq, last_seq FROM row_batch WHERE execution_id = ?"
                              " AND first_seq <= ? AND last_seq >= ?",
                              (execution_id, compact[-1], compact[0]))
            among, numbers = self._one_of("first_seq", holders(spans, compact))
            records = [Record(*r) for r in self._run(
                f"SELECT {RECORD} FROM row_batch WHERE execution_id = ? AND {among}",
                [execution_id, *numbers])]
            rows.extend(self._expand.pick(records, compact))
        rows.sort(key=lambda r: r.seq)
        return rows

    def _one_of(self, column: str, numbers: list[int]) -> tuple[str, list[Any]]:
        """A condition that ``column`` is one of ``numbers``, and its parameters."""
        return f"{column} IN ({','.join('?' * len(numbers))})", numbers

    def _search_seqs(self, execution_id: str, level: str | None, search: str) -> array[int]:
        """The seqs of a search's rows in order, found once and kept while the execution
        has no new rows: the count and every page of the results read from this list. A
        lone surrogate in ``search`` is looked for as it is stored: escaped."""
        search = escaped(search)
        key = (execution_id, level, search, self._last(execution_id, None))
        kept = self._search
        if kept is not None and kept[0] == key:
            return kept[1]
        seqs = in_order(self._search_found(execution_id, level, search))
        self._search = (key, seqs)
        return seqs

    def _last(self, execution_id: str, level: str | None) -> int | None:
        raise NotImplementedError

    def _search_found(self, execution_id: str, level: str | None, search: str) -> list[int]:
        """The seqs (negative: in a compact record) of the rows a search finds, any order."""
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
