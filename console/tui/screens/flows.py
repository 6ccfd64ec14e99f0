"""The flows screen: every flow at a glance, and one key for each thing people do with one."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Header, Input, Static

from console.flows import Flow, FlowsConfig
from console.kinds import kind_of
from console.services import ServiceError
from console.services.times import local
from console.tui.base import ConsoleScreen
from console.tui.messages import (
    ConfigChanged,
    ExecutionsLoaded,
    ExecutionStarted,
    FlowsSummarized,
    FlowWritten,
)
from console.tui.reads import Latest, began
from console.tui.runner_link import RunnerUnavailable
from console.tui.widgets.footer import KeyFooter
from console.tui.widgets.table import Table

if TYPE_CHECKING:
    # The summaries are worked out in a worker after the first paint: their module (and its
    # schedules) loads there, not on the way to the first screen.
    from console.services.executions import FlowActivity
    from console.services.flows import FlowSummary

_STATUS_MARKS = {"success": "✓", "partial": "◐", "failed": "✗", "interrupted": "!",
                 "processing": "▶"}
# Live columns get fixed widths ("✓ 11-24 12:05", "11-24 12:05") so updates never reflow; the
# whole table stays within 80 columns.
_SUMMARY_COLUMNS = (("Next run", "next", 11), ("Last run", "last", 13))


def fits(summary: FlowSummary, flow: Flow) -> bool:
    """Whether a summary still tells of the flow as it is now (its next run's inputs unchanged)."""
    return (summary.enabled, summary.schedule, summary.after, summary.timezone) == \
        (flow.enabled, flow.schedule, flow.after, flow.timezone)


def last_run(flow: Flow, activity: FlowActivity | None) -> str:
    """The last execution as a mark and its start in the flow's time zone, or the runs going."""
    if activity is None:
        return "…"
    if activity.running:
        return f"▶ {activity.running} running"
    if activity.last is None:
        return "-"
    mark = _STATUS_MARKS.get(activity.last.status, "?")
    return f"{mark} {local(activity.last.started_at, flow.timezone):%m-%d %H:%M}"


class FlowsScreen(ConsoleScreen[None]):
    # DEFAULT_CSS rather than a CSS_PATH: this is the app's default screen, and Textual reads
    # a screen's CSS_PATH only when the screen is pushed.
    DEFAULT_CSS = """
    FlowsScreen #main { height: 1fr; }
    FlowsScreen DataTable { height: 1fr; width: 1fr; }
    FlowsScreen #filter { display: none; }
    FlowsScreen #filter.visible { display: block; }
    FlowsScreen #details { display: none; width: 42; padding: 0 1; border-left: solid $panel; }
    FlowsScreen.-wide #details { display: block; }
    FlowsScreen #zone { height: 1; padding: 0 1; color: $text-muted; }
    FlowsScreen #reason { display: none; height: 1; padding: 0 1; color: $warning; }
    FlowsScreen #reason.shown { display: block; }
    """
    # At 110 columns and more, the selected flow's details and recent runs show beside the table.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    # The table is focused as the screen is composed, before its first paint: focused from
    # on_mount, the focus arrived after that paint and restyled and painted every row again.
    AUTO_FOCUS = "#flows"
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
        Binding("v", "history", "Versions", id="flows.history"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="flows.clear_filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.summaries: dict[str, FlowSummary] = {}
        self.activity: dict[str, FlowActivity] = {}
        self._recent_lines: tuple[str, list[str]] = ("", [])
        """The recent runs shown in the details, and whose: another flow's never show."""
        self.activity_read = Latest()
        self.unsaved: list[Flow] = []
        """Changes shown but not yet written, oldest first: the writer takes them in order."""
        self.written: FlowsConfig | None = None
        """The flows as the file has them, as far as this screen knows, while changes are
        queued: what a refused change falls back to, with the changes queued after it."""
        self._mine: list[FlowsConfig] = []
        """Flows this screen gave the app, until their ConfigChanged comes back."""
        self.recent_reads: dict[str, Latest] = {}
        """The newest read of each flow's recent runs shown: reads of one flow are ordered by
        when they began, and a read of another flow is not compared with them."""

    def compose(self) -> ComposeResult:
        self._take_breakpoint(self.app.size.width)
        yield Header()
        yield Input(placeholder="filter flows by name, id or type", id="filter")
        with Horizontal(id="main"):
            yield Table(id="flows", cursor_type="row", zebra_stripes=True)
            yield Static("", id="details", markup=False)
        yield Static("", id="reason", markup=False)
        yield Static("", id="zone", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("Name", "Type", "Schedule"):
            table.add_column(label)
        for label, key, width in _SUMMARY_COLUMNS:
            table.add_column(label, key=key, width=width)
        self.fill()
        self.console.after_first_paint(self.refresh_summary)
        self.set_interval(2.0, self.refresh_summary)

    def _take_breakpoint(self, width: int) -> None:
        """The width's class from the start: left to the first resize, the class arrived after
        the first paint and restyled every widget (the same class again changes nothing)."""
        names = {name: False for _, name in self.HORIZONTAL_BREAKPOINTS}
        names[max((b for b in self.HORIZONTAL_BREAKPOINTS if width >= b[0]),
                  key=lambda b: b[0])[1]] = True
        self.update_classes(names, update=False)

    @property
    def now(self) -> datetime:
        return self.console.clock()

    def fill(self) -> None:
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        wanted = self.query_one("#filter", Input).value.strip().casefold()
        for flow in self.config.flows:
            text = f"{flow.id} {flow.name} {flow.type} {flow.direction}".casefold()
            if wanted and wanted not in text:
                continue
            upcoming, last = self._cells(flow)
            kind = f"{kind_of(flow.type).label} {'in' if flow.is_inbound else 'out'}"
            table.add_row(flow.name, kind, flow.schedule or "-", upcoming, last, key=flow.id)
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))
        self.show_selected()

    def _cells(self, flow: Flow) -> tuple[str, str]:
        summary = self.summaries.get(flow.id)
        upcoming = summary.next_run.label() if summary is not None and fits(summary, flow) else "…"
        if len(upcoming) > 11:  # the column's width: a long upstream id is cut
            upcoming = upcoming[:10] + "…"
        return upcoming, last_run(flow, self.activity.get(flow.id))

    @work(thread=True, exit_on_error=False, exclusive=True, group="summary")
    def refresh_summary(self) -> None:
        """Next runs are worked out first, so they show even when the store cannot be read."""
        from console.services.flows import summaries

        config = self.config
        found = {s.id: s for s in summaries(config, self.now)}
        self.post_message(FlowsSummarized(config, found, None))
        read_at = began()
        self.post_message(FlowsSummarized(config, found, self.console.executions.activity(config),
                                          read_at))

    def on_flows_summarized(self, message: FlowsSummarized) -> None:
        """Update the summary cells in place: rebuilding the table would redraw every row.

        Summaries of flows since changed (a save undone while they were worked out) are dropped:
        the change started a new summary of its own."""
        if message.config is not self.config:
            return
        if message.activity is not None and not self.activity_read.newer(message.read_at):
            return  # a replaced poll's thread, slower than a newer one: its runs are older
        self.summaries = message.summaries
        if message.activity is not None:
            flow = self.selected()
            before = self.activity.get(flow.id) if flow is not None else None
            self.activity = message.activity
            if flow is not None and self.has_class("-wide") and \
                    message.activity.get(flow.id) != before:
                self.load_recent(flow.id)  # its recent runs changed under the cursor
        table = self.query_one(DataTable)
        for row_key in table.rows:
            flow = self.config.find(str(row_key.value))
            if flow is None:
                continue
            for (_label, column, _width), value in zip(_SUMMARY_COLUMNS, self._cells(flow),
                                                       strict=True):
                if table.get_cell(row_key, column) != value:
                    table.update_cell(row_key, column, value)
        self.show_selected()

    def on_config_changed(self, message: ConfigChanged) -> None:
        if any(message.config is mine for mine in self._mine):
            self._mine = [mine for mine in self._mine if mine is not message.config]
        elif self.unsaved:
            # flows.toml changed on disk (or was saved elsewhere) while changes of this screen
            # are queued: they stay shown on top of it, and a refused one falls back to it
            self.written = message.config
            self.set_config(self._with_unsaved(message.config))
            return  # its own ConfigChanged comes back
        self.fill()
        self.refresh_summary()

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.show_selected()
        if self.has_class("-wide"):
            flow = self.selected()
            if flow is not None:
                self.load_recent(flow.id)

    def show_selected(self) -> None:
        """The zone line under the table, and at 110+ columns the details beside it."""
        flow = self.selected()
        summary = self.summaries.get(flow.id) if flow is not None else None
        self._show_reason(flow)
        zone = self.query_one("#zone", Static)
        if flow is None or summary is None:
            zone.update("")
            return
        zone.update(f"{flow.name}: times in {flow.timezone} ({summary.zone})")
        lines = [flow.name, f"id {flow.id} · {flow.type} {flow.direction}",
                 f"{'enabled' if flow.enabled else 'disabled'} · "
                 f"schedule {flow.schedule or 'none'}",
                 f"next run {summary.next_run.label('%Y-%m-%d %H:%M %Z')}"]
        whose, recent = self._recent_lines
        self.query_one("#details", Static).update(
            "\n".join(lines + (recent if whose == flow.id else [])))

    def _show_reason(self, flow: Flow | None) -> None:
        """Under the table: why the highlighted flow's last execution skipped rows."""
        activity = self.activity.get(flow.id) if flow is not None else None
        last = activity.last if activity is not None else None
        reason = last.error if last is not None and last.skipped else None
        note = self.query_one("#reason", Static)
        note.update(f"◐ {flow.name}: {reason}" if flow is not None and reason else "")
        note.set_class(bool(reason), "shown")

    @work(thread=True, exit_on_error=False, exclusive=True, group="recent")
    def load_recent(self, flow_id: str) -> None:
        """Exclusive, yet a replaced read's thread still posts, and may answer after the read
        of the flow now under the cursor: the handler shows the selected flow's newest read."""
        read_at = began()
        rows = self.console.executions.executions(flow_id, limit=8)
        self.post_message(ExecutionsLoaded(flow_id, rows, read_at))

    def on_executions_loaded(self, message: ExecutionsLoaded) -> None:
        from console.services.executions import duration_text, params_text

        flow = self.selected()
        if flow is None or flow.id != message.flow_id or \
                not self.recent_reads.setdefault(flow.id, Latest()).newer(message.read_at):
            return  # a flow the cursor has left, or an older read of this one
        lines = ["", "recent runs:"] if message.rows else ["", "no runs yet"]
        for e in message.rows:
            lines.append(f"{_STATUS_MARKS.get(e.status, '?')} "
                         f"{local(e.started_at, flow.timezone):%m-%d %H:%M} "
                         f"{duration_text(e):>7} {e.succeeded}/{e.total}")
            if e.params:
                lines.append(f"    {params_text(e)[:34]}")
        self._recent_lines = (flow.id, lines)
        self.show_selected()

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
        self._mine.append(config)
        self.console.replace_config(config)
        self.fill()

    def _with_unsaved(self, config: FlowsConfig) -> FlowsConfig:
        for flow in self.unsaved:
            config = config.with_flow(flow)
        return config

    def save_flow(self, flow: Flow, done: str) -> None:
        """Show the change at once and write it in the background; a refused write is undone,
        a written one also brings in what others changed in the file meanwhile."""
        from console.tui.saving import write_flow

        shown = self.config
        assert shown.source is not None
        if not self.unsaved:
            self.written = shown
        self.unsaved.append(flow)
        self.set_config(shown.with_flow(flow))
        write_flow(shown.source, shown.find(flow.id), flow, self, done, clock=self.console.clock)

    def on_flow_written(self, message: FlowWritten) -> None:
        """The oldest queued change was written or refused. The screen then shows the file as
        last written with the changes still queued on top: a written change's flows lack the
        changes queued after it, and a refused one's fall-back is not the flows it was made
        on when those included an earlier queued change (refused too, or not)."""
        done = message.context
        self.unsaved.pop(0)
        if message.saved is not None:
            self.written = message.saved
        assert self.written is not None
        self.set_config(self._with_unsaved(self.written))
        if message.saved is None:
            self.notify(message.problem or "not saved", title="Not saved", severity="error",
                        timeout=10)
            return
        self.notify(done)
        if message.warning:
            self.notify(message.warning, title="No version kept", severity="warning", timeout=10)

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        flow = self.selected()
        if flow is not None:
            from console.tui.screens.designer import DesignerScreen

            self.app.push_screen(DesignerScreen(flow))

    def action_trigger(self) -> None:
        flow = self.selected()
        if flow is not None:
            self.trigger(flow, {})

    @work(thread=True, exit_on_error=False, group="trigger")
    def trigger(self, flow: Flow, params: dict[str, str]) -> None:
        """Not triggered? The worker's error says why (the app shows it)."""
        link = self.console.runner
        if link is None:
            raise ServiceError("no runner: flows.toml did not load")
        try:
            execution_id = link.trigger(flow.id, params)
        except RunnerUnavailable as exc:
            raise ServiceError(f"{flow.name} not triggered: {exc}") from None
        self.post_message(ExecutionStarted(flow.id, execution_id, "started"))

    def on_execution_started(self, message: ExecutionStarted) -> None:
        from console.tui.screens.execution_log import ExecutionLogScreen

        self.notify(f"execution {message.execution_id} {message.what}", title=message.flow_id)
        self.app.push_screen(ExecutionLogScreen(message.execution_id))

    def action_trigger_with_params(self) -> None:
        flow = self.selected()
        if flow is None:
            return
        from console.tui.screens.trigger import TriggerScreen

        def go(params: dict[str, str] | None) -> None:
            if params is not None:
                self.trigger(flow, params)

        self.app.push_screen(TriggerScreen(flow), go)

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

            self.app.push_screen(ExecutionsScreen(flow))

    def action_new_flow(self) -> None:
        from console.tui.screens.new_flow import NewFlowScreen

        def created(flow: Flow | None) -> None:
            if flow is not None:
                self.save_flow(flow, f"{flow.name} created from the {flow.type} template")
                self.select(flow.id)

        self.app.push_screen(NewFlowScreen(), created)

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

        self.app.push_screen(StockBrowserScreen())

    def action_oms_setup(self) -> None:
        from console.tui.screens.oms_setup import OmsSetupScreen

        self.app.push_screen(OmsSetupScreen())

    def action_health(self) -> None:
        from console.tui.screens.health import HealthScreen

        self.app.push_screen(HealthScreen())

    def action_history(self) -> None:
        from console.tui.screens.history import HistoryScreen

        self.app.push_screen(HistoryScreen())
