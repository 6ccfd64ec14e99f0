"""The test panel beside the Script and Mapping editors: sample input, test-only attributes,
Run, and the result (result_data, attributes, logs, relationship, duration). A mapping's result
is also checked against the rows the flow's write step needs, so a renamed ``stock`` key shows
here before anything is saved or sent."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Static, TextArea
from textual.worker import Worker

from console.kinds.row_shapes import RowCheck
from console.services import ServiceError
from console.tui.base import report_worker
from console.tui.editor_theme import follow_app_theme
from console.tui.messages import TestInputRead, TestRunDone

PanelKind = Literal["script", "mapping"]


def parse_attributes(text: str) -> dict[str, str]:
    pairs = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            pairs[key.strip()] = value.strip()
    return pairs


def pretty(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (json.JSONDecodeError, TypeError):
        return text


def _steady_ms(run: Callable[[], object], budget_s: float = 0.05, most: int = 2000) -> float:
    """Milliseconds per call once warm: repeated for about ``budget_s``, so a sample of a
    few rows gives a figure that is not mostly timer noise."""
    calls, spent = 0, 0.0
    while calls < most and (calls == 0 or spent < budget_s):
        began = time.perf_counter()
        run()
        spent += time.perf_counter() - began
        calls += 1
    return spent * 1000 / calls


def _write_check(result: Any, check: RowCheck | None) -> Text:
    """A warning line when rows of the result could change nothing in Omnitron."""
    from console.kinds.row_shapes import check_rows, summary

    if check is None:
        return Text()
    rows = result if isinstance(result, list) else [result]
    found = summary(check_rows(rows, check), len(rows))
    return Text(f"\n⚠ {found}", "bold yellow") if found else Text()


class TestPanel(Vertical):
    # Compact (borderless) inputs and a one-line Run row leave the result readable at 80x24.
    DEFAULT_CSS = """
    TestPanel { width: 1fr; height: 1fr; padding-left: 1; }
    TestPanel Label { color: $text-muted; }
    TestPanel .input { height: 1fr; }
    TestPanel .attributes { height: 3; }
    TestPanel .result { height: 2fr; }
    TestPanel TextArea:focus { background: $boost; }
    TestPanel .meta { height: auto; max-height: 8; }
    TestPanel Horizontal { height: 1; }
    TestPanel Button { min-width: 9; margin-right: 1; }
    TestPanel Input { width: 1fr; }
    """

    class Finished(Message):
        def __init__(self, panel: TestPanel, output: str | None) -> None:
            super().__init__()
            self.panel = panel
            self.output = output

        @property
        def control(self) -> TestPanel:
            return self.panel

    def __init__(self, kind: PanelKind, sample: str = "[]", *, label: str = "input",
                 id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.kind = kind
        self.label = label
        self.sample = sample
        self.source_of: Callable[[], str] = lambda: ""
        """Where the script or spec under test is read, at the moment a run starts."""
        self.upstream: TestPanel | None = None
        self.check_of: Callable[[], RowCheck | None] = lambda: None
        """The write step's row check for the flow as edited, read when a run starts."""
        self.flow_id = ""
        """Scripts of different flows never share a worker, in tests as in runs."""
        self.timeout_s: float | None = None
        """The flow's script timeout; a test run gets at most the test panel's own limit."""
        self.script_settings: dict[str, Any] | None = None
        """The file's ``[runner.scripts]``, applied by each run before its script starts: the
        designer applies them as it opens, in a worker a run started at once could overtake
        (the run then took the pool about to be replaced, and failed when it was)."""
        self._auto_input = sample
        self.runs = 0
        """Runs started so far: only the latest one's answer is shown."""
        self.reads = 0
        """Input files asked for so far: only the latest one's text is taken."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker(self, event)

    def compose(self) -> ComposeResult:
        yield Label(self.label)
        yield TextArea.code_editor(self.sample, language="json", classes="input", compact=True)
        if self.kind == "script":
            yield Label("+ attributes (key=value, never saved)")
            yield TextArea("token.erp=test-token", classes="attributes", compact=True)
        with Horizontal():
            yield Button("Run ^r", id="run", variant="primary", compact=True)
            yield Input(placeholder="load input from file…", id="load", compact=True)
        yield Static("result_data appears here", classes="meta")
        yield TextArea.code_editor("", language="json", read_only=True, classes="result",
                                   compact=True)

    def on_mount(self) -> None:
        for text_area in self.query(TextArea):
            follow_app_theme(text_area)

    @property
    def input_text(self) -> str:
        return self.query_one(".input", TextArea).text

    @input_text.setter
    def input_text(self, value: str) -> None:
        """Set by the console (not typed): a mapping panel keeps following its script's output
        until the user edits the input."""
        self._auto_input = value
        self.query_one(".input", TextArea).text = value

    @property
    def attributes(self) -> dict[str, str]:
        found = self.query(".attributes")
        return parse_attributes(found.first(TextArea).text) if found else {}

    @property
    def input_is_automatic(self) -> bool:
        """The input is still what the console put there (the user has not edited it)."""
        return self.input_text == self._auto_input

    def follows_upstream(self) -> bool:
        up = self.upstream
        return (up is not None and bool(up.source_of().strip())
                and self.input_text == self._auto_input)

    @on(Button.Pressed, "#run")
    def action_run(self) -> None:
        self.runs += 1
        if self.kind == "script" and not self.source_of().strip():
            # As in runs: a card without a script passes its input on unchanged.
            self.post_message(TestRunDone(Text("no script on this card: a run passes the input "
                                               "on unchanged", "yellow"),
                                          pretty(self.input_text), self.input_text,
                                          run=self.runs))
            return
        self.query_one(".meta", Static).update("running…")
        up = self.upstream
        check = self.check_of()
        if self.kind == "mapping" and up is not None and self.follows_upstream():
            self.execute_after_script(up.source_of(), up.input_text, up.attributes,
                                      self.source_of(), self.runs, check)
            return
        self.execute(self.source_of(), self.input_text, self.attributes, self.runs, check)

    @on(Input.Submitted, "#load")
    def _load(self, event: Input.Submitted) -> None:
        self.reads += 1
        self.load_file(event.value.strip(), self.reads)

    @work(thread=True, exit_on_error=False, group="load")
    def load_file(self, name: str, ask: int) -> None:
        try:
            text = Path(name).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise ServiceError(f"cannot read {name}: {reason}") from None
        self.post_message(TestInputRead(text, ask))

    def on_test_input_read(self, message: TestInputRead) -> None:
        message.stop()
        if message.ask != self.reads:
            return  # a file asked for before another one: the later one's text is wanted
        self.input_text = message.text

    @work(thread=True, exit_on_error=False, exclusive=True, group="test-run")
    def execute(self, source: str, input_text: str, attributes: dict[str, str], run: int,
                check: RowCheck | None = None) -> None:
        """Exclusive, yet a replaced run's thread still posts its answer, and on a busy
        machine after the newer run's: ``run`` numbers it, and only the latest is shown."""
        if self.kind == "script":
            meta, result, output = self._run_script(source, input_text, attributes,
                                                    self._ready_for_script())
        else:
            meta, result, output = self._run_mapping(source, input_text, check)
        self.post_message(TestRunDone(meta, result, output, run=run))

    @work(thread=True, exit_on_error=False, exclusive=True, group="test-run")
    def execute_after_script(self, script: str, script_input: str, attributes: dict[str, str],
                             spec: str, run: int, check: RowCheck | None = None) -> None:
        """The mapping test on what the flow's script makes of the script panel's input."""
        up = self.upstream
        timeout = up._ready_for_script() if up is not None else self._ready_for_script()
        meta, _result, output = self._run_script(script, script_input, attributes, timeout)
        if output is None:
            meta = Text("the script failed, so the mapping has no input:\n", "bold red") + meta
            self.post_message(TestRunDone(meta, "", None, run=run))
            return
        mapped_input = pretty(output)
        meta, result, output = self._run_mapping(spec, output, check)
        self.post_message(TestRunDone(meta, result, output, mapped_input, run))

    def _ready_for_script(self) -> tuple[str, float]:
        """Where a test run's script runs and its timeout, once the pool has the file's
        settings (called in the run's thread)."""
        from console.script import TEST_TIMEOUT_S, configure

        if self.script_settings is not None:
            configure(**self.script_settings)  # in the run's thread, before its script

        limit = TEST_TIMEOUT_S if self.timeout_s is None else min(self.timeout_s, TEST_TIMEOUT_S)
        return f"test:{self.flow_id}", limit

    @staticmethod
    def _run_script(source: str, input_text: str, attributes: dict[str, str],
                    where: tuple[str, float]) -> tuple[Text, str, str | None]:
        from console.script import run

        flow, timeout = where
        outcome = run(source, input_text, attributes, flow=flow, timeout=timeout)
        meta = Text()
        style = "green" if outcome.relationship == "success" else "bold red"
        meta.append(f"{outcome.relationship}", style)
        meta.append(f"  {outcome.duration_s * 1000:.1f} ms\n")
        for name in sorted(outcome.attributes):
            value = outcome.attributes[name]
            mark = "* " if name in outcome.written else "  "
            line_style = "bold red" if name.startswith("log.") and "error" in name else ""
            meta.append(f"{mark}{name} = {value[:200]}\n", line_style)
        for entry in outcome.logs:
            meta.append(f"[{entry['level']}] {entry['message']}\n", "dim")
        if outcome.error:
            meta.append(outcome.error, "red")
        output = outcome.result_data if outcome.relationship == "success" else None
        return meta, pretty(outcome.result_data), output

    @staticmethod
    def _run_mapping(spec: str, input_text: str, check: RowCheck | None = None
                     ) -> tuple[Text, str, str | None]:
        from console.mapping import MappingError, MappingSpecError
        from console.mapping import compile as compile_mapping

        try:
            data: Any = json.loads(input_text)
            mapping = compile_mapping(spec)
            began = time.perf_counter()
            result, generated = mapping.apply_traced(data)
            took = (time.perf_counter() - began) * 1000
        except json.JSONDecodeError as exc:
            return Text(f"input is not JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}",
                        "red"), "", None
        except (MappingSpecError, MappingError) as exc:
            return Text(str(exc), "red"), "", None
        text = json.dumps(result, indent=2, ensure_ascii=False)
        rows = len(data) if isinstance(data, list) and data else 1
        if generated:
            path = "compiled"
        elif mapping.compiled:
            path = "interpreted (the spec compiles, this input's shape does not fit it)"
        else:
            path = f"interpreted ({mapping.interpreted_because})"
        per_thousand = _steady_ms(lambda: mapping.apply(data)) * 1000 / rows
        meta = Text(f"result_data  {took:.1f} ms  {path}, {per_thousand:.2f} ms per "
                    "1,000 rows", "green")
        return meta + _write_check(result, check), text, text

    def on_test_run_done(self, message: TestRunDone) -> None:
        message.stop()
        if message.run != self.runs:
            return  # a run replaced by a newer one: its answer is of an older input or script
        if message.input_text is not None:
            self.input_text = message.input_text
        self.query_one(".meta", Static).update(message.meta)
        self.query_one(".result", TextArea).text = message.result
        self.post_message(self.Finished(self, message.output))
