"""Executions of one flow, newest first, with live progress for the running ones."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header

from console.flows import Flow, FlowsConfig
from console.tui.local_time import local
from console.tui.progress import progress_text
from console.tui.widgets.footer import KeyFooter


class ExecutionsLoaded(Message):
    def __init__(self, rows: list[Any]) -> None:
        super().__init__()
        self.rows = rows


class ExecutionsScreen(Screen[None]):
    AUTO_FOCUS = "DataTable"
    BINDINGS = [
        Binding("enter", "open", "Logs", id="executions.open"),
        Binding("r", "retry", "Retry failed rows", id="executions.retry"),
        Binding("escape", "app.pop_screen", "Back", id="executions.back"),
    ]
    DEFAULT_CSS = "ExecutionsScreen DataTable { height: 1fr; }"

    def __init__(self, config: FlowsConfig, flow: Flow) -> None:
        super().__init__()
        self.config = config
        self.flow = flow
        self.rows: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = f"Executions of {self.flow.name}"
        table = self.query_one(DataTable)
        table.add_columns("Id", "Trigger", "Status", "Progress", "Failed", "Started")
        self.load()
        self.set_interval(1.0, self.load)

    @work(thread=True, exit_on_error=False, exclusive=True, group="executions")
    def load(self) -> None:
        from console.runner.store import ExecutionStore

        rows = ExecutionStore(self.config.store_path()).executions(self.flow.id, limit=200)
        self.post_message(ExecutionsLoaded(rows))

    def on_executions_loaded(self, message: ExecutionsLoaded) -> None:
        if message.rows == self.rows:
            return
        self.rows = message.rows
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for e in self.rows:
            table.add_row(e.id, e.trigger, e.status, progress_text(e), str(e.failed),
                          f"{local(e.started_at, self.flow.timezone):%m-%d %H:%M:%S}", key=e.id)
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

            self.app.push_screen(ExecutionLogScreen(self.config, execution_id))

    def action_retry(self) -> None:
        execution_id = self.selected_id()
        if execution_id:
            self.retry(execution_id)

    @work(thread=True, exit_on_error=False, group="retry")
    def retry(self, execution_id: str) -> None:
        from console.tui.runner_link import RunnerUnavailable

        try:
            new_id = self.app.runner.retry(execution_id)  # type: ignore[attr-defined]
        except RunnerUnavailable as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self.notify, f"retrying failed rows as {new_id}")
