"""``console flows list|show|validate``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console.commands.base import CommandError, load_config, print_json, print_table
from console.flows import Flow, FlowsError, Schedule, Secret, load


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


def next_run(flow: Flow, now: datetime | None = None) -> datetime | None:
    if not flow.schedule or not flow.enabled:
        return None
    runs = Schedule.parse(flow.schedule, flow.timezone).next_runs(now or datetime.now(UTC), 1)
    return runs[0] if runs else None


def _summary(flow: Flow) -> dict[str, Any]:
    upcoming = next_run(flow)
    return {
        "id": flow.id,
        "name": flow.name,
        "type": flow.type,
        "direction": flow.direction,
        "enabled": flow.enabled,
        "schedule": flow.schedule,
        "after": flow.after,
        "timezone": flow.timezone,
        "next_run": upcoming.isoformat() if upcoming else None,
    }


def _next_text(summary: dict[str, Any]) -> str:
    if summary["after"] and summary["enabled"]:
        return f"after {summary['after']} succeeds"
    return str(summary["next_run"] or "-")[:16].replace("T", " ")


def list_flows(args: argparse.Namespace) -> int:
    config = load_config(args)
    rows = [_summary(flow) for flow in config.flows]
    if args.json:
        print_json(rows)
        return 0
    table = [
        [r["id"], r["name"], r["type"], r["direction"], "yes" if r["enabled"] else "no",
         r["schedule"] or "-", _next_text(r)]
        for r in rows
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
