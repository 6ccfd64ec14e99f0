"""The key help beside the screen (``?``): this screen's own keys first, then the keys of the
widget in focus, then the console's; ``?`` or ``escape`` closes it.

Textual's built-in panel lists the focused widget's keys (cursor moves, scrolling) before the
screen's, so at 80x24 the keys people look for were below the fold.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static


def _rank(entry: ActiveBinding, screen: Screen[object]) -> int:
    """0: the console's keys for this screen (they carry ids); 1: the focused widget's;
    2: the app's and every screen's generic ones (focus moves, copy)."""
    if entry.node is screen and entry.binding.id:
        return 0
    if entry.node is screen or entry.node is screen.app:
        return 2
    return 1


def key_rows(screen: Screen[object]) -> list[tuple[str, str, str]]:
    """(group, keys, description) for every shown binding, screen first, one row per action."""
    groups = ("this screen", "in focus", "everywhere")
    rows: dict[tuple[int, str], tuple[str, list[str], str]] = {}
    entries = sorted(screen.active_bindings.values(), key=lambda e: _rank(e, screen))
    for entry in entries:
        binding = entry.binding
        if binding.system or not (binding.description or binding.tooltip):
            continue
        rank = _rank(entry, screen)
        key = (rank, binding.action)
        shown = screen.app.get_key_display(binding)
        if key in rows:
            if shown not in rows[key][1]:
                rows[key][1].append(shown)
            continue
        rows[key] = (groups[rank], [shown], binding.description or binding.tooltip)
    return [(group, " ".join(keys), text) for group, keys, text in rows.values()]


class KeyHelp(VerticalScroll, can_focus=False):
    DEFAULT_CSS = """
    KeyHelp {
        dock: right; width: 36; max-width: 50%; height: 1fr;
        border-left: vkey $foreground 30%; padding: 0 1; background: $surface;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="key-help-table")

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, lambda _s: self.refresh_keys())
        self.refresh_keys()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def refresh_keys(self) -> None:
        table = Table(show_header=False, box=None, padding=(0, 1), expand=False)
        table.add_column(justify="right", style="bold")
        table.add_column()
        group = None
        for name, keys, text in key_rows(self.screen):
            if name != group:
                table.add_row("", Text(name, style="underline"))
                group = name
            table.add_row(keys, text)
        table.add_row("", "")
        table.add_row("? esc", "close this help")
        self.query_one("#key-help-table", Static).update(table)
