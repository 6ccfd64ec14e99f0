"""Executions of one flow, newest first, with live progress for the running ones."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header

from console.flows import Flow
from console.services import ServiceError
from console.services.executions import duration_text, params_text
from console.services.times import local, short_zone
from console.store.records import Execution
from console.tui.base import ConsoleScreen
from console.tui.messages import ExecutionsLoaded, ExecutionStarted
from console.tui.progress import progress_text
from console.tui.reads import Latest, began
from console.tui.runner_link import RunnerUnavailable
from console.tui.widgets.footer import KeyFooter
from console.tui.widgets.table import Table


class ExecutionsScreen(ConsoleScreen[None]):
    AUTO_FOCUS = "DataTable"
    BINDINGS = [
        Binding("enter", "open", "Logs", id="executions.open"),
        Binding("r", "retry", "Retry failed rows", id="executions.retry"),
        Binding("escape", "app.pop_screen", "Back", id="executions.back"),
    ]
    DEFAULT_CSS = "ExecutionsScreen DataTable { height: 1fr; }"

    def __init__(self, flow: Flow) -> None:
        super().__init__()
        self.flow = flow
        self.rows: list[Execution] = []
        self.latest = Latest()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Table(cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = f"Executions of {self.flow.name}"
        table = self.query_one(DataTable)
        zone = short_zone(self.flow.timezone)
        table.add_columns("Id", f"Started ({zone})", "Status", "Progress", "Failed", "Took",
                          "Trigger", "Parameters")
        self.load()
        self.set_interval(1.0, self.load)

    @work(thread=True, exit_on_error=False, exclusive=True, group="executions")
    def load(self) -> None:
        """Exclusive, yet a replaced thread still posts: the handler keeps the newest read."""
        read_at = began()
        self.post_message(ExecutionsLoaded(
            self.flow.id, self.console.executions.executions(self.flow.id, limit=200), read_at))

    def on_executions_loaded(self, message: ExecutionsLoaded) -> None:
        if not self.latest.newer(message.read_at) or message.rows == self.rows:
            return
        self.rows = message.rows
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for e in self.rows:
            table.add_row(e.id, f"{local(e.started_at, self.flow.timezone):%m-%d %H:%M:%S}",
                          e.status, progress_text(e), str(e.failed), duration_text(e), e.trigger,
                          params_text(e)[:40], key=e.id)
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))

    def selected_id(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        execution_id = self.selected_id()
        if execution_id:
            from console.tui.screens.execution_log import ExecutionLogScreen

            self.app.push_screen(ExecutionLogScreen(execution_id))

    def action_retry(self) -> None:
        execution_id = self.selected_id()
        if execution_id:
            self.retry(execution_id)

    @work(thread=True, exit_on_error=False, group="retry")
    def retry(self, execution_id: str) -> None:
        link = self.console.runner
        try:
            if link is None:
                raise RunnerUnavailable("no runner")
            new_id = link.retry(execution_id)
        except RunnerUnavailable as exc:
            raise ServiceError(f"not retried: {exc}") from None
        self.post_message(ExecutionStarted(self.flow.id, new_id, "retries the failed rows"))

    def on_execution_started(self, message: ExecutionStarted) -> None:
        self.notify(f"execution {message.execution_id} {message.what}", title=message.flow_id)
