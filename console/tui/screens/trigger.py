"""Trigger with parameters: the flow's trigger params, custom ones, and the equivalent URL."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from console.flows import Flow
from console.runner.attributes import trigger_url
from console.tui.base import ConsoleModal


class TriggerScreen(ConsoleModal[dict[str, str] | None]):
    DEFAULT_CSS = """
    TriggerScreen { align: center middle; }
    TriggerScreen Vertical { width: 76; max-width: 100%; height: auto; max-height: 100%;
                             border: thick $primary; padding: 0 1; background: $surface; }
    TriggerScreen Horizontal { height: auto; }
    TriggerScreen #url { color: $text-muted; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="trigger.cancel")]

    def __init__(self, flow: Flow) -> None:
        super().__init__()
        self.flow = flow

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Trigger {self.flow.name}")
            for name in self.flow.trigger_params:
                yield Input(placeholder=name, id=f"param-{name}")
            yield Input(placeholder="custom: key=value&other=value", id="custom")
            yield Static("", id="url", markup=False)
            with Horizontal():
                yield Button("Trigger", id="go", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.update_url()

    def params(self) -> dict[str, str]:
        from urllib.parse import parse_qsl

        found = {name: self.query_one(f"#param-{name}", Input).value.strip()
                 for name in self.flow.trigger_params}
        found.update(dict(parse_qsl(self.query_one("#custom", Input).value.strip())))
        return {k: v for k, v in found.items() if v}

    @on(Input.Changed)
    def update_url(self) -> None:
        url = trigger_url(self.config.runner.listen, self.flow.id, self.params())
        self.query_one("#url", Static).update(
            f"same as: curl -X POST -H 'Authorization: Bearer ****' '{url}'")

    @on(Button.Pressed, "#go")
    @on(Input.Submitted)
    def go(self) -> None:
        self.dismiss(self.params())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
