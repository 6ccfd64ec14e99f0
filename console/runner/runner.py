"""The embedded runner: executions in worker threads, triggers, retries and crash recovery."""

from __future__ import annotations

import gc
import json
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from console.flows import FlowsConfig
from console.omnitron import RetryPolicy
from console.runner.dispatch import Dispatch, ThreadDispatch
from console.runner.engine import Engine, Fence, Progress
from console.runner.pipeline import script_pool
from console.script import ScriptPool
from console.store import Store, open_store
from console.store.records import AdmissionRefused, Execution

log = logging.getLogger("console.runner")


class FlowBusy(Exception):
    """A flow already has as many executions processing as it may."""


class UnknownFlow(Exception):
    pass


class RunnerStopping(Exception):
    """The runner is stopping and admits nothing new."""


class NotByHand(Exception):
    """The flow runs only on its own (a full stock flow, at its time of day)."""


class NothingToRetry(Exception):
    """The execution has no failed rows and did not fail as a whole: there is nothing to resend."""


SWITCH_INTERVAL_S = 0.001
YOUNG_COLLECTION_EVERY = 20_000
"""Container allocations between two young-generation collections (Python's default: 700)."""


def _fewer_collections() -> None:
    """Collect cycles less often: a page makes tens of thousands of short-lived dicts and lists
    (rows read, scripted, mapped, sent), none of them in a cycle, and with the default every
    700 of them the collector walked the young ones, about 7% of a sync's CPU time."""
    young, middle, old = gc.get_threshold()
    if young and young < YOUNG_COLLECTION_EVERY:
        gc.set_threshold(YOUNG_COLLECTION_EVERY, middle, old)


def _short_turns() -> None:
    """Let a thread that wants the GIL back have it within a millisecond (Python's default is
    5 ms). An execution's steps are threads that each let go of it in turn (a SQLite
    statement, a socket read) and then wait for it while another step runs Python: the
    newest-wins claim, about 3 ms of work a batch, held the store's write lock about 16 ms
    with the default and about 11 ms with short turns, and the log step waits behind it."""
    if sys.getswitchinterval() > SWITCH_INTERVAL_S:
        sys.setswitchinterval(SWITCH_INTERVAL_S)


class Runner:
    def __init__(self, config: FlowsConfig, store: Store | None = None, *,
                 workers: int = 4, retry: RetryPolicy | None = None,
                 pool: ScriptPool | None = None,
                 dispatch: Callable[[Runner], Dispatch] | None = None) -> None:
        self.config = config
        _short_turns()
        _fewer_collections()
        self.store = store or open_store(config.store_location())
        self.pool = pool or script_pool(config)
        self._owns_pool = pool is None
        self.retry_policy = retry  # not "retry": that is the method that re-sends failed rows
        self.stopping = threading.Event()
        """Set when the runner stops: executions end at their next page boundary."""
        self.after_execution: list[Callable[[Execution], None]] = []
        """Called with each finished execution (metrics, alarms); a failing hook is logged."""
        self.dispatch: Dispatch = dispatch(self) if dispatch is not None else \
            ThreadDispatch(self._execute, workers)
        """Where admitted executions run: threads here, or a queue shared by hosts."""
        self._running: dict[str, int] = {}
        self._running_lock = threading.Lock()

    def running_by_flow(self) -> dict[str, int]:
        """Executions this process is running now, by flow: in a cluster the store holds every
        host's, and each host's metrics export its own."""
        with self._running_lock:
            return dict(self._running)

    @contextmanager
    def _counted(self, flow_id: str) -> Iterator[None]:
        with self._running_lock:
            self._running[flow_id] = self._running.get(flow_id, 0) + 1
        try:
            yield
        finally:
            with self._running_lock:
                left = self._running.pop(flow_id) - 1
                if left:
                    self._running[flow_id] = left

    def engine(self) -> Engine:
        return Engine(self.config, self.store, self.pool, retry=self.retry_policy,
                      stopping=self.stopping, sync_skus=self._sync_skus)

    def _sync_skus(self, flow_id: str, skus: list[str], triggered_by: str) -> str:
        """A full stock flow's compare starts its stock flow for the SKUs that differ."""
        return self.trigger(flow_id, {"sku": ",".join(skus)}, trigger="full_stock",
                            triggered_by=triggered_by)

    def _execute(self, execution: Execution, progress: Progress | None = None) -> Execution:
        with self._counted(execution.flow_id):
            final = self.engine().run(execution, progress)
        return self._finished(final)

    def execute_queued(self, execution: Execution, fence: Fence) -> Execution:
        """Run an execution a queue handed to this host: ``fence`` is checked before each
        batch and ends the run (``Fenced``) when it may not write on; a stopping host ends it
        there too, through the fence, so the execution goes back to the queue instead of
        waiting for this host's next start."""
        engine = Engine(self.config, self.store, self.pool, retry=self.retry_policy,
                        fence=fence, sync_skus=self._sync_skus)
        with self._counted(execution.flow_id):
            final = engine.run(execution)
        return self._finished(final)

    def _finished(self, final: Execution) -> Execution:
        for hook in self.after_execution:
            try:
                hook(final)
            except Exception:  # noqa: BLE001 - the execution is done; a hook cannot undo it
                log.exception("after-execution hook failed for %s", final.id)
        return final

    def reload(self, config: FlowsConfig) -> None:
        self.config = config

    def _flow(self, flow_id: str) -> str:
        flow = self.config.find(flow_id)
        if flow is None:
            raise UnknownFlow(flow_id)
        return flow.id

    def run(self, flow_id: str, params: dict[str, str] | None = None, *,
            trigger: str = "manual", triggered_by: str = "cli",
            progress: Progress | None = None) -> Execution:
        """Run in the calling thread and return the finished execution."""
        self._by_hand(flow_id, trigger)
        execution = self.store.create(self._flow(flow_id), trigger, dict(params or {}), triggered_by)
        return self._execute(execution, progress)

    def _submit(self, execution: Execution) -> str:
        return self.dispatch.submit(execution)

    def _admit(self, flow_id: str, trigger: str, params: dict[str, str], triggered_by: str,
               **options: Any) -> Execution:
        """The store's admission, queueing the execution in its transaction when the dispatch
        is a queue (the execution and its job commit together, or neither does)."""
        if self.dispatch.enqueue is not None:
            options["enqueue"] = self.dispatch.enqueue
        return self.store.admit(flow_id, trigger, params, triggered_by, **options)

    def trigger(self, flow_id: str, params: dict[str, str] | None = None, *,
                trigger: str = "manual", triggered_by: str = "manual",
                limit: int | None = None, due: bool = False) -> str:
        """Start a run in a worker thread. A scheduled run of a flow that does not allow
        concurrent runs, or any run given ``limit``, is refused with ``FlowBusy`` when the flow
        already has that many processing (checked and admitted atomically).

        A stopping runner refuses with ``RunnerStopping``, except a ``due`` run (a schedule's
        or a chain's, claimed already: refused, no one would run it): that one is admitted
        and handed over instead (see ``_hand_over``)."""
        flow = self.config.find(flow_id)
        if flow is None:
            raise UnknownFlow(flow_id)
        stopping = due and self.stopping.is_set()
        if not stopping:
            self._admitting()
        self._by_hand(flow.id, trigger)
        if trigger == "schedule" and not flow.allow_concurrent_runs:
            limit = 1 if limit is None else min(limit, 1)
        try:
            execution = self._admit(flow.id, trigger, dict(params or {}), triggered_by,
                                    limit=limit)
        except AdmissionRefused as exc:
            raise FlowBusy(f"{flow.id} is still running" if limit == 1 else
                           f"{flow.name} already has {exc.active} executions processing") from None
        if stopping:
            return self._hand_over(execution)
        return self._submit(execution)

    def _hand_over(self, execution: Execution) -> str:
        """A run admitted while this runner stops: with a queue, its job (committed with the
        admission) waits for another host, or this one's next start; the embedded runner marks
        it interrupted, so its next start runs it."""
        if self.dispatch.enqueue is None:
            self.store.mark_interrupted([execution.id], "the runner was stopping when this run"
                                                        " was due: it runs at the next start")
        log.warning("%s was due while the runner is stopping: %s", execution.flow_id,
                    "left in the queue for another host" if self.dispatch.enqueue is not None
                    else "it runs at the next start")
        return execution.id

    def check_room(self, flow_id: str) -> None:
        """Raise ``FlowBusy`` when the flow already has as many executions processing as it
        may: a busy flow refuses a payload before parsing it (a refused sender retries, and
        parsing 50,000 rows on each try would cost the runner what it needs for the work it
        has). ``accept_payload`` checks again, atomically with the admission."""
        flow = self.config.find(flow_id)
        if flow is None:
            raise UnknownFlow(flow_id)
        limit = self.config.runner.max_active_executions
        if self.store.active_count(flow.id) >= limit:
            raise FlowBusy(f"{flow.name} already has {limit} executions processing")

    def accept_payload(self, flow_id: str, body: str, triggered_by: str) -> str:
        """Store an outbound payload durably and admit its execution in one transaction, then
        process it; refuse beyond the active limit."""
        flow = self.config.find(flow_id)
        if flow is None:
            raise UnknownFlow(flow_id)
        self._admitting()
        limit = self.config.runner.max_active_executions
        try:
            execution = self._admit(flow.id, "outbound", {}, triggered_by, body=body,
                                    limit=limit)
        except AdmissionRefused:
            raise FlowBusy(f"{flow.name} already has {limit} executions processing") from None
        return self._submit(execution)

    def retry(self, execution_id: str, *, wait: bool = False) -> str:
        """Run again what did not get through in ``execution_id``.

        Rows that failed are resent on their own. An execution that failed or was interrupted
        as a whole runs again from the start with the same input and batch ids (Omnitron skips
        the batches it already applied). Either way the retry keeps the original's acceptance
        sequence, so it never overwrites a value written by a later-accepted execution.
        Anything else raises ``NothingToRetry``.
        """
        original = self.store.execution(execution_id)
        if original is None:
            raise KeyError(execution_id)
        self._admitting()
        if original.status == "processing":
            raise NothingToRetry(f"execution {execution_id} is still processing")
        rows: list[dict[str, Any]] = []
        whole = original.status == "interrupted"
        for entry in self.store.iter_logs(execution_id, level="error"):
            if entry.payload:
                row = json.loads(entry.payload)
                if isinstance(row, dict):
                    rows.append(row)
            elif original.status == "failed":
                whole = True  # a step failed (login, read, Omnitron down): not a row
        if whole:
            execution = self._admit(
                original.flow_id, original.trigger, original.params, f"retry of {execution_id}",
                payload_id=original.payload_id, retry_of=original.retry_of or original.id,
                accepted_seq=original.accepted_seq)
        elif rows:
            execution = self._admit(
                original.flow_id, "retry", original.params, f"retry of {execution_id}",
                body=json.dumps(rows, ensure_ascii=False), retry_of=execution_id,
                accepted_seq=original.accepted_seq)
        else:
            raise NothingToRetry(f"execution {execution_id} ended {original.status} with no"
                                 " failed rows: nothing to retry")
        if wait:
            return self._execute(execution).id
        return self._submit(execution)

    def _by_hand(self, flow_id: str, trigger: str) -> None:
        flow = self.config.find(flow_id)
        if flow is None or trigger != "manual":
            return
        from console.kinds import kind_of

        kind = kind_of(flow.type)
        if not kind.hand_triggered:
            raise NotByHand(f"{flow.name} runs only at its scheduled time; a dry run compares "
                            "without syncing anything")

    def _admitting(self) -> None:
        if self.stopping.is_set():
            raise RunnerStopping("the runner is stopping; try again once it is back")

    def recover(self) -> list[str]:
        """Executions a killed or stopped runner left unfinished run again (see the dispatch)."""
        return self.dispatch.recover(self.store)

    def wait(self, timeout: float | None = None) -> None:
        self.dispatch.wait(timeout)

    def running(self) -> int:
        return self.dispatch.running()

    def shutdown(self, drain_s: float) -> bool:
        """Stop: running executions end at their next page boundary (waited for up to
        ``drain_s``), everything still processing is marked interrupted to run again at the
        next start. True when every execution thread has finished."""
        self.stopping.set()
        finished = self.dispatch.shutdown(self.store, drain_s)
        if self._owns_pool:
            self.pool.close()
        return finished

    def close(self, wait: bool = True) -> None:
        self.dispatch.close(wait)
        if self._owns_pool:
            self.pool.close()

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
