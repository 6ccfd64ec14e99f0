"""A new flow from a template of its type."""

from __future__ import annotations

import re

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from console.flows import Flow
from console.flows.templates import choices, template
from console.tui.base import ConsoleModal

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


class NewFlowScreen(ConsoleModal[Flow | None]):
    DEFAULT_CSS = """
    NewFlowScreen { align: center middle; }
    NewFlowScreen Vertical { width: 60; max-width: 100%; height: auto; border: thick $primary;
                             padding: 0 1; background: $surface; }
    NewFlowScreen Horizontal { height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="new.cancel")]

    def __init__(self) -> None:
        super().__init__()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("New flow")
            yield Input(placeholder="id (letters, digits, _ or -)", id="id")
            yield Input(placeholder="name (at most 20 characters)", id="name", max_length=20)
            offered = choices()
            yield Select(offered, value=offered[0][1],
                         allow_blank=False, id="kind")
            yield Static("", id="problem", classes="error")
            with Horizontal():
                yield Button("Create", id="create", variant="primary")
                yield Button("Cancel", id="cancel")

    @on(Button.Pressed, "#create")
    def create(self) -> None:
        flow_id = self.query_one("#id", Input).value.strip()
        name = self.query_one("#name", Input).value.strip()
        kind, direction = str(self.query_one("#kind", Select).value).split("/")
        problem = None
        if not _ID.match(flow_id):
            problem = "the id must start with a letter and use letters, digits, _ or -"
        elif self.config.find(flow_id) is not None or any(
                f.name.casefold() == name.casefold() for f in self.config.flows):
            problem = "a flow with this id or name exists already"
        elif not name:
            problem = "give the flow a name"
        if problem:
            self.query_one("#problem", Static).update(problem)
            return
        self.dismiss(template(flow_id, name, kind, direction, self.config))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
