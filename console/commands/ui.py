"""``console ui``: open the TUI, optionally with the sandbox servers running beside it."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    parser = commands.add_parser("ui", help="open the console (the default without a command)")
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="start the sandbox Omnitron and ERP in the background for the demo flows",
    )
    parser.set_defaults(handler=open_console)


def open_console(args: argparse.Namespace) -> int:
    from console.tui.app import ConsoleApp

    app = ConsoleApp(args.flows)
    app.run()
    return app.return_code or 0
