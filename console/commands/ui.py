"""``console ui``: open the TUI, optionally with the sandbox servers running beside it."""

from __future__ import annotations

import argparse
from typing import Any

from console.commands.base import CommandError


def register(commands: Any) -> None:
    parser = commands.add_parser("ui", help="open the console (the default without a command)")
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="start the sandbox Omnitron and ERP in the background for the demo flows",
    )
    parser.add_argument("--no-runner", action="store_true",
                        help="do not start a runner; attach only if one is serving")
    parser.set_defaults(handler=open_console)


def open_console(args: argparse.Namespace) -> int:
    from console.flows import FlowsError, load
    from console.tui.app import ConsoleApp

    sandbox = None
    if getattr(args, "sandbox", False):
        from console.tui.sandbox_link import start_sandbox

        try:
            config = load(args.flows)
        except FlowsError as exc:
            raise CommandError(f"{args.flows}:\n{exc}") from None
        try:
            sandbox = start_sandbox(config, config.store_path().parent / "sandbox")
        except RuntimeError as exc:
            raise CommandError(str(exc), status=1) from None
    try:
        app = ConsoleApp(args.flows, start_runner=not getattr(args, "no_runner", False))
        app.run()
    finally:
        if sandbox is not None:
            sandbox.terminate()
            sandbox.wait(timeout=15)
    return app.return_code or 0
