"""The store's operations side: indexed health queries and alarm states with their history.

A mixin of :class:`~console.store.sqlite.SQLiteStore`, kept apart so the execution core and
the operations view change independently. Every query here is served by an index: the health
screen refreshes in milliseconds with tens of thousands of executions.
"""

from __future__ import annotations

import sqlite3

from console.store.health_reads import HealthReads

HEALTH_SCHEMA = """
CREATE INDEX IF NOT EXISTS execution_flow_status ON execution (flow_id, status, started_at);
CREATE INDEX IF NOT EXISTS execution_status_started ON execution (status, started_at);
CREATE TABLE IF NOT EXISTS alarm_state (
    flow_id TEXT NOT NULL, alarm TEXT NOT NULL, firing INTEGER NOT NULL DEFAULT 0,
    changed_at TEXT, value REAL, message TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (flow_id, alarm));
CREATE TABLE IF NOT EXISTS alarm_event (
    id INTEGER PRIMARY KEY, flow_id TEXT NOT NULL, alarm TEXT NOT NULL, event TEXT NOT NULL,
    at TEXT NOT NULL, value REAL, message TEXT NOT NULL, delivery TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS alarm_event_at ON alarm_event (at);
CREATE INDEX IF NOT EXISTS alarm_event_flow ON alarm_event (flow_id, at);
"""


class HealthQueries(HealthReads):
    """Mixed into the store: needs its per-thread connection."""

    def _conn(self) -> sqlite3.Connection:
        raise NotImplementedError

    def _create_health_schema(self) -> None:
        self._conn().executescript(HEALTH_SCHEMA)

    def change_alarm(self, flow_id: str, alarm: str, firing: bool, at: str,
                     value: float | None, message: str) -> int | None:
        """Flip one alarm and record the event, only if it is not in that state already.

        The compare-and-set makes each change happen once even with several evaluators (after
        executions, on the timer, on other hosts); returns the new event's id, or None.
        """
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("INSERT OR IGNORE INTO alarm_state (flow_id, alarm) VALUES (?, ?)",
                         (flow_id, alarm))
            changed = conn.execute(
                "UPDATE alarm_state SET firing = ?, changed_at = ?, value = ?, message = ?"
                " WHERE flow_id = ? AND alarm = ? AND firing = ?",
                (int(firing), at, value, message, flow_id, alarm, int(not firing))).rowcount
            event_id = None
            if changed:
                event_id = conn.execute(
                    "INSERT INTO alarm_event (flow_id, alarm, event, at, value, message)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (flow_id, alarm, "fired" if firing else "resolved", at, value,
                     message)).lastrowid
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return event_id

    def record_alarm_event(self, flow_id: str, alarm: str, event: str, at: str,
                           message: str) -> int:
        """An event that changes no state, such as a test notification."""
        cursor = self._conn().execute(
            "INSERT INTO alarm_event (flow_id, alarm, event, at, message) VALUES (?, ?, ?, ?, ?)",
            (flow_id, alarm, event, at, message))
        assert cursor.lastrowid is not None
        return cursor.lastrowid
