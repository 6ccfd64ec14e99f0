"""The result of a dry run: each step's output and the rows that would be written."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class DryRunScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    DryRunScreen { align: center middle; }
    DryRunScreen VerticalScroll { width: 100%; height: 100%; border: thick $primary;
                                  background: $surface; padding: 0 1; }
    DryRunScreen Label { margin-top: 1; text-style: bold; color: $accent; }
    """
    BINDINGS = [Binding("escape", "dismiss", "Close", id="dryrun.close")]

    def __init__(self, report: Any) -> None:
        super().__init__()
        self.report = report

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("Dry run — nothing was written. escape closes.", markup=False)
            for step, text in self.report.steps:
                yield Label(step)
                yield Static(text, markup=False)
            if getattr(self.report, "problem", None):
                yield Label("⚠ rows the write step would skip")
                yield Static(self.report.problem, markup=False, classes="error")
            if self.report.error:
                yield Label("failed")
                yield Static(self.report.error, markup=False, classes="error")
