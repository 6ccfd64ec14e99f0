"""``console store migrate SRC DST``: copy a store into another (SQLite to PostgreSQL or back)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from console.commands.base import CommandError, ProgressLine

_NAMES = {"execution": "executions", "row_log": "log rows", "payload": "payloads",
          "input_sample": "input samples", "flow_state": "flow states",
          "newest_accepted": "write-order keys", "alarm_state": "alarm states",
          "alarm_event": "alarm events", "oms_setup": "checklist steps"}


def register(commands: Any) -> None:
    parser = commands.add_parser("store", help="copy the execution store between SQLite and "
                                               "PostgreSQL")
    sub = parser.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    migrate = sub.add_parser(
        "migrate", help="copy executions, logs, payloads, samples and alarm history from SRC "
                        "into DST (a SQLite file or a postgresql:// connection string); "
                        "running it again copies only what is missing or changed")
    migrate.add_argument("source", metavar="SRC")
    migrate.add_argument("target", metavar="DST")
    migrate.set_defaults(handler=migrate_command)


def _open(location: str, *, must_exist: bool) -> Any:
    from console.runner.lock import describe, holder
    from console.store import StoreUnavailable, is_postgres, open_store

    if not is_postgres(location):
        path = Path(location)
        if must_exist and not path.is_file():
            raise CommandError(f"no store at {location}: give a SQLite file or a "
                               "postgresql:// connection string")
        held = holder(path.resolve())
        if held and not must_exist:
            raise CommandError(f"{location} is in use by {describe(held)}: stop it first")
        location = str(path.resolve())
    try:
        return open_store(location)
    except StoreUnavailable as exc:
        raise CommandError(str(exc)) from None


def migrate_command(args: argparse.Namespace) -> int:
    from console.store.transfer import transfer

    source = _open(args.source, must_exist=True)
    target = _open(args.target, must_exist=False)
    if source.location == target.location:
        raise CommandError("SRC and DST are the same store")
    line = ProgressLine()
    try:
        report = transfer(source, target, lambda table, count: line.show(
            f"copying {_NAMES.get(table, table)}: {count:,}"))
    finally:
        line.end()
        source.close()
        target.close()
    copied = ", ".join(f"{count:,} {_NAMES.get(table, table)}"
                       for table, count in report.copied.items())
    print(f"copied {copied} from {source.location} to {target.location}"
          + (f" ({report.logs_kept:,} executions' logs were already there)"
             if report.logs_kept else ""))
    return 0
