"""The order export's test panels: the query check asks the ERP for one order, the write
shows the request it would send (never sending it), and the check-response panel runs the
script and says whether a run would mark the order sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Label, Static, TextArea
from textual.worker import Worker

from console.flows import FlowsConfig
from console.services import ServiceError
from console.tui.base import report_worker
from console.tui.editor_theme import follow_app_theme
from console.tui.messages import TestRunDone
from console.tui.widgets.test_panel import TestPanel

PanelAction = Literal["query_check", "write"]


class ErpPanelDone(Message):
    """A query check or write preview finished (posted from its worker thread)."""

    def __init__(self, ok: bool, summary: str, body: str, run: int) -> None:
        super().__init__()
        self.ok = ok
        self.summary = summary
        self.body = body
        self.run = run
        """Which of the panel's runs this answers: only the latest one's is shown."""


class ErpRequestPanel(Vertical):
    """Beside the Query check and Write to ERP forms: one Omnitron order in, the ERP's
    lookup answer (or the unsent write request) out."""

    DEFAULT_CSS = """
    ErpRequestPanel { width: 1fr; height: 1fr; padding-left: 1; }
    ErpRequestPanel Label { color: $text-muted; }
    ErpRequestPanel .input { height: 1fr; }
    ErpRequestPanel .result { height: 1fr; }
    ErpRequestPanel .meta { height: auto; max-height: 6; }
    ErpRequestPanel Horizontal { height: 1; }
    ErpRequestPanel Button { min-width: 9; margin-right: 1; }
    """

    def __init__(self, action: PanelAction, sample: str, *, id: str | None = None  # noqa: A002
                 ) -> None:
        super().__init__(id=id)
        self.action = action
        self.sample = sample
        self.flow_of: Callable[[], tuple[FlowsConfig, str]] | None = None
        """The config with the flow as edited, and its id, read when a run starts."""
        self.runs = 0
        """Runs started so far: a replaced run's thread still posts, and is not shown."""

    def compose(self) -> ComposeResult:
        yield Label("one Omnitron order")
        yield TextArea.code_editor(self.sample, language="json", classes="input", compact=True)
        with Horizontal():
            yield Button("Run ^r", id="run", variant="primary", compact=True)
            yield Label("asks the ERP (read only)" if self.action == "query_check" else
                        "shows the request; nothing is sent")
        yield Static("the ERP's answer appears here" if self.action == "query_check" else
                     "the request appears here", classes="meta")
        yield TextArea.code_editor("", language="json", read_only=True, classes="result",
                                   compact=True)

    def on_mount(self) -> None:
        for text_area in self.query(TextArea):
            follow_app_theme(text_area)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker(self, event)

    @property
    def input_text(self) -> str:
        return self.query_one(".input", TextArea).text

    @input_text.setter
    def input_text(self, value: str) -> None:
        self.query_one(".input", TextArea).text = value

    @on(Button.Pressed, "#run")
    def action_run(self) -> None:
        if self.flow_of is None:
            return
        config, flow_id = self.flow_of()
        self.query_one(".meta", Static).update("running…")
        self.runs += 1
        self.execute(config, flow_id, self.input_text, self.runs)

    @work(thread=True, exit_on_error=False, exclusive=True, group="erp-panel")
    def execute(self, config: FlowsConfig, flow_id: str, order_text: str, run: int) -> None:
        from console.services import order_export

        ask = order_export.query_check if self.action == "query_check" else \
            order_export.write_preview
        try:
            result = ask(config, flow_id, order_text)
        except ServiceError as exc:
            self.post_message(ErpPanelDone(False, exc.message, "", run))
            return
        self.post_message(ErpPanelDone(result.ok, result.summary, result.body, run))

    def on_erp_panel_done(self, message: ErpPanelDone) -> None:
        message.stop()
        if message.run != self.runs:
            return  # a run replaced by a newer one: its answer is of an older order or flow
        self.query_one(".meta", Static).update(
            Text(message.summary, "green" if message.ok else "bold red"))
        self.query_one(".result", TextArea).text = message.body


class CheckResponsePanel(TestPanel):
    """The script test panel, plus what a run would do with the order: mark it sent, or log
    a row error with the script's message."""

    def on_test_run_done(self, message: TestRunDone) -> None:
        if message.meta.plain.startswith("no script"):
            message.meta = Text("no check-response script: an order already in the ERP or a "
                                "2xx answer is accepted", "yellow") + \
                default_verdict_text(message.output)
        else:
            message.meta = message.meta + verdict_text(message.output)
        super().on_test_run_done(message)


def default_verdict_text(input_text: str | None) -> Text:
    import json

    from console.runner.order_export import ErpAnswer, default_verdict

    try:
        data = json.loads(input_text or "")
        response = data["response"]
        answer = ErpAnswer(int(response["status_code"]), response.get("body"))
        accepted, text = default_verdict(answer, bool(data.get("already_in_erp")))
    except (ValueError, KeyError, TypeError, AttributeError):
        return Text("\n→ the input needs response.status_code to judge it", "bold red")
    if accepted:
        return Text("\n→ accepted: a run marks the order sent", "bold green")
    return Text(f"\n→ refused: {text}; the order stays unsent", "bold red")


def verdict_text(output: str | None) -> Text:
    """The line under a check-response test: what a run would do with the order."""
    import json

    from console.runner.order_export import check_verdict

    if output is None:
        return Text("\n→ refused: the order stays unsent (the error above is its row's "
                    "message)", "bold red")
    try:
        result = json.loads(output)
    except json.JSONDecodeError:
        result = None
    accepted, text = check_verdict(result, None, "success")
    if accepted:
        return Text("\n→ accepted: a run marks the order sent", "bold green")
    return Text(f"\n→ refused: {text}; the order stays unsent", "bold red")
