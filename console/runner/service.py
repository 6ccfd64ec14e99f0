"""``console serve``: the runner, its HTTP endpoints, the scheduler and fetch-missing, headless.

Start-up takes the store's runner lock first (refusing at once, naming the holder, when another
live runner has it), then binds the port, and only then recovers, prunes and schedules.
SIGTERM or SIGINT stops accepting new work, lets running executions reach a page boundary
(bounded), marks whatever is still processing interrupted (re-run at the next start) and exits.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

import uvicorn

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
                 limits: HttpLimits | None = None) -> None:
        self.config = config
        self.path: Path | None = config.source
        self.lock = RunnerLock(config.store_path())
        self.limits = limits or HttpLimits()
        self.runner = Runner(config)
        self.scheduler = Scheduler(self.runner)
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
        self.metrics = RunnerMetrics(self.runner.store)
        self.runner.after_execution += [self.metrics.observe_execution,
                                        lambda _: self.evaluate_alarms()]

    def start(self) -> None:
        """Raises ``StoreHeld`` or ``OSError`` (the port) before anything is recovered or
        scheduled."""
        self.lock.acquire()
        try:
            settings = self.config.runner
            sock = bind(settings.host, settings.port)
        except BaseException:
            self.lock.release()
            raise
        self.address = "{}:{}".format(*sock.getsockname()[:2])
        self.lock.announce(self.address)
        log.addFilter(self._filter)
        self.runner.recover()
        self.runner.store.prune(self.config.runner.log_retention_days)
        self.runner.store.prune_alarm_events(
            stamp(now() - timedelta(days=self.config.runner.log_retention_days)))
        self.scheduler.plan(self.config)
        self.metrics.start()
        app = RunnerApp(self.runner, self.metrics, self.limits, self.address).app()
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

    def evaluate_alarms(self) -> None:
        self._alarms_at = time.monotonic()
        try:
            self.alarms.evaluate(self.runner.config)
        except Exception:  # noqa: BLE001 - alarms never stop the runner
            log.exception("evaluating alarms failed")

    def tick(self) -> None:
        self._reload_if_changed()
        self.scheduler.tick()
        every = parse_duration(self.config.alarms.evaluate_every)
        if time.monotonic() - self._alarms_at >= every:
            self.evaluate_alarms()
        for flow in self.fetch_missing.due_flows():
            try:
                self.fetch_missing.run(flow)
            except Exception as exc:  # noqa: BLE001 - a failed job is logged and tried next time
                log.warning("fetch missing for %s failed: %s", flow.id, exc)

    def serve_forever(self) -> None:
        while not self._stop.wait(self.tick_s):
            self.tick()

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
        self.lock.release()
        log.removeFilter(self._filter)
        return finished
