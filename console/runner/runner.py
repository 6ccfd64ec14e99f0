"""The embedded runner: executions in worker threads, triggers, retries and crash recovery."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from console.flows import FlowsConfig
from console.omnitron import RetryPolicy
from console.runner.engine import Engine, Progress
from console.runner.pipeline import script_pool
from console.runner.store import Execution, ExecutionStore
from console.script import ScriptPool

log = logging.getLogger("console.runner")


class FlowBusy(Exception):
    """A flow already has as many executions processing as it may."""


class UnknownFlow(Exception):
    pass


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
        self.after_execution: list[Callable[[Execution], None]] = []
        """Called with each finished execution (metrics, alarms); a failing hook is logged."""

    def engine(self) -> Engine:
        return Engine(self.config, self.store, self.pool, retry=self.retry_policy)

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
                trigger: str = "manual", triggered_by: str = "manual") -> str:
        flow = self.config.find(flow_id)
        if flow is None:
            raise UnknownFlow(flow_id)
        if trigger == "schedule" and not flow.allow_concurrent_runs and \
                self.store.active_count(flow.id):
            raise FlowBusy(f"{flow.id} is still running")
        execution = self.store.create(flow.id, trigger, dict(params or {}), triggered_by)
        return self._submit(execution)

    def accept_payload(self, flow_id: str, body: str, triggered_by: str) -> str:
        """Store an outbound payload durably, then process it; refuse beyond the active limit."""
        flow = self.config.find(flow_id)
        if flow is None:
            raise UnknownFlow(flow_id)
        if self.store.active_count(flow.id) >= self.config.runner.max_active_executions:
            raise FlowBusy(f"{flow.name} already has {self.config.runner.max_active_executions}"
                           " executions processing")
        payload_id = self.store.save_payload(flow.id, body)
        execution = self.store.create(flow.id, "outbound", {}, triggered_by, payload_id=payload_id)
        return self._submit(execution)

    def retry(self, execution_id: str, *, wait: bool = False) -> str:
        """A new execution that resends only the rows that failed in ``execution_id``."""
        original = self.store.execution(execution_id)
        if original is None:
            raise KeyError(execution_id)
        rows = [json.loads(log.payload) for log in self.store.iter_logs(execution_id, level="error")
                if log.payload]
        rows = [r for r in rows if isinstance(r, dict)]
        payload_id = self.store.save_payload(original.flow_id, json.dumps(rows))
        execution = self.store.create(original.flow_id, "retry", original.params,
                                      f"retry of {execution_id}", payload_id=payload_id,
                                      retry_of=execution_id)
        if wait:
            return self._execute(execution).id
        return self._submit(execution)

    def recover(self) -> list[str]:
        """Executions a killed runner left ``processing`` become ``interrupted`` and run again,
        with the same batch ids, so Omnitron ends in the same state."""
        started = []
        for old in self.store.mark_interrupted():
            execution = self.store.create(old.flow_id, old.trigger, old.params,
                                          f"recovery of {old.id}", payload_id=old.payload_id,
                                          retry_of=old.retry_of or old.id)
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

    def close(self, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait, cancel_futures=not wait)
        if self._owns_pool:
            self.pool.close()

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
