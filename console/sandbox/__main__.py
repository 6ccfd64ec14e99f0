"""``python -m console.sandbox``: what ``console sandbox`` and ``start()`` run."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--omnitron-port", type=int, default=8801)
    parser.add_argument("--erp-port", type=int, default=8802)
    parser.add_argument("--data", type=Path, default=Path(".console/sandbox"),
                        help="folder of the sandbox's SQLite files (kept between runs)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--products", type=int, default=3000)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--dump", action="store_true", help="print the state as JSON and exit")
    parser.add_argument("--die-with-parent", action="store_true", help=argparse.SUPPRESS)


def _die_with_parent() -> None:
    """Tests start the sandbox as a child; it must not outlive a crashed test run."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)


def run(args: argparse.Namespace) -> int:
    from console.sandbox.server import dump_state, serve

    if getattr(args, "die_with_parent", False):
        _die_with_parent()

    if args.dump:
        json.dump(dump_state(args.data, args.seed), sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.omnitron_port, args.erp_port, args.data, args.seed,
              products=args.products, orders=args.orders)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="console sandbox")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
