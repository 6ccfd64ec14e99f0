"""The console application: it owns the loaded flows, the executions reader and the runner
link, registers the themes, and reports every failed worker the same way.

It opens on the flows screen, reads every flow's health in a worker once that screen is painted,
and switches to the health screen when a flow is failing, stalled or has an alarm firing, unless
the user has already pressed a key or clicked (the console never moves someone who started
working)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from textual import events, work
from textual.actions import SkipAction
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from console.flows import FlowsConfig, FlowsError, load
from console.services import ServiceError
from console.services.executions import ExecutionsReader
from console.tui.base import report_worker
from console.tui.messages import (
    AlarmsFiring,
    ConfigChanged,
    FlowsFileChanged,
    HealthAtStart,
    RunnerStatus,
)
from console.tui.palette import FlowCommands
from console.tui.reads import Latest, began
from console.tui.runner_link import RunnerLink, RunnerUnavailable
from console.tui.screens.flows import FlowsScreen
from console.tui.settings import Settings, theme_files
from console.tui.themes import bundled_themes_dir, load_theme

if TYPE_CHECKING:
    from textual.widgets import TextArea

FILE_CHECK_S = 1.0


class ConsoleApp(App[None]):
    TITLE = "integrator-console"
    COMMANDS = App.COMMANDS | {FlowCommands}
    CSS_PATH = Path(__file__).with_name("app.tcss")
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "toggle_help", "Help", id="app.help"),
        # Priority, so the help panel closes before a screen takes escape as "back".
        Binding("escape", "close_help", "", show=False, priority=True,
                id="app.close_help"),
    ]

    def __init__(self, flows_path: Path | str, *, start_runner: bool = True,
                 clock: Callable[[], datetime] | None = None,
                 settings: Settings | None = None) -> None:
        # Under NO_COLOR, colours are dropped to the terminal's own (not turned into greys,
        # which left the ANSI theme's text black on black).
        super().__init__(ansi_color=True if "NO_COLOR" in os.environ else None)
        self.flows_path = Path(flows_path)
        self.start_runner = start_runner
        self.clock = clock or (lambda: datetime.now(UTC))
        self.settings = settings or Settings.load()
        self.config: FlowsConfig | None = None
        self.load_error: FlowsError | None = None
        self._file_stamp = self._stamp()
        self.firing: list[str] = []
        self.firing_read = Latest()
        """The newest read of the firing alarms shown: reads overlap on a slow store."""
        self.status_read = Latest()
        """The newest answer of the runner shown in the header."""
        self._user_acted = False
        self.runner_text = ""
        try:
            self.config = load(self.flows_path)
        except FlowsError as exc:
            self.load_error = exc
        self.runner: RunnerLink | None = (
            RunnerLink(self.config, self.flows_path) if self.config is not None else None)
        self.executions = (ExecutionsReader.for_config(self.config) if self.config is not None
                           else ExecutionsReader(Path(".console/console.db")))
        self._failures: dict[str, str] = {}
        self._start_theme_refresh = False
        self._register_themes()
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)

    @property
    def flows(self) -> FlowsConfig:
        """The flows every screen reads; screens keep no copies."""
        assert self.config is not None, "the flows screen only opens with a loaded flows.toml"
        return self.config

    def _register_themes(self) -> None:
        for path in theme_files(bundled_themes_dir()):
            theme = load_theme(path)
            if isinstance(theme, str):
                self.settings.problems.append(theme)
            else:
                self.register_theme(theme)
        if self.settings.theme in self.available_themes and self.settings.theme != self.theme:
            self.theme = self.settings.theme
            # Nothing is parsed yet: the stylesheet takes the theme's variables now, and the
            # refresh the change queued would only parse it all again before the first paint.
            self.stylesheet.set_variables(self.get_css_variables())
            self._start_theme_refresh = True

    def refresh_css(self, animate: bool = True) -> None:
        """Every refresh but the one the start's own theme choice queued: that theme's variables
        are already in the stylesheet it would parse again."""
        if self._start_theme_refresh:
            self._start_theme_refresh = False
            return
        super().refresh_css(animate)

    def watch_theme(self, theme: str) -> None:
        # Queried by name: importing TextArea (and its parser) for a first screen that has
        # no editor would slow the start.
        for screen in self.screen_stack:
            editors = screen.query("TextArea")
            if editors:
                from console.tui.editor_theme import follow_app_theme

                for text_area in editors:
                    follow_app_theme(cast("TextArea", text_area))
        if theme != self.settings.theme:
            self.settings.theme = theme
            self.run_worker(self.settings.save, thread=True, exit_on_error=False,
                            group="settings")

    def get_default_screen(self) -> Screen[Any]:
        """The flows are the bottom screen (or the problems, when flows.toml is unusable)."""
        if self.config is None:
            from console.tui.screens.problems import ProblemsScreen

            assert self.load_error is not None
            return ProblemsScreen(self.flows_path, self.load_error)
        return FlowsScreen()

    def on_mount(self) -> None:
        self.sub_title = str(self.flows_path)
        if self.config is None:
            return
        for problem in self.settings.problems:
            self.notify(problem, severity="warning", timeout=10)
        self.after_first_paint(self.connect_runner)
        self.set_interval(FILE_CHECK_S, self._check_flows_file)
        self.after_first_paint(self.read_start_health)
        self.set_interval(5.0, self.check_alarms)
        if self.config.runner.store.startswith(("postgresql://", "postgres://")):
            self.set_interval(5.0, self.refresh_hosts)

    def after_first_paint(self, callback: Callable[[], object]) -> None:
        """Calls back once the first screen is whole: its first refresh paints the table, the
        next one the footer's keys (Textual lays a footer's keys out after a refresh). A worker
        started sooner held the GIL while those two painted."""
        self.call_after_refresh(self.call_after_refresh, callback)

    def action_toggle_help(self) -> None:
        """``?`` opens the key help, and closes it again."""
        from console.tui.widgets.key_help import KeyHelp

        shown = self.screen.query(KeyHelp)
        if shown:
            shown.remove()
        else:
            self.screen.mount(KeyHelp())
        self.refresh_bindings()

    def action_close_help(self) -> None:
        """Escape closes the key help if it is open; otherwise escape does what it does."""
        from console.tui.widgets.key_help import KeyHelp

        shown = self.screen.query(KeyHelp)
        if not shown:
            raise SkipAction()
        shown.remove()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The help's escape exists only while the help is open, so the footer keeps showing
        the screen's own escape."""
        if action == "close_help":
            return bool(self.screen.query("KeyHelp"))
        return True

    # Workers -----------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker(self, event)

    def worker_ended(self, worker: Worker[Any]) -> None:
        """One notification per distinct error of a worker; a later success clears it."""
        key = f"{worker.group}:{worker.name}"
        if worker.state == WorkerState.SUCCESS:
            self._failures.pop(key, None)
            return
        error = worker.error
        text = error.message if isinstance(error, ServiceError) else \
            f"{type(error).__name__}: {error}"
        if self._failures.get(key) == text:
            return
        self._failures[key] = text
        self.notify(text, title=worker.name.replace("_", " ").capitalize() + " failed",
                    severity="error", timeout=15)

    # Alarms ----------------------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """Notes the user's first key or click: from then on the console changes screens only
        when asked."""
        if isinstance(event, (events.Key, events.MouseDown)) and not event.is_forwarded:
            self._user_acted = True
        await super().on_event(event)

    @work(thread=True, exit_on_error=False, group="alarms")
    def read_start_health(self) -> None:
        """Every flow's health, read once the flows screen is painted: the first paint never
        waits for it."""
        from console.services.health import health_report

        if self.config is not None:
            read_at = began()
            self.post_message(HealthAtStart(health_report(self.config, clock=self.clock),
                                            read_at))

    def on_health_at_start(self, message: HealthAtStart) -> None:
        """The console lands on the health screen when a flow is not ok and the user is still
        where the console opened; otherwise a toast says which flows are unhealthy."""
        report = message.report
        labels = [f"{flow.name}: {label}" for flow in report.flows for label in flow.firing]
        newest = self.firing_read.newer(message.read_at)
        if report.unhealthy and self._untouched():
            from console.tui.screens.health import HealthScreen

            if newest:
                self._show_firing(labels, toast=False)
            self.push_screen(HealthScreen(report, message.read_at))
            return
        if newest:
            self._show_firing(labels, toast=True)
        troubled = [f"{flow.name}: {flow.state}" for flow in report.flows
                    if flow.state in ("failing", "stalled")]
        if troubled:
            self.notify("\n".join(troubled) + "\npress h on the flows screen for health",
                        title="Unhealthy flows", severity="warning", timeout=10)

    def _untouched(self) -> bool:
        """No key pressed, no click, and the flows screen alone in view."""
        return (not self._user_acted and len(self.screen_stack) == 1
                and isinstance(self.screen, FlowsScreen))

    @work(thread=True, exit_on_error=False, group="alarms")
    def check_alarms(self) -> None:
        from console.services.health import firing_alarms

        if self.config is not None:
            read_at = began()
            self.post_message(AlarmsFiring(firing_alarms(self.config), read_at))

    def on_alarms_firing(self, message: AlarmsFiring) -> None:
        """Reads every few seconds overlap when the store is slow: an older read, answering
        last, would show an alarm since ended as firing (and toast it again when it ends)."""
        if self.firing_read.newer(message.read_at):
            self._show_firing(message.labels, toast=True)

    def _show_firing(self, labels: list[str], *, toast: bool) -> None:
        """Firing alarms show in the header; a newly firing one also as a toast."""
        new = [label for label in labels if label not in self.firing]
        self.firing = labels
        self._show_status()
        if new and toast:
            self.notify("\n".join(new) + "\npress h on the flows screen for health",
                        title="Alarm firing", severity="error", timeout=10)

    # The runner ----------------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="runner")
    def connect_runner(self) -> None:
        assert self.runner is not None
        read_at = began()
        try:
            text = self.runner.connect(start=self.start_runner)
        except RunnerUnavailable as exc:
            self.post_message(RunnerStatus(str(exc), problem=True, read_at=read_at))
            return
        self.post_message(RunnerStatus(text, read_at=read_at))

    @work(thread=True, exit_on_error=False, exclusive=True, group="hosts")
    def refresh_hosts(self) -> None:
        """A cluster's hosts come and go: the header's line is read again every few seconds."""
        assert self.runner is not None
        read_at = began()
        try:
            line = self.runner.cluster_line()
        except RunnerUnavailable as exc:
            self.post_message(RunnerStatus(f"cluster unreachable: {exc}", read_at=read_at))
            return
        if line is not None:
            self.post_message(RunnerStatus(line, read_at=read_at))

    def on_runner_status(self, message: RunnerStatus) -> None:
        """Exclusive polls still answer after the newer one replaced them: the header keeps
        the newest answer (a refused connection is still said)."""
        if not self.status_read.newer(message.read_at):
            if message.problem:
                self.notify(message.text, title="Runner unavailable", severity="error",
                            timeout=30)
            return
        if message.problem:
            self.runner_text = "runner unavailable (see the message)"
            self.notify(message.text, title="Runner unavailable", severity="error",
                        timeout=30)
        else:
            self.runner_text = message.text
        self._show_status()

    def _show_status(self) -> None:
        """The header's line: the flows file, the runner, and firing alarms when there are."""
        count = len(self.firing)
        alarms = f"▲ {count} alarm{'s' if count > 1 else ''} firing (h)" if count else ""
        self.sub_title = "  ·  ".join(p for p in (str(self.flows_path), self.runner_text, alarms)
                                      if p)

    # The flows -------------------------------------------------------------------------------

    def replace_config(self, config: FlowsConfig) -> None:
        """The flows changed (saved here or on disk): every screen is told."""
        self.config = config
        self._file_stamp = self._stamp()
        if self.runner is not None:
            self.runner.config = config
        for screen in self.screen_stack:
            screen.post_message(ConfigChanged(config))

    def _stamp(self) -> tuple[int, int] | None:
        try:
            found = self.flows_path.stat()
        except OSError:
            return None
        return found.st_mtime_ns, found.st_size

    def _check_flows_file(self) -> None:
        stamp = self._stamp()
        if stamp is not None and stamp != self._file_stamp:
            self._file_stamp = stamp
            self.reload_flows()

    @work(thread=True, exit_on_error=False, exclusive=True, group="flows-file")
    def reload_flows(self) -> None:
        stamp = self._stamp()
        try:
            config = load(self.flows_path)
        except FlowsError as exc:
            raise ServiceError(f"{self.flows_path} changed on disk and has "
                               f"{len(exc.problems)} problem(s); still showing the last good "
                               f"version. First: {exc.problems[0].render(self.flows_path)}"
                               ) from None
        self.post_message(FlowsFileChanged(config, stamp))

    def on_flows_file_changed(self, message: FlowsFileChanged) -> None:
        """Flows read from a file written again since (a save made here answered first) are
        older than the app's: taking them would undo that save on screen for good, as the
        file's stamp is then the app's own. A change from elsewhere is read again by the next
        check."""
        if message.stamp != self._stamp():
            return
        config = message.config
        if self.config is None or config != self.config:
            self.replace_config(config)
            self.notify(f"{self.flows_path.name} changed on disk: reloaded", timeout=4)

    def on_unmount(self) -> None:
        if self.runner is not None:
            self.runner.close()
