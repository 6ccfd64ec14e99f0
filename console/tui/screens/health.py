"""The health screen: every flow's state at a glance, and the executions that went wrong.

Rows are computed by ``console.services.health`` in a worker and arrive as one message; the
table below lists recent failed and partial executions of all flows, ``enter`` opening the log.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Header, Sparkline, Static

from console.services.health import FlowHealth, HealthReport
from console.services.times import local
from console.tui.base import ConsoleScreen
from console.tui.reads import Latest, began
from console.tui.widgets.footer import KeyFooter
from console.tui.widgets.table import Table

_BARS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 8


def spark_text(values: tuple[float, ...], width: int = SPARK_WIDTH) -> str:
    """The last ``width`` values as block characters scaled to the largest."""
    shown = values[-width:]
    if not shown:
        return ""
    top = max(shown) or 1.0
    return "".join(_BARS[min(len(_BARS) - 1, int(v / top * (len(_BARS) - 1) + 0.5))]
                   for v in shown)


def seconds_text(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}s" if value < 100 else f"{value / 60:.0f}m"


def age_text(stamp: str | None, now: datetime) -> str:
    """How long ago, k9s style: ``45s``, ``20m``, ``3h``, ``2d``."""
    if stamp is None:
        return "-"
    seconds = max(0.0, (now - datetime.fromisoformat(stamp)).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


class HealthLoaded(Message):
    """A fresh health report, read from the store by a worker."""

    def __init__(self, report: HealthReport, read_at: int) -> None:
        super().__init__()
        self.report = report
        self.read_at = read_at
        """When the read began (see ``console.tui.reads``): a poll may overlap a refresh."""


class TestNotificationSent(Message):
    def __init__(self, ok: bool, delivery: str) -> None:
        super().__init__()
        self.ok = ok
        self.delivery = delivery


class HealthScreen(ConsoleScreen[None]):
    AUTO_FOCUS = "#health"
    BINDINGS = [
        Binding("enter", "open", "Open log", id="health.open"),
        Binding("r", "refresh", "Refresh", id="health.refresh"),
        Binding("N", "test_notification", "Test notification", id="health.test_notification"),
        Binding("escape", "app.pop_screen", "Back", id="health.back"),
    ]
    DEFAULT_CSS = """
    HealthScreen #firing { height: auto; padding: 0 1; color: $text-muted; }
    HealthScreen #firing.firing { background: $error 30%; color: $text; text-style: bold; }
    HealthScreen #health { height: auto; max-height: 50%; }
    HealthScreen #chart-label { height: 1; padding: 0 1; color: $text-muted; }
    HealthScreen #chart { height: 2; margin: 0 1; }
    HealthScreen #problems-label { height: 1; padding: 0 1; margin-top: 1; text-style: bold; }
    HealthScreen #problems { height: 1fr; overflow-x: hidden; }
    HealthScreen.-short #chart { height: 1; }
    HealthScreen.-short #problems-label { margin-top: 0; }
    """
    SHORT = 30
    """Below this many lines the chart takes one line and the failures list gains two."""
    PROBLEM_COLUMNS = ("Started (UTC)", "Flow", "Status", "Rows", "Failed", "Error")

    def __init__(self, report: HealthReport | None = None, read_at: int = 0) -> None:
        """``report``: one already read (the console's start-up read), shown without waiting
        for this screen's own first read."""
        super().__init__()
        self.report: HealthReport | None = None
        self.latest = Latest()
        self._first = (report, read_at)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("loading…", id="firing", markup=False)
        yield Table(id="health", cursor_type="row", zebra_stripes=True)
        yield Static("", id="chart-label", markup=False)
        yield Sparkline([], id="chart")
        yield Static("Recent failed or partial executions", id="problems-label")
        yield Table(id="problems", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Health"
        health = self.query_one("#health", DataTable)
        for label, key in (("State", "state"), ("Flow", "flow"), ("OK", "ok"), ("Avg", "avg"),
                           ("p95", "p95"), ("Rows/s", "rps"), ("Last OK", "last"),
                           ("▶", "active"), ("Recent", "spark")):
            health.add_column(label, key=key)
        problems = self.query_one("#problems", DataTable)
        problems.add_columns(*self.PROBLEM_COLUMNS)
        self.set_class(self.size.height < self.SHORT, "-short")
        report, read_at = self._first
        if report is not None:
            self.on_health_loaded(HealthLoaded(report, read_at))
        self.load()
        self.set_interval(2.0, self.load)

    @work(thread=True, exit_on_error=False, group="health")
    def load(self) -> None:
        from console.services.health import health_report

        read_at = began()
        self.post_message(HealthLoaded(health_report(self.config, clock=self.console.clock),
                                       read_at))

    def action_refresh(self) -> None:
        self.load()

    def on_health_loaded(self, message: HealthLoaded) -> None:
        if not self.latest.newer(message.read_at) or message.report == self.report:
            return  # older than the report shown (or the same)
        self.report = message.report
        self._fill_firing(message.report)
        self._fill_flows(message.report)
        self._fill_problems(message.report)
        self._show_chart()

    def _fill_firing(self, report: HealthReport) -> None:
        banner = self.query_one("#firing", Static)
        labels = [f"{f.name}: {label}" for f in report.flows for label in f.firing]
        if labels:
            banner.update(f"{len(labels)} alarm{'s' if len(labels) > 1 else ''} firing: "
                          + ", ".join(labels))
            banner.add_class("firing")
        else:
            banner.update("no alarm firing")
            banner.remove_class("firing")

    def _state(self, state: str) -> Text:
        colors = self.app.theme_variables
        style = {"alarm": f"bold {colors.get('error', 'red')}",
                 "stalled": f"bold {colors.get('warning', 'yellow')}",
                 "failing": colors.get("warning", "yellow"),
                 "ok": colors.get("success", "green")}.get(state, "dim")
        return Text(state, style=style)

    def _row(self, flow: FlowHealth) -> list[str | Text]:
        last = age_text(flow.last_success, self.console.clock())
        return [self._state(flow.state), flow.name, _percent(flow.success_rate),
                seconds_text(flow.avg_s), seconds_text(flow.p95_s),
                "-" if flow.rows_per_s is None else f"{flow.rows_per_s:.0f}", last,
                str(flow.active) if flow.active else "-", spark_text(flow.durations)]

    def _fill_flows(self, report: HealthReport) -> None:
        table = self.query_one("#health", DataTable)
        keep = table.cursor_row
        table.clear()
        for flow in report.flows:
            table.add_row(*self._row(flow), key=flow.flow_id)
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))

    def on_resize(self) -> None:
        self.set_class(self.size.height < self.SHORT, "-short")
        if self.report is not None:
            self._fill_problems(self.report)

    def _fill_problems(self, report: HealthReport) -> None:
        table = self.query_one("#problems", DataTable)
        keep = table.cursor_row
        table.clear()
        names = {f.flow_id: f.name for f in report.flows}
        rows = [[f"{local(run.started_at, 'UTC'):%m-%d %H:%M:%S}",
                 names.get(run.flow_id, run.flow_id), run.status, str(run.total),
                 str(run.failed)] for run in report.problems]
        width = self._error_width(rows)
        for run, row in zip(report.problems, rows, strict=True):
            first = (run.error or "").splitlines()[0] if run.error else ""
            error = first if len(first) <= width else first[:width - 1] + "…"
            table.add_row(*row, error, key=run.id)
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))

    def _error_width(self, rows: list[list[str]]) -> int:
        """What the Error column can show without scrolling sideways: the screen's width less
        the other columns and every cell's padding, and the scrollbar when rows overflow."""
        used = sum(max(len(text) for text in [label, *(row[n] for row in rows)]) + 2
                   for n, label in enumerate(self.PROBLEM_COLUMNS[:-1])) + 3
        shown = self.query_one("#problems", DataTable).size.height - 1
        scrollbar = 2 if shown < len(rows) else 0
        return max(12, min(120, self.size.width - used - scrollbar))

    @on(DataTable.RowHighlighted, "#health")
    def _show_chart(self) -> None:
        if self.report is None:
            return
        flow = self._selected_flow()
        chart = self.query_one("#chart", Sparkline)
        label = self.query_one("#chart-label", Static)
        if flow is None or not flow.durations:
            chart.data = []
            label.update("")
            return
        chart.data = list(flow.durations)
        label.update(f"{flow.name}: duration of the last {len(flow.durations)} executions, "
                     f"longest {seconds_text(max(flow.durations))}")

    def _selected_flow(self) -> FlowHealth | None:
        table = self.query_one("#health", DataTable)
        if self.report is None or not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((f for f in self.report.flows if f.flow_id == key), None)

    def action_open(self) -> None:
        """``enter``: the log of the highlighted failure, or the executions of the flow."""
        problems = self.query_one("#problems", DataTable)
        if problems.has_focus:
            self._open_log()
        else:
            self._open_flow_executions()

    @on(DataTable.RowSelected, "#problems")
    def _open_log(self) -> None:
        table = self.query_one("#problems", DataTable)
        if not table.row_count:
            return
        execution_id = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        from console.tui.screens.execution_log import ExecutionLogScreen

        self.app.push_screen(ExecutionLogScreen(execution_id))

    @on(DataTable.RowSelected, "#health")
    def _open_flow_executions(self) -> None:
        selected = self._selected_flow()
        flow = self.config.find(selected.flow_id) if selected is not None else None
        if flow is not None:
            from console.tui.screens.executions import ExecutionsScreen

            self.app.push_screen(ExecutionsScreen(flow))

    def action_test_notification(self) -> None:
        if not self.config.alarms.notify:
            self.notify("add apprise URLs to [alarms] notify in flows.toml first",
                        title="No notification targets", severity="warning")
            return
        self.send_test()

    @work(thread=True, exit_on_error=False, group="test-notification")
    def send_test(self) -> None:
        from console.services.health import send_test_notification

        ok, delivery = send_test_notification(self.config, clock=self.console.clock)
        self.post_message(TestNotificationSent(ok, delivery))

    def on_test_notification_sent(self, message: TestNotificationSent) -> None:
        self.notify(message.delivery, title="Test notification",
                    severity="information" if message.ok else "error", timeout=8)
