"""Per-row logs of one execution, rendering only the visible lines.

Rows are read from the store page by page in a worker as the user scrolls; nothing holds
more than a few pages, and a page is read by its rows' seq range (the store's keys), so a
million rows scroll, jump to the end and filter as quickly as a hundred.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import Worker

from console.tui.base import console_of, report_worker

PAGE = 200
_LEVEL_STYLES = {"error": Style(color="red", bold=True), "warning": Style(color="yellow"),
                 "info": Style(), "debug": Style(dim=True)}


class RowLogView(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    RowLogView { height: 1fr; }
    RowLogView .row-log--cursor { background: $accent 30%; }
    """
    COMPONENT_CLASSES = {"row-log--cursor"}

    class Loaded(Message):
        def __init__(self, view: RowLogView, start: int, rows: list[Any],
                     total: int | None, generation: int) -> None:
            super().__init__()
            self.generation = generation
            self.view = view
            self.start = start
            self.rows = rows
            self.total = total

    class CursorMoved(Message):
        """The row under the cursor changed (or was read): the detail pane follows it."""

        def __init__(self, view: RowLogView) -> None:
            super().__init__()
            self.view = view

    def __init__(self, execution_id: str, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.execution_id = execution_id
        self.level: str | None = None
        self.search: str | None = None
        self.total = 0
        self.pages: dict[int, list[Any]] = {}
        self.generation = 0  # bumped on reload: pages read before it are dropped
        self.pending: set[int] = set()
        self.cursor = 0

    def reset(self, level: str | None, search: str | None) -> None:
        self.level, self.search = level, search
        self.pages.clear()
        self.pending.clear()
        self.cursor = 0
        self.scroll_to(y=0, animate=False)
        self.reload()

    def reload(self) -> None:
        self.pages.clear()
        self.pending.clear()
        self.generation += 1
        self.fetch(0, self.generation, count=True)

    @work(thread=True, exit_on_error=False)
    def fetch(self, page: int, generation: int, count: bool = False) -> None:
        """Read one page; count the rows only on a reload (a count scans every row)."""
        store = console_of(self).executions.store()
        total = store.count_logs(self.execution_id, level=self.level, search=self.search) \
            if count else None
        rows = store.logs(self.execution_id, offset=page * PAGE, limit=PAGE, level=self.level,
                          search=self.search)
        self.post_message(self.Loaded(self, page, rows, total, generation))

    def on_row_log_view_loaded(self, message: Loaded) -> None:
        if message.view is not self or message.generation != self.generation:
            return
        self.pending.discard(message.start)
        self.pages[message.start] = message.rows
        for stale in [p for p in self.pages if abs(p - message.start) > 4]:
            del self.pages[stale]
        if message.total is not None:
            self.total = message.total
            self.virtual_size = Size(self.size.width, self.total)
        self.refresh()
        if message.start == self.cursor // PAGE:
            self.post_message(self.CursorMoved(self))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker(self, event)

    def row(self, index: int) -> Any | None:
        page = index // PAGE
        rows = self.pages.get(page)
        if rows is None:
            if page not in self.pending:
                self.pending.add(page)
                self.call_later(self.fetch, page, self.generation)
            return None
        offset = index - page * PAGE
        return rows[offset] if offset < len(rows) else None

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.size.width
        if index >= self.total:
            return Strip.blank(width)
        log = self.row(index)
        if log is None:
            return Strip([Segment("…".ljust(width))])
        level = "warn" if log.level == "warning" else log.level[:5]
        text = f"{log.seq:>7} {level:<5} {(log.key or '-')[:14]:<14} {log.message}"
        style = _LEVEL_STYLES.get(log.level, Style())
        if index == self.cursor:
            style = style + self.get_component_rich_style("row-log--cursor")
        return Strip([Segment(text[:width].ljust(width), style)])

    def key_down(self) -> None:
        self.move(1)

    def key_up(self) -> None:
        self.move(-1)

    def key_pagedown(self) -> None:
        self.move(max(1, self.size.height - 1))

    def key_pageup(self) -> None:
        self.move(-max(1, self.size.height - 1))

    def key_home(self) -> None:
        self.move(-self.cursor)

    def key_end(self) -> None:
        self.move(self.total - 1 - self.cursor)

    def move(self, delta: int) -> None:
        if not self.total:
            return
        self.cursor = max(0, min(self.total - 1, self.cursor + delta))
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + self.size.height:
            self.scroll_to(y=self.cursor - self.size.height + 1, animate=False)
        self.refresh()
        self.post_message(self.CursorMoved(self))

    def current(self) -> Any | None:
        return self.row(self.cursor) if self.total else None
