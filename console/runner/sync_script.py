"""A script step of a synchronous answer: the OMS stock query's and the proxy call's pre- and
post-scripts.

The caller is waiting on the other end of the HTTP call, so a failing script becomes one line
(where it failed and why, never the traceback), a timeout names the setting that allows more
time, and the attributes a script sets carry on to the steps after it.
"""

from __future__ import annotations

import re
from typing import Any

from console import telemetry
from console.flows import Flow
from console.runner.pipeline import timeout_hint
from console.script import ScriptPool

_LINE = re.compile(r'File "script", line (\d+)')


class ScriptStepFailed(Exception):
    """The step's script failed (``timed_out``: it ran out of time) or gave no JSON."""

    def __init__(self, step: str, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.step = step
        self.message = message
        self.timed_out = timed_out


def script_error(step: str, error: str | None) -> str:
    """A script's failure in one line: where (the script's last line in the traceback) and
    the exception, never the traceback itself."""
    if not error:
        return f"the {step} sent its data to failure"
    lines = [line.strip() for line in error.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else error
    if last.startswith("Hint:") and len(lines) > 1:
        last = lines[-2]
    found = _LINE.findall(error)
    where = f" at line {found[-1]}" if found else ""
    return f"the {step} failed{where}: {last}"


def run_script_step(pool: ScriptPool, flow: Flow, source: str | None, data: Any,
                    attrs: dict[str, str], *, step: str, timeout: float, table: str) -> Any:
    """The script's JSON output (``data`` itself when the step has no script); the string
    attributes it sets are written into ``attrs``. ``table`` is the flow's settings table
    holding ``script_timeout_s``, named by a timeout's message."""
    if not source or not source.strip():
        return data
    result = pool.run(flow.id, source, data, attrs, timeout=timeout)
    telemetry.report(telemetry.SCRIPT, result.duration_s, flow=flow.id)
    if result.error or result.relationship != "success":
        error = result.error or ""
        if error.startswith("TimeoutError"):
            raise ScriptStepFailed(step, timeout_hint(error, table, "script_timeout_s") or error,
                                   timed_out=True)
        raise ScriptStepFailed(step, script_error(step, result.error))
    attrs.update({k: v for k, v in result.attributes.items() if isinstance(v, str)})
    if result.result_json is None and result.result_data.strip() not in ("", "null"):
        raise ScriptStepFailed(step, f"the {step}'s output is not JSON: "
                                     f"{result.result_data[:200]!r}")
    return result.result_json
