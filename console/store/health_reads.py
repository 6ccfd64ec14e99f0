"""The health and alarm reads both stores answer with the same SQL.

Written once with ``?`` for each parameter (see ``portable_sql``). What the two databases do
differently (schema, transactions, the ids of inserted rows) stays in each store's own health
module.
"""

from __future__ import annotations

from typing import Any

from console.store.portable_sql import PortableSQL
from console.store.records import PROBLEM_STATUSES, AlarmEvent, AlarmState, RunSample

SAMPLE = "id, flow_id, status, started_at, finished_at, total, succeeded, failed, error"
"""The columns of a :class:`RunSample`, in its order."""


class HealthReads(PortableSQL):
    """Mixed into each store's health queries: needs its per-thread connection."""

    def _samples(self, sql: str, args: tuple[Any, ...] = ()) -> list[RunSample]:
        return [RunSample(*row) for row in self._run(sql, args)]

    def recent_runs(self, flow_id: str, limit: int) -> list[RunSample]:
        """The flow's newest executions (processing included), newest first."""
        return self._samples(f"SELECT {SAMPLE} FROM execution WHERE flow_id = ? ORDER BY"
                             " started_at DESC LIMIT ?", (flow_id, limit))

    def runs_since(self, flow_id: str, since: str, limit: int = 10_000) -> list[RunSample]:
        return self._samples(f"SELECT {SAMPLE} FROM execution WHERE flow_id = ? AND"
                             " started_at >= ? ORDER BY started_at DESC LIMIT ?",
                             (flow_id, since, limit))

    def last_success(self, flow_id: str) -> RunSample | None:
        found = self._samples(f"SELECT {SAMPLE} FROM execution WHERE flow_id = ? AND status"
                              " = 'success' ORDER BY started_at DESC LIMIT 1", (flow_id,))
        return found[0] if found else None

    def first_run_at(self, flow_id: str) -> str | None:
        row = self._run("SELECT MIN(started_at) FROM execution WHERE flow_id = ?",
                        (flow_id,)).fetchone()
        return row[0] if row else None

    def processing(self) -> list[RunSample]:
        return self._samples(f"SELECT {SAMPLE} FROM execution WHERE status = 'processing'"
                             " ORDER BY started_at")

    def recent_problems(self, limit: int = 20) -> list[RunSample]:
        """Failed and partial executions of every flow, newest first (one index range each)."""
        branches = " UNION ALL ".join(
            f"SELECT * FROM (SELECT {SAMPLE} FROM execution WHERE status = '{status}'"
            f" ORDER BY started_at DESC LIMIT ?) AS {status}" for status in PROBLEM_STATUSES)
        return self._samples(f"{branches} ORDER BY started_at DESC LIMIT ?",
                             (limit,) * (len(PROBLEM_STATUSES) + 1))

    def alarm_states(self) -> list[AlarmState]:
        rows = self._run("SELECT flow_id, alarm, firing, changed_at, value, message"
                         " FROM alarm_state ORDER BY flow_id, alarm")
        return [AlarmState(r[0], r[1], bool(r[2]), r[3], r[4], r[5]) for r in rows]

    def note_delivery(self, event_id: int, delivery: str) -> None:
        self._run("UPDATE alarm_event SET delivery = ? WHERE id = ?", (delivery, event_id))

    def prune_alarm_events(self, before: str) -> int:
        """Forget alarm history older than ``before`` (the states themselves stay)."""
        return self._run("DELETE FROM alarm_event WHERE at < ?", (before,)).rowcount

    def alarm_events(self, limit: int = 50, flow_id: str | None = None) -> list[AlarmEvent]:
        where, args = ("WHERE flow_id = ?", (flow_id,)) if flow_id else ("", ())
        rows = self._run("SELECT id, flow_id, alarm, event, at, value, message, delivery FROM"
                         f" alarm_event {where} ORDER BY at DESC, id DESC LIMIT ?",
                         (*args, limit))
        return [AlarmEvent(*r) for r in rows]
