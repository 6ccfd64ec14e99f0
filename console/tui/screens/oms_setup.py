"""The OMS setup checklist: the 15 steps, run the API steps with a progress bar, keep notes."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, ProgressBar, Static

from console.flows import FlowsConfig
from console.tui.widgets.footer import KeyFooter


class StepProgress(Message):
    def __init__(self, key: str, percent: int, state: str) -> None:
        super().__init__()
        self.key = key
        self.percent = percent
        self.state = state


class ChecklistLoaded(Message):
    def __init__(self, states: list[Any]) -> None:
        super().__init__()
        self.states = states


class OmsSetupScreen(Screen[None]):
    AUTO_FOCUS = "DataTable"
    BINDINGS = [
        Binding("enter", "run", "Run step", id="oms.run"),
        Binding("d", "done", "Mark done", id="oms.done"),
        Binding("N", "note", "Note", id="oms.note"),
        Binding("escape", "app.pop_screen", "Back", id="oms.back"),
    ]
    DEFAULT_CSS = """
    OmsSetupScreen DataTable { height: 1fr; }
    OmsSetupScreen #status { height: auto; padding: 0 1; }
    OmsSetupScreen #note { display: none; }
    OmsSetupScreen #note.visible { display: block; }
    """

    def __init__(self, config: FlowsConfig) -> None:
        super().__init__()
        self.config = config
        self.states: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(cursor_type="row", id="steps")
        yield Input(placeholder="note for this step, enter to save", id="note")
        yield Static("enter runs an API step · d marks a manual step done · N adds a note",
                     id="status")
        yield ProgressBar(total=100, show_eta=False, id="progress")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "OMS setup"
        table = self.query_one(DataTable)
        table.add_columns("#", "Step", "Kind", "State", "Notes")
        self.load()

    @work(thread=True, exit_on_error=False, exclusive=True, group="checklist")
    def load(self) -> None:
        from console.omnitron.oms_setup import Checklist

        checklist = Checklist(self.config.store_path())
        self.post_message(ChecklistLoaded(checklist.states()))
        checklist.close()

    def on_checklist_loaded(self, message: ChecklistLoaded) -> None:
        from console.omnitron.oms_setup import STEPS

        self.states = message.states
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for index, (step, state) in enumerate(zip(STEPS, self.states, strict=True), start=1):
            table.add_row(str(index), step.title, "api" if step.api else "manual", state.status,
                          (state.notes or state.detail)[:40], key=step.key)
        table.move_cursor(row=min(keep, table.row_count - 1))

    def selected(self) -> str:
        table = self.query_one(DataTable)
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    @on(DataTable.RowSelected)
    def action_run(self) -> None:
        from console.omnitron.oms_setup import step

        target = step(self.selected())
        if target.key in ("stock-integration", "cargo-company"):
            from console.tui.screens.oms_step_form import OmsStepForm

            def submitted(values: dict[str, Any] | None) -> None:
                if values is not None:
                    self.run_settings_step(target.key, values)

            self.app.push_screen(OmsStepForm(self.config, target.key), submitted)
            return
        if not target.path:
            self.notify("A manual step: press d when it is done, N to add a note.")
            return
        self.query_one("#progress", ProgressBar).update(progress=0)
        self.run_copy(target.key)

    @work(thread=True, exit_on_error=False, group="oms-run")
    def run_settings_step(self, key: str, values: dict[str, Any]) -> None:
        from console.omnitron import OmnitronClient
        from console.omnitron.oms_setup import (
            Checklist,
            cargo_body,
            create_cargo_company,
            define_stock_integration,
        )

        checklist = Checklist(self.config.store_path())
        try:
            with OmnitronClient.for_settings(self.config.omnitron) as client:
                if key == "stock-integration":
                    define_stock_integration(client, values["url"], values["engine"],
                                             values.get("username") or None,
                                             values.get("password") or None)
                else:
                    create_cargo_company(client, cargo_body(values))
            checklist.set(key, "done", detail="")
            self.post_message(StepProgress(key, 100, "done"))
        except Exception as exc:  # noqa: BLE001 - shown to the user, kept as detail
            checklist.set(key, "failed", detail=str(exc))
            self.post_message(StepProgress(key, 100, f"failed: {exc}"))
        finally:
            checklist.close()
        self.load()

    @work(thread=True, exit_on_error=False, group="oms-run")
    def run_copy(self, key: str) -> None:
        from console.omnitron import OmnitronClient
        from console.omnitron.oms_setup import Checklist, SetupError, run_copy

        checklist = Checklist(self.config.store_path())
        checklist.set(key, "running")
        try:
            with OmnitronClient.for_settings(self.config.omnitron) as client:
                def progress(percent: int, status: str) -> None:
                    self.post_message(StepProgress(key, percent, status))
                run_copy(client, key, progress, poll_s=0.2)
            checklist.set(key, "done", detail="")
            self.post_message(StepProgress(key, 100, "done"))
        except (SetupError, Exception) as exc:  # noqa: BLE001 - shown to the user, kept as detail
            checklist.set(key, "failed", detail=str(exc))
            self.post_message(StepProgress(key, 100, f"failed: {exc}"))
        finally:
            checklist.close()
        self.load()

    def on_step_progress(self, message: StepProgress) -> None:
        self.query_one("#progress", ProgressBar).update(progress=message.percent)
        self.query_one("#status", Static).update(f"{message.key}: {message.state}")

    def action_done(self) -> None:
        self.mark(self.selected(), "done", None)

    def action_note(self) -> None:
        box = self.query_one("#note", Input)
        box.add_class("visible")
        box.focus()

    @on(Input.Submitted, "#note")
    def _note(self, event: Input.Submitted) -> None:
        key = self.selected()
        status = next((s.status for s in self.states if s.key == key), "todo")
        self.mark(key, status, event.value)
        event.input.value = ""
        event.input.remove_class("visible")
        self.query_one(DataTable).focus()

    @work(thread=True, exit_on_error=False, group="oms-mark")
    def mark(self, key: str, status: str, notes: str | None) -> None:
        from console.omnitron.oms_setup import Checklist

        checklist = Checklist(self.config.store_path())
        checklist.set(key, status, notes=notes)
        checklist.close()
        self.load()
