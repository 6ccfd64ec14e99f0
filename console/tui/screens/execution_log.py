"""One execution: its summary (live while it runs) and every row's log line."""

from __future__ import annotations

import base64
import csv
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from console.flows import FlowsConfig
from console.tui.local_time import local
from console.tui.progress import progress_line
from console.tui.widgets.footer import KeyFooter
from console.tui.widgets.row_log_view import RowLogView


class ExecutionLoaded(Message):
    def __init__(self, execution: Any) -> None:
        super().__init__()
        self.execution = execution


class ExecutionLogScreen(Screen[None]):
    AUTO_FOCUS = "#rows"
    BINDINGS = [
        Binding("a", "level(None)", "All", id="log.all"),
        Binding("x", "level('error')", "Errors", id="log.errors"),
        Binding("w", "level('warning')", "Warnings", show=False, id="log.warnings"),
        Binding("slash", "search", "Search", id="log.search"),
        Binding("c", "copy", "Copy row", id="log.copy"),
        Binding("E", "export", "Export", id="log.export"),
        Binding("r", "retry", "Retry failed", id="log.retry"),
        Binding("escape", "back", "Back", id="log.back"),
    ]
    DEFAULT_CSS = """
    ExecutionLogScreen #summary { height: auto; padding: 0 1; background: $panel; }
    ExecutionLogScreen #search { display: none; }
    ExecutionLogScreen #search.visible { display: block; }
    """

    def __init__(self, config: FlowsConfig, execution_id: str) -> None:
        super().__init__()
        self.config = config
        self.execution_id = execution_id
        self.execution: Any = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("loading…", id="summary", markup=False)
        yield Input(placeholder="search by SKU, order number or message", id="search")
        yield RowLogView(str(self.config.store_path()), self.execution_id, id="rows")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = f"Execution {self.execution_id}"
        self.query_one(RowLogView).reload()
        self.load()
        self.polling = self.set_interval(0.5, self.load)

    @work(thread=True, exit_on_error=False, group="execution")
    def load(self) -> None:
        """Not exclusive: a poll must not cancel a load already under way (two loads post the
        same message; a cancelled one fails whoever waits for it)."""
        from console.runner.store import ExecutionStore

        self.post_message(ExecutionLoaded(ExecutionStore(self.config.store_path())
                                          .execution(self.execution_id)))

    def _started(self, flow_id: str, stamp: str) -> str:
        flow = self.config.find(flow_id)
        zone = flow.timezone if flow is not None else "UTC"
        return f"{local(stamp, zone):%Y-%m-%d %H:%M:%S %Z}"

    def on_execution_loaded(self, message: ExecutionLoaded) -> None:
        e = message.execution
        if e is None:
            self.query_one("#summary", Static).update(f"no execution {self.execution_id}")
            return
        changed = self.execution is None or (e.total, e.status) != (self.execution.total,
                                                                     self.execution.status)
        self.execution = e
        if e.status != "processing":
            self.polling.stop()  # a finished execution changes no more
        skipped = f", {e.skipped} skipped" if e.skipped else ""
        lines = [f"{e.flow_id} · {e.trigger} by {e.triggered_by} · {e.status.upper()}",
                 f"{e.total} rows: {e.succeeded} written, {e.failed} failed{skipped} · "
                 f"started {self._started(e.flow_id, e.started_at)}"]
        running = progress_line(e)
        if running:
            lines.insert(1, running)
        if e.error:
            lines.append(f"{'reason' if e.skipped and e.status == 'partial' else 'error'}: "
                         f"{e.error}")
        for name, value in e.attributes.items():
            lines.append(f"{name} = {value[:120]}")
        self.query_one("#summary", Static).update("\n".join(lines))
        if changed:
            view = self.query_one(RowLogView)
            view.reload()

    def action_level(self, level: str | None) -> None:
        view = self.query_one(RowLogView)
        view.reset(level, view.search)

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.add_class("visible")
        box.focus()

    @on(Input.Submitted, "#search")
    def _search(self, event: Input.Submitted) -> None:
        view = self.query_one(RowLogView)
        view.reset(view.level, event.value.strip() or None)
        view.focus()

    def action_back(self) -> None:
        box = self.query_one("#search", Input)
        if box.has_class("visible"):
            box.remove_class("visible")
            self.query_one(RowLogView).focus()
            return
        self.app.pop_screen()

    def action_copy(self) -> None:
        log = self.query_one(RowLogView).current()
        if log is None:
            return
        text = f"{log.key or ''}\t{log.level}\t{log.message}\t{log.payload or ''}"
        self.app.copy_to_clipboard(text)
        encoded = base64.b64encode(text.encode()).decode()
        self.notify(f"copied row {log.seq} ({len(encoded)} bytes via OSC 52)")

    def action_export(self) -> None:
        view = self.query_one(RowLogView)
        self.export(view.level, view.search)

    @work(thread=True, exit_on_error=False, group="export")
    def export(self, level: str | None, search: str | None) -> None:
        """The rows in view (same level filter and search) as CSV and JSON lines."""
        from console.runner.store import ExecutionStore

        store = ExecutionStore(self.config.store_path())
        folder = self.config.store_path().parent / "exports"
        csv_path = folder / f"{self.execution_id}.csv"
        json_path = folder / f"{self.execution_id}.jsonl"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with csv_path.open("w", newline="", encoding="utf-8") as out, \
                    json_path.open("w", encoding="utf-8") as lines:
                writer = csv.writer(out)
                writer.writerow(["seq", "level", "key", "message", "payload"])
                for log in store.iter_logs(self.execution_id, level=level, search=search):
                    writer.writerow([log.seq, log.level, log.key, log.message, log.payload])
                    lines.write(json.dumps(asdict(log), ensure_ascii=False) + "\n")
        except OSError as exc:
            self.app.call_from_thread(self.notify, f"cannot export: {exc.strerror or exc}",
                                      severity="error")
            return
        self.app.call_from_thread(self.notify, f"exported to {_short(csv_path)} and "
                                               f"{_short(json_path)}")

    def action_retry(self) -> None:
        self.retry()

    @work(thread=True, exit_on_error=False, group="retry")
    def retry(self) -> None:
        from console.tui.runner_link import RunnerUnavailable

        try:
            new_id = self.app.runner.retry(self.execution_id)  # type: ignore[attr-defined]
        except RunnerUnavailable as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self.app.push_screen,
                                  ExecutionLogScreen(self.config, new_id))


def _short(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
