"""A code editor with live diagnostics under it: Python, JSON, or a Jolt mapping spec."""

from __future__ import annotations

import ast
import json
from typing import Literal

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static, TextArea
from textual.worker import Worker

from console.tui.base import report_worker
from console.tui.editor_theme import follow_app_theme

Kind = Literal["python", "json", "mapping"]


def diagnose(kind: Kind, text: str) -> str | None:
    """A one-line problem with line and column, or None when the text is fine."""
    if not text.strip():
        return None
    if kind == "python":
        try:
            ast.parse(text)
        except SyntaxError as exc:
            return f"line {exc.lineno}, column {exc.offset}: {exc.msg}"
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
    if kind == "mapping":
        from console.mapping import MappingSpecError
        from console.mapping import compile as compile_mapping

        try:
            compile_mapping(data)
        except MappingSpecError as exc:
            return f"{exc.path or 'spec'}: {exc.message}"
    return None


def warn(kind: Kind, text: str) -> str | None:
    """A mistake the engine accepts (as Jolt does) but the user should see, if any."""
    if kind != "mapping":
        return None
    from console.mapping import compile as compile_mapping

    try:
        warnings = compile_mapping(json.loads(text)).warnings
    except Exception:  # noqa: BLE001 - diagnose() reports why it does not compile
        return None
    return warnings[0] if warnings else None


class CodeEditor(Vertical):
    DEFAULT_CSS = """
    CodeEditor { height: 1fr; }
    CodeEditor TextArea { height: 1fr; }
    CodeEditor .diagnostics { height: auto; max-height: 3; color: $success; }
    CodeEditor .diagnostics.problem { color: $error; }
    CodeEditor .diagnostics.warning { color: $warning; }
    """

    class Diagnosed(Message):
        def __init__(self, editor: CodeEditor, text: str, problem: str | None,
                     warning: str | None = None) -> None:
            super().__init__()
            self.editor = editor
            self.text = text
            """The text diagnosed: an answer about text since edited is not shown."""
            self.problem = problem
            self.warning = warning

        @property
        def control(self) -> CodeEditor:
            return self.editor

    def __init__(self, text: str, kind: Kind, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.kind = kind
        self.initial = text
        self.problem: str | None = None

    def compose(self) -> ComposeResult:
        language = "python" if self.kind == "python" else "json"
        yield TextArea.code_editor(self.initial, language=language, soft_wrap=False)
        yield Static("", classes="diagnostics")

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    @text.setter
    def text(self, value: str) -> None:
        self.query_one(TextArea).text = value

    def on_mount(self) -> None:
        follow_app_theme(self.query_one(TextArea))
        self.check(self.initial)

    @on(TextArea.Changed)
    def _changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self.check(event.text_area.text)

    @work(thread=True, exit_on_error=False, exclusive=True, group="diagnose")
    def check(self, text: str) -> None:
        """Exclusive, yet a replaced check's thread still posts, and on a busy machine after
        the newer one: the handler keeps only the answer about the text as it is now."""
        problem = diagnose(self.kind, text)
        warning = None if problem else warn(self.kind, text)
        self.post_message(self.Diagnosed(self, text, problem, warning))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker(self, event)

    def on_code_editor_diagnosed(self, message: Diagnosed) -> None:
        if message.editor is not self or message.text != self.text:
            return
        self.problem = message.problem
        line = self.query_one(".diagnostics", Static)
        line.set_class(message.problem is not None, "problem")
        line.set_class(message.warning is not None, "warning")
        if message.problem:
            line.update(f"✗ {message.problem}")
        else:
            line.update(f"! {message.warning}" if message.warning else
                        "✓ no problems · escape leaves the editor")
