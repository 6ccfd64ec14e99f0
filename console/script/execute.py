"""Run one script against one input, inside a worker process. Returns a plain dict result.

A native ``transform(data, attributes)`` script gets the page as Python data and its return
value goes back as data (the pool moves it in binary form); an Integrator-style script reads
JSON text from its FlowFile and writes text back, as it does in the Integrator.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import linecache
import sys
import time
import traceback
from itertools import chain
from types import CodeType
from typing import Any

from console.script import python2
from console.script.flowfile import REL_FAILURE, REL_SUCCESS, FlowFile, ProcessSession
from console.script.shims import install

FILENAME = "<script>"
_compiled: dict[str, tuple[CodeType, bool]] = {}


class Logs:
    """Log lines and prints of one call, in order, kept up to ``limit`` characters in all.

    What goes past the limit is counted, not kept, and a closing note says how much was cut,
    so a script that prints 100 MB costs the console nothing.
    """

    def __init__(self, limit: int) -> None:
        self.entries: list[dict[str, str]] = []
        self.room = limit
        self.limit = limit
        self.dropped = 0

    def add(self, level: str, text: str) -> None:
        if len(text) > self.room:
            self.dropped += len(text) - max(self.room, 0)
            text = text[:max(self.room, 0)]
            if not text:
                return
        self.room -= len(text)
        self.entries.append({"level": level, "message": text})

    def finish(self) -> list[dict[str, str]]:
        if self.dropped:
            self.entries.append({"level": "warning", "message": (
                f"output truncated: {self.dropped:,} more characters of prints and log lines "
                f"were not kept (limit {self.limit:,} per run)")})
        return self.entries


class ScriptLog:
    """The ``log`` global: NiFi's logger with ``{}`` placeholders, and prints, in call order."""

    def __init__(self, logs: Logs) -> None:
        self.logs = logs

    def _add(self, level: str, message: Any, *args: Any) -> None:
        text = str(message)
        for arg in args:
            text = text.replace("{}", str(arg), 1)
        self.logs.add(level, text)

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
    def __init__(self, logs: Logs) -> None:
        self.logs = logs
        self.pending = ""

    def write(self, text: str) -> int:
        if self.logs.room <= 0:
            self.logs.dropped += len(text)
            return len(text)
        self.pending += text
        while "\n" in self.pending:
            line, self.pending = self.pending.split("\n", 1)
            self.logs.add("print", line)
        if len(self.pending) > self.logs.room:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self.pending:
            self.logs.add("print", self.pending)
            self.pending = ""


class ScriptSyntaxError(Exception):
    pass


def _is_native(tree: ast.Module) -> bool:
    defines = any(isinstance(n, ast.FunctionDef) and n.name == "transform" for n in tree.body)
    uses_session = any(isinstance(n, ast.Name) and n.id == "session" for n in ast.walk(tree))
    return defines and not uses_session


def compile_script(source: str) -> tuple[CodeType, bool]:
    """Compile once per source text (the text itself is the key: hashing it took importing
    ``hashlib``, which loads OpenSSL, 11 to 20 ms of a worker's start); the bool says whether
    it is a native-style script."""
    key = source
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


_NO_TEXT = object()


def execute(source: str, input_text: str | None, attributes: dict[str, str], *,
            data: Any = _NO_TEXT, log_limit: int = 256 * 1024) -> dict[str, Any]:
    """Run ``source`` on ``input_text`` (JSON text) or on ``data`` (already parsed).

    The result holds ``output`` (a native script's return value, not yet checked to be JSON
    data: see ``as_json_data``) or ``result_data`` (text), never both.
    """
    install()
    began = time.perf_counter()
    logs = Logs(log_limit)
    given = {str(k): str(v) for k, v in attributes.items()}
    result: dict[str, Any] = {"result_data": "", "attributes": dict(given),
                              "relationship": "failure", "error": None}
    capture = _PrintCapture(logs)
    try:
        code, native = compile_script(source)
        with contextlib.redirect_stdout(capture):
            if native:
                _run_native(code, input_text, data, given, result, ScriptLog(logs))
            else:
                text = input_text if data is _NO_TEXT else json.dumps(data, ensure_ascii=False)
                _run_integrator(code, text or "", given, result, ScriptLog(logs))
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
        result.pop("output", None)
        result["attributes"]["log.script.error"] = result["error"]
    result["logs"] = logs.finish()
    result["written"] = sorted(k for k, v in result["attributes"].items() if given.get(k) != v)
    result["duration_s"] = time.perf_counter() - began
    return result


_SCALARS = frozenset((str, int, float, bool, type(None)))
_JSON = _SCALARS | {list, dict}
_STR = frozenset((str,))


def as_json_data(value: Any) -> Any:
    """``value`` itself when it is made only of what JSON has (lists, str-keyed dicts,
    scalars); else what a JSON round trip makes of it (tuples become lists, non-string keys
    strings), or ``TypeError`` for what JSON cannot hold (sets, objects)."""
    if _plain_items([value]):
        return value
    return json.loads(json.dumps(value, ensure_ascii=False))


def _plain_items(values: list[Any]) -> bool:
    """Checks one nesting level of many values at a time, so the loops stay in C."""
    kinds = set(map(type, values))
    if kinds <= _SCALARS:
        return True
    if not kinds <= _JSON:
        return False
    if kinds == {dict}:
        dicts, lists = values, []
    else:
        dicts = [v for v in values if type(v) is dict]
        lists = [v for v in values if type(v) is list]
    if dicts:
        keys: set[Any] = set()
        keys.update(*dicts)  # the distinct keys: rows mostly share theirs
        if not _STR.issuperset(map(type, keys)):
            return False
        inner = set(map(type, chain.from_iterable(map(dict.values, dicts))))
        if not inner <= _SCALARS and not (
                inner <= _JSON and _plain_items(list(chain.from_iterable(map(dict.values,
                                                                                dicts))))):
            return False
    return not lists or _plain_items(list(chain.from_iterable(lists)))


def _run_native(code: CodeType, input_text: str | None, data: Any, given: dict[str, str],
                result: dict[str, Any], log: ScriptLog) -> None:
    namespace: dict[str, Any] = {"__name__": "__script__", "log": log}
    exec(code, namespace)  # noqa: S102 - running the user's script is the point
    if data is _NO_TEXT:
        data = _parse_input(input_text or "")
    attributes = dict(given)
    output = namespace["transform"](data, attributes)
    if isinstance(output, bytes):
        output = output.decode("utf-8")
    if isinstance(output, str):
        result["result_data"] = output
    else:  # checked by the worker as it sends it back (``as_json_data``)
        result["output"] = output
    result["attributes"] = {str(k): str(v) for k, v in attributes.items()}
    result["relationship"] = "success"


def _parse_input(input_text: str) -> Any:
    try:
        return json.loads(input_text) if input_text.strip() else None
    except json.JSONDecodeError as exc:
        raise ValueError(f"input is not JSON ({exc.msg} at line {exc.lineno} column "
                         f"{exc.colno}): {input_text[:200]!r}") from None


def _run_integrator(code: CodeType, input_text: str, given: dict[str, str],
                    result: dict[str, Any], log: ScriptLog) -> None:
    incoming = FlowFile(0, input_text.encode("utf-8"),
                        {**given, "allVar": json.dumps(given, ensure_ascii=False)})
    session = ProcessSession([incoming])
    namespace: dict[str, Any] = {"__name__": "__script__", "session": session,
                                 "REL_SUCCESS": REL_SUCCESS, "REL_FAILURE": REL_FAILURE,
                                 "log": log}
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
