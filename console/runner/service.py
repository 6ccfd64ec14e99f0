"""``console serve``: the runner, its HTTP endpoints, the scheduler and fetch-missing, headless.

Start-up takes the store's runner lock first (refusing at once, naming the holder, when another
live runner has it), then binds the port, and only then recovers, prunes and schedules.
SIGTERM or SIGINT stops accepting new work, lets running executions reach a page boundary
(bounded), marks whatever is still processing interrupted (re-run at the next start) and exits.

With a PostgreSQL store the service is one host of a cluster (see ``console.cluster``): no
runner lock (every host serves), executions go through the shared queue, schedules fire on the
host that claims them, and the one-at-a-time jobs (pruning, fetch-missing, re-queueing the
runs of a dead host) run on the leader only. A stopping host hands its runs back to the queue
at their next page boundary instead of marking them interrupted.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import uvicorn

from console.cluster import cluster_url
from console.flows import FlowsConfig, FlowsError, load
from console.flows.durations import parse_duration
from console.runner.alarms import AlarmEvaluator
from console.runner.http_limits import HttpLimits
from console.runner.lock import RunnerLock
from console.runner.metrics import RunnerMetrics
from console.runner.notify import notify_event
from console.runner.redact import RedactingFilter, config_redactor
from console.runner.runner import Runner
from console.runner.scheduler import FetchMissing, Scheduler
from console.runner.server import RunnerApp
from console.store.records import now, stamp

log = logging.getLogger("console.runner")


def bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


class RunnerService:
    def __init__(self, config: FlowsConfig, *, tick_s: float = 1.0,
                 limits: HttpLimits | None = None, lock: RunnerLock | None = None) -> None:
        """``lock``: the store's runner lock, already taken (``console serve`` takes it before
        the store is opened, so a refused start leaves a held store untouched)."""
        self.config = config
        self.path: Path | None = config.source
        self.limits = limits or HttpLimits()
        url = cluster_url(config)
        self.cluster: Any = None
        if url is None:
            self.lock: RunnerLock | None = lock or RunnerLock(config.store_path())
            self.runner = Runner(config)
        else:
            from console.cluster.host import ClusterHost
            from console.store import open_store

            self.lock = None
            self.cluster = ClusterHost(config, url)
            store = open_store(self.cluster.url)  # StoreUnavailable, before anything is touched
            self.runner = Runner(config, store, dispatch=self.cluster.queue)
        self.scheduler = Scheduler(self.runner,
                                   claim=self.cluster.claim if self.cluster else None)
        self.fetch_missing = FetchMissing(self.runner)
        self.tick_s = tick_s
        self._stop = threading.Event()
        self._mtime = self.path.stat().st_mtime if self.path and self.path.exists() else 0.0
        self._server: uvicorn.Server | None = None
        self._server_thread: threading.Thread | None = None
        self._filter = RedactingFilter(config_redactor(config))
        self.address = ""
        self.alarms = AlarmEvaluator(self.runner.store, notify_event)
        self._alarms_at = 0.0
        self.metrics = RunnerMetrics(self.runner.store, self.runner.running_by_flow)
        self.runner.after_execution += [self.metrics.observe_execution,
                                        lambda _: self.evaluate_alarms()]

    def start(self) -> None:
        """Raises ``StoreHeld`` or ``OSError`` (the port) before anything is recovered or
        scheduled."""
        if self.lock is not None:
            if not self.lock.held:
                self.lock.acquire()
        else:
            self.cluster.prepare()
        try:
            settings = self.config.runner
            sock = bind(settings.host, settings.port)
        except BaseException:
            if self.lock is not None:
                self.lock.release()
            raise
        self.address = "{}:{}".format(*sock.getsockname()[:2])
        log.addFilter(self._filter)
        if self.lock is not None:
            self.lock.announce(self.address)
            self.runner.recover()
            self.prune()
        else:
            self.cluster.start(self.address)
            self.runner.recover()
        self.scheduler.plan(self.config)
        self.metrics.start()
        app = RunnerApp(self.runner, self.metrics, self.limits, self.address,
                        cluster=self.cluster.status if self.cluster else None).app()
        self._server = uvicorn.Server(uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off",
            timeout_graceful_shutdown=2, **self.limits.uvicorn_settings()))
        server = self._server
        self._server_thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[sock])), name="runner-http",
            daemon=True)
        self._server_thread.start()
        while not server.started and self._server_thread.is_alive():
            time.sleep(0.01)

    def prune(self) -> None:
        self.runner.store.prune(self.config.runner.log_retention_days)
        self.runner.store.prune_alarm_events(
            stamp(now() - timedelta(days=self.config.runner.log_retention_days)))

    def _reload_if_changed(self) -> None:
        if self.path is None or not self.path.exists():
            return
        mtime = self.path.stat().st_mtime
        if mtime == self._mtime:
            return
        self._mtime = mtime
        try:
            config = load(self.path)
        except FlowsError as exc:
            log.warning("%s changed but is not valid; the runner keeps the last good flows "
                        "until it is fixed:\n%s", self.path, exc)
            return
        self.config = config
        self.runner.reload(config)
        self._filter.redactor = config_redactor(config)
        self.scheduler.plan(config)
        if self.cluster is not None:
            self.cluster.reload(config)

    def evaluate_alarms(self) -> None:
        self._alarms_at = time.monotonic()
        try:
            self.alarms.evaluate(self.runner.config)
        except Exception:  # noqa: BLE001 - alarms never stop the runner
            log.exception("evaluating alarms failed")

    def tick(self) -> None:
        self._reload_if_changed()
        if self.cluster is None:
            self.scheduler.tick()
            self._fetch_missing()
        else:
            self._cluster_tick()
        every = parse_duration(self.config.alarms.evaluate_every)
        if time.monotonic() - self._alarms_at >= every:
            self.evaluate_alarms()

    def _cluster_tick(self) -> None:
        """Heartbeat, schedule (when this host runs the cluster's flows), and the leader's jobs."""
        def lead(prune: bool) -> None:
            if prune:
                self.prune()
            self._fetch_missing()

        try:
            self.cluster.tick(self.runner.dispatch.running_ids(), lead)
        except Exception as exc:  # noqa: BLE001 - the database may be away for a moment
            log.warning("cluster heartbeat failed (tried again next tick): %s", exc)
            return
        if self.cluster.schedules:
            self.scheduler.tick()

    def _fetch_missing(self) -> None:
        for flow in self.fetch_missing.due_flows():
            try:
                self.fetch_missing.run(flow)
            except Exception as exc:  # noqa: BLE001 - a failed job is logged and tried next time
                log.warning("fetch missing for %s failed: %s", flow.id, exc)

    def serve_forever(self) -> None:
        while not self._stop.wait(self.tick_s):
            try:
                self.tick()
            except Exception as exc:  # noqa: BLE001 - a runner outlives a bad moment of its store
                log.warning("a tick failed (%s: %s); the runner goes on and ticks again",
                            type(exc).__name__, exc)

    def stop(self, drain_s: float = 3.0) -> bool:
        """Stop accepting, let executions reach a page boundary for up to ``drain_s``, mark
        the rest interrupted, release the store. False when some execution thread is still busy
        (in a long script or request): the caller should then end the process."""
        self._stop.set()
        self.runner.stopping.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._server_thread is not None:
            self._server_thread.join(timeout=3)
        finished = self.runner.shutdown(drain_s)
        self.metrics.stop()
        if self.lock is not None:
            self.lock.release()
        else:
            self.cluster.stop()
        log.removeFilter(self._filter)
        return finished
