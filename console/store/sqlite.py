"""The embedded store: executions, per-row logs, per-flow state and outbound payloads in SQLite.

One file, nothing to install: what a single ``console serve`` uses by default. WAL mode lets the console read while the runner writes. Each thread gets its own connection.
Row logs are serialized and inserted per batch (one transaction per batch) to keep the per-row
cost low, and are read by key, never by ``OFFSET`` over an execution's rows: ``seq`` numbers an
execution's rows 1, 2, 3... and ``level_seq`` numbers them within their level, so row N of the
full view or of the errors-only view is one index lookup at any size.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from array import array
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from console.fastjson import orjson
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
from console.store.protocol import Enqueue
from console.store.records import (
    ACTIVE,
    SAMPLE_RECORDS,
    AdmissionRefused,
    Execution,
    compact_json,
    now,
    refuse_unstorable,
    stamp,
)
from console.store.sqlite_health import HealthQueries
from console.store.threads import ThreadConnections
from console.surrogates import escaped

_SCHEMA = """
CREATE TABLE IF NOT EXISTS execution (
    id TEXT PRIMARY KEY, flow_id TEXT NOT NULL, trigger TEXT NOT NULL, params TEXT NOT NULL,
    triggered_by TEXT NOT NULL, status TEXT NOT NULL, total INTEGER NOT NULL DEFAULT 0,
    succeeded INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,
    started_at TEXT NOT NULL, finished_at TEXT, error TEXT, attributes TEXT NOT NULL DEFAULT '{}',
    payload_id TEXT, retry_of TEXT, expected INTEGER, records_read INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0, accepted_seq INTEGER,
    resume_pending INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS execution_flow ON execution (flow_id, started_at);
CREATE INDEX IF NOT EXISTS execution_status ON execution (status);
CREATE TABLE IF NOT EXISTS row_log (
    id INTEGER PRIMARY KEY, execution_id TEXT NOT NULL, seq INTEGER NOT NULL, level TEXT NOT NULL,
    key TEXT, message TEXT NOT NULL, payload TEXT, created_at TEXT NOT NULL, level_seq INTEGER);
CREATE INDEX IF NOT EXISTS row_log_execution ON row_log (execution_id, seq);
CREATE TABLE IF NOT EXISTS flow_state (flow_id TEXT PRIMARY KEY, last_request TEXT);
CREATE TABLE IF NOT EXISTS payload (id TEXT PRIMARY KEY, flow_id TEXT NOT NULL, body TEXT NOT NULL,
    received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS newest_accepted (flow_id TEXT NOT NULL, key TEXT NOT NULL,
    accepted_seq INTEGER NOT NULL, execution_id TEXT NOT NULL, PRIMARY KEY (flow_id, key))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS oms_setup (step TEXT PRIMARY KEY, status TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '', updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS input_sample (execution_id TEXT PRIMARY KEY, flow_id TEXT NOT NULL,
    body TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS row_batch (
    execution_id TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL,
    level TEXT NOT NULL, first_level_seq INTEGER NOT NULL, last_level_seq INTEGER NOT NULL,
    low_key TEXT NOT NULL, high_key TEXT NOT NULL, created_at TEXT NOT NULL,
    numbers BLOB NOT NULL, keys TEXT NOT NULL, body BLOB NOT NULL, sent BLOB,
    PRIMARY KEY (execution_id, first_seq));
CREATE INDEX IF NOT EXISTS row_batch_level ON row_batch (execution_id, level, first_level_seq);
"""
_WORTH_READING = "(level IN ('warning', 'error') OR key IS NULL)"
"""Rows whose whole text a search reads: warnings, errors and the execution's own lines
(those without a key: pages read, retries). Any other row is found by its key (SKU, order
number: exact or prefix, through an index), so a search never reads a million 'stock
written' lines. Spelled once: the partial index and the query must say it alike."""
_LOG_INDEXES = f"""
CREATE INDEX IF NOT EXISTS row_log_level ON row_log (execution_id, level, level_seq);
CREATE INDEX IF NOT EXISTS row_log_key ON row_log (execution_id, key);
CREATE INDEX IF NOT EXISTS row_log_worth_reading ON row_log (execution_id, seq, key, message)
    WHERE {_WORTH_READING};
"""
_payload_text = compact_json()
_write_locks: dict[tuple[str, str], threading.Lock] = {}
_write_locks_guard = threading.Lock()


def _search_query(execution_id: str, level: str | None, search: str) -> tuple[str, list[Any]]:
    """The seqs of full rows whose key starts with ``search`` (indexed) and of rows worth
    reading whose key or message contains it (a scan of the covering partial index, see
    ``_WORTH_READING``)."""
    pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    only = " AND level = ?" if level else ""
    sql = ("SELECT seq FROM row_log WHERE execution_id = ? AND key >= ?"
           f" AND key < ?{only} UNION SELECT seq FROM row_log INDEXED BY"
           f" row_log_worth_reading WHERE execution_id = ? AND {_WORTH_READING}"
           f" AND (key LIKE ? ESCAPE '\\' OR message LIKE ? ESCAPE '\\'){only}")
    level_arg = [level] if level else []
    return sql, [execution_id, search, search + "\U0010ffff", *level_arg, execution_id,
                 pattern, pattern, *level_arg]


def _execution(row: sqlite3.Row) -> Execution:
    return Execution(row["id"], row["flow_id"], row["trigger"], json.loads(row["params"]),
                     row["triggered_by"], row["status"], row["total"], row["succeeded"],
                     row["failed"], row["started_at"], row["finished_at"], row["error"],
                     json.loads(row["attributes"]), row["payload_id"], row["retry_of"],
                     row["expected"], row["records_read"], row["skipped"], row["accepted_seq"])


def _use_wal(conn: sqlite3.Connection, wait_s: float = 30.0) -> None:
    """Put the file in WAL mode. Switching a new file takes a lock SQLite does not wait for
    through its busy handler: when two processes create one store at once (a console and the
    runner it starts), the loser retries here instead of failing with "database is locked"."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


class SQLiteStore(ExecutionSQL, HealthQueries):
    """The store in one SQLite file (created with its folder if missing)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._threads = ThreadConnections(self._connect)
        self._seq_lock = threading.Lock()
        self._writes = threading.Lock()
        """Taken by this process's hot write transactions (row logs, newest-wins claims), so a
        thread waits for another's to end on a lock that wakes it at once, instead of in
        SQLite's busy handler, which sleeps in growing steps between tries."""
        self._seqs: dict[tuple[str, str | None], int] = {}
        self._search: tuple[tuple[Any, ...], array[int]] | None = None
        self._expand = Expander()
        self._conn().executescript(_SCHEMA)
        self._migrate()
        self._create_health_schema()

    def _migrate(self) -> None:
        """Add the columns a store made by an earlier version lacks."""
        conn = self._conn()
        columns = {row["name"] for row in conn.execute("PRAGMA table_info(execution)")}
        if "expected" not in columns:
            conn.execute("ALTER TABLE execution ADD COLUMN expected INTEGER")
        if "records_read" not in columns:
            conn.execute("ALTER TABLE execution ADD COLUMN records_read INTEGER NOT NULL DEFAULT 0")
        if "skipped" not in columns:
            conn.execute("ALTER TABLE execution ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0")
        if "accepted_seq" not in columns:
            conn.execute("ALTER TABLE execution ADD COLUMN accepted_seq INTEGER")
        if "resume_pending" not in columns:
            conn.execute("ALTER TABLE execution ADD COLUMN resume_pending INTEGER NOT NULL DEFAULT 0")
        conn.execute("CREATE INDEX IF NOT EXISTS execution_accepted ON execution"
                     " (flow_id, accepted_seq)")
        if "level_seq" not in {row["name"] for row in conn.execute("PRAGMA table_info(row_log)")}:
            conn.execute("ALTER TABLE row_log ADD COLUMN level_seq INTEGER")
        conn.executescript(_LOG_INDEXES)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                               check_same_thread=False)
        conn.row_factory = sqlite3.Row
        _use_wal(conn)
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _conn(self) -> sqlite3.Connection:
        return self._threads.get()

    @property
    def location(self) -> str:
        return str(self.path)

    def close(self) -> None:
        """Close every thread's connection; a later call opens a new one."""
        self._threads.close()

    def create(self, flow_id: str, trigger: str, params: dict[str, str], triggered_by: str, *,
               payload_id: str | None = None, retry_of: str | None = None,
               accepted_seq: int | None = None) -> Execution:
        return self.admit(flow_id, trigger, params, triggered_by, payload_id=payload_id,
                          retry_of=retry_of, accepted_seq=accepted_seq)

    def add_logs(self, execution_id: str, entries: Iterable[Item]) -> None:
        """Append (level, key, message, payload) rows in one transaction.

        Rows that only say a row was written go into one compact record (see
        ``log_batches``); the others are full rows, their payloads encoded as compact JSON
        with one encoder for the whole batch. Seqs are given and the rows inserted under one
        lock, so rows land in seq order even when several threads log to the same execution.
        """
        listed = list(entries)
        if not listed:
            return
        created = stamp()
        with self._seq_lock:
            seq = self._next(execution_id, None)
            counters = {level: self._next(execution_id, level) for level in per_level(listed)}
            full, batches = number(listed, seq, counters, _payload_text)
            with self._writes:
                conn = self._conn()
                conn.execute("BEGIN")
                try:
                    conn.executemany("INSERT INTO row_log (execution_id, seq, level, key, message,"
                                     " payload, created_at, level_seq) VALUES (?, ?, ?, ?, ?, ?, ?,"
                                     " ?)", [(execution_id, *row[:5], created, row[5])
                                             for row in full])
                    if batches:
                        conn.executemany(f"INSERT INTO row_batch ({', '.join(BATCH_COLUMNS)})"
                                         f" VALUES ({', '.join('?' * len(BATCH_COLUMNS))})",
                                         [batch.values(execution_id, created)
                                          for batch in batches])
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            self._seqs[(execution_id, None)] = seq + row_count(listed)
            self._seqs.update({(execution_id, level): n for level, n in counters.items()})

    def _next(self, execution_id: str, level: str | None) -> int:
        """The last seq (or level seq) given in an execution; read once, then kept."""
        known = self._seqs.get((execution_id, level))
        if known is not None:
            return known
        return self._last(execution_id, level) or 0

    def _last(self, execution_id: str, level: str | None) -> int | None:
        """The last position of the full view (``level`` None) or of a level's view, over
        full rows and compact records; None when no row has one."""
        conn = self._conn()
        if level is None:
            full = conn.execute("SELECT MAX(seq) FROM row_log WHERE execution_id = ?",
                                (execution_id,)).fetchone()[0]
            batch = conn.execute("SELECT last_seq FROM row_batch WHERE execution_id = ?"
                                 " ORDER BY first_seq DESC LIMIT 1", (execution_id,)).fetchone()
        else:
            full = conn.execute("SELECT MAX(level_seq) FROM row_log WHERE execution_id = ? AND"
                                " level = ?", (execution_id, level)).fetchone()[0]
            batch = conn.execute("SELECT last_level_seq FROM row_batch WHERE execution_id = ?"
                                 " AND level = ? ORDER BY first_level_seq DESC LIMIT 1",
                                 (execution_id, level)).fetchone()
        found = [n for n in (full, batch[0] if batch else None) if n is not None]
        return max(found) if found else None

    def log(self, execution_id: str, level: str, message: str, key: str | None = None,
            payload: Any = None) -> None:
        self.add_logs(execution_id, [(level, key, message, payload)])

    def execution(self, execution_id: str) -> Execution | None:
        row = self._conn().execute("SELECT * FROM execution WHERE id = ?", (execution_id,)).fetchone()
        return _execution(row) if row else None

    def executions(self, flow_id: str | None = None, limit: int = 200) -> list[Execution]:
        if flow_id:
            rows = self._conn().execute("SELECT * FROM execution WHERE flow_id = ? ORDER BY"
                                        " started_at DESC LIMIT ?", (flow_id, limit))
        else:
            rows = self._conn().execute("SELECT * FROM execution ORDER BY started_at DESC LIMIT ?",
                                        (limit,))
        return [_execution(r) for r in rows]

    def active_count(self, flow_id: str) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM execution WHERE flow_id = ? AND"
                                        " status = ?", (flow_id, ACTIVE)).fetchone()[0])

    def active(self) -> list[Execution]:
        rows = self._conn().execute("SELECT * FROM execution WHERE status = ?", (ACTIVE,))
        return [_execution(r) for r in rows]

    def count_logs(self, execution_id: str, *, level: str | None = None,
                   search: str | None = None) -> int:
        """Rows in the view; without a search this is an index lookup, not a count."""
        if search:
            return len(self._search_seqs(execution_id, level, search))
        last = self._last(execution_id, level)
        if last is None and level is not None:  # rows logged before level_seq existed
            return int(self._conn().execute("SELECT COUNT(*) FROM row_log WHERE execution_id"
                                            " = ? AND level = ?", (execution_id, level)
                                            ).fetchone()[0])
        return last or 0

    def _search_found(self, execution_id: str, level: str | None, search: str) -> list[int]:
        sql, args = _search_query(execution_id, level, search)
        conn = self._conn()
        found = [row[0] for row in conn.execute(sql, args)]
        only = " AND level = ?" if level else ""
        for numbers, keys in conn.execute(
                f"SELECT numbers, keys FROM row_batch WHERE execution_id = ?{only} AND"
                " low_key < ? AND high_key >= ? AND instr(keys, ?) > 0",
                [execution_id, *([level] if level else []), *key_range(search),
                 needle(search)]):
            found.extend(matches(numbers, keys, search))
        return found

    def _level_keyed(self, execution_id: str, level: str) -> bool:
        """Whether every row of this level has its level seq (stores from before it had none)."""
        return self._conn().execute("SELECT 1 FROM row_log WHERE execution_id = ? AND level = ?"
                                    " AND level_seq IS NULL LIMIT 1", (execution_id, level)
                                    ).fetchone() is None

    def last_request(self, flow_id: str) -> datetime | None:
        row = self._conn().execute("SELECT last_request FROM flow_state WHERE flow_id = ?",
                                   (flow_id,)).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def set_last_request(self, flow_id: str, moment: datetime) -> None:
        self._conn().execute("INSERT INTO flow_state VALUES (?, ?) ON CONFLICT (flow_id) DO UPDATE"
                             " SET last_request = excluded.last_request", (flow_id, stamp(moment)))

    def save_payload(self, flow_id: str, body: str) -> str:
        payload_id = uuid.uuid4().hex[:12]
        self._conn().execute("INSERT INTO payload VALUES (?, ?, ?, ?)",
                             (payload_id, flow_id, escaped(body), stamp()))
        return payload_id

    def payload(self, payload_id: str) -> str | None:
        row = self._conn().execute("SELECT body FROM payload WHERE id = ?", (payload_id,)).fetchone()
        return row[0] if row else None

    def drop_payload(self, payload_id: str) -> None:
        """Forget a payload once its execution has logged every row of it."""
        self._conn().execute("DELETE FROM payload WHERE id = ?", (payload_id,))

    def save_sample(self, execution_id: str, flow_id: str, records: list[Any]) -> None:
        """Keep the start of an execution's input so the console can test against it."""
        body = escaped(json.dumps(records[:SAMPLE_RECORDS], ensure_ascii=False, default=str))
        self._conn().execute("INSERT OR REPLACE INTO input_sample VALUES (?, ?, ?, ?)",
                             (execution_id, flow_id, body, stamp()))

    def last_sample(self, flow_id: str) -> str | None:
        row = self._conn().execute("SELECT body FROM input_sample WHERE flow_id = ? ORDER BY"
                                   " created_at DESC LIMIT 1", (flow_id,)).fetchone()
        return row[0] if row else None

    def prune(self, older_than_days: int) -> int:
        cutoff = stamp(now() - timedelta(days=older_than_days))
        conn = self._conn()
        old = [r[0] for r in conn.execute("SELECT id FROM execution WHERE started_at < ? AND status"
                                          " != ?", (cutoff, ACTIVE))]
        for execution_id in old:
            conn.execute("DELETE FROM row_log WHERE execution_id = ?", (execution_id,))
            conn.execute("DELETE FROM row_batch WHERE execution_id = ?", (execution_id,))
            conn.execute("DELETE FROM input_sample WHERE execution_id = ?", (execution_id,))
        conn.execute("DELETE FROM payload WHERE received_at < ? AND id NOT IN (SELECT payload_id"
                     " FROM execution WHERE payload_id IS NOT NULL AND status = ?)", (cutoff, ACTIVE))
        return len(old)

    def checklist(self) -> dict[str, tuple[str, str, str, str]]:
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in self._conn().execute(
            "SELECT step, status, notes, detail, updated_at FROM oms_setup")}

    def save_checklist_step(self, step: str, status: str, notes: str, detail: str,
                            updated_at: str) -> None:
        self._conn().execute("INSERT OR REPLACE INTO oms_setup VALUES (?, ?, ?, ?, ?)",
                             (step, status, notes, detail, updated_at))

    # --- Admission, write order and recovery: what keeps one runner's promises -------------

    def write_lock(self, flow_id: str) -> threading.Lock:
        """One lock per flow and store file in this process: the store has one runner."""
        with _write_locks_guard:
            return _write_locks.setdefault((str(self.path), flow_id), threading.Lock())

    def _immediate(self) -> sqlite3.Connection:
        """A write transaction taken up front, so a read-then-write cannot interleave with
        another connection's (SQLite ``BEGIN IMMEDIATE``)."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        return conn

    def admit(self, flow_id: str, trigger: str, params: dict[str, str], triggered_by: str, *,
              body: str | None = None, payload_id: str | None = None,
              retry_of: str | None = None, accepted_seq: int | None = None,
              limit: int | None = None, enqueue: Enqueue | None = None) -> Execution:
        """Create a processing execution (and store its payload ``body``) in one transaction.

        With ``limit``, refuse with ``AdmissionRefused`` when the flow already has that many
        processing: the count and the insert cannot interleave with another admission. Without
        ``accepted_seq`` the execution takes the flow's next acceptance sequence.
        """
        execution_id = uuid.uuid4().hex[:12]
        conn = self._immediate()
        try:
            if limit is not None:
                active = conn.execute("SELECT COUNT(*) FROM execution WHERE flow_id = ? AND"
                                      " status = ?", (flow_id, ACTIVE)).fetchone()[0]
                if active >= limit:
                    raise AdmissionRefused(active)
            if body is not None:
                payload_id = uuid.uuid4().hex[:12]
                conn.execute("INSERT INTO payload VALUES (?, ?, ?, ?)",
                             (payload_id, flow_id, escaped(body), stamp()))
            if accepted_seq is None:
                accepted_seq = conn.execute(
                    "SELECT COALESCE(MAX(accepted_seq), 0) + 1 FROM execution WHERE flow_id = ?",
                    (flow_id,)).fetchone()[0]
            conn.execute(
                "INSERT INTO execution (id, flow_id, trigger, params, triggered_by, status,"
                " started_at, payload_id, retry_of, accepted_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
                " ?, ?)",
                (execution_id, flow_id, trigger, json.dumps(params), triggered_by, ACTIVE, stamp(),
                 payload_id, retry_of, accepted_seq))
            if enqueue is not None:
                enqueue(conn, execution_id)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        found = self.execution(execution_id)
        assert found is not None
        return found

    def claim_newest(self, flow_id: str, accepted_seq: int, execution_id: str,
                     keys: Iterable[str]) -> dict[str, str]:
        """Record ``accepted_seq`` as the newest write of each key, atomically, except for keys
        a later-accepted execution already wrote: those come back, with that execution's id,
        and must not be sent.

        One upsert does it: it writes a key unless the key's recorded sequence is higher, so
        when it changed every key (the usual batch, of the flow's newest execution) nothing
        else is asked. Each statement lets go of the GIL and may wait a switch interval to
        have it back while the runner's other steps work, so the usual claim is one statement,
        not a transaction of five. Keys it left alone are looked up afterwards: a recorded
        sequence only ever grows, so they still belong to a later execution."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        encoded = _string_array(wanted)
        with self._writes:
            conn = self._conn()
            changed = conn.execute(
                "INSERT INTO newest_accepted SELECT ?1, value, ?2, ?3 FROM json_each(?4)"
                " WHERE true ON CONFLICT (flow_id, key) DO UPDATE SET accepted_seq ="
                " excluded.accepted_seq, execution_id = excluded.execution_id WHERE"
                " excluded.accepted_seq >= newest_accepted.accepted_seq",
                (flow_id, accepted_seq, execution_id, encoded)).rowcount
            if changed == len(wanted):
                return {}
            return dict(conn.execute(
                "SELECT key, execution_id FROM newest_accepted WHERE flow_id = ? AND"
                " accepted_seq > ? AND key IN (SELECT value FROM json_each(?))",
                (flow_id, accepted_seq, encoded)))

    def mark_interrupted(self, execution_ids: Iterable[str] | None = None,
                         reason: str = "the runner stopped during this run") -> list[Execution]:
        """Processing executions (all, or those named) become ``interrupted`` and wait to be run
        again by the next start, in their acceptance order."""
        left = self.active() if execution_ids is None else \
            [e for e in map(self.execution, execution_ids) if e is not None and e.status == ACTIVE]
        conn = self._conn()
        for execution in left:
            conn.execute("UPDATE execution SET status = 'interrupted', finished_at = ?, error = ?,"
                         " resume_pending = 1 WHERE id = ? AND status = ?",
                         (stamp(), reason, execution.id, ACTIVE))
        return left

    def resumable(self) -> list[Execution]:
        """Interrupted executions not yet run again, oldest accepted first."""
        rows = self._conn().execute("SELECT * FROM execution WHERE resume_pending = 1 ORDER BY"
                                    " flow_id, accepted_seq, started_at")
        return [_execution(r) for r in rows]

    def resume(self, old: Execution) -> Execution | None:
        """The execution that runs ``old`` again: same trigger, parameters, payload and
        acceptance sequence (so it cannot overwrite newer values), created in the transaction
        that clears ``old``'s pending mark; None if another start already took it."""
        execution_id = uuid.uuid4().hex[:12]
        conn = self._immediate()
        try:
            taken = conn.execute("UPDATE execution SET resume_pending = 0 WHERE id = ? AND"
                                 " resume_pending = 1", (old.id,)).rowcount
            if taken:
                conn.execute(
                    "INSERT INTO execution (id, flow_id, trigger, params, triggered_by, status,"
                    " started_at, payload_id, retry_of, accepted_seq) VALUES (?, ?, ?, ?, ?, ?, ?,"
                    " ?, ?, ?)",
                    (execution_id, old.flow_id, old.trigger, json.dumps(old.params),
                     f"recovery of {old.id}", ACTIVE, stamp(), old.payload_id,
                     old.retry_of or old.id, old.accepted_seq))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return self.execution(execution_id) if taken else None


ExecutionStore = SQLiteStore
"""The name the runner and the console knew the SQLite store by."""


def _string_array(strings: list[str]) -> str:
    """``strings`` as a JSON array for ``json_each``, which reads the same strings from
    orjson's text (non-ASCII written as is) as from ``json.dumps``'s (escaped), in a sixth of
    the time. A string with a lone surrogate (which orjson refuses) is refused: ``json_each``
    would read its escape into a key Python cannot read back."""
    if orjson is not None:
        try:
            return orjson.dumps(strings).decode()
        except orjson.JSONEncodeError:
            pass
    refuse_unstorable(strings)
    return json.dumps(strings)
