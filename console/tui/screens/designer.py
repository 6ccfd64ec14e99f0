"""The flow designer: the Integrator's cards as tabs, editors with live diagnostics, test
panels beside the Script and Mapping editors, and save with F2."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Input, Label, Static, TabbedContent, TabPane

from console.flows import Flow, FlowsConfig, FlowsError, MappingStep, ScriptStep, save
from console.tui.widgets.code_editor import CodeEditor
from console.tui.widgets.footer import KeyFooter
from console.tui.widgets.test_panel import TestPanel

SAMPLE_STOCK = json.dumps([{"id": 1, "sku": "SKU-000001", "qty": 12, "unit_type": "qty"},
                           {"id": 2, "sku": "SKU-000002", "qty": 0, "unit_type": "qty"}], indent=2)
SAMPLE_ORDERS = json.dumps([{"order": "ORD-000002", "orderitems": [
    {"id": 4, "product": "SKU-000010", "status": 500, "invoice_number": "INV-2"}]}], indent=2)


class DesignerScreen(Screen[FlowsConfig | None]):
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
        Binding("escape", "leave", "Back", id="designer.back"),
    ]

    def __init__(self, config: FlowsConfig, flow: Flow) -> None:
        super().__init__()
        self.config = config
        self.flow = flow
        self.saved_config: FlowsConfig | None = None
        self.baseline: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        flow = self.flow
        yield Header()
        with TabbedContent(id="cards"):
            with TabPane("Config", id="tab-config"), VerticalScroll():
                yield from self._field("Name", "name", flow.name)
                yield from self._field("Schedule (cron, empty = manual)", "schedule",
                                       flow.schedule or "")
                yield from self._field("Timezone", "timezone", flow.timezone)
                yield from self._field("Trigger parameters (comma separated)", "trigger_params",
                                       ", ".join(flow.trigger_params))
            if flow.read is not None:
                with TabPane("Read", id="tab-read"), VerticalScroll():
                    yield from self._field("Endpoint URL (NiFi EL)", "read_url", flow.read.url)
                    yield from self._field("Test parameters for the preview", "preview_params",
                                           "sku=SKU-000001")
                    yield Static("", id="url-preview", classes="hint")
                    yield from self._field("Records path", "records", flow.read.records)
            with TabPane("Script", id="tab-script"), Horizontal():
                yield CodeEditor(flow.script.source if flow.script else "", "python",
                                 id="script-editor")
                yield TestPanel("script", self._sample(), id="script-test")
            with TabPane("Mapping", id="tab-mapping"), Horizontal():
                yield CodeEditor(flow.mapping.spec.strip() if flow.mapping else "", "mapping",
                                 id="mapping-editor")
                yield TestPanel("mapping", self._sample(), id="mapping-test")
            with TabPane("Write", id="tab-write"), VerticalScroll():
                yield from self._field("Stock list id", "stock_list",
                                       "" if flow.write.stock_list is None else
                                       str(flow.write.stock_list))
                yield from self._field("Batch size", "batch_size", str(flow.write.batch_size))
                if flow.type == "order_status":
                    yield Label("Per-order script")
                    yield CodeEditor(flow.write.script or "", "python", id="order-editor")
            with TabPane("Outbound", id="tab-outbound"), VerticalScroll():
                yield Static(self._outbound_text(), id="outbound", markup=False)
        yield KeyFooter()

    def _field(self, label: str, name: str, value: str) -> ComposeResult:
        yield Label(label)
        yield Input(value, id=f"field-{name}", compact=True)

    def _sample(self) -> str:
        from console.tui.samples import pinned

        found = pinned(self.config, self.flow.id)
        if found is not None:
            return found
        return SAMPLE_ORDERS if self.flow.type == "order_status" else SAMPLE_STOCK

    def _outbound_text(self) -> str:
        listen = self.config.runner.listen
        if self.flow.direction == "outbound" and self.flow.type != "oms_stock":
            url = f"http://{listen}/flows/{self.flow.id}/outbound"
            return (f"Outbound Request URL\n  {url}\n\ncurl example (token masked):\n"
                    f"  curl -X POST {url} \\\n    -H 'Authorization: Bearer ****' \\\n"
                    "    -H 'Content-Type: application/json' -d @rows.json")
        if self.flow.type == "oms_stock":
            key = self.flow.oms.sku_query_key if self.flow.oms else "sku"
            url = f"http://{listen}/flows/{self.flow.id}/stock?{key}=SKU1,SKU2"
            return f"OMS stock query URL\n  {url}\n\n  curl -H 'Authorization: Bearer ****' '{url}'"
        url = f"http://{listen}/flows/{self.flow.id}/trigger?sku=SKU1"
        return f"Trigger URL (manual run)\n  curl -X POST -H 'Authorization: Bearer ****' '{url}'"

    def on_mount(self) -> None:
        mapping_test = self.query_one("#mapping-test", TestPanel)
        mapping_test.upstream = self.query_one("#script-test", TestPanel)
        self.query_one("#script-test", TestPanel).source = self.editor_text("#script-editor")
        self.query_one("#mapping-test", TestPanel).source = self.editor_text("#mapping-editor")
        self.baseline = self.values()
        if self.flow.read is not None:
            self.preview_url()

    def editor_text(self, selector: str) -> str:
        found = self.query(selector)
        return found.first(CodeEditor).text if found else ""

    def values(self) -> dict[str, str]:
        current = {i.id or "": i.value for i in self.query(Input)
                   if (i.id or "").startswith("field-") and i.id != "field-preview_params"}
        for editor in self.query(CodeEditor):
            current[editor.id or ""] = editor.text
        return current

    @property
    def dirty(self) -> bool:
        return self.values() != self.baseline

    @on(CodeEditor.Diagnosed)
    def _source_changed(self, message: CodeEditor.Diagnosed) -> None:
        self.query_one("#script-test", TestPanel).source = self.editor_text("#script-editor")
        self.query_one("#mapping-test", TestPanel).source = self.editor_text("#mapping-editor")

    @on(TestPanel.Finished, "#script-test")
    def _script_done(self, message: TestPanel.Finished) -> None:
        if message.output is not None:
            self.query_one("#mapping-test", TestPanel).input_text = message.output

    @on(Input.Changed, "#field-read_url, #field-preview_params")
    def preview_url(self) -> None:
        from urllib.parse import parse_qsl, urlencode

        from console.expression import ExpressionError, compile

        url = self.query_one("#field-read_url", Input).value
        params = dict(parse_qsl(self.query_one("#field-preview_params", Input).value))
        attrs = {"http.query.string": urlencode(params), "token.erp": "<token.erp>",
                 "token.omnitron": "<token.omnitron>", "last.request": "2024-12-31T13:30:59.000001"}
        attrs.update({f"http.query.param.{k}": v for k, v in params.items()})
        preview = self.query_one("#url-preview", Static)
        try:
            expression = compile(url)
            text = (f"→ {expression.evaluate(attrs)}\n"
                    f"reads: {', '.join(expression.references()) or 'no attributes'}")
            preview.set_class(False, "error")
        except ExpressionError as exc:
            text = f"✗ offset {exc.offset}: {exc.message}\n{exc.excerpt}"
            preview.set_class(True, "error")
        preview.update(text)

    def edited_flow(self) -> Flow:
        v = self.values()
        flow = self.flow
        script = v.get("script-editor", "")
        spec = v.get("mapping-editor", "")
        changes: dict[str, Any] = {
            "name": v["field-name"].strip(),
            "schedule": v["field-schedule"].strip() or None,
            "timezone": v["field-timezone"].strip(),
            "trigger_params": tuple(p.strip() for p in v["field-trigger_params"].split(",")
                                    if p.strip()),
            "script": ScriptStep(script) if script.strip() else None,
            "mapping": MappingStep(spec) if spec.strip() else None,
        }
        if flow.read is not None:
            changes["read"] = dataclasses.replace(flow.read, url=v["field-read_url"],
                                                  records=v["field-records"])
        stock_list = v["field-stock_list"].strip()
        batch = v["field-batch_size"].strip()
        changes["write"] = dataclasses.replace(
            flow.write,
            stock_list=int(stock_list) if stock_list.isdigit() else None,
            batch_size=int(batch) if batch.isdigit() else flow.write.batch_size,
            script=(v.get("order-editor") or None) if flow.type == "order_status"
            else flow.write.script)
        return dataclasses.replace(flow, **changes)

    def action_run_test(self) -> None:
        """Run the test panel of the tab in view, wherever the focus is inside it."""
        tab = self.query_one("#cards", TabbedContent).active
        panels = {"tab-script": "#script-test", "tab-mapping": "#mapping-test"}
        if tab not in panels:
            self.notify("The Script and Mapping tabs have a test panel.", severity="warning")
            return
        self.query_one(panels[tab], TestPanel).action_run()

    def action_save(self) -> None:
        bad = [e for e in self.query(CodeEditor) if e.problem]
        if bad:
            self.notify(f"{bad[0].id}: {bad[0].problem}", title="Not saved", severity="error")
            return
        flow = self.edited_flow()
        config = self.config.with_flow(flow)
        try:
            save(config, self.config.source)
        except FlowsError as exc:
            self.notify(str(exc), title="Not saved", severity="error", timeout=10)
            return
        except OSError as exc:
            self.notify(f"cannot write: {exc}", severity="error")
            return
        self.config = config
        self.flow = flow
        self.saved_config = config
        self.app.replace_config(config)  # type: ignore[attr-defined]
        self.baseline = self.values()
        self.notify(f"{flow.name} saved to {self.config.source}", title="Saved")

    def action_dry_run(self) -> None:
        """The whole flow as edited (login, read, script, mapping), without writing."""
        self.notify("dry run started…")
        self.run_dry(self.config.with_flow(self.edited_flow()), self.flow.id)

    @work(thread=True, exit_on_error=False, exclusive=True, group="dry-run")
    def run_dry(self, config: FlowsConfig, flow_id: str) -> None:
        from console.runner.dry_run import dry_run

        report = dry_run(config, flow_id)
        from console.tui.screens.dry_run import DryRunScreen

        self.app.call_from_thread(self.app.push_screen, DryRunScreen(report))

    def action_fetch_live(self) -> None:
        """Fill the script test's input with the first page the flow's Read step returns."""
        if self.flow.read is None:
            self.notify("This flow does not read from the ERP.", severity="warning")
            return
        self.fetch_live(self.config.with_flow(self.edited_flow()), self.flow.id)

    @work(thread=True, exit_on_error=False, exclusive=True, group="fetch-live")
    def fetch_live(self, config: FlowsConfig, flow_id: str) -> None:
        from console.runner.dry_run import fetch_records
        from console.runner.erp import StepError

        try:
            records = fetch_records(config, flow_id)
        except StepError as exc:
            self.app.call_from_thread(self.notify, f"{exc.step}: {exc.message}",
                                      title="Live input", severity="error")
            return
        text = json.dumps(records, indent=2, ensure_ascii=False)
        self.app.call_from_thread(self._live_input, text, len(records))

    def _live_input(self, text: str, count: int) -> None:
        self.query_one("#script-test", TestPanel).input_text = text
        if not self.flow.script:
            self.query_one("#mapping-test", TestPanel).input_text = text
        self.notify(f"{count} record(s) from the ERP", title="Live input")

    def action_pin_sample(self) -> None:
        from console.tui.samples import pin

        text = self.query_one("#script-test", TestPanel).input_text
        try:
            path = pin(self.config, self.flow.id, text)
        except OSError as exc:
            self.notify(f"cannot pin: {exc}", severity="error")
            return
        self.notify(f"pinned as the default test input ({path.name})", title="Sample")

    def action_last_input(self) -> None:
        self.load_last_input(self.config, self.flow.id)

    @work(thread=True, exit_on_error=False, group="last-input")
    def load_last_input(self, config: FlowsConfig, flow_id: str) -> None:
        from console.runner.store import ExecutionStore

        body = ExecutionStore(config.store_path()).last_sample(flow_id)
        if body is None:
            self.app.call_from_thread(self.notify, "no execution of this flow has read input yet",
                                      severity="warning")
            return
        pretty = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
        self.app.call_from_thread(self._live_input, pretty, len(json.loads(body)))

    def action_leave(self) -> None:
        if not self.dirty:
            self.dismiss(self.saved_config)
            return
        from console.tui.screens.confirm import ConfirmScreen

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(self.saved_config)

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
                subprocess.run([*command.split(), str(path)], check=False)
            editor.text = path.read_text(encoding="utf-8")
        except OSError as exc:
            self.notify(f"cannot run {command}: {exc}", severity="error")
        finally:
            path.unlink(missing_ok=True)
