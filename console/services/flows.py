"""Flow summaries: what the flows screen and ``console flows list`` show for each flow.

The next run is worked out here once, for every kind of flow: a disabled flow has none, an
outbound flow runs when data is posted to it, an inbound flow without a schedule only manually.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from console.flows import Flow, FlowsConfig, Schedule
from console.services.times import short_zone

NextRunState = Literal["scheduled", "disabled", "on request", "manual", "never"]


@dataclass(frozen=True)
class NextRun:
    state: NextRunState
    at: datetime | None = None
    """In the flow's time zone; set only when ``state`` is ``scheduled``."""

    def label(self, fmt: str = "%m-%d %H:%M") -> str:
        """``11-24 12:05`` for a scheduled run, otherwise the state in words."""
        if self.at is not None:
            return self.at.strftime(fmt)
        return "-" if self.state == "never" else self.state


def next_run(flow: Flow, now: datetime) -> NextRun:
    if not flow.enabled:
        return NextRun("disabled")
    if not flow.is_inbound:
        return NextRun("on request")
    if not flow.schedule:
        return NextRun("manual")
    runs = Schedule.parse(flow.schedule, flow.timezone).next_runs(now, 1)
    return NextRun("scheduled", runs[0]) if runs else NextRun("never")


@dataclass(frozen=True)
class FlowSummary:
    id: str
    name: str
    type: str
    direction: str
    enabled: bool
    schedule: str | None
    timezone: str
    zone: str
    """The time zone's short marker now (``UTC``, ``+03``)."""
    next_run: NextRun


def summarize(flow: Flow, now: datetime) -> FlowSummary:
    return FlowSummary(flow.id, flow.name, flow.type, flow.direction, flow.enabled, flow.schedule,
                       flow.timezone, short_zone(flow.timezone, now), next_run(flow, now))


def summaries(config: FlowsConfig, now: datetime) -> list[FlowSummary]:
    return [summarize(flow, now) for flow in config.flows]
