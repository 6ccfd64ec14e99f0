"""What every subcommand shares: loading the flows file and reporting errors plainly."""

from __future__ import annotations

import json
import sys
from argparse import Namespace
from typing import Any

from console.flows import FlowsConfig, FlowsError, load


class CommandError(Exception):
    """A message for the user and the exit status; never shown with a traceback."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def load_config(args: Namespace) -> FlowsConfig:
    try:
        return load(args.flows)
    except FlowsError as exc:
        raise CommandError(f"{len(exc.problems)} problem(s) in {args.flows}:\n{exc}") from None


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    """Plain aligned columns for people; ``--json`` is there for scripts."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    for line in [headers, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
