"""Flow health and alarms for people: the health screen, ``console alarms`` and test sends.

Everything is read from the store with indexed queries (a refresh stays in milliseconds at tens
of thousands of executions); the figures come from the same functions the alarm evaluator uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from console.flows import Flow, FlowsConfig
from console.flows.durations import describe_duration
from console.runner.alarms import ALARM_LABELS, DEFAULT_STALLED_S, Rules, rules_for
from console.runner.flow_health import age_s, stats
from console.services.executions import open_store, store_location
from console.store import Store
from console.store.records import AlarmEvent, AlarmState, RunSample, now, stamp

SAMPLE = 20
"""Executions per flow the health figures are computed over."""
PROBLEMS = 20

STATES = ("alarm", "stalled", "failing", "ok", "no runs")


@dataclass(frozen=True)
class FlowHealth:
    flow_id: str
    name: str
    state: str
    """One of :data:`STATES`: a firing alarm first, then a stalled execution, then a failed or
    partial last execution."""
    success_rate: float | None
    avg_s: float | None
    p95_s: float | None
    rows_per_s: float | None
    last_success: str | None
    active: int
    durations: tuple[float, ...]
    firing: tuple[str, ...]
    """Labels of this flow's firing alarms."""


@dataclass(frozen=True)
class HealthReport:
    flows: tuple[FlowHealth, ...]
    problems: tuple[RunSample, ...]
    """Recent failed and partial executions of every flow, newest first."""
    firing: tuple[AlarmState, ...]

    @property
    def unhealthy(self) -> bool:
        return any(f.state in ("alarm", "stalled", "failing") for f in self.flows)


def _state(flow_firing: tuple[str, ...], stalled: bool, last: RunSample | None) -> str:
    if flow_firing:
        return "alarm"
    if stalled:
        return "stalled"
    if last is None:
        return "no runs"
    return "failing" if last.status in ("failed", "partial", "interrupted") else "ok"


def _flow_health(store: Store, flow: Flow, rules: Rules, firing: tuple[str, ...],
                 processing: list[RunSample], at: datetime) -> FlowHealth:
    runs = store.recent_runs(flow.id, SAMPLE)
    figures = stats(runs)
    stalled_after = rules.stalled_after_s or DEFAULT_STALLED_S
    mine = [r for r in processing if r.flow_id == flow.id]
    stalled = any(age_s(r.started_at, at) > stalled_after for r in mine)
    last_finished = next((r for r in runs if r.status != "processing"), None)
    success = store.last_success(flow.id)
    return FlowHealth(flow.id, flow.name, _state(firing, stalled, last_finished),
                      figures.success_rate, figures.avg_s, figures.p95_s, figures.rows_per_s,
                      success.finished_at or success.started_at if success else None, len(mine),
                      figures.durations, firing)


def health_report(config: FlowsConfig, store: Store | None = None, *,
                  clock: Callable[[], datetime] = now) -> HealthReport:
    store = store or open_store(store_location(config))
    at = clock()
    known = {f.id for f in config.flows}
    firing = tuple(s for s in store.alarm_states() if s.firing and s.flow_id in known)
    processing = store.processing()
    flows = tuple(
        _flow_health(store, flow, rules_for(flow, config.alarms),
                     tuple(ALARM_LABELS.get(s.alarm, s.alarm) for s in firing
                           if s.flow_id == flow.id), processing, at)
        for flow in config.flows)
    return HealthReport(flows, tuple(store.recent_problems(PROBLEMS)), firing)


def firing_alarms(config: FlowsConfig, store: Store | None = None) -> list[str]:
    """``Flow name: alarm`` for every firing alarm of a flow in ``config``: the header's line."""
    store = store or open_store(store_location(config))
    names = {f.id: f.name for f in config.flows}
    return [f"{names[s.flow_id]}: {ALARM_LABELS.get(s.alarm, s.alarm)}"
            for s in store.alarm_states() if s.firing and s.flow_id in names]


@dataclass(frozen=True)
class AlarmLine:
    """One configured condition of one flow and where it stands."""

    flow_id: str
    flow_name: str
    alarm: str
    condition: str
    state: str
    """``firing`` or ``ok``."""
    since: str | None
    message: str


def _conditions(rules: Rules) -> dict[str, str]:
    found = {}
    if rules.error_rate is not None:
        found["error_rate"] = f">= {rules.error_rate:g}% over the {rules.window_text()}"
    if rules.avg_flow_time_s is not None:
        found["avg_flow_time"] = f"> {rules.avg_flow_time_s:g} s over the {rules.window_text()}"
    if rules.no_success_within_s is not None:
        found["no_success"] = f"none within {describe_duration(rules.no_success_within_s)}"
    if rules.stalled_after_s is not None:
        found["stalled"] = f"processing over {describe_duration(rules.stalled_after_s)}"
    return found


def alarm_lines(config: FlowsConfig, store: Store) -> list[AlarmLine]:
    states = {(s.flow_id, s.alarm): s for s in store.alarm_states()}
    lines = []
    for flow in config.flows:
        for alarm, condition in _conditions(rules_for(flow, config.alarms)).items():
            state = states.get((flow.id, alarm))
            if state is None or state.changed_at is None:
                lines.append(AlarmLine(flow.id, flow.name, alarm, condition, "ok", None, ""))
                continue
            lines.append(AlarmLine(flow.id, flow.name, alarm, condition,
                                   "firing" if state.firing else "ok", state.changed_at,
                                   state.message))
    return lines


def alarm_history(store: Store, limit: int = 50) -> list[AlarmEvent]:
    return store.alarm_events(limit)


def send_test_notification(config: FlowsConfig, store: Store | None = None, *,
                           clock: Callable[[], datetime] = now) -> tuple[bool, str]:
    """Send a test message to every ``[alarms] notify`` target and keep it in the history.

    Answers whether every target took it, and how delivery went (never a URL).
    """
    from console.runner.notify import send

    store = store or open_store(store_location(config))
    message = (f"A test notification from integrator-console ({len(config.flows)} flows in "
               f"{config.source.name if config.source else 'flows.toml'}).")
    event_id = store.record_alarm_event("*", "test", "test", stamp(clock()), message)
    delivery = send(config.alarms.notify, "[test] integrator-console alarms", message,
                    kind="info")
    store.note_delivery(event_id, delivery)
    return delivery.startswith("sent to"), delivery
