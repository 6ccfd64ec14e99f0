"""The shared store: executions, row logs, payloads and write order in PostgreSQL (psycopg 3).

Several ``console serve`` hosts use one database, so every promise the SQLite store keeps with
one process's locks is kept here by the database: admission counts and inserts under a
per-flow transaction lock, log numbering comes from a counter row per execution and level
(locked by the batch that takes numbers), and the newest-write claims are one upsert whose
row locks order concurrent claims. Row logs go in with ``COPY``; they are read by key
(``seq``, ``level_seq``) as in the SQLite store, so any page costs what the first does.
Each thread has its own connection in autocommit mode; ``transaction()`` groups calls.
"""

from __future__ import annotations

import json
import threading
import uuid
from array import array
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from console.store.execution_sql import ExecutionSQL
from console.store.log_batches import COLUMNS as BATCH_COLUMNS
from console.store.log_batches import (
    Expander,
    Item,
    key_range,
    matches,
    needle,
    number,
    per_level,
    row_count,
)
from console.store.postgres_health import HealthQueries
from console.store.postgres_schema import WORTH_READING, migrate
from console.store.protocol import Enqueue
from console.store.records import (
    ACTIVE,
    SAMPLE_RECORDS,
    AdmissionRefused,
    Execution,
    StoreUnavailable,
    compact_json,
    now,
    refuse_unstorable,
    stamp,
)
from console.store.threads import ThreadConnections
from console.surrogates import escaped

Connection = psycopg.Connection[tuple[Any, ...]]
ADMISSION_LOCK = 0x61646D69  # advisory lock class of admissions ("admi"), one lock per flow
WRITE_LOCK = 0x77726974  # advisory lock class of newest-wins writes ("writ"), one per flow
_EXECUTION = ("id, flow_id, trigger, params, triggered_by, status, total, succeeded, failed,"
              " started_at, finished_at, error, attributes, payload_id, retry_of, expected,"
              " records_read, skipped, accepted_seq")
_INSERT_EXECUTION = ("INSERT INTO execution (id, flow_id, trigger, params, triggered_by, status,"
                     " started_at, payload_id, retry_of, accepted_seq) VALUES (%s, %s, %s, %s,"
                     " %s, %s, %s, %s, %s, %s)")


def _execution(r: tuple[Any, ...]) -> Execution:
    return Execution(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], r[7], r[8], r[9],
                     r[10], r[11], json.loads(r[12]), r[13], r[14], r[15], r[16], r[17], r[18])


def redacted(url: str) -> str:
    """The connection string without its user and password, for messages and screens."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


class PostgresStore(ExecutionSQL, HealthQueries):
    """The store in a PostgreSQL database; the schema is created or upgraded on open."""

    _MARK = "%s"

    def __init__(self, url: str) -> None:
        self.url = url
        self._threads = ThreadConnections(self._connect, lambda conn: not conn.closed)
        self._lock = threading.Lock()
        self._encode = compact_json()
        self._search: tuple[tuple[Any, ...], array[int]] | None = None
        self._expand = Expander()
        migrate(self._conn())

    @property
    def location(self) -> str:
        return redacted(self.url)

    def _connect(self) -> Connection:
        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise StoreUnavailable(f"cannot connect to the store {self.location}: "
                                   f"{str(exc).strip()}") from None

    def _conn(self) -> Connection:
        return self._threads.get()

    def transaction(self) -> AbstractContextManager[Any]:
        """One transaction over the calls made inside it on this thread (nested ones become
        savepoints): ``with store.transaction(): store.admit(...); queue the job``."""
        return self._conn().transaction()

    def close(self) -> None:
        self._threads.close()

    def _one(self, sql: str, args: Iterable[Any] = ()) -> tuple[Any, ...] | None:
        return self._conn().execute(sql, tuple(args)).fetchone()

    # --- Executions ----------------------------------------------------------------------

    def create(self, flow_id: str, trigger: str, params: dict[str, str], triggered_by: str, *,
               payload_id: str | None = None, retry_of: str | None = None,
               accepted_seq: int | None = None) -> Execution:
        return self.admit(flow_id, trigger, params, triggered_by, payload_id=payload_id,
                          retry_of=retry_of, accepted_seq=accepted_seq)

    def admit(self, flow_id: str, trigger: str, params: dict[str, str], triggered_by: str, *,
              body: str | None = None, payload_id: str | None = None,
              retry_of: str | None = None, accepted_seq: int | None = None,
              limit: int | None = None, enqueue: Enqueue | None = None) -> Execution:
        """Create a processing execution (and store its payload) in one transaction that holds
        the flow's admission lock, so the cap holds across every host and connection."""
        execution_id = uuid.uuid4().hex[:12]
        conn = self._conn()
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                         (ADMISSION_LOCK, flow_id))
            if limit is not None:
                active = self.active_count(flow_id)
                if active >= limit:
                    raise AdmissionRefused(active)
            if body is not None:
                payload_id = self.save_payload(flow_id, body)
            if accepted_seq is None:
                row = conn.execute("SELECT COALESCE(MAX(accepted_seq), 0) + 1 FROM execution"
                                   " WHERE flow_id = %s", (flow_id,)).fetchone()
                accepted_seq = int(row[0]) if row else 1
            conn.execute(_INSERT_EXECUTION, (execution_id, flow_id, trigger, json.dumps(params),
                                             triggered_by, ACTIVE, stamp(), payload_id,
                                             retry_of, accepted_seq))
            if enqueue is not None:
                enqueue(conn, execution_id)
        found = self.execution(execution_id)
        assert found is not None
        return found

    def execution(self, execution_id: str) -> Execution | None:
        row = self._one(f"SELECT {_EXECUTION} FROM execution WHERE id = %s", (execution_id,))
        return _execution(row) if row else None

    def executions(self, flow_id: str | None = None, limit: int = 200) -> list[Execution]:
        where, args = ("WHERE flow_id = %s", [flow_id]) if flow_id else ("", [])
        rows = self._conn().execute(f"SELECT {_EXECUTION} FROM execution {where} ORDER BY"
                                    " started_at DESC LIMIT %s", (*args, limit))
        return [_execution(r) for r in rows]

    def active_count(self, flow_id: str) -> int:
        row = self._one("SELECT COUNT(*) FROM execution WHERE flow_id = %s AND status = %s",
                        (flow_id, ACTIVE))
        return int(row[0]) if row else 0

    def active(self) -> list[Execution]:
        rows = self._conn().execute(f"SELECT {_EXECUTION} FROM execution WHERE status = %s"
                                    " ORDER BY started_at", (ACTIVE,))
        return [_execution(r) for r in rows]

    # --- Row logs ------------------------------------------------------------------------

    def add_logs(self, execution_id: str, entries: Iterable[Item]) -> None:
        """Append rows in one transaction with ``COPY`` (rows that only say a row was written
        go into one compact record, see ``log_batches``); their numbers come from counter
        rows whose locks make concurrent batches of one execution (any host) take turns."""
        listed = list(entries)
        if not listed:
            return
        created = stamp()
        conn = self._conn()
        with conn.transaction():
            seq = self._take(conn, execution_id, "", row_count(listed))
            counters = {level: self._take(conn, execution_id, level, n)
                        for level, n in sorted(per_level(listed).items())}
            with self._lock:
                full, batches = number(listed, seq, counters, self._encode)
            with conn.cursor().copy("COPY row_log (execution_id, seq, level, key, message,"
                                    " payload, created_at, level_seq) FROM STDIN") as copy:
                for row in full:
                    copy.write_row((execution_id, *row[:5], created, row[5]))
            if batches:
                with conn.cursor() as cursor:
                    cursor.executemany(f"INSERT INTO row_batch ({', '.join(BATCH_COLUMNS)})"
                                       f" VALUES ({', '.join(['%s'] * len(BATCH_COLUMNS))})",
                                       [batch.values(execution_id, created)
                                        for batch in batches])

    def _encoded(self, payload: Any) -> str:
        with self._lock:
            return self._encode(payload)

    @staticmethod
    def _take(conn: Connection, execution_id: str, level: str, count: int) -> int:
        """Reserve ``count`` numbers of an execution's sequence (``level`` '' is the whole
        log); returns the last number given before them."""
        row = conn.execute(
            "INSERT INTO log_counter VALUES (%s, %s, %s) ON CONFLICT (execution_id, level)"
            " DO UPDATE SET last = log_counter.last + EXCLUDED.last RETURNING last",
            (execution_id, level, count)).fetchone()
        assert row is not None
        return int(row[0]) - count

    def log(self, execution_id: str, level: str, message: str, key: str | None = None,
            payload: Any = None) -> None:
        self.add_logs(execution_id, [(level, key, message, payload)])

    def count_logs(self, execution_id: str, *, level: str | None = None,
                   search: str | None = None) -> int:
        if search:
            return len(self._search_seqs(execution_id, level, search))
        return self._last(execution_id, level)

    def _last(self, execution_id: str, level: str | None) -> int:
        """The last position of the full view (``level`` None) or of a level's view."""
        if level is None:
            full = self._one("SELECT MAX(seq) FROM row_log WHERE execution_id = %s",
                             (execution_id,))
            batch = self._one("SELECT last_seq FROM row_batch WHERE execution_id = %s ORDER BY"
                              " first_seq DESC LIMIT 1", (execution_id,))
        else:
            full = self._one("SELECT MAX(level_seq) FROM row_log WHERE execution_id = %s AND"
                             " level = %s", (execution_id, level))
            batch = self._one("SELECT last_level_seq FROM row_batch WHERE execution_id = %s AND"
                              " level = %s ORDER BY first_level_seq DESC LIMIT 1",
                              (execution_id, level))
        return max(int(full[0] or 0) if full else 0, int(batch[0]) if batch else 0)

    def _one_of(self, column: str, numbers: list[int]) -> tuple[str, list[Any]]:
        return f"{column} = ANY(?::bigint[])", [numbers]

    def _search_found(self, execution_id: str, level: str | None, search: str) -> list[int]:
        """Rows whose key starts with ``search`` (indexed, or by the lines of a compact
        record's keys) and rows worth reading whose key or message contains it."""
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        only = " AND level = %(level)s" if level else ""
        sql = (f"SELECT seq FROM row_log WHERE execution_id = %(e)s AND"
               f" key >= %(low)s AND key < %(high)s{only} UNION SELECT seq FROM row_log WHERE"
               f" execution_id = %(e)s AND {WORTH_READING} AND (key ILIKE %(like)s OR message"
               f" ILIKE %(like)s){only}")
        upper, lower = key_range(search)
        args = {"e": execution_id, "low": search, "high": search + "\U0010ffff", "like": pattern,
                "level": level, "needle": needle(search), "upper": upper, "lower": lower}
        conn = self._conn()
        found = [row[0] for row in conn.execute(sql, args)]
        for numbers, keys in conn.execute(f"SELECT numbers, keys FROM row_batch WHERE"
                                          f" execution_id = %(e)s{only} AND low_key <"
                                          " %(upper)s AND high_key >= %(lower)s AND"
                                          " strpos(keys, %(needle)s) > 0", args):
            found.extend(matches(numbers, keys, search))
        return found

    # --- Flow state, payloads, samples, pruning ------------------------------------------

    def last_request(self, flow_id: str) -> datetime | None:
        row = self._one("SELECT last_request FROM flow_state WHERE flow_id = %s", (flow_id,))
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def set_last_request(self, flow_id: str, moment: datetime) -> None:
        self._conn().execute("INSERT INTO flow_state VALUES (%s, %s) ON CONFLICT (flow_id) DO"
                             " UPDATE SET last_request = EXCLUDED.last_request",
                             (flow_id, stamp(moment)))

    def save_payload(self, flow_id: str, body: str) -> str:
        payload_id = uuid.uuid4().hex[:12]
        self._conn().execute("INSERT INTO payload VALUES (%s, %s, %s, %s)",
                             (payload_id, flow_id, escaped(body), stamp()))
        return payload_id

    def payload(self, payload_id: str) -> str | None:
        row = self._one("SELECT body FROM payload WHERE id = %s", (payload_id,))
        return row[0] if row else None

    def drop_payload(self, payload_id: str) -> None:
        self._conn().execute("DELETE FROM payload WHERE id = %s", (payload_id,))

    def save_sample(self, execution_id: str, flow_id: str, records: list[Any]) -> None:
        body = escaped(json.dumps(records[:SAMPLE_RECORDS], ensure_ascii=False, default=str))
        self._conn().execute(
            "INSERT INTO input_sample VALUES (%s, %s, %s, %s) ON CONFLICT (execution_id) DO"
            " UPDATE SET flow_id = EXCLUDED.flow_id, body = EXCLUDED.body, created_at ="
            " EXCLUDED.created_at", (execution_id, flow_id, body, stamp()))

    def last_sample(self, flow_id: str) -> str | None:
        row = self._one("SELECT body FROM input_sample WHERE flow_id = %s ORDER BY created_at"
                        " DESC LIMIT 1", (flow_id,))
        return row[0] if row else None

    def prune(self, older_than_days: int) -> int:
        """Drop the row logs, counters and samples of finished executions started before the
        cutoff, and payloads received before it that no processing execution needs."""
        cutoff = stamp(now() - timedelta(days=older_than_days))
        conn = self._conn()
        with conn.transaction():
            old = [r[0] for r in conn.execute("SELECT id FROM execution WHERE started_at < %s"
                                              " AND status != %s", (cutoff, ACTIVE))]
            for table in ("row_log", "row_batch", "log_counter", "input_sample"):
                conn.execute(f"DELETE FROM {table} WHERE execution_id = ANY(%s::text[])", (old,))
            conn.execute("DELETE FROM payload WHERE received_at < %s AND id NOT IN (SELECT"
                         " payload_id FROM execution WHERE payload_id IS NOT NULL AND status ="
                         " %s)", (cutoff, ACTIVE))
        return len(old)

    def checklist(self) -> dict[str, tuple[str, str, str, str]]:
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in self._conn().execute(
            "SELECT step, status, notes, detail, updated_at FROM oms_setup")}

    def save_checklist_step(self, step: str, status: str, notes: str, detail: str,
                            updated_at: str) -> None:
        self._conn().execute(
            "INSERT INTO oms_setup VALUES (%s, %s, %s, %s, %s) ON CONFLICT (step) DO UPDATE SET"
            " status = EXCLUDED.status, notes = EXCLUDED.notes, detail = EXCLUDED.detail,"
            " updated_at = EXCLUDED.updated_at", (step, status, notes, detail, updated_at))

    # --- Write order and recovery --------------------------------------------------------

    def claim_newest(self, flow_id: str, accepted_seq: int, execution_id: str,
                     keys: Iterable[str]) -> dict[str, str]:
        """One upsert per chunk claims each key unless a later-accepted execution holds it;
        the upsert's row locks make a concurrent claim of the same key (another host) wait
        and then see this one. Keys go in sorted order so two claims cannot deadlock."""
        wanted = sorted(set(keys))
        try:
            return self._claim(flow_id, accepted_seq, execution_id, wanted)
        except UnicodeEncodeError:  # a lone surrogate: nothing was claimed (rolled back)
            refuse_unstorable(wanted)
            raise

    def _claim(self, flow_id: str, accepted_seq: int, execution_id: str, wanted: list[str]
               ) -> dict[str, str]:
        newer: dict[str, str] = {}
        conn = self._conn()
        with conn.transaction():
            for start in range(0, len(wanted), 5000):
                chunk = wanted[start:start + 5000]
                claimed = {r[0] for r in conn.execute(
                    "INSERT INTO newest_accepted (flow_id, key, accepted_seq, execution_id)"
                    " SELECT %s, k, %s, %s FROM unnest(%s::text[]) WITH ORDINALITY AS u(k, n)"
                    " ORDER BY n ON CONFLICT (flow_id, key) DO UPDATE SET accepted_seq ="
                    " EXCLUDED.accepted_seq, execution_id = EXCLUDED.execution_id WHERE"
                    " EXCLUDED.accepted_seq >= newest_accepted.accepted_seq RETURNING key",
                    (flow_id, accepted_seq, execution_id, chunk))}
                refused = [key for key in chunk if key not in claimed]
                if refused:
                    newer.update(conn.execute(
                        "SELECT key, execution_id FROM newest_accepted WHERE flow_id = %s AND"
                        " key = ANY(%s::text[])", (flow_id, refused)).fetchall())
        return newer

    @contextmanager
    def write_lock(self, flow_id: str) -> Iterator[None]:
        """The flow's write lock is a session advisory lock of this thread's connection: any
        thread or host waits for it, and it goes away with a host that dies."""
        conn = self._conn()
        conn.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (WRITE_LOCK, flow_id))
        try:
            yield
        finally:
            if not conn.closed:
                conn.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", (WRITE_LOCK, flow_id))

    def mark_interrupted(self, execution_ids: Iterable[str] | None = None,
                         reason: str = "the runner stopped during this run") -> list[Execution]:
        ids = None if execution_ids is None else list(execution_ids)
        rows = self._conn().execute(
            "UPDATE execution SET status = 'interrupted', finished_at = %s, error = %s,"
            " resume_pending = TRUE WHERE status = %s AND (%s::text[] IS NULL OR id ="
            f" ANY(%s::text[])) RETURNING {_EXECUTION}", (stamp(), reason, ACTIVE, ids, ids)).fetchall()
        # The executions as they were (processing), as the SQLite store returns them.
        return sorted((_processing(_execution(r)) for r in rows), key=lambda e: e.started_at)

    def resumable(self) -> list[Execution]:
        rows = self._conn().execute(f"SELECT {_EXECUTION} FROM execution WHERE resume_pending"
                                    " ORDER BY flow_id, accepted_seq, started_at")
        return [_execution(r) for r in rows]

    def resume(self, old: Execution) -> Execution | None:
        execution_id = uuid.uuid4().hex[:12]
        conn = self._conn()
        with conn.transaction():
            taken = conn.execute("UPDATE execution SET resume_pending = FALSE WHERE id = %s AND"
                                 " resume_pending", (old.id,)).rowcount
            if taken:
                conn.execute(_INSERT_EXECUTION, (
                    execution_id, old.flow_id, old.trigger, json.dumps(old.params),
                    f"recovery of {old.id}", ACTIVE, stamp(), old.payload_id,
                    old.retry_of or old.id, old.accepted_seq))
        return self.execution(execution_id) if taken else None


def _processing(execution: Execution) -> Execution:
    from dataclasses import replace

    return replace(execution, status=ACTIVE, finished_at=None, error=None)
