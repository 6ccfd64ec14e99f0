"""Executions as procrastinate jobs: queued where they are admitted, run by any host's worker.

Admission calls ``enqueue`` inside its own transaction, so the execution row and its job
commit together: a 202 is answered only once both are in the database. Each job names one
execution; the job's queueing lock and lock (both the execution id) keep one job waiting and
one running per execution. The worker runs in a thread of its own (an asyncio loop), sends
procrastinate's heartbeats, and runs each job's execution in a thread.

A run first takes the execution's lease (see ``state``): the engine checks it before each
batch, so a host that was taken for dead and comes back writes nothing more. A host asked to
stop ends its runs at the next page boundary and hands their jobs back to the queue, where
another host takes them up; a host that dies leaves its jobs "doing" under a worker whose
heartbeat stops, and the leader queues them again (``requeue_stalled``). Either way the
execution runs again as itself: same id, so the same Omnitron batch ids, which Omnitron
applies once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

import procrastinate
from procrastinate import PsycopgConnector, RetryStrategy, SyncPsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException
from procrastinate.jobs import DEFAULT_PRIORITY, Job
from procrastinate.manager import JobManager

from console.cluster.state import ClusterState, Lease
from console.runner.engine import Fenced
from console.store.records import Execution

if TYPE_CHECKING:
    from console.runner.runner import Runner
    from console.store.protocol import Store

log = logging.getLogger("console.cluster")
TASK = "console.run_execution"
QUEUE = "executions"


def _job_already_ended(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A fenced host's worker still reports its job's end, which the leader already ended when
    it queued the execution again: the database refuses, and that is expected. It is one
    warning line, never a traceback on the host's console; anything else goes to asyncio."""
    error = context.get("exception")
    cause = getattr(error, "__cause__", None)
    if isinstance(error, ConnectorException) and "Job was not found" in str(cause):
        log.warning("a job this host gave up was already ended by another host: %s",
                    str(cause).splitlines()[0])
        return
    loop.default_exception_handler(context)


class HostStopping(Fenced):
    """This host is stopping: the run ends at this page boundary and its job goes back to the
    queue for another host."""


class QueueDispatch:
    """The runner's dispatch on a cluster host."""

    def __init__(self, runner: Runner, url: str, state: ClusterState, host: str, *,
                 workers: int = 4, heartbeat_s: float = 10.0, stall_after_s: float = 30.0) -> None:
        self.runner = runner
        self.state = state
        self.host = host
        self.workers = workers
        self.heartbeat_s = heartbeat_s
        self.stall_after_s = stall_after_s
        self.app = procrastinate.App(connector=PsycopgConnector(conninfo=url))
        self.app.task(name=TASK, queue=QUEUE, pass_context=False,
                      retry=RetryStrategy(max_attempts=1000, wait=0,
                                          retry_exceptions={HostStopping}))(self._run_job)
        self._deferrer = JobManager(SyncPsycopgConnector(conninfo=url))
        """Queues jobs on a connection it is given (the admission's), never on its own."""
        self._running: dict[str, Lease] = {}
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._worker: threading.Thread | None = None
        self._worker_task: asyncio.Task[None] | None = None
        self._started = threading.Event()

    def schema(self) -> str:
        """The queue's tables and functions, for a database that has none yet."""
        return str(self.app.schema_manager.get_schema())

    # --- admission ----------------------------------------------------------------------

    def enqueue(self, connection: Any, execution_id: str) -> None:
        """Queue the execution on the admission's open transaction."""
        job = Job(id=None, queue=QUEUE, task_name=TASK, lock=execution_id,
                  queueing_lock=execution_id, task_kwargs={"execution_id": execution_id},
                  priority=DEFAULT_PRIORITY)
        self._deferrer.defer_job(job, connection=connection)

    def submit(self, execution: Execution) -> str:
        """Nothing to do: the execution was queued in the transaction that admitted it."""
        return execution.id

    # --- the worker ---------------------------------------------------------------------

    def recover(self, store: Store) -> list[str]:
        """Start taking jobs. What a dead host left is found by heartbeat and queued again by
        the leader (``requeue_stalled``), not here: the other hosts' runs are not this one's to
        touch."""
        self.start()
        return []

    def start(self) -> None:
        if self._worker is not None:
            return
        self._worker = threading.Thread(target=self._serve, name="cluster-worker", daemon=True)
        self._worker.start()
        self._started.wait(timeout=30)

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(_job_already_ended)
        self._loop = loop
        try:
            while not self._closing.is_set():
                try:
                    loop.run_until_complete(self._work())
                    return
                except asyncio.CancelledError:
                    return  # asked to stop: the worker ended its runs and unregistered
                except Exception as exc:  # noqa: BLE001 - a host outlives a lost database
                    # a host taken for dead has its sessions ended: its worker starts again
                    # and takes jobs as soon as the database answers
                    log.warning("the cluster worker stopped (%s): starting it again",
                                str(exc).strip() or type(exc).__name__)
                    self._closing.wait(self.heartbeat_s)
        finally:
            self._started.set()
            loop.close()

    async def _work(self) -> None:
        async with self.app.open_async():
            self._worker_task = asyncio.current_task()  # type: ignore[assignment]
            self._started.set()
            await self.app.run_worker_async(
                queues=[QUEUE], name=self.host, concurrency=self.workers, wait=True,
                install_signal_handlers=False, listen_notify=True,
                fetch_job_polling_interval=1.0, update_heartbeat_interval=self.heartbeat_s,
                stalled_worker_timeout=self.stall_after_s,
                shutdown_graceful_timeout=30.0, delete_jobs="successful")

    def call(self, coroutine: Any, timeout: float = 30.0) -> Any:
        """Run a coroutine of the queue's app on the worker's loop, from another thread."""
        if self._loop is None or self._loop.is_closed():
            coroutine.close()
            raise RuntimeError("the cluster worker is not running")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def _run_job(self, execution_id: str) -> None:
        store = self.runner.store
        execution = store.execution(execution_id)
        if execution is None or execution.status != "processing":
            return  # finished already (its job ran to the end elsewhere), or gone
        if self._closing.is_set():
            raise HostStopping(f"{self.host} is stopping")
        lease = self.state.take_lease(execution_id, self.host)
        if lease.attempt > 1:
            store.log(execution_id, "warning",
                      f"run again on {self.host} (attempt {lease.attempt}): the host that ran it"
                      " stopped or stopped heartbeating; the same batch ids are sent again and"
                      " Omnitron applies each once")
        with self._lock:
            self._running[execution_id] = lease
        try:
            self.runner.execute_queued(execution, lambda: self._fence(lease))
        except HostStopping:
            store.log(execution_id, "warning",
                      f"{self.host} is stopping: handed back to the queue at a page boundary")
            raise
        except Fenced:
            log.warning("execution %s was taken over by another host: %s stops writing it",
                        execution_id, self.host)
            return
        finally:
            with self._lock:
                self._running.pop(execution_id, None)
        self.state.drop_lease(lease)

    def _fence(self, lease: Lease) -> None:
        if self._closing.is_set():
            raise HostStopping(f"{self.host} is stopping")
        if not self.state.holds(lease):
            raise Fenced(f"execution {lease.execution_id} was taken over by another host")

    # --- stalled jobs (the leader's) ----------------------------------------------------

    def requeue_stalled(self) -> list[str]:
        """Jobs of hosts whose worker heartbeat stopped for ``stall_after_s`` are ended and
        queued again, each in one transaction: the new job runs the same execution."""
        stalled = self.call(self.app.job_manager.get_stalled_jobs(
            task_name=TASK, seconds_since_heartbeat=self.stall_after_s))
        requeued = []
        for job in stalled:
            execution_id = str(job.task_kwargs.get("execution_id", ""))
            with self.state.pool.connection() as conn, conn.transaction():
                conn.execute("SELECT procrastinate_finish_job_v1(%s, 'failed', false)", (job.id,))
                if execution_id:
                    try:
                        with conn.transaction():  # a savepoint: the old job ends either way
                            self.enqueue(conn, execution_id)
                    except AlreadyEnqueued:
                        pass  # a job for it already waits
            if execution_id:
                log.warning("execution %s was running on a host that stopped heartbeating:"
                            " queued again", execution_id)
                requeued.append(execution_id)
        return requeued

    def prune(self, older_than_days: int) -> None:
        """Forget ended jobs (the executions keep their own record)."""
        self.call(self.app.job_manager.delete_old_jobs(
            nb_hours=24 * older_than_days, queue=QUEUE, include_failed=True,
            include_cancelled=True, include_aborted=True))

    # --- the runner's side of the dispatch ----------------------------------------------

    def running(self) -> int:
        with self._lock:
            return len(self._running)

    def running_ids(self) -> list[str]:
        with self._lock:
            return list(self._running)

    def wait(self, timeout: float | None = None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.running() and (deadline is None or time.monotonic() < deadline):
            time.sleep(0.05)

    def shutdown(self, store: Store, drain_s: float) -> bool:
        """Runs end at their next page boundary and go back to the queue; the worker stops
        taking jobs and unregisters. True when no run is left in this process."""
        self._closing.set()
        self.close(wait=True, timeout=drain_s)
        return not self.running()

    def close(self, wait: bool = True, timeout: float = 30.0) -> None:
        self._closing.set()
        loop, task = self._loop, self._worker_task
        if loop is not None and task is not None and not loop.is_closed():
            loop.call_soon_threadsafe(task.cancel)
        if wait and self._worker is not None:
            self._worker.join(timeout)
