"""The embedded runner: executions in worker threads, triggers, retries and crash recovery."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from console.flows import FlowsConfig
from console.omnitron import RetryPolicy
from console.runner.engine import Engine, Progress
from console.runner.pipeline import script_pool
from console.script import ScriptPool
from console.store.records import AdmissionRefused, Execution
from console.store.sqlite import ExecutionStore

log = logging.getLogger("console.runner")


class FlowBusy(Exception):
    """A flow already has as many executions processing as it may."""


class UnknownFlow(Exception):
    pass


class RunnerStopping(Exception):
    """The runner is stopping and admits nothing new."""


class NothingToRetry(Exception):
    """The execution has no failed rows and did not fail as a whole: there is nothing to resend."""


class Runner:
    def __init__(self, config: FlowsConfig, store: ExecutionStore | None = None, *,
                 workers: int = 4, retry: RetryPolicy | None = None,
                 pool: ScriptPool | None = None) -> None:
        self.config = config
        self.store = store or ExecutionStore(config.store_path())
        self.pool = pool or script_pool(config)
        self._owns_pool = pool is None
        self.retry_policy = retry  # not "retry": that is the method that re-sends failed rows
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="execution")
        self._futures: dict[str, Future[Execution]] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        """Set when the runner stops: executions end at their next page boundary."""
        self.after_execution: list[Callable[[Execution], None]] = []
        """Called with each finished execution (metrics, alarms); a failing hook is logged."""

    def engine(self) -> Engine:
        return Engine(self.config, self.store, self.pool, retry=self.retry_policy,
                      stopping=self.stopping)

    def _execute(self, execution: Execution, progress: Progress | None = None) -> Execution:
        final = self.engine().run(execution, progress)
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
        execution = self.store.create(self._flow(flow_id), trigger, dict(params or {}), triggered_by)
        return self._execute(execution, progress)

    def _submit(self, execution: Execution) -> str:
        future = self._executor.submit(self._execute, execution)
        with self._lock:
            self._futures[execution.id] = future
        future.add_done_callback(lambda _: self._forget(execution.id))
        return execution.id

    def _forget(self, execution_id: str) -> None:
        with self._lock:
            self._futures.pop(execution_id, None)

    def trigger(self, flow_id: str, params: dict[str, str] | None = None, *,
                trigger: str = "manual", triggered_by: str = "manual",
                limit: int | None = None) -> str:
        """Start a run in a worker thread. A scheduled run of a flow that does not allow
        concurrent runs, or any run given ``limit``, is refused with ``FlowBusy`` when the flow
        already has that many processing (checked and admitted atomically)."""
        flow = self.config.find(flow_id)
        if flow is None:
            raise UnknownFlow(flow_id)
        self._admitting()
        if trigger == "schedule" and not flow.allow_concurrent_runs:
            limit = 1 if limit is None else min(limit, 1)
        try:
            execution = self.store.admit(flow.id, trigger, dict(params or {}), triggered_by,
                                         limit=limit)
        except AdmissionRefused as exc:
            raise FlowBusy(f"{flow.id} is still running" if limit == 1 else
                           f"{flow.name} already has {exc.active} executions processing") from None
        return self._submit(execution)

    def accept_payload(self, flow_id: str, body: str, triggered_by: str) -> str:
        """Store an outbound payload durably and admit its execution in one transaction, then
        process it; refuse beyond the active limit."""
        flow = self.config.find(flow_id)
        if flow is None:
            raise UnknownFlow(flow_id)
        self._admitting()
        limit = self.config.runner.max_active_executions
        try:
            execution = self.store.admit(flow.id, "outbound", {}, triggered_by, body=body,
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
            execution = self.store.admit(
                original.flow_id, original.trigger, original.params, f"retry of {execution_id}",
                payload_id=original.payload_id, retry_of=original.retry_of or original.id,
                accepted_seq=original.accepted_seq)
        elif rows:
            execution = self.store.admit(
                original.flow_id, "retry", original.params, f"retry of {execution_id}",
                body=json.dumps(rows, ensure_ascii=False), retry_of=execution_id,
                accepted_seq=original.accepted_seq)
        else:
            raise NothingToRetry(f"execution {execution_id} ended {original.status} with no"
                                 " failed rows: nothing to retry")
        if wait:
            return self._execute(execution).id
        return self._submit(execution)

    def _admitting(self) -> None:
        if self.stopping.is_set():
            raise RunnerStopping("the runner is stopping; try again once it is back")

    def recover(self) -> list[str]:
        """Executions a killed or stopped runner left unfinished run again, in the order they
        were accepted and with the same batch ids, so Omnitron ends in the same state."""
        self.store.mark_interrupted()
        started = []
        for old in self.store.resumable():
            execution = self.store.resume(old)
            if execution is not None:
                started.append(self._submit(execution))
        return started

    def wait(self, timeout: float | None = None) -> None:
        with self._lock:
            futures = list(self._futures.values())
        for future in futures:
            future.result(timeout=timeout)

    def running(self) -> int:
        with self._lock:
            return len(self._futures)

    def shutdown(self, drain_s: float) -> bool:
        """Stop: running executions end at their next page boundary (waited for up to
        ``drain_s``), everything still processing is marked interrupted to run again at the
        next start. True when every execution thread has finished."""
        self.stopping.set()
        deadline = time.monotonic() + drain_s
        while self.running() and time.monotonic() < deadline:
            time.sleep(0.05)
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.store.mark_interrupted()
        finished = not self.running()
        if self._owns_pool:
            self.pool.close()
        return finished

    def close(self, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait, cancel_futures=not wait)
        if self._owns_pool:
            self.pool.close()

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
