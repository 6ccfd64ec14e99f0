"""The flows screen: every flow at a glance, and one key for each thing people do with one."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static

from console.flows import Flow, FlowsConfig, Schedule
from console.tui.local_time import local
from console.tui.saving import FlowWritten
from console.tui.widgets.footer import KeyFooter

_TYPES = {"stock": "stock", "order_status": "order", "oms_stock": "oms"}
_STATUS_MARKS = {"success": "✓", "partial": "◐", "failed": "✗", "interrupted": "!",
                 "processing": "▶"}
# Live columns get fixed widths ("✓ 11-24 12:05", "11-24 12:05") so updates never reflow; the
# whole table stays within 80 columns.
_SUMMARY_COLUMNS = (("Next run", "next", 11), ("Last run", "last", 13))


def next_run(flow: Flow, now: datetime) -> str:
    if not flow.enabled:
        return "disabled"
    if not flow.is_inbound:
        return "on request"
    if flow.after:
        text = f"after {flow.after}"
        return text if len(text) <= 11 else text[:10] + "…"
    if not flow.schedule:
        return "manual"
    runs = Schedule.parse(flow.schedule, flow.timezone).next_runs(now, 1)
    return runs[0].strftime("%m-%d %H:%M") if runs else "-"


def last_run(flow: Flow, status: str, started_at: str, active: int) -> str:
    """The last execution as a mark and its start in the flow's time zone, or the runs going."""
    if active:
        return f"▶ {active} running"
    return f"{_STATUS_MARKS.get(status, '?')} {local(started_at, flow.timezone):%m-%d %H:%M}"


class ExecutionSummary(Message):
    """Last execution and active count per flow, read from the store by a worker; ``reasons``
    says why a flow's last execution skipped rows (a broken mapping)."""

    def __init__(self, rows: dict[str, tuple[str, str]],
                 reasons: dict[str, str] | None = None) -> None:
        super().__init__()
        self.rows = rows
        self.reasons = reasons or {}


class FlowsScreen(Screen[None]):
    # DEFAULT_CSS rather than a CSS_PATH: this is the app's default screen, and Textual reads
    # a screen's CSS_PATH only when the screen is pushed.
    DEFAULT_CSS = """
    FlowsScreen DataTable { height: 1fr; }
    FlowsScreen #filter { display: none; }
    FlowsScreen #filter.visible { display: block; }
    FlowsScreen #reason { display: none; height: 1; color: $warning; }
    FlowsScreen #reason.shown { display: block; }
    """
    BINDINGS = [
        Binding("enter", "open", "Open", id="flows.open"),
        Binding("t", "trigger", "Trigger", id="flows.trigger"),
        Binding("T", "trigger_with_params", "Trigger…", id="flows.trigger_params"),
        Binding("s", "schedule", "Schedule", id="flows.schedule"),
        Binding("e", "toggle_enabled", "Enable/disable", id="flows.toggle"),
        Binding("l", "executions", "Executions", id="flows.executions"),
        Binding("n", "new_flow", "New", id="flows.new"),
        Binding("slash", "filter", "Filter", id="flows.filter"),
        Binding("S", "stock_browser", "Stock", id="flows.stock_browser"),
        Binding("O", "oms_setup", "OMS setup", id="flows.oms_setup"),
        Binding("h", "health", "Health", id="flows.health"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="flows.clear_filter"),
    ]

    def __init__(self, config: FlowsConfig) -> None:
        super().__init__()
        self.config = config
        self.summary: dict[str, tuple[str, str]] = {}
        self.reasons: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="filter flows by name, id or type", id="filter")
        yield DataTable(id="flows", cursor_type="row", zebra_stripes=True)
        yield Static(id="reason", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("Name", "Type", "Schedule"):
            table.add_column(label)
        for label, key, width in _SUMMARY_COLUMNS:
            table.add_column(label, key=key, width=width)
        self.fill()
        table.focus()
        self.call_after_refresh(self.refresh_summary)
        self.set_interval(2.0, self.refresh_summary)

    @property
    def now(self) -> datetime:
        return self.app.clock()  # type: ignore[attr-defined,no-any-return]

    def fill(self) -> None:
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        wanted = self.query_one("#filter", Input).value.strip().casefold()
        for flow in self.config.flows:
            text = f"{flow.id} {flow.name} {flow.type} {flow.direction}".casefold()
            if wanted and wanted not in text:
                continue
            last, upcoming = self.summary.get(flow.id, ("-", "…"))
            kind = f"{_TYPES[flow.type]} {'in' if flow.is_inbound else 'out'}"
            table.add_row(flow.name, kind, flow.schedule or "-", upcoming, last, key=flow.id)
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))

    @work(thread=True, exit_on_error=False, exclusive=True, group="summary")
    def refresh_summary(self) -> None:
        from console.runner.store import ExecutionStore

        store = ExecutionStore(self.config.store_path())
        rows: dict[str, tuple[str, str]] = {}
        reasons: dict[str, str] = {}
        now = self.now
        for flow in self.config.flows:
            recent = store.executions(flow.id, limit=1)
            if recent and recent[0].skipped and recent[0].error:
                reasons[flow.id] = recent[0].error
            active = store.active_count(flow.id)
            last = last_run(flow, recent[0].status, recent[0].started_at, active) \
                if recent else "-"
            rows[flow.id] = (last, next_run(flow, now))
        self.post_message(ExecutionSummary(rows, reasons))

    def on_execution_summary(self, message: ExecutionSummary) -> None:
        """Update the summary cells in place: rebuilding the table would redraw every row."""
        if message.reasons != self.reasons:
            self.reasons = message.reasons
            self._show_reason()
        if message.rows == self.summary:
            return
        self.summary = message.rows
        table = self.query_one(DataTable)
        for row_key in table.rows:
            last, upcoming = self.summary.get(str(row_key.value), ("-", "…"))
            for (_label, column, _width), value in zip(_SUMMARY_COLUMNS, (upcoming, last),
                                                       strict=True):
                if table.get_cell(row_key, column) != value:
                    table.update_cell(row_key, column, value)

    @on(DataTable.RowHighlighted)
    def _show_reason(self) -> None:
        """Under the table: why the highlighted flow's last execution skipped rows."""
        flow = self.selected()
        reason = self.reasons.get(flow.id) if flow is not None else None
        note = self.query_one("#reason", Static)
        note.update(f"◐ {flow.name}: {reason}" if flow is not None and reason else "")
        note.set_class(bool(reason), "shown")

    def selected(self) -> Flow | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.config.find(str(key))

    def select(self, flow_id: str) -> None:
        """Move the cursor to a flow (clearing the filter if it hides it)."""
        table = self.query_one(DataTable)
        if flow_id not in [str(k.value) for k in table.rows]:
            self.query_one("#filter", Input).value = ""
            self.fill()
        for index, key in enumerate(table.rows):
            if key.value == flow_id:
                table.move_cursor(row=index)
                return

    def set_config(self, config: FlowsConfig) -> None:
        self.config = config
        self.app.replace_config(config)  # type: ignore[attr-defined]
        self.fill()

    def save_flow(self, flow: Flow, done: str) -> None:
        """Show the change at once and write it in the background; a refused write is undone,
        a written one also brings in what others changed in the file meanwhile."""
        from console.tui.saving import write_flow

        previous = self.config
        assert previous.source is not None
        self.set_config(previous.with_flow(flow))
        write_flow(previous.source, previous.find(flow.id), flow, self, (previous, done))

    def on_flow_written(self, message: FlowWritten) -> None:
        previous, done = message.context
        if message.saved is None:
            self.set_config(previous)
            self.notify(message.problem or "not saved", title="Not saved", severity="error",
                        timeout=10)
            return
        self.set_config(message.saved)
        self.notify(done)

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        flow = self.selected()
        if flow is not None:
            from console.tui.screens.designer import DesignerScreen

            self.app.push_screen(DesignerScreen(self.config, flow), self._after_design)

    def _after_design(self, result: Any) -> None:
        if isinstance(result, FlowsConfig):
            self.set_config(result)

    def action_trigger(self) -> None:
        flow = self.selected()
        if flow is not None:
            self.trigger(flow, {})

    @work(thread=True, exit_on_error=False, group="trigger")
    def trigger(self, flow: Flow, params: dict[str, str]) -> None:
        from console.tui.runner_link import RunnerUnavailable

        link = self.app.runner  # type: ignore[attr-defined]
        try:
            execution_id = link.trigger(flow.id, params)
        except RunnerUnavailable as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Not triggered",
                                      severity="error")
            return
        self.app.call_from_thread(self._show_execution, flow.id, execution_id)

    def _show_execution(self, flow_id: str, execution_id: str) -> None:
        from console.tui.screens.execution_log import ExecutionLogScreen

        self.notify(f"execution {execution_id} started", title=flow_id)
        self.app.push_screen(ExecutionLogScreen(self.config, execution_id))

    def action_trigger_with_params(self) -> None:
        flow = self.selected()
        if flow is None:
            return
        from console.tui.screens.trigger import TriggerScreen

        def go(params: dict[str, str] | None) -> None:
            if params is not None:
                self.trigger(flow, params)

        self.app.push_screen(TriggerScreen(self.config, flow), go)

    def action_schedule(self) -> None:
        flow = self.selected()
        if flow is None:
            return
        from console.tui.screens.schedule import ScheduleScreen

        def apply(schedule: str | None) -> None:
            if schedule is not None:
                self.save_flow(dataclasses.replace(flow, schedule=schedule or None),
                               f"{flow.name} schedule saved: {schedule or 'manual only'}")

        self.app.push_screen(ScheduleScreen(flow, self.now), apply)

    def action_toggle_enabled(self) -> None:
        flow = self.selected()
        if flow is not None:
            self.save_flow(dataclasses.replace(flow, enabled=not flow.enabled),
                           f"{flow.name} {'disabled' if flow.enabled else 'enabled'}")

    def action_executions(self) -> None:
        flow = self.selected()
        if flow is not None:
            from console.tui.screens.executions import ExecutionsScreen

            self.app.push_screen(ExecutionsScreen(self.config, flow))

    def action_new_flow(self) -> None:
        from console.tui.screens.new_flow import NewFlowScreen

        def created(flow: Flow | None) -> None:
            if flow is not None:
                self.save_flow(flow, f"{flow.name} created from the {flow.type} template")
                self.select(flow.id)

        self.app.push_screen(NewFlowScreen(self.config), created)

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("visible")
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("visible")
        self.query_one(DataTable).focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self.fill()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one(DataTable).focus()

    def action_stock_browser(self) -> None:
        from console.tui.screens.stock_browser import StockBrowserScreen

        self.app.push_screen(StockBrowserScreen(self.config))

    def action_oms_setup(self) -> None:
        from console.tui.screens.oms_setup import OmsSetupScreen

        self.app.push_screen(OmsSetupScreen(self.config))

    def action_health(self) -> None:
        from console.tui.screens.health import HealthScreen

        self.app.push_screen(HealthScreen(self.config))
