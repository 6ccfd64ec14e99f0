"""One execution: its summary (live while it runs), every row's log line, and the whole of the
row under the cursor in a detail pane."""

from __future__ import annotations

import base64
import csv
import json
from dataclasses import asdict
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, Input, Static

from console.services import ServiceError
from console.services.times import full_stamp
from console.store.records import Execution, RowLog
from console.surrogates import escaped
from console.tui.base import ConsoleScreen
from console.tui.messages import ExecutionLoaded, ExecutionStarted, Notice
from console.tui.progress import progress_line
from console.tui.reads import Latest, began
from console.tui.runner_link import RunnerUnavailable
from console.tui.widgets.footer import KeyFooter
from console.tui.widgets.row_log_view import RowLogView

_LEVEL_WORDS = {None: "all rows", "error": "errors only", "warning": "warnings only"}


def filter_text(level: str | None, search: str | None) -> str:
    """``errors only · search "A1"``: what the log shows, and so what an export contains."""
    text = _LEVEL_WORDS.get(level, f"{level} rows")
    return f"{text} · search {json.dumps(search, ensure_ascii=False)}" if search else text


def detail_text(log: RowLog, zone: str) -> str:
    """Everything about one row: the message in full and its payload, pretty-printed."""
    lines = [f"row {log.seq} · {log.level} · {log.key or 'no key'} · "
             f"{full_stamp(log.created_at, zone)}",
             "", log.message]
    if log.payload:
        try:
            payload = escaped(json.dumps(json.loads(log.payload), indent=2, ensure_ascii=False))
        except json.JSONDecodeError:
            payload = log.payload
        lines += ["", "payload (the row, what was sent, Omnitron's answer):", payload]
    return "\n".join(lines)


class ExecutionLogScreen(ConsoleScreen[None]):
    AUTO_FOCUS = "#rows"
    BINDINGS = [
        Binding("a", "level(None)", "All", id="log.all"),
        Binding("x", "level('error')", "Errors", id="log.errors"),
        Binding("w", "level('warning')", "Warnings", show=False, id="log.warnings"),
        Binding("slash", "search", "Search", id="log.search"),
        Binding("enter", "detail", "Detail", id="log.detail"),
        Binding("c", "copy", "Copy row", id="log.copy"),
        Binding("E", "export", "Export", id="log.export"),
        Binding("r", "retry", "Retry failed", id="log.retry"),
        Binding("escape", "back", "Back", id="log.back"),
    ]
    DEFAULT_CSS = """
    ExecutionLogScreen #summary { height: auto; max-height: 8; padding: 0 1;
                                  background: $panel; }
    ExecutionLogScreen #filter { height: 1; padding: 0 1; color: $text-muted; }
    ExecutionLogScreen #filter.active { color: $warning; text-style: bold; }
    ExecutionLogScreen #search { display: none; }
    ExecutionLogScreen #search.visible { display: block; }
    ExecutionLogScreen #detail { display: none; height: 40%; border-top: solid $primary;
                                 padding: 0 1; }
    ExecutionLogScreen #detail.visible { display: block; }
    """

    def __init__(self, execution_id: str) -> None:
        super().__init__()
        self.execution_id = execution_id
        self.execution: Execution | None = None
        self.latest = Latest()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("loading…", id="summary", markup=False)
        yield Static(f"showing {filter_text(None, None)}", id="filter", markup=False)
        yield Input(placeholder="search by SKU, order number or message; enter applies, "
                                "escape cancels", id="search")
        yield RowLogView(self.execution_id, id="rows")
        with VerticalScroll(id="detail"):
            yield Static("", id="detail-text", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = f"Execution {self.execution_id}"
        self.query_one(RowLogView).reload()
        self.load()
        self.polling = self.set_interval(0.5, self.load)

    @work(thread=True, exit_on_error=False, group="execution")
    def load(self) -> None:
        """Not exclusive: a poll must not cancel a load already under way (two loads post the
        same message; a cancelled one fails whoever waits for it). Overlapping loads may
        answer out of order: the handler keeps the newest."""
        read_at = began()
        self.post_message(ExecutionLoaded(self.console.executions.execution(self.execution_id),
                                          read_at))

    def _zone(self, flow_id: str) -> str:
        flow = self.config.find(flow_id)
        return flow.timezone if flow is not None else "UTC"

    def _total_path(self, flow_id: str) -> str | None:
        flow = self.config.find(flow_id)
        pagination = flow.read.pagination if flow is not None and flow.read else None
        return pagination.total_path if pagination is not None else None

    def on_execution_loaded(self, message: ExecutionLoaded) -> None:
        if not self.latest.newer(message.read_at):
            return  # an older read, slower than one already shown: it would undo a finish
        e = message.execution
        if e is None:
            self.query_one("#summary", Static).update(f"no execution {self.execution_id}")
            return
        changed = self.execution is None or (e.total, e.status) != (self.execution.total,
                                                                     self.execution.status)
        self.execution = e
        if e.status != "processing":
            self.polling.stop()  # a finished execution changes no more
        zone = self._zone(e.flow_id)
        params = " ".join(f"{k}={v}" for k, v in e.params.items())
        skipped = f", {e.skipped} skipped" if e.skipped else ""
        lines = [f"{e.flow_id} · {e.trigger} by {e.triggered_by} · {e.status.upper()}"
                 + (f" · {params}" if params else ""),
                 f"{e.total} rows: {e.succeeded} written, {e.failed} failed{skipped} · "
                 f"started {full_stamp(e.started_at, zone)}"
                 + (f" · finished {full_stamp(e.finished_at, zone)}" if e.finished_at else "")]
        running = progress_line(e, self._total_path(e.flow_id))
        if running:
            lines.insert(1, running)
        if e.error:
            lines.append(f"{'reason' if e.skipped and e.status == 'partial' else 'error'}: "
                         f"{e.error}")
        for name, value in e.attributes.items():
            lines.append(f"{name} = {value[:120]}")
        self.query_one("#summary", Static).update("\n".join(lines))
        if changed:
            self.query_one(RowLogView).reload()

    def _show_filter(self) -> None:
        view = self.query_one(RowLogView)
        active = view.level is not None or bool(view.search)
        text = filter_text(view.level, view.search)
        line = self.query_one("#filter", Static)
        line.update(f"showing {text}" + (" · a: all rows" if active else ""))
        line.set_class(active, "active")

    def action_level(self, level: str | None) -> None:
        view = self.query_one(RowLogView)
        view.reset(level, None if level is None else view.search)
        self._show_filter()

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.value = self.query_one(RowLogView).search or ""
        box.add_class("visible")
        box.focus()

    @on(Input.Submitted, "#search")
    def _search(self, event: Input.Submitted) -> None:
        view = self.query_one(RowLogView)
        view.reset(view.level, event.value.strip() or None)
        event.input.remove_class("visible")
        self._show_filter()
        view.focus()

    def action_back(self) -> None:
        """Escape closes one thing at a time: the search box, the detail pane, then the screen."""
        box = self.query_one("#search", Input)
        if box.has_class("visible"):
            box.remove_class("visible")
            self.query_one(RowLogView).focus()
            return
        detail = self.query_one("#detail")
        if detail.has_class("visible"):
            detail.remove_class("visible")
            self.query_one(RowLogView).focus()
            return
        self.app.pop_screen()

    def action_detail(self) -> None:
        detail = self.query_one("#detail")
        detail.toggle_class("visible")
        self._show_detail()

    @on(RowLogView.CursorMoved)
    def _show_detail(self) -> None:
        if not self.query_one("#detail").has_class("visible"):
            return
        log = self.query_one(RowLogView).current()
        self.query_one("#detail-text", Static).update(
            detail_text(log, self._zone(self.execution.flow_id) if self.execution else "UTC")
            if log is not None else "no row here")

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
        store = self.console.executions.store()
        folder = self.config.store_path().parent / "exports"
        csv_path = folder / f"{self.execution_id}.csv"
        json_path = folder / f"{self.execution_id}.jsonl"
        count = 0
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with csv_path.open("w", newline="", encoding="utf-8") as out, \
                    json_path.open("w", encoding="utf-8") as lines:
                writer = csv.writer(out)
                writer.writerow(["seq", "level", "key", "message", "payload"])
                for log in store.iter_logs(self.execution_id, level=level, search=search):
                    writer.writerow([log.seq, log.level, log.key, log.message, log.payload])
                    lines.write(json.dumps(asdict(log), ensure_ascii=False) + "\n")
                    count += 1
        except OSError as exc:
            raise ServiceError(f"cannot export to {folder}: {exc.strerror or exc}") from None
        self.post_message(Notice(f"{count} row(s), {filter_text(level, search)}, exported to "
                                 f"{_short(csv_path)} and {_short(json_path)}", "Exported"))

    def on_notice(self, message: Notice) -> None:
        self.notify(message.text, title=message.title, timeout=8)

    def action_retry(self) -> None:
        self.retry()

    @work(thread=True, exit_on_error=False, group="retry")
    def retry(self) -> None:
        link = self.console.runner
        try:
            if link is None:
                raise RunnerUnavailable("no runner")
            new_id = link.retry(self.execution_id)
        except RunnerUnavailable as exc:
            raise ServiceError(f"not retried: {exc}") from None
        flow_id = self.execution.flow_id if self.execution is not None else ""
        self.post_message(ExecutionStarted(flow_id, new_id, "retries the failed rows"))

    def on_execution_started(self, message: ExecutionStarted) -> None:
        self.app.push_screen(ExecutionLogScreen(message.execution_id))


def _short(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
