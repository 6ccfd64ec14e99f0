"""The flow designer: the Integrator's cards as tabs, editors with live diagnostics, test
panels beside the Script and Mapping editors, and save with F2."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Header, Label, Select, Static, TabbedContent, TabPane, Tabs

from console.flows import Flow, FlowsConfig, FlowsError
from console.kinds import kind_of
from console.kinds.row_shapes import RowCheck, row_check
from console.services import workbench
from console.tui import order_export_cards
from console.tui.base import ConsoleScreen
from console.tui.flow_form import apply, fields_for
from console.tui.messages import (
    DryRunDone,
    FlowProblems,
    FlowWritten,
    Notice,
    PinnedInputLoaded,
    SavePreviewed,
    TestInputLoaded,
)
from console.tui.outbound_text import outbound_text
from console.tui.step_cards import SAMPLE_ORDER, StepCard, first_order, step_cards
from console.tui.widgets.code_editor import CodeEditor
from console.tui.widgets.footer import KeyFooter
from console.tui.widgets.form_fields import FormFields
from console.tui.widgets.order_export_panels import CheckResponsePanel, ErpRequestPanel
from console.tui.widgets.read_card import ReadCard
from console.tui.widgets.test_panel import TestPanel

_EDITOR_KEYS = ("script", "mapping")  # their editors show their own diagnostics
_SETTINGS_CARDS = {"oms": "OMS", "full_stock": "Compare", "proxy": "Proxy"}
"""The card of a kind's own settings table, by table."""


class DesignerScreen(ConsoleScreen[None]):
    CSS_PATH = "designer.tcss"
    BINDINGS = [
        Binding("ctrl+r", "run_test", "Run test", id="designer.run_test"),
        Binding("f2", "save", "Save", id="designer.save"),
        Binding("f4", "external_editor", "$EDITOR", id="designer.editor"),
        # Priority: the code editors bind F5-F7 to selections, which would hide these keys.
        Binding("f5", "dry_run", "Dry run", id="designer.dry_run", priority=True),
        Binding("f6", "fetch_live", "Live input", id="designer.fetch_live", priority=True,
                show=False),
        Binding("f7", "pin_sample", "Pin sample", id="designer.pin", priority=True, show=False),
        Binding("f8", "last_input", "Last input", id="designer.last_input", show=False),
        # The test panels make room: the editor in view takes the whole width.
        Binding("f9", "zoom", "Zoom editor", id="designer.zoom", priority=True),
        # Priority: editors would otherwise take escape to move focus to the next editor.
        Binding("escape", "leave", "Back", id="designer.back", priority=True),
    ]

    def __init__(self, flow: Flow) -> None:
        super().__init__()
        self.flow = flow
        self.cards = step_cards(flow)
        self.kind = kind_of(flow.type)
        self.baseline: dict[str, str | bool] = {}
        self._edits = 0
        """Form edits so far: a validation's answer is shown only for the latest one."""
        self._input_asks = 0
        """Requests for the ERP input (pinned, live, last execution's): only the latest
        request's answer is taken; a thread replaced by a newer one still posts."""
        self._save_asks = 0
        """F2 presses: only the latest one's diff is shown."""
        self._dry_runs = 0
        """F5 presses: only the latest dry run's report is shown."""

    def compose(self) -> ComposeResult:
        flow = self.flow
        yield Header()
        with TabbedContent(id="cards"):
            with TabPane("Config", id="tab-config"):
                yield FormFields(flow, "config", id="form-config")
            if flow.read is not None or self.kind.reads_omnitron_orders:
                with TabPane("Login", id="tab-login"):
                    yield Static(self._secrets_text(), id="login-secrets", classes="hint",
                                 markup=False)
                    yield FormFields(flow, "login", id="form-login")
            if flow.read is not None:
                with TabPane("Read", id="tab-read"):
                    yield ReadCard(flow, id="read-card")
            table = self.kind.settings_table
            if table in _SETTINGS_CARDS:
                name = table.replace("_", "-")
                with TabPane(_SETTINGS_CARDS[table], id=f"tab-{name}"):
                    yield FormFields(flow, table, id=f"form-{name}")  # type: ignore[arg-type]
            export = table == "order_export"
            if export:
                yield from order_export_cards.before_code(flow)
            for card in self.cards:
                if card.target != "check_response":
                    yield from self._code_card(card)
            if self.kind.has_write_card:
                yield from self._write_card()
            if export:
                yield from order_export_cards.erp_write(flow)
                yield from (pane for card in self.cards if card.target == "check_response"
                            for pane in self._code_card(card))
            if any(f.tab == "fetch" for f in fields_for(flow)):
                with TabPane("Fetch missing", id="tab-fetch"):
                    yield FormFields(flow, "fetch", id="form-fetch")
            with TabPane("Outbound", id="tab-outbound"), VerticalScroll():
                yield Static(outbound_text(self.config, flow), id="outbound", markup=False)
        yield Static("", id="form-status", markup=False)
        yield KeyFooter()

    def _code_card(self, card: StepCard) -> ComposeResult:
        flow = self.flow
        with TabPane(card.title, id=card.tab_id), Horizontal():
            yield CodeEditor(card.source(flow), card.language, id=card.editor_id)
            panel = CheckResponsePanel if card.target == "check_response" else TestPanel
            yield panel("mapping" if card.target == "mapping" else "script",
                        card.sample, label=card.input_label, id=card.panel_id)

    def _write_card(self) -> ComposeResult:
        flow = self.flow
        with TabPane("Write", id="tab-write"), Vertical():
            if any(f.tab == "write" for f in fields_for(flow)):
                yield FormFields(flow, "write", id="form-write")
            if self.kind.write_script:
                yield Label("Per-order script: runs on each order before Omnitron's "
                            "status update")
                with Horizontal(id="order-script"):
                    yield CodeEditor(flow.write.script or "", "python", id="order-editor")
                    yield TestPanel("script", SAMPLE_ORDER,
                                    label="one order (the mapping's output, row by row)",
                                    id="order-test")

    def _secrets_text(self) -> str:
        login = self.flow.login
        if login is None:
            return "No ERP login yet: choose a type below."
        parts = [f"{name}: {secret.describe()}" for name, secret in
                 (("password", login.password), ("token", login.token),
                  ("client_secret", login.client_secret)) if secret is not None]
        return ("Secrets are edited in flows.toml only. " + "; ".join(parts)) if parts else \
            "Secrets are edited in flows.toml only."

    def _ask_input(self) -> int:
        self._input_asks += 1
        return self._input_asks

    @work(thread=True, exit_on_error=False, group="pinned")
    def load_pinned(self, ask: int) -> None:
        found = workbench.pinned(self.config, self.flow.id)
        if found is not None:
            self.post_message(PinnedInputLoaded(found, ask))

    def on_pinned_input_loaded(self, message: PinnedInputLoaded) -> None:
        if message.ask == self._input_asks:
            self._set_erp_input(message.text)

    def _set_erp_input(self, text: str) -> None:
        """Give ERP records to the card that reads them (and to a mapping with no script)."""
        if self.kind.reads_omnitron_orders:  # each card takes one order at a time
            text = first_order(text) or text
            for panel in self.query(ErpRequestPanel):
                panel.input_text = text
        for card in self.cards:
            if card.reads_erp_records or (card.target == "mapping" and not self.flow.script):
                self.query_one(f"#{card.panel_id}", TestPanel).input_text = text

    def _erp_input(self) -> str:
        card = next(c for c in self.cards if c.reads_erp_records)
        return self.query_one(f"#{card.panel_id}", TestPanel).input_text

    @work(thread=True, exit_on_error=False, group="script-settings")
    def use_script_settings(self) -> None:
        """Test runs use the file's ``[runner.scripts]`` settings (user, limits)."""
        import dataclasses

        from console.script import configure

        configure(**dataclasses.asdict(self.config.runner.scripts))

    def _connect_sources(self) -> None:
        """Each test panel reads its editor's text when a run starts, never a stale copy."""
        settings = dataclasses.asdict(self.config.runner.scripts)
        for card in self.cards:
            panel = self.query_one(f"#{card.panel_id}", TestPanel)
            editor = self.query_one(f"#{card.editor_id}", CodeEditor)
            panel.source_of = _text_of(editor)
            panel.flow_id = self.flow.id
            panel.timeout_s = card.timeout_s(self.flow)
            panel.script_settings = settings
        for erp_panel in self.query(ErpRequestPanel):
            erp_panel.flow_of = lambda: (self.config.with_flow(self.edited_flow()), self.flow.id)
        if self.query("#order-test"):
            panel = self.query_one("#order-test", TestPanel)
            panel.source_of = _text_of(self.query_one("#order-editor", CodeEditor))
            panel.flow_id = self.flow.id
            panel.timeout_s = self.flow.write.script_timeout_s
            panel.script_settings = settings

    def on_mount(self) -> None:
        self.use_script_settings()
        if self.query("#mapping-test"):
            mapping_test = self.query_one("#mapping-test", TestPanel)
            mapping_test.upstream = self.query_one("#script-test", TestPanel)
            mapping_test.check_of = self._row_check
        self._connect_sources()
        self.baseline = self.values()
        self.load_pinned(self._ask_input())
        self.query_one("#cards", TabbedContent).query_one(Tabs).focus()

    def _row_check(self) -> RowCheck | None:
        flow = self.edited_flow()
        return row_check(flow.type, flow.default_list)

    def editor_text(self, selector: str) -> str:
        found = self.query(selector)
        return found.first(CodeEditor).text if found else ""

    def form_values(self) -> dict[str, str | bool]:
        values: dict[str, str | bool] = {}
        for form in self.query(FormFields):
            values.update(form.values())
        return values

    def values(self) -> dict[str, str | bool]:
        current = self.form_values()
        for editor in self.query(CodeEditor):
            current[editor.id or ""] = editor.text
        return current

    @property
    def dirty(self) -> bool:
        return self.values() != self.baseline

    @on(TestPanel.Finished, "#script-test")
    def _script_done(self, message: TestPanel.Finished) -> None:
        if message.output is not None:
            self.query_one("#mapping-test", TestPanel).input_text = message.output

    @on(TestPanel.Finished, "#mapping-test")
    def _mapping_done(self, message: TestPanel.Finished) -> None:
        """The per-order script's test follows the mapping's first order, until edited."""
        found = self.query("#order-test")
        if message.output is None or not found:
            return
        panel = found.first(TestPanel)
        first = first_order(message.output)
        if first is not None and panel.input_is_automatic:
            panel.input_text = first

    @on(FormFields.Edited)
    def _form_edited(self) -> None:
        self._edits += 1
        flow, problems = self.edited()
        if problems:
            self._show_problems(problems, [])
            return
        self.validate(self.config.with_flow(flow), flow.id, self._edits)

    @work(thread=True, exit_on_error=False, exclusive=True, group="validate")
    def validate(self, config: FlowsConfig, flow_id: str, edit: int) -> None:
        """The file's own validation of the edited flow, as `console flows validate` runs it.
        ``edit`` numbers the edit it checks: a replaced validation's thread still finishes, and
        on a slow machine after the newer one, so only the latest edit's answer is shown."""
        from console.flows import dumps, loads

        keyed: dict[str, str] = {}
        other: list[str] = []
        try:
            loads(dumps(config))
        except FlowsError as exc:
            prefix = f"flows.{flow_id}."
            keyed = {p.key_path.removeprefix(prefix): p.message for p in exc.problems
                     if p.key_path.startswith(prefix)}
            other = [f"{p.key_path}: {p.message}" for p in exc.problems
                     if not p.key_path.startswith(prefix)]
        self.post_message(FlowProblems(keyed, other, edit))

    def on_flow_problems(self, message: FlowProblems) -> None:
        if message.edit == self._edits:
            self._show_problems(message.keyed, message.other)

    def _show_problems(self, keyed: dict[str, str], other: list[str]) -> None:
        shown_keys: set[str] = set()
        for form in self.query(FormFields):
            form.show_problems(keyed)
            shown_keys.update(spec.key for spec in form.fields)
        rest = other + [f"{key}: {message}" for key, message in keyed.items()
                        if key not in shown_keys and key.split(".")[0] not in _EDITOR_KEYS]
        status = self.query_one("#form-status", Static)
        count = len(rest) + sum(1 for key in keyed if key in shown_keys)
        status.update(f"✗ {count} problem(s), F2 will not save. {rest[0] if rest else ''}"
                      if count else "")
        status.set_class(bool(count), "shown")

    def edited(self) -> tuple[Flow, dict[str, str]]:
        """The flow as the form and editors have it, and the fields that do not parse."""
        flow, problems = apply(self.flow, self.form_values())
        for card in self.cards:
            flow = card.put(flow, self.editor_text(f"#{card.editor_id}"))
        if self.kind.write_script:
            flow = dataclasses.replace(flow, write=dataclasses.replace(
                flow.write, script=self.editor_text("#order-editor") or None))
        return flow, problems

    def edited_flow(self) -> Flow:
        return self.edited()[0]

    def action_run_test(self) -> None:
        """Run the test panel of the tab in view, wherever the focus is inside it."""
        tab = self.query_one("#cards", TabbedContent).active
        card = next((c for c in self.cards if c.tab_id == tab), None)
        if tab == "tab-write" and self.query("#order-test"):
            self.query_one("#order-test", TestPanel).action_run()
            return
        erp_panel = self.query(f"#{tab} ErpRequestPanel")
        if erp_panel:
            erp_panel.first(ErpRequestPanel).action_run()
            return
        if card is None:
            titles = " and ".join(c.title for c in self.cards)
            if self.query("#order-test"):
                titles += " and Write"
            self.notify(f"The {titles} cards have a test panel.", severity="warning")
            return
        self.query_one(f"#{card.panel_id}", TestPanel).action_run()

    def action_save(self) -> None:
        bad = [e for e in self.query(CodeEditor) if e.problem]
        if bad:
            self.notify(f"{bad[0].id}: {bad[0].problem}", title="Not saved", severity="error")
            return
        flow, problems = self.edited()
        if problems:
            key, message = next(iter(problems.items()))
            self.notify(f"{key}: {message}", title="Not saved", severity="error")
            return
        self._save_asks += 1
        self.preview_save(flow, self.values(), self._save_asks)

    @work(thread=True, exit_on_error=False, exclusive=True, group="save-preview")
    def preview_save(self, flow: Flow, values: dict[str, str | bool], ask: int) -> None:
        """F2 shows what will change in flows.toml before anything is written."""
        from console.services import ServiceError
        from console.services.flows import save_preview

        assert self.config.source is not None
        try:
            preview = save_preview(self.config.source, flow)
        except ServiceError as exc:  # refused as the save itself would be: "Not saved"
            self.post_message(FlowWritten(None, exc.message, (flow, values)))
            return
        self.post_message(SavePreviewed(preview, flow, values, ask))

    def on_save_previewed(self, message: SavePreviewed) -> None:
        from console.tui.screens.save_preview import SavePreviewScreen

        if message.ask != self._save_asks:
            return  # F2 pressed again since: that press's diff (of newer edits) is coming

        if message.preview.empty:
            self.notify("nothing to save: flows.toml already says this", title="Saved")
            self.baseline = message.values
            return

        def answer(save: bool | None) -> None:
            if save:
                self.save_edits(message.flow, message.values)

        self.app.push_screen(SavePreviewScreen(message.preview, message.flow.name), answer)

    def save_edits(self, flow: Flow, values: dict[str, str | bool]) -> None:
        from console.tui.saving import write_flow

        assert self.config.source is not None
        write_flow(self.config.source, self.config.find(flow.id), flow, self, (flow, values),
                   clock=self.console.clock)

    def on_flow_written(self, message: FlowWritten) -> None:
        if message.saved is None:
            self.notify(message.problem or "not saved", title="Not saved", severity="error",
                        timeout=10)
            return
        flow, values = message.context
        self.flow = flow
        self.console.replace_config(message.saved)
        self.baseline = values
        self.notify(f"{flow.name} saved to {message.saved.source}", title="Saved")
        if message.warning:
            self.notify(message.warning, title="No version kept", severity="warning", timeout=10)

    def action_dry_run(self) -> None:
        """The whole flow as edited (login, read, script, mapping), without writing."""
        self.notify("dry run started…")
        self._dry_runs += 1
        self.run_dry(self.config.with_flow(self.edited_flow()), self.flow.id,
                     self._query_params(), self._payload(), self._dry_runs)

    def _query_params(self) -> dict[str, str]:
        """For an OMS stock flow, the SKUs in the pre-script's test input are asked for."""
        if self.kind.settings_table != "oms" or not self.query("#pre-script-test"):
            return {}
        try:
            skus = json.loads(self.query_one("#pre-script-test", TestPanel).input_text)
        except json.JSONDecodeError:
            skus = []
        key = self.flow.oms.sku_query_key if self.flow.oms else "sku"
        return {key: ",".join(str(s) for s in skus)} if isinstance(skus, list) else {}

    def _payload(self) -> str | None:
        """For an outbound proxy flow, the pre-script's test input is the caller's payload."""
        if self.kind.settings_table != "proxy" or not self.query("#pre-script-test"):
            return None
        return self.query_one("#pre-script-test", TestPanel).input_text

    @work(thread=True, exit_on_error=False, exclusive=True, group="dry-run")
    def run_dry(self, config: FlowsConfig, flow_id: str, params: dict[str, str],
                payload: str | None, ask: int) -> None:
        """Exclusive, yet a replaced dry run's thread still ends and posts its report."""
        self.post_message(DryRunDone(workbench.dry_run(config, flow_id, params, payload), ask))

    def on_dry_run_done(self, message: DryRunDone) -> None:
        from console.tui.screens.dry_run import DryRunScreen

        if message.ask != self._dry_runs:
            return  # F5 pressed again since: the newer dry run's report is coming
        self.app.push_screen(DryRunScreen(message.report))

    def action_fetch_live(self) -> None:
        """Fill the script test's input with the first page the flow's Read step returns."""
        if not self.flow.reads_data:
            self.notify("This flow does not read from the ERP.", severity="warning")
            return
        self.fetch_live(self.config.with_flow(self.edited_flow()), self.flow.id,
                        self._ask_input())

    @work(thread=True, exit_on_error=False, exclusive=True, group="fetch-live")
    def fetch_live(self, config: FlowsConfig, flow_id: str, ask: int) -> None:
        self.post_message(TestInputLoaded(workbench.live_input(config, flow_id), ask))

    def on_test_input_loaded(self, message: TestInputLoaded) -> None:
        """Live or the last execution's: the title says which. Only the latest request's
        answer is taken (F6 then F8: the last execution's input, whichever answers first)."""
        if message.ask != self._input_asks:
            return
        self._set_erp_input(message.loaded.text)
        self.notify(message.loaded.about, title=message.loaded.title)

    def action_pin_sample(self) -> None:
        self.pin_sample(self._erp_input())

    @work(thread=True, exit_on_error=False, group="pin")
    def pin_sample(self, text: str) -> None:
        path = workbench.pin(self.config, self.flow.id, text)
        self.post_message(Notice(f"pinned as the default test input ({path.name})", "Sample"))

    def on_notice(self, message: Notice) -> None:
        self.notify(message.text, title=message.title)

    def action_last_input(self) -> None:
        self.load_last_input(self.flow.id, self._ask_input())

    @work(thread=True, exit_on_error=False, group="last-input")
    def load_last_input(self, flow_id: str, ask: int) -> None:
        self.post_message(TestInputLoaded(workbench.last_input(self.console.executions, flow_id),
                                          ask))

    def action_zoom(self) -> None:
        self.toggle_class("zoomed")
        zoomed = self.has_class("zoomed")
        self.notify("F9 again brings the test panels back" if zoomed else "test panels shown",
                    timeout=3)

    def action_leave(self) -> None:
        """Escape goes up one level: from a field or editor to the card tabs, then back."""
        tabs = self.query_one("#cards", TabbedContent).query_one(Tabs)
        focused = self.focused
        if focused is not None and focused is not tabs:
            select = next((n for n in focused.ancestors_with_self if isinstance(n, Select)), None)
            if select is not None and select.expanded:
                select.expanded = False
            else:
                tabs.focus()
            return
        if not self.dirty:
            self.dismiss(None)
            return
        from console.tui.screens.confirm import ConfirmScreen

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Leave without saving your changes?"), answer)

    def action_external_editor(self) -> None:
        focused = self.focused
        editor = next((e for e in self.query(CodeEditor) if focused and focused in e.walk_children()),
                      None)
        if editor is None:
            self.notify("Focus a script or mapping editor first.", severity="warning")
            return
        suffix = ".py" if editor.kind == "python" else ".json"
        with tempfile.NamedTemporaryFile("w", suffix=suffix, delete=False, encoding="utf-8") as f:
            f.write(editor.text)
        path = Path(f.name)
        command = os.environ.get("EDITOR") or os.environ.get("VISUAL") or "vi"
        try:
            with self.app.suspend():
                subprocess.run([*shlex.split(command), str(path)], check=False)
            editor.text = path.read_text(encoding="utf-8")
        except OSError as exc:
            self.notify(f"cannot run {command}: {exc.strerror or exc}", severity="error")
        except SuspendNotSupported:
            self.notify("this terminal cannot hand the screen to an editor; edit here",
                        severity="warning")
        finally:
            path.unlink(missing_ok=True)


def _text_of(editor: CodeEditor) -> Callable[[], str]:
    return lambda: editor.text
