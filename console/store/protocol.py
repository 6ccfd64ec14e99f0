"""The ``Store`` protocol: what the runner, the services and the console need of any store.

Two implementations keep it: :class:`~console.store.sqlite.SQLiteStore` (embedded, one file,
one runner) and the PostgreSQL store (several hosts share one database). Callers get a store
from :func:`console.store.open_store` and never ask which one they have; every behaviour listed
here is checked against both by the store contract tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from console.store.log_batches import Item as LogItem
from console.store.records import AlarmEvent, AlarmState, Execution, RowLog, RunSample

Enqueue = Callable[[Any, str], None]
"""Queue an execution (by id) on an admission's open transaction (its connection)."""
LogEntry = tuple[str, str | None, str, Any]
"""One row log to append: (level, key, message, payload)."""


class ExecutionLog(Protocol):
    """Executions, their row logs, payloads and samples."""

    def admit(self, flow_id: str, trigger: str, params: dict[str, str], triggered_by: str, *,
              body: str | None = None, payload_id: str | None = None,
              retry_of: str | None = None, accepted_seq: int | None = None,
              limit: int | None = None, enqueue: Enqueue | None = None) -> Execution:
        """Create a processing execution (storing ``body`` as its payload) in one transaction;
        with ``limit``, raise ``AdmissionRefused`` when the flow already has that many
        processing, across every connection to the store. ``enqueue`` is called with the
        transaction's connection and the new execution's id before the commit (a queue that
        hands executions to hosts): the execution and its job commit together, or neither."""
        ...

    def create(self, flow_id: str, trigger: str, params: dict[str, str], triggered_by: str, *,
               payload_id: str | None = None, retry_of: str | None = None,
               accepted_seq: int | None = None) -> Execution: ...

    def progress(self, execution_id: str, total: int, succeeded: int, failed: int,
                 records_read: int = 0, skipped: int = 0) -> None: ...

    def expect(self, execution_id: str, expected: int) -> None: ...

    def finish(self, execution_id: str, status: str, *, error: str | None = None,
               attributes: dict[str, str] | None = None) -> None:
        """End a processing execution; one already ended keeps its status."""
        ...

    def execution(self, execution_id: str) -> Execution | None: ...

    def executions(self, flow_id: str | None = None, limit: int = 200) -> list[Execution]:
        """Newest first."""
        ...

    def active_count(self, flow_id: str) -> int: ...

    def active(self) -> list[Execution]: ...

    def add_logs(self, execution_id: str, entries: Iterable[LogItem]) -> None:
        """Append rows in one transaction, numbered in order (``seq``, and within their level):
        each entry one row, each ``Written`` the rows it holds."""
        ...

    def log(self, execution_id: str, level: str, message: str, key: str | None = None,
            payload: Any = None) -> None: ...

    def count_logs(self, execution_id: str, *, level: str | None = None,
                   search: str | None = None) -> int: ...

    def logs(self, execution_id: str, *, offset: int = 0, limit: int = 100,
             level: str | None = None, search: str | None = None) -> list[RowLog]:
        """Rows ``offset`` to ``offset + limit`` of the view, in seq order, found by key."""
        ...

    def iter_logs(self, execution_id: str, *, level: str | None = None,
                  search: str | None = None, batch: int = 5000) -> Iterator[RowLog]:
        """Every matching row in order, in batches: memory stays flat."""
        ...

    def last_request(self, flow_id: str) -> datetime | None: ...

    def set_last_request(self, flow_id: str, moment: datetime) -> None: ...

    def save_payload(self, flow_id: str, body: str) -> str: ...

    def payload(self, payload_id: str) -> str | None: ...

    def drop_payload(self, payload_id: str) -> None: ...

    def save_sample(self, execution_id: str, flow_id: str, records: list[Any]) -> None: ...

    def last_sample(self, flow_id: str) -> str | None: ...

    def prune(self, older_than_days: int) -> int:
        """Drop row logs, samples and unused payloads of old finished executions."""
        ...


class Recovery(Protocol):
    """The promises a runner keeps across restarts and hosts: write order and re-runs."""

    def claim_newest(self, flow_id: str, accepted_seq: int, execution_id: str,
                     keys: Iterable[str]) -> dict[str, str]:
        """Record ``accepted_seq`` as the newest write of each key, atomically; keys a
        later-accepted execution already wrote come back with its id and must not be sent."""
        ...

    def write_lock(self, flow_id: str) -> AbstractContextManager[object]:
        """Held while an execution claims keys and sends their rows, so an older execution
        cannot send a key after a newer one did: across threads, and across hosts for a
        shared store."""
        ...

    def mark_interrupted(self, execution_ids: Iterable[str] | None = None,
                         reason: str = "the runner stopped during this run") -> list[Execution]: ...

    def resumable(self) -> list[Execution]: ...

    def resume(self, old: Execution) -> Execution | None:
        """The execution that runs ``old`` again, or None if another runner took it."""
        ...


class HealthLog(Protocol):
    """Indexed health queries and alarm states with their history."""

    def recent_runs(self, flow_id: str, limit: int) -> list[RunSample]: ...

    def runs_since(self, flow_id: str, since: str, limit: int = 10_000) -> list[RunSample]: ...

    def last_success(self, flow_id: str) -> RunSample | None: ...

    def first_run_at(self, flow_id: str) -> str | None: ...

    def processing(self) -> list[RunSample]: ...

    def recent_problems(self, limit: int = 20) -> list[RunSample]: ...

    def alarm_states(self) -> list[AlarmState]: ...

    def change_alarm(self, flow_id: str, alarm: str, firing: bool, at: str,
                     value: float | None, message: str) -> int | None:
        """Compare-and-set one alarm, recording the event; the new event's id, or None."""
        ...

    def record_alarm_event(self, flow_id: str, alarm: str, event: str, at: str,
                           message: str) -> int: ...

    def note_delivery(self, event_id: int, delivery: str) -> None: ...

    def prune_alarm_events(self, before: str) -> int: ...

    def alarm_events(self, limit: int = 50, flow_id: str | None = None) -> list[AlarmEvent]: ...


class SetupLog(Protocol):
    """The OMS setup checklist's step states."""

    def checklist(self) -> dict[str, tuple[str, str, str, str]]:
        """Each recorded step: (status, notes, detail, updated_at)."""
        ...

    def save_checklist_step(self, step: str, status: str, notes: str, detail: str,
                            updated_at: str) -> None: ...


class Store(ExecutionLog, Recovery, HealthLog, SetupLog, Protocol):
    """Everything a store does; ``location`` says where it is, for messages."""

    @property
    def location(self) -> str: ...

    def close(self) -> None:
        """Release the connections this store opened (in this process)."""
        ...
