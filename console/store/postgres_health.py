"""The PostgreSQL store's operations side: health queries and alarm states with their history.

The same queries as the SQLite store's, each served by an index; an alarm changes state with
a compare-and-set on its row, so evaluators on several hosts record each change once.
"""

from __future__ import annotations

from typing import Any

import psycopg

from console.store.health_reads import HealthReads


class HealthQueries(HealthReads):
    """Mixed into the PostgreSQL store: needs its per-thread connection."""

    _MARK = "%s"

    def _conn(self) -> psycopg.Connection[tuple[Any, ...]]:
        raise NotImplementedError

    def change_alarm(self, flow_id: str, alarm: str, firing: bool, at: str,
                     value: float | None, message: str) -> int | None:
        """Flip one alarm and record the event, only if it is not in that state already."""
        conn = self._conn()
        with conn.transaction():
            conn.execute("INSERT INTO alarm_state (flow_id, alarm) VALUES (%s, %s) ON CONFLICT"
                         " DO NOTHING", (flow_id, alarm))
            changed = conn.execute(
                "UPDATE alarm_state SET firing = %s, changed_at = %s, value = %s, message = %s"
                " WHERE flow_id = %s AND alarm = %s AND firing = %s",
                (firing, at, value, message, flow_id, alarm, not firing)).rowcount
            if not changed:
                return None
            row = conn.execute(
                "INSERT INTO alarm_event (flow_id, alarm, event, at, value, message) VALUES"
                " (%s, %s, %s, %s, %s, %s) RETURNING id",
                (flow_id, alarm, "fired" if firing else "resolved", at, value,
                 message)).fetchone()
        assert row is not None
        return int(row[0])

    def record_alarm_event(self, flow_id: str, alarm: str, event: str, at: str,
                           message: str) -> int:
        row = self._conn().execute(
            "INSERT INTO alarm_event (flow_id, alarm, event, at, message) VALUES (%s, %s, %s,"
            " %s, %s) RETURNING id", (flow_id, alarm, event, at, message)).fetchone()
        assert row is not None
        return int(row[0])
