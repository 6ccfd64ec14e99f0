"""Alarm conditions per flow and the evaluator that fires and resolves them once each.

``console serve`` evaluates after every execution and on a timer. A condition that turns true
fires its alarm; one that turns false resolves it. Each change is a compare-and-set in the
store, so it happens once however many evaluators run, and an alarm changes at most once per
``[alarms] min_interval``, so a flow on the edge of a threshold does not flap.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from console.flows import Flow, FlowsConfig
from console.flows.durations import describe_duration, parse_duration
from console.flows.model import AlarmSettings
from console.runner.flow_health import age_s, stats
from console.store.records import AlarmEvent, AlarmState, RunSample, now, stamp
from console.store.sqlite import ExecutionStore

log = logging.getLogger("console.alarms")

ALARMS = ("error_rate", "avg_flow_time", "no_success", "stalled")
ALARM_LABELS = {"error_rate": "error rate", "avg_flow_time": "average flow time",
                "no_success": "no success", "stalled": "stalled execution"}
DEFAULT_STALLED_S = 3600.0
"""When no ``stalled_after`` is set, the health view still calls an execution stalled after
an hour of processing (it fires no alarm)."""


@dataclass(frozen=True)
class Rules:
    """One flow's effective conditions: its own keys over the ``[alarms]`` defaults."""

    error_rate: float | None
    window: int | float
    """A number of executions (int) or seconds (float)."""
    avg_flow_time_s: float | None
    no_success_within_s: float | None
    stalled_after_s: float | None

    @property
    def any(self) -> bool:
        return any(v is not None for v in (self.error_rate, self.avg_flow_time_s,
                                           self.no_success_within_s, self.stalled_after_s))

    def window_text(self) -> str:
        if isinstance(self.window, int):
            return f"last {self.window} executions"
        return f"last {describe_duration(self.window)}"


def _window(value: int | str) -> int | float:
    return value if isinstance(value, int) else parse_duration(value)


def _seconds(text: str | None) -> float | None:
    return parse_duration(text) if text else None


def rules_for(flow: Flow, defaults: AlarmSettings) -> Rules:
    """A disabled flow, or one whose alarms are switched off, has no conditions.

    ``no_success_within`` from the defaults applies only to scheduled flows: a flow run on
    request has no expected rhythm. Set in the flow's own table it always applies.
    """
    own = flow.alarms
    if not flow.enabled or (own is not None and not own.enabled):
        return Rules(None, 1, None, None, None)

    def pick(name: str) -> object:
        mine = getattr(own, name) if own is not None else None
        return mine if mine is not None else getattr(defaults, name)

    no_success = own.no_success_within if own is not None else None
    if no_success is None and flow.schedule:
        no_success = defaults.no_success_within
    return Rules(
        error_rate=pick("error_rate"),  # type: ignore[arg-type]
        window=_window(pick("window")),  # type: ignore[arg-type]
        avg_flow_time_s=pick("avg_flow_time_s"),  # type: ignore[arg-type]
        no_success_within_s=_seconds(no_success),
        stalled_after_s=_seconds(pick("stalled_after")),  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class Condition:
    flow_id: str
    alarm: str
    true: bool
    value: float | None
    message: str


def _window_runs(store: ExecutionStore, flow: Flow, rules: Rules,
                 at: datetime) -> list[RunSample]:
    if isinstance(rules.window, int):
        return store.recent_runs(flow.id, rules.window)
    return store.runs_since(flow.id, stamp(at - timedelta(seconds=rules.window)))


def check(store: ExecutionStore, flow: Flow, rules: Rules, at: datetime) -> list[Condition]:
    """Every condition the flow has, true or false, with the figure it was judged on."""
    found: list[Condition] = []
    if rules.error_rate is not None or rules.avg_flow_time_s is not None:
        figures = stats(_window_runs(store, flow, rules, at))
        if rules.error_rate is not None:
            rate = figures.error_rate
            found.append(Condition(
                flow.id, "error_rate", rate is not None and rate >= rules.error_rate, rate,
                f"{flow.name}: {figures.problems} of {figures.finished} executions failed or "
                f"partial over the {rules.window_text()} ({rate or 0:.0f}%, alarm at "
                f"{rules.error_rate:g}%)"))
        if rules.avg_flow_time_s is not None:
            avg = figures.avg_s
            found.append(Condition(
                flow.id, "avg_flow_time", avg is not None and avg > rules.avg_flow_time_s, avg,
                f"{flow.name}: executions took {avg or 0:.1f} s on average over the "
                f"{rules.window_text()} (alarm above {rules.avg_flow_time_s:g} s)"))
    if rules.no_success_within_s is not None:
        found.append(_no_success(store, flow, rules.no_success_within_s, at))
    if rules.stalled_after_s is not None:
        found.append(_stalled(store, flow, rules.stalled_after_s, at))
    return found


def _no_success(store: ExecutionStore, flow: Flow, within: float, at: datetime) -> Condition:
    last = store.last_success(flow.id)
    since = last.started_at if last is not None else store.first_run_at(flow.id)
    quiet = age_s(since, at) if since else 0.0
    what = "no successful execution" if last is None else "the last success was"
    return Condition(flow.id, "no_success", quiet > within, quiet,
                     f"{flow.name}: {what} {describe_duration(round(quiet))} ago "
                     f"(alarm after {describe_duration(within)})")


def _stalled(store: ExecutionStore, flow: Flow, after: float, at: datetime) -> Condition:
    ages = [age_s(r.started_at, at) for r in store.processing() if r.flow_id == flow.id]
    oldest = max(ages, default=0.0)
    stuck = sum(1 for a in ages if a > after)
    return Condition(flow.id, "stalled", stuck > 0, oldest,
                     f"{flow.name}: {stuck} execution(s) processing for more than "
                     f"{describe_duration(after)} (oldest {describe_duration(round(oldest))})")


Notify = Callable[[AlarmEvent, AlarmSettings], str]


class AlarmEvaluator:
    """Judges every flow's conditions against the stored states and changes those that differ.

    ``notify`` sends one event and says how delivery went; it runs after the change is stored,
    so a slow or failing channel never makes an alarm fire twice.
    """

    def __init__(self, store: ExecutionStore, notify: Notify | None = None,
                 clock: Callable[[], datetime] = now) -> None:
        self.store = store
        self.notify = notify
        self.clock = clock
        self._lock = threading.Lock()

    def evaluate(self, config: FlowsConfig) -> list[AlarmEvent]:
        with self._lock:
            at = self.clock()
            states = {(s.flow_id, s.alarm): s for s in self.store.alarm_states()}
            judged = [c for flow in config.flows
                      for c in check(self.store, flow, rules_for(flow, config.alarms), at)]
            seen = {(c.flow_id, c.alarm) for c in judged}
            for key, state in states.items():
                if state.firing and key not in seen:
                    judged.append(Condition(*key, False, None,
                                            f"{key[0]}: {ALARM_LABELS.get(key[1], key[1])} is"
                                            " no longer checked"))
            minimum = parse_duration(config.alarms.min_interval, allow_zero=True)
            changed = [e for c in judged
                       if (e := self._change(c, states.get((c.flow_id, c.alarm)), at, minimum))]
        for event in changed:
            self._deliver(event, config.alarms)
        return changed

    def _change(self, condition: Condition, state: AlarmState | None, at: datetime,
                minimum: float) -> AlarmEvent | None:
        firing = state.firing if state is not None else False
        if condition.true == firing:
            return None
        if state is not None and state.changed_at and age_s(state.changed_at, at) < minimum:
            return None
        event_id = self.store.change_alarm(condition.flow_id, condition.alarm, condition.true,
                                           stamp(at), condition.value, condition.message)
        if event_id is None:
            return None
        return AlarmEvent(event_id, condition.flow_id, condition.alarm,
                          "fired" if condition.true else "resolved", stamp(at), condition.value,
                          condition.message, "")

    def _deliver(self, event: AlarmEvent, settings: AlarmSettings) -> None:
        if self.notify is None:
            return
        try:
            delivery = self.notify(event, settings)
        except Exception as exc:  # noqa: BLE001 - a broken channel is recorded, never raised
            delivery = f"not sent: {type(exc).__name__}"
            log.warning("notifying %s %s failed: %s", event.flow_id, event.alarm,
                        type(exc).__name__)
        self.store.note_delivery(event.id, delivery)
