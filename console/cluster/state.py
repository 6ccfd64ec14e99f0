"""What the hosts of a cluster agree on, in their PostgreSQL database.

- ``cluster_host``: each host's name, pid, address, start, last heartbeat and the executions
  it is running (what the console's hosts view shows);
- ``schedule_claim``: one row per (flow, due time); the host whose insert wins runs it;
- ``execution_lease``: who runs an execution now; a host that takes an execution over writes a
  new token, and the one it replaced finds its token gone before its next batch (fencing);
- ``cluster_setting``: the hash of the ``flows.toml`` the cluster runs.

Every method opens a short transaction on a pooled connection; nothing here is held across
calls except the leader's advisory lock, which lives on a connection of its own.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

SCHEMA = """
CREATE TABLE IF NOT EXISTS cluster_host (
    name TEXT PRIMARY KEY, pid INTEGER NOT NULL, address TEXT NOT NULL DEFAULT '',
    started_at TIMESTAMPTZ NOT NULL, heartbeat_at TIMESTAMPTZ NOT NULL,
    running TEXT[] NOT NULL DEFAULT '{}', flows_hash TEXT NOT NULL DEFAULT '',
    schedules BOOLEAN NOT NULL DEFAULT TRUE, leader BOOLEAN NOT NULL DEFAULT FALSE,
    stopped_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS schedule_claim (
    flow_id TEXT NOT NULL, due TEXT NOT NULL, host TEXT NOT NULL,
    claimed_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (flow_id, due));
CREATE TABLE IF NOT EXISTS execution_lease (
    execution_id TEXT PRIMARY KEY, host TEXT NOT NULL, token TEXT NOT NULL,
    taken_at TIMESTAMPTZ NOT NULL DEFAULT now(), attempt INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS cluster_setting (
    key TEXT PRIMARY KEY, value TEXT NOT NULL, set_by TEXT NOT NULL,
    set_at TIMESTAMPTZ NOT NULL DEFAULT now());
"""
SCHEMA_LOCK = 7_310_001
"""Advisory lock taken while a host creates the cluster's tables (hosts may start together)."""
LEADER_LOCK = 7_310_002
"""Advisory lock of the host that runs the one-at-a-time jobs."""
FLOWS_HASH = "flows_sha256"


def flows_hash(text: bytes) -> str:
    return hashlib.sha256(text).hexdigest()


def session_name(host: str) -> str:
    """The ``application_name`` of every database session of a host: how the others find its
    sessions to end them when it is taken for dead."""
    return f"console {host}"[:63]


def host_url(url: str, host: str) -> str:
    """``url`` with the host's session name, for every connection the host opens."""
    return f"{url}{'&' if '?' in url else '?'}application_name={quote(session_name(host))}"


@dataclass(frozen=True)
class Host:
    name: str
    pid: int
    address: str
    started_at: datetime
    heartbeat_at: datetime
    running: tuple[str, ...]
    flows_hash: str
    schedules: bool
    leader: bool
    stopped_at: datetime | None
    seconds_since_heartbeat: float


@dataclass(frozen=True)
class Lease:
    execution_id: str
    host: str
    token: str
    attempt: int


class ClusterState:
    def __init__(self, url: str, *, max_size: int = 4) -> None:
        self.url = url
        self.pool = ConnectionPool(url, min_size=1, max_size=max_size, open=True,
                                   kwargs={"autocommit": True}, name="cluster",
                                   check=ConnectionPool.check_connection)
        self._silent_since: dict[str, Any] = {}
        """When this host first found each silent host silent (database time)."""

    def close(self) -> None:
        self.pool.close()

    def create_schema(self, queue: tuple[str, str] | None = None) -> None:
        """The cluster's tables, and the queue's (``(a table it makes, its schema text)``)
        when that table is missing: made once, under a lock, so hosts starting together do
        not race."""
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            conn.execute(SCHEMA)
            if queue is not None:
                row = conn.execute("SELECT to_regclass(%s)", (queue[0],)).fetchone()
                if row is None or row[0] is None:
                    conn.execute(queue[1])  # type: ignore[arg-type]  # the queue's schema text

    # --- hosts ---------------------------------------------------------------------------

    def register(self, name: str, pid: int, address: str, flows: str, schedules: bool) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                "INSERT INTO cluster_host (name, pid, address, started_at, heartbeat_at, running,"
                " flows_hash, schedules, leader) VALUES (%s, %s, %s, now(), now(), '{}', %s, %s,"
                " FALSE) ON CONFLICT (name) DO UPDATE SET pid = excluded.pid, address ="
                " excluded.address, started_at = now(), heartbeat_at = now(), running = '{}',"
                " flows_hash = excluded.flows_hash, schedules = excluded.schedules,"
                " leader = FALSE, stopped_at = NULL",
                (name, pid, address, flows, schedules))

    def heartbeat(self, name: str, running: list[str], *, flows: str, schedules: bool,
                  leader: bool) -> None:
        with self.pool.connection() as conn:
            conn.execute("UPDATE cluster_host SET heartbeat_at = now(), running = %s,"
                         " flows_hash = %s, schedules = %s, leader = %s WHERE name = %s",
                         (running, flows, schedules, leader, name))

    def fence_silent_hosts(self, me: str, silent_for_s: float) -> list[str]:
        """End every database session of the hosts (other than ``me``) that have not
        heartbeated for ``silent_for_s``: a host taken for dead keeps no lock (the leader's,
        a flow's write lock) and no open transaction, and one that was only paused comes back
        to broken connections instead of writing on; the sessions it opens after that are its
        own again. The hosts whose sessions were ended."""
        with self.pool.connection() as conn:
            found = conn.execute(
                "SELECT name, now() FROM cluster_host WHERE stopped_at IS NULL AND name <> %s"
                " AND heartbeat_at < now() - make_interval(secs => %s)",
                (me, silent_for_s)).fetchall()
            self._silent_since = {name: self._silent_since.get(name, found_at)
                                  for name, found_at in found}
            fenced = []
            for name, since in self._silent_since.items():
                # only the sessions it had when it was found silent: those it opens after
                # coming back must live, or it could never heartbeat again
                ended = conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE"
                    " application_name = %s AND pid <> pg_backend_pid() AND backend_start < %s",
                    (session_name(name), since)).fetchall()
                conn.execute("UPDATE cluster_host SET leader = FALSE WHERE name = %s", (name,))
                if ended:
                    fenced.append(name)
        return fenced

    def stopped(self, name: str) -> None:
        with self.pool.connection() as conn:
            conn.execute("UPDATE cluster_host SET stopped_at = now(), running = '{}', leader ="
                         " FALSE WHERE name = %s", (name,))

    def hosts(self) -> list[Host]:
        with self.pool.connection() as conn:
            return _hosts(conn)

    def forget_hosts(self, silent_for_s: float) -> int:
        """Drop hosts stopped or silent for longer than ``silent_for_s``."""
        with self.pool.connection() as conn:
            return conn.execute("DELETE FROM cluster_host WHERE heartbeat_at < now() -"
                                " make_interval(secs => %s)", (silent_for_s,)).rowcount

    # --- schedules -----------------------------------------------------------------------

    def claim_schedule(self, flow_id: str, due: str, host: str) -> bool:
        """True for the one host whose claim of (flow, due) is the first."""
        with self.pool.connection() as conn:
            return conn.execute("INSERT INTO schedule_claim (flow_id, due, host) VALUES"
                                " (%s, %s, %s) ON CONFLICT DO NOTHING",
                                (flow_id, due, host)).rowcount == 1

    def prune_claims(self, older_than_days: int) -> int:
        with self.pool.connection() as conn:
            return conn.execute("DELETE FROM schedule_claim WHERE claimed_at < now() -"
                                " make_interval(days => %s)", (older_than_days,)).rowcount

    # --- leases and fencing --------------------------------------------------------------

    def take_lease(self, execution_id: str, host: str) -> Lease:
        """Make ``host`` the runner of the execution; whoever ran it before is fenced off."""
        token = uuid.uuid4().hex
        with self.pool.connection() as conn:
            row = conn.execute(
                "INSERT INTO execution_lease (execution_id, host, token) VALUES (%s, %s, %s)"
                " ON CONFLICT (execution_id) DO UPDATE SET host = excluded.host, token ="
                " excluded.token, taken_at = now(), attempt = execution_lease.attempt + 1"
                " RETURNING attempt", (execution_id, host, token)).fetchone()
        assert row is not None
        return Lease(execution_id, host, token, int(row[0]))

    def lease(self, execution_id: str) -> Lease | None:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT host, token, attempt FROM execution_lease WHERE"
                               " execution_id = %s", (execution_id,)).fetchone()
        return Lease(execution_id, row[0], row[1], row[2]) if row else None

    def holds(self, lease: Lease) -> bool:
        found = self.lease(lease.execution_id)
        return found is not None and found.token == lease.token

    def drop_lease(self, lease: Lease) -> None:
        with self.pool.connection() as conn:
            conn.execute("DELETE FROM execution_lease WHERE execution_id = %s AND token = %s",
                         (lease.execution_id, lease.token))

    # --- the flows the cluster runs ------------------------------------------------------

    def setting(self, key: str) -> tuple[str, str] | None:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT value, set_by FROM cluster_setting WHERE key = %s",
                               (key,)).fetchone()
        return (row[0], row[1]) if row else None

    def adopt(self, key: str, value: str, by: str, *, only_if_unset: bool = False) -> str:
        """Set ``key`` (or leave a value already there, with ``only_if_unset``); the value the
        cluster now has."""
        conflict = "NOTHING" if only_if_unset else \
            "UPDATE SET value = excluded.value, set_by = excluded.set_by, set_at = now()"
        with self.pool.connection() as conn:
            conn.execute(f"INSERT INTO cluster_setting (key, value, set_by) VALUES (%s, %s, %s)"
                         f" ON CONFLICT (key) DO {conflict}", (key, value, by))  # type: ignore[arg-type]
        found = self.setting(key)
        assert found is not None
        return found[0]


def _hosts(conn: psycopg.Connection[Any]) -> list[Host]:
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute("SELECT *, EXTRACT(EPOCH FROM now() - heartbeat_at)::float8 AS"
                           " seconds_since_heartbeat FROM cluster_host ORDER BY name").fetchall()
    return [Host(r["name"], r["pid"], r["address"], r["started_at"], r["heartbeat_at"],
                 tuple(r["running"]), r["flows_hash"], r["schedules"], r["leader"],
                 r["stopped_at"], r["seconds_since_heartbeat"]) for r in rows]


def hosts_at(url: str) -> list[Host]:
    """The cluster's hosts, read on a connection of its own (for the console and the CLI);
    none when the cluster has never started."""
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        found = conn.execute("SELECT to_regclass('cluster_host')").fetchone()
        if found is None or found[0] is None:
            return []
        return _hosts(conn)


class Leadership:
    """The advisory lock that makes one host the one that runs the one-at-a-time jobs. It is
    held on a connection of its own, so it goes away with the host however it ends (PostgreSQL
    drops a session's locks when its connection closes)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: psycopg.Connection[Any] | None = None

    def held(self) -> bool:
        """Whether this host leads, trying to take the lock when it does not (never waits)."""
        try:
            if self._conn is not None:
                self._conn.execute("SELECT 1")
                return True
            conn = psycopg.connect(self.url, autocommit=True)
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK,)).fetchone()
            if row and row[0]:
                self._conn = conn
                return True
            conn.close()
        except psycopg.Error:
            self.release()
        return False

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                conn.close()
