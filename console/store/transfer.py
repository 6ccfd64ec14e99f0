"""Copy everything one store holds into another: SQLite to PostgreSQL (moving to several hosts)
or back.

Tables go across in key order, a batch at a time, so memory stays flat however large the
store. Every row is an upsert on its key and an execution's row logs are copied whole or not
at all (a partly copied log is replaced), so running the copy again, after an interruption or
to catch up, never duplicates anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from console.store.log_batches import COLUMNS as BATCH_COLUMNS
from console.store.log_batches import spans
from console.store.protocol import Store

BATCH = 5000
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "execution": (("id",), ("flow_id", "trigger", "params", "triggered_by", "status", "total",
                            "succeeded", "failed", "started_at", "finished_at", "error",
                            "attributes", "payload_id", "retry_of", "expected", "records_read",
                            "skipped", "accepted_seq", "resume_pending")),
    "payload": (("id",), ("flow_id", "body", "received_at")),
    "input_sample": (("execution_id",), ("flow_id", "body", "created_at")),
    "flow_state": (("flow_id",), ("last_request",)),
    "newest_accepted": (("flow_id", "key"), ("accepted_seq", "execution_id")),
    "alarm_state": (("flow_id", "alarm"), ("firing", "changed_at", "value", "message")),
    "alarm_event": (("id",), ("flow_id", "alarm", "event", "at", "value", "message",
                              "delivery")),
    "oms_setup": (("step",), ("status", "notes", "detail", "updated_at")),
}
"""Each table with its key columns and its other columns (row logs are copied apart)."""
_BOOLEAN = {("execution", "resume_pending"), ("alarm_state", "firing")}
_LOG_COLUMNS = ("execution_id", "seq", "level", "key", "message", "payload", "created_at",
                "level_seq")


@dataclass
class TransferReport:
    """Rows copied per table; ``row_log`` counts log rows, ``logs_kept`` executions whose
    logs the destination already had in full."""

    copied: dict[str, int] = field(default_factory=dict)
    logs_kept: int = 0


class _Side:
    """One store's tables, reached through its connection, in its SQL dialect."""

    def __init__(self, store: Store) -> None:
        from console.store.sqlite import SQLiteStore

        self.store = store
        self.postgres = not isinstance(store, SQLiteStore)
        self.mark = "%s" if self.postgres else "?"

    def conn(self) -> Any:
        return self.store._conn()  # type: ignore[attr-defined]

    def rows(self, table: str, keys: Sequence[str], columns: Sequence[str]) -> Iterator[
            list[tuple[Any, ...]]]:
        """The table's rows in key order, a batch at a time (found by key, not OFFSET)."""
        names = ", ".join((*keys, *columns))
        order = ", ".join(keys)  # the same collation as the comparison below
        after: tuple[Any, ...] | None = None
        while True:
            where = ""
            if after is not None:
                where = (f"WHERE ({', '.join(keys)}) > ({', '.join([self.mark] * len(keys))})")
            batch = self.conn().execute(f"SELECT {names} FROM {table} {where} ORDER BY {order}"
                                        f" LIMIT {BATCH}", after or ()).fetchall()
            if not batch:
                return
            yield [tuple(row) for row in batch]
            after = tuple(batch[-1][:len(keys)])

    def upsert(self, table: str, keys: Sequence[str], columns: Sequence[str],
               rows: list[tuple[Any, ...]]) -> None:
        names = (*keys, *columns)
        if self.postgres:
            rows = [tuple(bool(v) if (table, n) in _BOOLEAN and v is not None else v
                          for n, v in zip(names, row, strict=True)) for row in rows]
        update = ", ".join(f"{c} = excluded.{c}" for c in columns)
        sql = (f"INSERT INTO {table} ({', '.join(names)}) VALUES"
               f" ({', '.join([self.mark] * len(names))}) ON CONFLICT ({', '.join(keys)}) DO"
               f" UPDATE SET {update}")
        if self.postgres:
            with self.conn().transaction(), self.conn().cursor() as cursor:
                cursor.executemany(sql, rows)
        else:
            conn = self.conn()
            conn.execute("BEGIN")
            try:
                conn.executemany(sql, rows)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def log_count(self, execution_id: str) -> int:
        """The execution's rows, full or in compact records (``seq`` numbers them densely)."""
        full = self.conn().execute(f"SELECT MAX(seq) FROM row_log WHERE execution_id ="
                                   f" {self.mark}", (execution_id,)).fetchone()[0]
        batch = self.conn().execute(f"SELECT MAX(last_seq) FROM row_batch WHERE execution_id ="
                                    f" {self.mark}", (execution_id,)).fetchone()[0]
        return max(int(full or 0), int(batch or 0))

    def logs(self, execution_id: str) -> Iterator[list[tuple[Any, ...]]]:
        for page in self._pages(execution_id, "row_log", _LOG_COLUMNS, BATCH):
            yield [tuple(row) for row in page]

    def batches(self, execution_id: str) -> Iterator[tuple[Any, ...]]:
        """The execution's compact records (see ``log_batches``), a few at a time: each
        holds thousands of rows."""
        for page in self._pages(execution_id, "row_batch", BATCH_COLUMNS, 8):
            yield from (tuple(_packed(value) if name in ("numbers", "body", "sent") else value
                              for name, value in zip(BATCH_COLUMNS, row, strict=True))
                        for row in page)

    def _pages(self, execution_id: str, table: str, columns: Sequence[str],
               size: int) -> Iterator[list[Any]]:
        """The execution's rows of ``table`` in the order of ``columns[1]`` (its seq: ``seq``
        or ``first_seq``), ``size`` at a time, each page found by key, not OFFSET."""
        order = columns[1]
        after = 0
        while True:
            page = self.conn().execute(
                f"SELECT {', '.join(columns)} FROM {table} WHERE execution_id = {self.mark} AND"
                f" {order} > {self.mark} ORDER BY {order} LIMIT {size}",
                (execution_id, after)).fetchall()
            if not page:
                return
            yield page
            after = page[-1][1]

    def replace_logs(self, execution_id: str, batches: Iterator[list[tuple[Any, ...]]],
                     records: Iterator[tuple[Any, ...]]) -> int:
        """Put the execution's rows (full rows and compact records) in place of whatever part
        of them is here. Rows without a level number (old SQLite stores lack them) are
        numbered anew in seq order; such stores have no compact records."""
        counters: dict[str, int] = {}

        def numbered(batch: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
            out = []
            for row in batch:
                level_seq = row[7] if row[7] is not None else counters.get(row[2], 0) + 1
                counters[row[2]] = max(counters.get(row[2], 0), level_seq)
                out.append((*row[:7], level_seq))
            return out

        copied = 0
        insert_record = (f"INSERT INTO row_batch ({', '.join(BATCH_COLUMNS)}) VALUES"
                         f" ({', '.join([self.mark] * len(BATCH_COLUMNS))})")
        if self.postgres:
            conn = self.conn()
            with conn.transaction():
                for table in ("row_log", "row_batch"):
                    conn.execute(f"DELETE FROM {table} WHERE execution_id = %s", (execution_id,))
                with conn.cursor().copy(f"COPY row_log ({', '.join(_LOG_COLUMNS)}) FROM STDIN"
                                        ) as copy:
                    for batch in batches:
                        for row in numbered(batch):
                            copy.write_row(row)
                            copied += 1
                last = 0
                for record in records:
                    conn.execute(insert_record, record)
                    copied += _rows_in(record)
                    last = max(last, record[2])
                    counters[record[3]] = max(counters.get(record[3], 0), record[5])
                conn.execute("DELETE FROM log_counter WHERE execution_id = %s", (execution_id,))
                conn.execute("INSERT INTO log_counter SELECT %s, '', GREATEST(%s, (SELECT"
                             " COALESCE(MAX(seq), 0) FROM row_log WHERE execution_id = %s))",
                             (execution_id, last, execution_id))
                for level, level_last in counters.items():
                    conn.execute("INSERT INTO log_counter VALUES (%s, %s, %s)",
                                 (execution_id, level, level_last))
            return copied
        conn = self.conn()
        conn.execute("BEGIN")
        try:
            for table in ("row_log", "row_batch"):
                conn.execute(f"DELETE FROM {table} WHERE execution_id = ?", (execution_id,))
            for batch in batches:
                rows = numbered(batch)
                conn.executemany(f"INSERT INTO row_log ({', '.join(_LOG_COLUMNS)}) VALUES"
                                 " (?, ?, ?, ?, ?, ?, ?, ?)", rows)
                copied += len(rows)
            for record in records:
                conn.execute(insert_record, record)
                copied += _rows_in(record)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return copied

    def finish(self) -> None:
        """After explicit ids went in, the id generator starts past them."""
        if self.postgres:
            self.conn().execute("SELECT setval(pg_get_serial_sequence('alarm_event', 'id'),"
                                " GREATEST(MAX(id), 1)) FROM alarm_event")


def transfer(source: Store, target: Store,
             progress: Callable[[str, int], None] = lambda table, count: None
             ) -> TransferReport:
    """Copy every table of ``source`` into ``target``; ``progress(table, rows)`` after each
    batch. Safe to run again: nothing is duplicated and what changed is brought up to date."""
    src, dst = _Side(source), _Side(target)
    report = TransferReport()
    for table, (keys, columns) in TABLES.items():
        report.copied[table] = 0
        for batch in src.rows(table, keys, columns):
            dst.upsert(table, keys, columns, batch)
            report.copied[table] += len(batch)
            progress(table, report.copied[table])
        if table == "execution":
            _copy_logs(src, dst, report, progress)
    dst.finish()
    return report


def _copy_logs(src: _Side, dst: _Side, report: TransferReport,
               progress: Callable[[str, int], None]) -> None:
    report.copied["row_log"] = 0
    for batch in src.rows("execution", ("id",), ()):
        for (execution_id,) in batch:
            have = src.log_count(execution_id)
            if have == dst.log_count(execution_id):
                report.logs_kept += 1
                continue
            report.copied["row_log"] += dst.replace_logs(execution_id, src.logs(execution_id),
                                                         src.batches(execution_id))
            progress("row_log", report.copied["row_log"])




def _rows_in(record: tuple[Any, ...]) -> int:
    """How many rows a compact record holds (see ``log_batches.spans``)."""
    return len(spans(record[BATCH_COLUMNS.index("numbers")])[0])


def _packed(value: Any) -> Any:
    """A record's body as bytes for either store (the first records kept text)."""
    return value.encode() if isinstance(value, str) else value
