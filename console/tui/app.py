"""The console application: loads the flows file and shows the flows screen."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding

from console.flows import FlowsConfig, FlowsError, load
from console.tui.screens.flows import FlowsScreen
from console.tui.screens.problems import ProblemsScreen


class ConsoleApp(App[None]):
    TITLE = "integrator-console"
    BINDINGS = [Binding("q", "quit", "Quit", id="app.quit")]

    def __init__(self, flows_path: Path | str) -> None:
        super().__init__()
        self.flows_path = Path(flows_path)
        self.config: FlowsConfig | None = None

    def on_mount(self) -> None:
        self.sub_title = str(self.flows_path)
        try:
            self.config = load(self.flows_path)
        except FlowsError as exc:
            self.push_screen(ProblemsScreen(self.flows_path, exc))
            return
        self.push_screen(FlowsScreen(self.config))
