"""``console flows list|show|validate|history|diff|restore``."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.commands.base import CommandError, load_config, load_path, print_json, print_table
from console.flows import FlowsError, Secret, load
from console.services import ServiceError

if TYPE_CHECKING:
    import argparse

    from console.services.flows import FlowSummary
    from console.services.history import History


def register(commands: Any) -> None:
    parser = commands.add_parser("flows", help="list, show and validate flows")
    sub = parser.add_subparsers(dest="flows_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="the flows of the file")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=list_flows)
    show = sub.add_parser("show", help="one flow in full (secrets masked)")
    show.add_argument("flow", metavar="ID")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=show_flow)
    validate = sub.add_parser("validate", help="check a flows file; exit 0 valid, 2 invalid")
    validate.add_argument("file", nargs="?", type=Path, default=None)
    validate.set_defaults(handler=validate_flows)
    history = sub.add_parser("history", help="the versions of the flows file, newest first")
    history.add_argument("--json", action="store_true")
    history.set_defaults(handler=list_versions)
    diff = sub.add_parser("diff", help="what changed from a version to the file now")
    diff.add_argument("version", metavar="VERSION")
    diff.add_argument("other", metavar="OTHER", nargs="?", default=None,
                      help="compare with this version instead of the file now")
    diff.set_defaults(handler=diff_version)
    restore = sub.add_parser("restore", help="make the flows file what it was at a version")
    restore.add_argument("version", metavar="VERSION")
    restore.set_defaults(handler=restore_version)


def _summary(summary: FlowSummary) -> dict[str, Any]:
    upcoming = summary.next_run
    return {
        "id": summary.id,
        "name": summary.name,
        "type": summary.type,
        "direction": summary.direction,
        "enabled": summary.enabled,
        "schedule": summary.schedule,
        "after": summary.after,
        "timezone": summary.timezone,
        "next_run": upcoming.at.isoformat() if upcoming.at else None,
        "next_run_state": upcoming.state,
    }


def list_flows(args: argparse.Namespace) -> int:
    return print_flows(args.flows, as_json=args.json)


def print_flows(path: Path, *, as_json: bool) -> int:
    """``console flows list``: the command line reaches it without a parser (``console.cli``)."""
    from console.services.flows import summaries

    config = load_path(path, deep=False)  # shows no step: `flows validate` checks them
    found = summaries(config, datetime.now(UTC))
    if as_json:
        print_json([_summary(s) for s in found])
        return 0
    table = [
        [s.id, s.name, s.type, s.direction, "yes" if s.enabled else "no", s.schedule or "-",
         s.next_run.label("%Y-%m-%d %H:%M %Z")]
        for s in found
    ]
    print_table(["ID", "NAME", "TYPE", "DIRECTION", "ENABLED", "SCHEDULE", "NEXT RUN"], table)
    return 0


def _masked(value: Any) -> Any:
    """A model as plain data, each secret replaced by its safe description."""
    if isinstance(value, Secret):
        return value.describe()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _masked(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    return value


def show_flow(args: argparse.Namespace) -> int:
    config = load_config(args)
    flow = config.find(args.flow)
    if flow is None:
        known = ", ".join(f.id for f in config.flows)
        raise CommandError(f"no flow {args.flow!r} in {args.flows}; flows: {known}")
    data = _masked(flow)
    if args.json:
        print_json(data)
        return 0
    _print_tree(data, "")
    return 0


def _print_tree(data: dict[str, Any], indent: str) -> None:
    for key, value in data.items():
        if value is None or value == {} or value == []:
            continue
        if isinstance(value, dict):
            print(f"{indent}{key}:")
            _print_tree(value, indent + "  ")
        elif isinstance(value, str) and "\n" in value:
            print(f"{indent}{key}: |")
            for line in value.strip("\n").splitlines():
                print(f"{indent}  {line}")
        else:
            print(f"{indent}{key}: {value}")


def validate_flows(args: argparse.Namespace) -> int:
    path = args.file or args.flows
    try:
        config = load(path)
    except FlowsError as exc:
        for problem in exc.problems:
            print(problem.render(path), file=sys.stderr)
        print(f"{path}: {len(exc.problems)} problem(s)", file=sys.stderr)
        return 2
    print(f"{path}: valid, {len(config.flows)} flow(s)")
    return 0


def _history(args: argparse.Namespace) -> History:
    from console.services.history import History

    if not Path(args.flows).exists():
        raise CommandError(f"{args.flows}: no such file")
    return History(args.flows)


def list_versions(args: argparse.Namespace) -> int:
    history = _history(args)
    try:
        versions = history.versions()
    except ServiceError as exc:
        raise CommandError(exc.message) from None
    if args.json:
        print_json([{"id": v.id, "at": v.at.isoformat(), "message": v.message}
                    for v in versions])
        return 0
    if not versions:
        print(f"no versions of {args.flows} yet in {history.keeper.where}: each save from the "
              "console keeps one")
        return 0
    print_table(["VERSION", "KEPT (UTC)", "MESSAGE"],
                [[v.id, f"{v.at:%Y-%m-%d %H:%M:%S}", v.message] for v in versions])
    return 0


def diff_version(args: argparse.Namespace) -> int:
    try:
        text = _history(args).diff(args.version, args.other)
    except ServiceError as exc:
        raise CommandError(exc.message) from None
    sys.stdout.write(text)
    return 0


def restore_version(args: argparse.Namespace) -> int:
    try:
        _config, version = _history(args).restore(args.version)
    except ServiceError as exc:
        raise CommandError(exc.message) from None
    if version is None:
        print(f"{args.flows} already is version {args.version}; nothing written")
    else:
        print(f"{args.flows} restored to version {args.version}, kept as version {version.id}")
    return 0
