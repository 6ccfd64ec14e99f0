"""Shown instead of the flows when flows.toml cannot be used: every problem, with its line."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from console.flows import FlowsError
from console.tui.widgets.footer import KeyFooter


class ProblemsScreen(Screen[None]):
    DEFAULT_CSS = """
    ProblemsScreen Static.title { padding: 1 2; text-style: bold; color: $error; }
    ProblemsScreen Static.problem { padding: 0 2; }
    """

    def __init__(self, path: Path, error: FlowsError) -> None:
        super().__init__()
        self.path = path
        self.error = error

    def compose(self) -> ComposeResult:
        yield Header()
        count = len(self.error.problems)
        yield Static(f"{self.path} cannot be used: {count} problem(s)", classes="title")
        with VerticalScroll():
            for problem in self.error.problems:
                yield Static(problem.render(self.path), classes="problem", markup=False)
        yield KeyFooter()
