"""The first screen: every flow of flows.toml at a glance."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header

from console.flows import Flow, FlowsConfig, Schedule


def _next_run(flow: Flow, now: datetime) -> str:
    if not flow.schedule or not flow.enabled:
        return "-"
    runs = Schedule.parse(flow.schedule, flow.timezone).next_runs(now, 1)
    return runs[0].strftime("%Y-%m-%d %H:%M") if runs else "-"


class FlowsScreen(Screen[None]):
    DEFAULT_CSS = """
    FlowsScreen DataTable { height: 1fr; }
    """

    def __init__(self, config: FlowsConfig, now: datetime | None = None) -> None:
        super().__init__()
        self.config = config
        self.now = now

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="flows", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Name", "Type", "Direction", "Schedule", "Next run", "Enabled")
        now = self.now or datetime.now(UTC)
        for flow in self.config.flows:
            table.add_row(
                flow.name,
                flow.type,
                flow.direction,
                flow.schedule or "manual",
                _next_run(flow, now),
                "yes" if flow.enabled else "no",
                key=flow.id,
            )
        table.focus()
