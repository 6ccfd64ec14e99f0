"""How admitted executions get run: worker threads in this process, or a queue shared by hosts.

The runner admits an execution and hands it to its dispatch; the engine never knows which one
it has. ``ThreadDispatch`` is the embedded runner's: a thread pool in this process, and at
start the executions a stopped or killed runner left behind run again. A queue dispatch
(cluster mode) queues the execution in the admission's own transaction (``enqueue``) and
leaves running it to whichever host's worker takes the job.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

from console.store.protocol import Enqueue, Store
from console.store.records import Execution

Execute = Callable[[Execution], Execution]


class Dispatch(Protocol):
    enqueue: Enqueue | None
    """Given to the store's admission, which calls it inside its transaction; None when the
    execution is handed over after the commit instead (``submit``)."""

    def submit(self, execution: Execution) -> str: ...

    def recover(self, store: Store) -> list[str]: ...

    def running(self) -> int: ...

    def running_ids(self) -> list[str]: ...

    def wait(self, timeout: float | None = None) -> None: ...

    def shutdown(self, store: Store, drain_s: float) -> bool: ...

    def close(self, wait: bool = True) -> None: ...


class ThreadDispatch:
    """Executions in worker threads of this process."""

    enqueue: Enqueue | None = None

    def __init__(self, execute: Execute, workers: int = 4) -> None:
        self._execute = execute
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="execution")
        self._futures: dict[str, Future[Execution]] = {}
        self._lock = threading.Lock()

    def submit(self, execution: Execution) -> str:
        future = self._executor.submit(self._execute, execution)
        with self._lock:
            self._futures[execution.id] = future
        future.add_done_callback(lambda _: self._forget(execution.id))
        return execution.id

    def _forget(self, execution_id: str) -> None:
        with self._lock:
            self._futures.pop(execution_id, None)

    def recover(self, store: Store) -> list[str]:
        """Executions a killed or stopped runner left unfinished run again, in the order they
        were accepted and with the same batch ids, so Omnitron ends in the same state."""
        store.mark_interrupted()
        started = []
        for old in store.resumable():
            execution = store.resume(old)
            if execution is not None:
                started.append(self.submit(execution))
        return started

    def running(self) -> int:
        with self._lock:
            return len(self._futures)

    def running_ids(self) -> list[str]:
        with self._lock:
            return list(self._futures)

    def wait(self, timeout: float | None = None) -> None:
        with self._lock:
            futures = list(self._futures.values())
        for future in futures:
            future.result(timeout=timeout)

    def shutdown(self, store: Store, drain_s: float) -> bool:
        """Wait up to ``drain_s`` for running executions (told to stop at their next page
        boundary), then mark whatever is still processing interrupted, to run again at the
        next start. True when every execution thread has finished."""
        deadline = time.monotonic() + drain_s
        while self.running() and time.monotonic() < deadline:
            time.sleep(0.05)
        self._executor.shutdown(wait=False, cancel_futures=True)
        store.mark_interrupted()
        return not self.running()

    def close(self, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait, cancel_futures=not wait)
