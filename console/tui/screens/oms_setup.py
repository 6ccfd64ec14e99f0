"""The OMS setup checklist: the 15 steps, run the API steps with a progress bar, keep notes."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Input, ProgressBar, Static

from console.services import oms_setup
from console.services.oms_setup import StepRow
from console.tui.base import ConsoleScreen
from console.tui.messages import ChecklistLoaded, StepProgress
from console.tui.reads import Latest, began
from console.tui.widgets.footer import KeyFooter
from console.tui.widgets.table import Table


class OmsSetupScreen(ConsoleScreen[None]):
    AUTO_FOCUS = "DataTable"
    BINDINGS = [
        Binding("enter", "run", "Run step", id="oms.run"),
        Binding("d", "done", "Mark done", id="oms.done"),
        Binding("N", "note", "Note", id="oms.note"),
        Binding("escape", "app.pop_screen", "Back", id="oms.back"),
    ]
    DEFAULT_CSS = """
    OmsSetupScreen DataTable { height: 1fr; }
    OmsSetupScreen #overall { height: 1; padding: 0 1; }
    OmsSetupScreen #status { height: auto; padding: 0 1; }
    OmsSetupScreen #note { display: none; }
    OmsSetupScreen #note.visible { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[StepRow] = []
        self.latest = Latest()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Table(cursor_type="row", id="steps")
        yield Input(placeholder="note for this step, enter to save", id="note")
        yield Static("", id="overall")
        yield Static("enter runs an API step · d marks a manual step done · N adds a note",
                     id="status")
        yield ProgressBar(total=100, show_eta=False, id="progress")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "OMS setup"
        table = self.query_one(DataTable)
        table.add_columns("#", "Step", "Kind", "State", "Notes")
        self.load()

    @work(thread=True, exit_on_error=False, group="checklist")
    def load(self) -> None:
        """Loads overlap while a step runs (each progress state asks for one); they are not
        exclusive, since a cancelled thread still posts, and its older rows could land last."""
        self._post_checklist()

    def _post_checklist(self) -> None:
        """Read the checklist and post it (in a worker thread)."""
        read_at = began()
        self.post_message(ChecklistLoaded(oms_setup.steps(self.config), read_at))

    def on_checklist_loaded(self, message: ChecklistLoaded) -> None:
        if not self.latest.newer(message.read_at):
            return  # a slower, older read: the table already shows a newer checklist
        self.rows = message.rows
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for row in self.rows:
            table.add_row(str(row.number), row.title, "api" if row.api else "manual", row.status,
                          (row.notes or row.detail)[:40], key=row.key)
        table.move_cursor(row=min(keep, table.row_count - 1))
        done = sum(1 for row in self.rows if row.status == "done")
        self.query_one("#overall", Static).update(f"checklist: {done} of {len(self.rows)} "
                                                  "steps done")

    def selected(self) -> str:
        table = self.query_one(DataTable)
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    @on(DataTable.RowSelected)
    def action_run(self) -> None:
        row = next(r for r in self.rows if r.key == self.selected())
        if not row.api:
            self.notify("A manual step: press d when it is done, N to add a note.")
            return
        if oms_setup.needs_settings(row.key):
            from console.tui.screens.oms_step_form import OmsStepForm

            def submitted(values: dict[str, Any] | None) -> None:
                if values is not None:
                    self.run_step(row.key, values)

            self.app.push_screen(OmsStepForm(row.key), submitted)
            return
        self.run_step(row.key, {})

    @work(thread=True, exit_on_error=False, group="oms-run")
    def run_step(self, key: str, values: dict[str, Any]) -> None:
        """The same run as ``console oms run``: marked running, progress, done or failed."""
        def progress(percent: int, status: str) -> None:
            self.post_message(StepProgress(key, percent, status))

        try:
            oms_setup.run_step(self.config, key, values, progress, poll_s=0.2)
        finally:
            self._post_checklist()  # already in a thread: read here, not in a new worker

    def on_step_progress(self, message: StepProgress) -> None:
        """The bar is this one step's progress; the line above it counts the checklist."""
        self.query_one("#progress", ProgressBar).update(progress=message.percent)
        self.query_one("#status", Static).update(f"step {message.key}: {message.state} "
                                                 f"({message.percent}%)")
        if message.state == "running":
            self.load()

    def action_done(self) -> None:
        self.mark(self.selected(), "done", None)

    def action_note(self) -> None:
        box = self.query_one("#note", Input)
        box.add_class("visible")
        box.focus()

    @on(Input.Submitted, "#note")
    def _note(self, event: Input.Submitted) -> None:
        self.mark(self.selected(), None, event.value)
        event.input.value = ""
        event.input.remove_class("visible")
        self.query_one(DataTable).focus()

    @work(thread=True, exit_on_error=False, group="oms-mark")
    def mark(self, key: str, status: str | None, notes: str | None) -> None:
        oms_setup.mark(self.config, key, status, notes)
        self.load()
