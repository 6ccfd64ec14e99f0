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


class AlarmsFiring(Message):
    """The firing alarms, as ``Flow: alarm`` lines, read from the store by a worker."""

    def __init__(self, labels: list[str]) -> None:
        super().__init__()
        self.labels = labels


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
        self.firing: list[str] = []
        self.runner_text = ""
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
        self.call_after_refresh(self.check_alarms)
        self.set_interval(5.0, self.check_alarms)

    @work(thread=True, exit_on_error=False, exclusive=True, group="alarms")
    def check_alarms(self) -> None:
        from console.services.health import firing_alarms

        if self.config is not None:
            self.post_message(AlarmsFiring(firing_alarms(self.config)))

    def on_alarms_firing(self, message: AlarmsFiring) -> None:
        """Firing alarms show in the header; a newly firing one also as a toast."""
        new = [label for label in message.labels if label not in self.firing]
        self.firing = message.labels
        self._show_status()
        if new:
            self.notify("\n".join(new) + "\npress h on the flows screen for health",
                        title="Alarm firing", severity="error", timeout=10)

    @work(thread=True, exit_on_error=False, group="runner")
    def connect_runner(self) -> None:
        assert self.runner is not None
        try:
            text = self.runner.connect(start=self.start_runner)
        except RunnerUnavailable as exc:
            text = f"runner unavailable: {exc}"
        self.post_message(RunnerStatus(text))

    def on_runner_status(self, message: RunnerStatus) -> None:
        self.runner_text = message.text
        self._show_status()

    def _show_status(self) -> None:
        """The header's line: the flows file, the runner, and firing alarms when there are."""
        count = len(self.firing)
        alarms = f"▲ {count} alarm{'s' if count > 1 else ''} firing (h)" if count else ""
        self.sub_title = "  ·  ".join(p for p in (str(self.flows_path), self.runner_text, alarms)
                                      if p)

    def replace_config(self, config: FlowsConfig) -> None:
        """Screens call this after saving flows.toml so every screen sees the new flows."""
        self.config = config
        if self.runner is not None:
            self.runner.config = config

    def on_unmount(self) -> None:
        if self.runner is not None:
            self.runner.close()
