"""The settings the stock-integration and cargo-company OMS steps need, asked in a form."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static
from textual.worker import Worker, WorkerState

from console.services import ServiceError, oms_setup
from console.tui.base import ConsoleModal
from console.tui.messages import EnginesLoaded

FIELDS = {
    "stock-integration": [("url", "ERP stock service URL", False),
                          ("username", "username (optional)", False),
                          ("password", "password (optional)", True)],
    "cargo-company": [("name", "name", False), ("erp_code", "ERP code", False),
                      ("shipping_company", "shipping company", False),
                      ("demo_client", "demo client class (empty: use credentials)", False),
                      ("username", "credentials: username", False),
                      ("password", "credentials: password", True)],
}


class OmsStepForm(ConsoleModal[dict[str, Any] | None]):
    DEFAULT_CSS = """
    OmsStepForm { align: center middle; }
    OmsStepForm VerticalScroll { width: 70; max-width: 100%; height: auto; max-height: 100%;
                                 border: thick $primary; padding: 0 1; background: $surface; }
    OmsStepForm Horizontal { height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="omsform.cancel")]

    def __init__(self, step: str) -> None:
        super().__init__()
        self.step = step

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label(f"OMS setup: {self.step}")
            for name, label, secret in FIELDS[self.step]:
                yield Input(placeholder=label, id=f"f-{name}", password=secret, compact=True)
            if self.step == "stock-integration":
                yield Select([], prompt="stock engine (loading…)", id="engine")
            yield Static("", id="problem", classes="error")
            with Horizontal():
                yield Button("Run", id="run", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        if self.step == "stock-integration":
            self.load_engines()

    @work(thread=True, exit_on_error=False, group="engines")
    def load_engines(self) -> None:
        self.post_message(EnginesLoaded(oms_setup.stock_engines(self.config)))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Engines that did not load: the form says why under its fields, as the app does."""
        if event.worker.group == "engines" and event.state == WorkerState.ERROR:
            error = event.worker.error
            text = error.message if isinstance(error, ServiceError) else str(error)
            self.query_one("#problem", Static).update(text)
        super().on_worker_state_changed(event)

    def on_engines_loaded(self, message: EnginesLoaded) -> None:
        select = self.query_one("#engine", Select)
        select.set_options([(e, e) for e in message.engines])
        select.prompt = "stock engine"

    def values(self) -> dict[str, Any]:
        found: dict[str, Any] = {name: self.query_one(f"#f-{name}", Input).value.strip()
                                 for name, _, _ in FIELDS[self.step]}
        if self.step == "stock-integration":
            engine = self.query_one("#engine", Select).value
            found["engine"] = engine if isinstance(engine, str) else ""
        return found

    @on(Button.Pressed, "#run")
    def run(self) -> None:
        values = self.values()
        required = ("url", "engine") if self.step == "stock-integration" else \
            ("name", "erp_code", "shipping_company")
        missing = [k for k in required if not values.get(k)]
        if missing:
            self.query_one("#problem", Static).update(f"needed: {', '.join(missing)}")
            return
        self.dismiss(values)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
