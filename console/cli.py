"""The ``console`` command: the TUI when run alone, and subcommands for people and scripts.

Each subcommand lives in ``console.commands``; heavy modules are imported inside the handlers so
``console --version`` and ``console flows list`` stay instant. ``console flows list`` itself,
written plainly (``[--flows FILE] flows list [--json]``), is run without building a parser at
all: argparse and the other commands' modules are most of what it would otherwise load.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from console import __version__
from console.commands.base import CommandError

if TYPE_CHECKING:
    import argparse


def _default_flows() -> Path:
    return Path(os.environ.get("CONSOLE_FLOWS", "flows.toml"))


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Every command's parser, or given the command line, only the parser of the command it
    names: building all of them would cost a quick command such as ``flows list`` a good part
    of its start. A line naming no known command gets every parser, so help and errors list
    them all."""
    import argparse

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
    wanted = _command_word(argv) if argv is not None else None
    only = _OnlyCommand(commands, wanted) if wanted is not None else None
    for module in command_modules():
        module.register(only or commands)
    if only is not None and not only.found:
        return build_parser()
    return parser


def command_modules() -> tuple[ModuleType, ...]:
    """Each command's module, in the order ``console --help`` lists them."""
    from console.commands import alarms, flows, init, oms, runner, sandbox, stock, store, ui

    return (flows, init, runner, alarms, stock, oms, sandbox, store, ui)


def flows_list_line(argv: Sequence[str]) -> tuple[Path | None, bool] | None:
    """``(flows file or None, --json)`` when the command line is ``console flows list`` written
    plainly, as argparse would read it; None for any other line (argparse reads those)."""
    words = list(argv)
    flows: Path | None = None
    if words[:1] == ["--flows"] and len(words) > 1 and not words[1].startswith("-"):
        flows, words = Path(words[1]), words[2:]
    elif words[:1] and words[0].startswith("--flows="):
        flows, words = Path(words[0].removeprefix("--flows=")), words[1:]
    if words in (["flows", "list"], ["flows", "list", "--json"]):
        return flows, len(words) == 3
    return None


def _command_word(argv: Sequence[str]) -> str | None:
    """The command a command line names, when only ``--flows FILE`` stands before it."""
    words = iter(argv)
    for word in words:
        if word == "--flows":
            next(words, None)
        elif not word.startswith("--flows="):
            return None if word.startswith("-") else word
    return None


class _OnlyCommand:
    """The subparsers, for building one command's parser: the others are not built, and what
    their ``register`` does to them is dropped."""

    def __init__(self, commands: Any, name: str) -> None:
        self.commands = commands
        self.name = name
        self.found = False

    def add_parser(self, name: str, **options: Any) -> Any:
        if name != self.name and self.name not in options.get("aliases", ()):
            return _Dropped()
        self.found = True
        return self.commands.add_parser(name, **options)


class _Dropped:
    """A parser not built: every call on it, and on what it returns, does nothing."""

    def __getattr__(self, name: str) -> Any:
        return self._nothing

    def _nothing(self, *args: Any, **kwargs: Any) -> _Dropped:
        return self


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    listing = flows_list_line(argv)
    if listing is not None:
        from console.commands.flows import print_flows

        flows, as_json = listing
        return _run(lambda: print_flows(flows or _default_flows(), as_json=as_json))
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.flows is None:
        args.flows = _default_flows()
    handler = getattr(args, "handler", None)
    if handler is None:
        from console.commands.ui import open_console

        handler = open_console
        args.sandbox = False
        args.no_runner = False
    return _run(lambda: handler(args))


def _run(command: Callable[[], int | None]) -> int:
    """A command's exit status; a ``CommandError`` is a message, never a traceback."""
    try:
        return int(command() or 0)
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
