"""``console sandbox``: the local Omnitron and ERP in the foreground."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "sandbox", help="run the sandbox Omnitron and ERP (for the demo flows and tests)")
    from console.sandbox.__main__ import add_arguments

    add_arguments(parser)
    parser.set_defaults(handler=run_sandbox)


def run_sandbox(args: argparse.Namespace) -> int:
    from console.sandbox.__main__ import run

    return run(args)
