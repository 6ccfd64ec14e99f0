"""The schedule editor: cron text validated as you type, in plain words, next five runs."""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from console.flows import Flow, Schedule, ScheduleError


class ScheduleScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    ScheduleScreen { align: center middle; }
    ScheduleScreen Vertical { width: 64; max-width: 100%; height: auto; border: thick $primary;
                              padding: 0 1; background: $surface; }
    ScheduleScreen Horizontal { height: auto; }
    ScheduleScreen #about { height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="schedule.cancel")]

    def __init__(self, flow: Flow, now: datetime) -> None:
        super().__init__()
        self.flow = flow
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Schedule of {self.flow.name} ({self.flow.timezone}); empty = manual")
            yield Input(self.flow.schedule or "", placeholder="*/5 * * * *", id="cron")
            yield Static("", id="about", markup=False)
            with Horizontal():
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.describe()

    @on(Input.Changed)
    def describe(self) -> None:
        text = self.query_one("#cron", Input).value.strip()
        about = self.query_one("#about", Static)
        self.query_one("#save", Button).disabled = False
        if not text:
            about.update("manual runs only")
            return
        try:
            schedule = Schedule.parse(text, self.flow.timezone)
            never = schedule.never_fires(self.now)
        except ScheduleError as exc:
            never = str(exc)
        if never:  # the words `console flows validate` uses
            about.update(f"✗ {never}")
            self.query_one("#save", Button).disabled = True
            return
        runs = "\n".join(f"  {m:%a %Y-%m-%d %H:%M}" for m in schedule.next_runs(self.now, 5))
        about.update(f"{schedule.describe()}\nnext runs:\n{runs}")

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def save(self) -> None:
        if not self.query_one("#save", Button).disabled:
            self.dismiss(self.query_one("#cron", Input).value.strip())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
