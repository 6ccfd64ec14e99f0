"""Run one script against one input, inside a worker process. Returns a plain dict result."""

from __future__ import annotations

import ast
import contextlib
import hashlib
import io
import json
import linecache
import sys
import time
import traceback
from types import CodeType
from typing import Any

from console.script import python2
from console.script.flowfile import REL_FAILURE, REL_SUCCESS, FlowFile, ProcessSession
from console.script.shims import install

FILENAME = "<script>"
_compiled: dict[str, tuple[CodeType, bool]] = {}


class ScriptLog:
    """The ``log`` global: NiFi's logger with ``{}`` placeholders, and prints, in call order."""

    def __init__(self, entries: list[dict[str, str]]) -> None:
        self.entries = entries

    def _add(self, level: str, message: Any, *args: Any) -> None:
        text = str(message)
        for arg in args:
            text = text.replace("{}", str(arg), 1)
        self.entries.append({"level": level, "message": text})

    def info(self, message: Any, *args: Any) -> None:
        self._add("info", message, *args)

    def warn(self, message: Any, *args: Any) -> None:
        self._add("warning", message, *args)

    warning = warn

    def error(self, message: Any, *args: Any) -> None:
        self._add("error", message, *args)

    def debug(self, message: Any, *args: Any) -> None:
        self._add("debug", message, *args)

    def trace(self, message: Any, *args: Any) -> None:
        self._add("debug", message, *args)


class _PrintCapture(io.TextIOBase):
    def __init__(self, entries: list[dict[str, str]]) -> None:
        self.entries = entries
        self.pending = ""

    def write(self, text: str) -> int:
        self.pending += text
        while "\n" in self.pending:
            line, self.pending = self.pending.split("\n", 1)
            self.entries.append({"level": "print", "message": line})
        return len(text)

    def flush(self) -> None:
        if self.pending:
            self.entries.append({"level": "print", "message": self.pending})
            self.pending = ""


class ScriptSyntaxError(Exception):
    pass


def _is_native(tree: ast.Module) -> bool:
    defines = any(isinstance(n, ast.FunctionDef) and n.name == "transform" for n in tree.body)
    uses_session = any(isinstance(n, ast.Name) and n.id == "session" for n in ast.walk(tree))
    return defines and not uses_session


def compile_script(source: str) -> tuple[CodeType, bool]:
    """Compile once per source text; the bool says whether it is a native-style script."""
    key = hashlib.sha1(source.encode("utf-8")).hexdigest()
    if key not in _compiled:
        linecache.cache[FILENAME] = (len(source), None, source.splitlines(True), FILENAME)
        try:
            tree = ast.parse(source, FILENAME)
        except SyntaxError as exc:
            raise ScriptSyntaxError(_syntax_message(exc, source)) from None
        _compiled[key] = (compile(tree, FILENAME, "exec"), _is_native(tree))
    linecache.cache[FILENAME] = (len(source), None, source.splitlines(True), FILENAME)
    return _compiled[key]


def _syntax_message(exc: SyntaxError, source: str) -> str:
    line_no = exc.lineno or 0
    lines = source.splitlines()
    text = lines[line_no - 1] if 0 < line_no <= len(lines) else (exc.text or "")
    hint = python2.syntax_hint(text)
    where = f"line {line_no}, column {exc.offset or 0}"
    detail = hint or exc.msg
    return f"SyntaxError at {where}: {detail}\n    {text.strip()}"


def _format_error(error: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == FILENAME]
    lines = ["Traceback (most recent call last):\n"]
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(error), error)
    hint = python2.runtime_hint(error)
    if hint:
        lines.append(f"Hint: {hint}\n")
    return "".join(lines).replace(f'File "{FILENAME}"', 'File "script"')


def execute(source: str, input_text: str, attributes: dict[str, str]) -> dict[str, Any]:
    install()
    began = time.perf_counter()
    logs: list[dict[str, str]] = []
    given = {str(k): str(v) for k, v in attributes.items()}
    result: dict[str, Any] = {"result_data": "", "attributes": dict(given),
                              "relationship": "failure", "error": None, "logs": logs}
    capture = _PrintCapture(logs)
    try:
        code, native = compile_script(source)
        with contextlib.redirect_stdout(capture):
            if native:
                _run_native(code, input_text, given, result, logs)
            else:
                _run_integrator(code, input_text, given, result, logs)
    except ScriptSyntaxError as exc:
        result["error"] = str(exc)
    except MemoryError:
        result["error"] = "MemoryError: the script went over its memory limit"
    except BaseException as exc:  # noqa: BLE001 - everything a script raises is its result
        result["error"] = _format_error(exc)
    finally:
        capture.flush()
    if result["error"]:
        result["relationship"] = "failure"
        result["attributes"]["log.script.error"] = result["error"]
    result["written"] = sorted(k for k, v in result["attributes"].items() if given.get(k) != v)
    result["duration_s"] = time.perf_counter() - began
    return result


def _run_native(code: CodeType, input_text: str, given: dict[str, str], result: dict[str, Any],
                logs: list[dict[str, str]]) -> None:
    namespace: dict[str, Any] = {"__name__": "__script__", "log": ScriptLog(logs)}
    exec(code, namespace)  # noqa: S102 - running the user's script is the point
    try:
        data = json.loads(input_text) if input_text.strip() else None
    except json.JSONDecodeError as exc:
        raise ValueError(f"input is not JSON ({exc.msg} at line {exc.lineno} column "
                         f"{exc.colno}): {input_text[:200]!r}") from None
    attributes = dict(given)
    output = namespace["transform"](data, attributes)
    if isinstance(output, bytes):
        output = output.decode("utf-8")
    result["result_data"] = output if isinstance(output, str) else json.dumps(output,
                                                                             ensure_ascii=False)
    result["attributes"] = {str(k): str(v) for k, v in attributes.items()}
    result["relationship"] = "success"


def _run_integrator(code: CodeType, input_text: str, given: dict[str, str],
                    result: dict[str, Any], logs: list[dict[str, str]]) -> None:
    incoming = FlowFile(0, input_text.encode("utf-8"),
                        {**given, "allVar": json.dumps(given, ensure_ascii=False)})
    session = ProcessSession([incoming])
    namespace: dict[str, Any] = {"__name__": "__script__", "session": session,
                                 "REL_SUCCESS": REL_SUCCESS, "REL_FAILURE": REL_FAILURE,
                                 "log": ScriptLog(logs)}
    try:
        exec(code, namespace)  # noqa: S102
    finally:
        current = session.latest.get(0, incoming)
        result["attributes"] = {k: v for k, v in current.attributes.items() if k != "allVar"}
        result["result_data"] = current.content.decode("utf-8", errors="replace")
    outcome = session.outcome()
    chosen = next((ff for rel, ff in outcome if rel == "success"), None)
    relationship = "success" if chosen is not None else "failure"
    chosen = chosen or next((ff for _, ff in outcome), None)
    if chosen is not None:
        result["result_data"] = chosen.content.decode("utf-8", errors="replace")
        result["attributes"] = {k: v for k, v in chosen.attributes.items() if k != "allVar"}
    result["relationship"] = relationship
    if relationship == "failure":
        errors = [v for k, v in result["attributes"].items() if k.startswith("log.") and "error" in k]
        result["error"] = result["attributes"].get("log.script.error") or (errors[0] if errors
                                                                           else None)
    sys.stdout.flush()
