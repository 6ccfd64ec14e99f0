"""What every subcommand shares: loading the flows file and reporting errors plainly."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.flows import FlowsConfig, FlowsError, load

if TYPE_CHECKING:
    from argparse import Namespace


class CommandError(Exception):
    """A message for the user and the exit status; never shown with a traceback."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def load_config(args: Namespace, *, deep: bool = True) -> FlowsConfig:
    """The flows file the command names (``deep``: see ``console.flows.parse``)."""
    return load_path(args.flows, deep=deep)


def load_path(path: Path, *, deep: bool = True) -> FlowsConfig:
    try:
        return load(path, deep=deep)
    except FlowsError as exc:
        raise CommandError(f"{len(exc.problems)} problem(s) in {path}:\n{exc}") from None


def print_json(value: Any) -> None:
    import json  # only --json prints it

    from console.surrogates import escaped

    sys.stdout.write(escaped(json.dumps(value, indent=2, ensure_ascii=False, default=str)))
    sys.stdout.write("\n")


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    """Plain aligned columns for people; ``--json`` is there for scripts."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    for line in [headers, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())


def print_json_line(value: Any) -> None:
    """One JSON document on one line: ``--json`` of a stream (``console logs``) is JSON lines."""
    import json

    sys.stdout.write(json.dumps(value, ensure_ascii=False, default=str) + "\n")


class ProgressLine:
    """Progress on stderr: redrawn in place on a terminal, otherwise a plain line at most
    every ``every_s`` seconds, so a log file or CI output gets no carriage returns."""

    def __init__(self, every_s: float = 2.0) -> None:
        self.tty = sys.stderr.isatty()
        self.every_s = every_s
        self._last = float("-inf")
        self._shown = ""

    def show(self, text: str, *, final: bool = False) -> None:
        if text == self._shown:
            return
        if self.tty:
            print(f"\r{text}\033[K", end="\n" if final else "", file=sys.stderr, flush=True)
        elif final or time.monotonic() - self._last >= self.every_s:
            print(text, file=sys.stderr, flush=True)
            self._last = time.monotonic()
        self._shown = text

    def end(self) -> None:
        if self.tty and self._shown:
            print(file=sys.stderr, flush=True)
