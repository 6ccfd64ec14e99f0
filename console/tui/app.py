"""The console application: themes, the runner link, and the first screen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

from console.flows import FlowsConfig, FlowsError, load
from console.tui.palette import FlowCommands
from console.tui.runner_link import RunnerLink, RunnerUnavailable
from console.tui.screens.flows import FlowsScreen
from console.tui.screens.problems import ProblemsScreen
from console.tui.settings import Settings, theme_files
from console.tui.themes import bundled_themes_dir, load_theme


class RunnerStatus(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class ConsoleApp(App[None]):
    TITLE = "integrator-console"
    COMMANDS = App.COMMANDS | {FlowCommands}
    CSS_PATH = Path(__file__).with_name("app.tcss")
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "show_help_panel", "Help", id="app.help"),
    ]

    def __init__(self, flows_path: Path | str, *, start_runner: bool = True,
                 clock: Callable[[], datetime] | None = None,
                 settings: Settings | None = None) -> None:
        super().__init__()
        self.flows_path = Path(flows_path)
        self.start_runner = start_runner
        self.clock = clock or (lambda: datetime.now(UTC))
        self.settings = settings or Settings.load()
        self.config: FlowsConfig | None = None
        self.load_error: FlowsError | None = None
        try:
            self.config = load(self.flows_path)
        except FlowsError as exc:
            self.load_error = exc
        self.runner: RunnerLink | None = (
            RunnerLink(self.config, self.flows_path) if self.config is not None else None)
        self._register_themes()
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)

    def _register_themes(self) -> None:
        for path in theme_files(bundled_themes_dir()):
            theme = load_theme(path)
            if isinstance(theme, str):
                self.settings.problems.append(theme)
            else:
                self.register_theme(theme)
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme

    def watch_theme(self, theme: str) -> None:
        from textual.widgets import TextArea

        from console.tui.editor_theme import follow_app_theme

        for screen in self.screen_stack:
            for text_area in screen.query(TextArea):
                follow_app_theme(text_area)
        if theme != self.settings.theme:
            self.settings.theme = theme
            self.run_worker(self.settings.save, thread=True, exit_on_error=False,
                            group="settings")

    def get_default_screen(self) -> Screen[Any]:
        """The flows are the bottom screen (or the problems, when flows.toml is unusable)."""
        if self.config is None:
            assert self.load_error is not None
            return ProblemsScreen(self.flows_path, self.load_error)
        return FlowsScreen(self.config)

    def on_mount(self) -> None:
        self.sub_title = str(self.flows_path)
        if self.config is None:
            return
        for problem in self.settings.problems:
            self.notify(problem, severity="warning", timeout=10)
        self.call_after_refresh(self.connect_runner)

    @work(thread=True, exit_on_error=False, group="runner")
    def connect_runner(self) -> None:
        assert self.runner is not None
        try:
            text = self.runner.connect(start=self.start_runner)
        except RunnerUnavailable as exc:
            text = f"runner unavailable: {exc}"
        self.post_message(RunnerStatus(text))

    def on_runner_status(self, message: RunnerStatus) -> None:
        self.sub_title = f"{self.flows_path}  ·  {message.text}"

    def replace_config(self, config: FlowsConfig) -> None:
        """Screens call this after saving flows.toml so every screen sees the new flows."""
        self.config = config
        if self.runner is not None:
            self.runner.config = config

    def on_unmount(self) -> None:
        if self.runner is not None:
            self.runner.close()
