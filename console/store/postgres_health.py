"""The PostgreSQL store's operations side: health queries and alarm states with their history.

The same queries as the SQLite store's, each served by an index; an alarm changes state with
a compare-and-set on its row, so evaluators on several hosts record each change once.
"""

from __future__ import annotations

from typing import Any

import psycopg

from console.store.records import PROBLEM_STATUSES, AlarmEvent, AlarmState, RunSample

_SAMPLE = "id, flow_id, status, started_at, finished_at, total, succeeded, failed, error"


def _sample(row: tuple[Any, ...]) -> RunSample:
    return RunSample(*row)


class HealthQueries:
    """Mixed into the PostgreSQL store: needs its per-thread connection."""

    def _conn(self) -> psycopg.Connection[tuple[Any, ...]]:
        raise NotImplementedError

    def _samples(self, sql: str, args: tuple[Any, ...] | dict[str, Any]) -> list[RunSample]:
        return [_sample(r) for r in self._conn().execute(sql, args)]

    def recent_runs(self, flow_id: str, limit: int) -> list[RunSample]:
        return self._samples(f"SELECT {_SAMPLE} FROM execution WHERE flow_id = %s ORDER BY"
                             " started_at DESC LIMIT %s", (flow_id, limit))

    def runs_since(self, flow_id: str, since: str, limit: int = 10_000) -> list[RunSample]:
        return self._samples(f"SELECT {_SAMPLE} FROM execution WHERE flow_id = %s AND"
                             " started_at >= %s ORDER BY started_at DESC LIMIT %s",
                             (flow_id, since, limit))

    def last_success(self, flow_id: str) -> RunSample | None:
        found = self._samples(f"SELECT {_SAMPLE} FROM execution WHERE flow_id = %s AND status"
                              " = 'success' ORDER BY started_at DESC LIMIT 1", (flow_id,))
        return found[0] if found else None

    def first_run_at(self, flow_id: str) -> str | None:
        row = self._conn().execute("SELECT MIN(started_at) FROM execution WHERE flow_id = %s",
                                   (flow_id,)).fetchone()
        return row[0] if row else None

    def processing(self) -> list[RunSample]:
        return self._samples(f"SELECT {_SAMPLE} FROM execution WHERE status = 'processing'"
                             " ORDER BY started_at", ())

    def recent_problems(self, limit: int = 20) -> list[RunSample]:
        branches = " UNION ALL ".join(
            f"(SELECT {_SAMPLE} FROM execution WHERE status = '{status}'"
            " ORDER BY started_at DESC LIMIT %(limit)s)" for status in PROBLEM_STATUSES)
        return self._samples(f"{branches} ORDER BY started_at DESC LIMIT %(limit)s",
                             {"limit": limit})

    def alarm_states(self) -> list[AlarmState]:
        rows = self._conn().execute("SELECT flow_id, alarm, firing, changed_at, value, message"
                                    " FROM alarm_state ORDER BY flow_id, alarm")
        return [AlarmState(r[0], r[1], bool(r[2]), r[3], r[4], r[5]) for r in rows]

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

    def note_delivery(self, event_id: int, delivery: str) -> None:
        self._conn().execute("UPDATE alarm_event SET delivery = %s WHERE id = %s",
                             (delivery, event_id))

    def prune_alarm_events(self, before: str) -> int:
        return self._conn().execute("DELETE FROM alarm_event WHERE at < %s", (before,)).rowcount

    def alarm_events(self, limit: int = 50, flow_id: str | None = None) -> list[AlarmEvent]:
        where, args = ("WHERE flow_id = %s", [flow_id]) if flow_id else ("", [])
        rows = self._conn().execute(
            "SELECT id, flow_id, alarm, event, at, value, message, delivery FROM alarm_event"
            f" {where} ORDER BY at DESC, id DESC LIMIT %s", (*args, limit))
        return [AlarmEvent(*r) for r in rows]
