"""Prometheus metrics of ``console serve``, served as text on ``GET /metrics``.

Counters, histograms and active executions are this process's own (in a cluster, each host
exports what it ran and runs): they are fed by the runner after each execution and by the
core's telemetry reports, and the runner counts what it is running. Alarm states are the
store's, the same on every host, read at scrape time. prometheus-client is imported only when
the runner starts serving.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from console import telemetry
from console.store import Store
from console.store.records import Execution

DURATION_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
REQUEST_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
ROW_RESULTS = ("written", "failed", "skipped")


class _StoreCollector:
    """Gauges read when scraped: what this process runs now, and the store's alarm states."""

    def __init__(self, store: Store, running: Callable[[], dict[str, int]]) -> None:
        self.store = store
        self.running = running

    def describe(self) -> list[Any]:
        return []

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        active = GaugeMetricFamily("console_active_executions",
                                   "Executions this host is running now, by flow",
                                   labels=["flow"])
        for flow_id, count in sorted(self.running().items()):
            active.add_metric([flow_id], count)
        yield active
        alarms = GaugeMetricFamily("console_alarm_firing",
                                   "1 while an alarm fires, 0 once resolved, by flow and alarm",
                                   labels=["flow", "alarm"])
        for state in self.store.alarm_states():
            alarms.add_metric([state.flow_id, state.alarm], 1 if state.firing else 0)
        yield alarms


class RunnerMetrics:
    def __init__(self, store: Store, running: Callable[[], dict[str, int]]) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry()
        self.executions = Counter("console_executions", "Finished executions by flow and status",
                                  ["flow", "status"], registry=self.registry)
        self.rows = Counter("console_rows", "Rows of finished executions by flow and result "
                            "(written, failed, skipped)", ["flow", "result"],
                            registry=self.registry)
        self.duration = Histogram("console_execution_duration_seconds",
                                  "Wall time of finished executions", ["flow"],
                                  buckets=DURATION_BUCKETS, registry=self.registry)
        self.requests = Histogram("console_http_request_duration_seconds",
                                  "ERP and Omnitron HTTP attempts, by system and answer status",
                                  ["system", "status"], buckets=REQUEST_BUCKETS,
                                  registry=self.registry)
        self.retries = Counter("console_http_retries", "Attempts repeated after a transient "
                               "failure (429, 5xx, network), by system", ["system"],
                               registry=self.registry)
        self.script = Histogram("console_script_duration_seconds", "Time in flow scripts",
                                ["flow"], buckets=REQUEST_BUCKETS, registry=self.registry)
        self.registry.register(_StoreCollector(store, running))  # type: ignore[arg-type]
        for system in ("erp", "omnitron"):
            self.retries.labels(system)
        self._stop_listening: Callable[[], None] | None = None

    def start(self) -> None:
        """Listen to the core's telemetry (until :meth:`stop`)."""
        if self._stop_listening is None:
            self._stop_listening = telemetry.listen(self.on_report)

    def stop(self) -> None:
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None

    def on_report(self, name: str, value: float, labels: dict[str, str]) -> None:
        if name == telemetry.HTTP_REQUEST:
            self.requests.labels(labels.get("system", "?"), labels.get("status", "?")).observe(value)
        elif name == telemetry.HTTP_RETRY:
            self.retries.labels(labels.get("system", "?")).inc(value)
        elif name == telemetry.SCRIPT:
            self.script.labels(labels.get("flow", "?")).observe(value)

    def observe_execution(self, execution: Execution) -> None:
        flow = execution.flow_id
        self.executions.labels(flow, execution.status).inc()
        skipped = int(getattr(execution, "skipped", 0) or 0)
        for result, count in zip(ROW_RESULTS, (execution.succeeded, execution.failed, skipped),
                                 strict=True):
            self.rows.labels(flow, result).inc(count)
        if execution.finished_at:
            spent = (datetime.fromisoformat(execution.finished_at)
                     - datetime.fromisoformat(execution.started_at)).total_seconds()
            self.duration.labels(flow).observe(max(spent, 0.0))

    def render(self) -> tuple[bytes, str]:
        """The text exposition and its content type."""
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST
