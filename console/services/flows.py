"""Flow summaries: what the flows screen and ``console flows list`` show for each flow.

The next run is worked out here once, for every kind of flow: a disabled flow has none, an
outbound flow runs when data is posted to it, a chained flow after its upstream succeeds, an
inbound flow without a schedule only manually.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from console.flows import Flow, FlowsConfig, FlowsError, Schedule
from console.frozen import dataclass
from console.kinds import kind_of
from console.services.errors import ServiceError
from console.services.times import short_zone

NextRunState = Literal["scheduled", "disabled", "on request", "manual", "never", "after"]


@dataclass(frozen=True)
class NextRun:
    """When a flow runs next, or why it has no next run."""

    state: NextRunState
    at: datetime | None = None
    """In the flow's time zone; set only when ``state`` is ``scheduled``."""
    after: str | None = None
    """The flow whose successful execution starts this one; set only when ``state`` is
    ``after``."""

    def label(self, fmt: str = "%m-%d %H:%M") -> str:
        """``11-24 12:05`` for a scheduled run, ``after stock`` for a chained one, otherwise
        the state in words."""
        if self.at is not None:
            return self.at.strftime(fmt)
        if self.after is not None:
            return f"after {self.after}"
        return "-" if self.state == "never" else self.state


def next_run(flow: Flow, now: datetime) -> NextRun:
    if not flow.enabled:
        return NextRun("disabled")
    if not flow.is_inbound:
        return NextRun("on request")
    if not kind_of(flow.type).runs_on_its_own(flow.direction):
        return NextRun("manual")
    if flow.after:
        return NextRun("after", after=flow.after)
    if not flow.schedule:
        return NextRun("manual")
    runs = Schedule.parse(flow.schedule, flow.timezone).next_runs(now, 1)
    return NextRun("scheduled", runs[0]) if runs else NextRun("never")


@dataclass(frozen=True)
class FlowSummary:
    """A flow as the flows list shows it."""

    id: str
    name: str
    type: str
    direction: str
    enabled: bool
    schedule: str | None
    after: str | None
    timezone: str
    zone: str
    """The time zone's short marker now (``UTC``, ``+03``)."""
    next_run: NextRun


def summarize(flow: Flow, now: datetime) -> FlowSummary:
    return FlowSummary(flow.id, flow.name, flow.type, flow.direction, flow.enabled, flow.schedule,
                       flow.after, flow.timezone, short_zone(flow.timezone, now), next_run(flow, now))


def summaries(config: FlowsConfig, now: datetime) -> list[FlowSummary]:
    return [summarize(flow, now) for flow in config.flows]


@dataclass(frozen=True)
class SavePreview:
    """What saving one flow will change in flows.toml, as a unified diff."""

    diff: str
    added: int
    removed: int

    @property
    def empty(self) -> bool:
        return not self.diff


def save_preview(path: Path, after: Flow) -> SavePreview:
    """The diff of flows.toml if ``after`` were saved now (nothing is written)."""
    import difflib

    from console.flows.file import preview_flow

    try:
        before, text = preview_flow(path, after)
    except FlowsError as exc:
        raise ServiceError(str(exc)) from None
    except OSError as exc:
        raise ServiceError(f"cannot read {path}: {exc.strerror or exc}") from None
    lines = list(difflib.unified_diff(before.splitlines(keepends=True),
                                      text.splitlines(keepends=True),
                                      f"{path.name} (now)", f"{path.name} (saved)", n=2))
    added = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in lines if line.startswith("-") and not line.startswith("---"))
    return SavePreview("".join(lines), added, removed)
