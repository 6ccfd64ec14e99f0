"""The ``console`` command: the TUI when run alone, and subcommands for people and scripts.

Each subcommand lives in ``console.commands``; heavy modules are imported inside the handlers so
``console --version`` and ``console flows list`` stay instant.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from console import __version__
from console.commands import COMMAND_MODULES, CommandError


def _default_flows() -> Path:
    return Path(os.environ.get("CONSOLE_FLOWS", "flows.toml"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="console",
        description="Terminal console for ERP <-> Omnitron integration flows.",
    )
    parser.add_argument("--version", action="version", version=f"integrator-console {__version__}")
    parser.add_argument(
        "--flows",
        type=Path,
        default=None,
        metavar="FILE",
        help="the flows file (default: $CONSOLE_FLOWS or ./flows.toml)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.flows is None:
        args.flows = _default_flows()
    handler = getattr(args, "handler", None)
    if handler is None:
        from console.commands.ui import open_console

        handler = open_console
        args.sandbox = False
        args.no_runner = False
    try:
        return int(handler(args) or 0)
    except CommandError as exc:
        print(f"console: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    raise SystemExit(main())
