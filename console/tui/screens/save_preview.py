"""F2's question before saving: the diff of flows.toml this save will write."""

from __future__ import annotations

from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from console.services.flows import SavePreview
from console.tui.base import ConsoleModal


class SavePreviewScreen(ConsoleModal[bool]):
    DEFAULT_CSS = """
    SavePreviewScreen { align: center middle; }
    SavePreviewScreen > Vertical { width: 100%; height: 100%; border: thick $primary;
                                   background: $surface; padding: 0 1; }
    SavePreviewScreen VerticalScroll { height: 1fr; }
    SavePreviewScreen #question { height: 1; text-style: bold; }
    """
    BINDINGS = [Binding("y,enter", "answer(True)", "Save", id="preview.save"),
                Binding("n,escape", "answer(False)", "Cancel", id="preview.cancel")]

    def __init__(self, preview: SavePreview, name: str) -> None:
        super().__init__()
        self.preview = preview
        self.flow_name = name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Save {self.flow_name}? +{self.preview.added} -{self.preview.removed} "
                        "line(s) in flows.toml · y saves, n or escape goes back", id="question",
                        markup=False)
            with VerticalScroll():
                yield Static(Syntax(self.preview.diff, "diff", theme="ansi_dark",
                                    background_color="default", word_wrap=True), id="diff")

    def action_answer(self, save: bool) -> None:
        self.dismiss(save)
