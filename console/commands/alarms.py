"""``console alarms [--json]`` and ``console alarms test``: alarm states, history, a test send."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from console.commands.base import CommandError, load_config, print_json, print_table


def register(commands: Any) -> None:
    alarms = commands.add_parser("alarms", help="alarm states per flow and their history")
    alarms.add_argument("--json", action="store_true")
    alarms.add_argument("--limit", type=int, default=20, help="history entries (default 20)")
    alarms.set_defaults(handler=alarms_command)
    actions = alarms.add_subparsers(dest="alarms_action", metavar="ACTION")
    test = actions.add_parser("test", help="send a test notification to every [alarms] notify "
                                           "target")
    test.set_defaults(handler=test_command)


def _when(text: str | None) -> str:
    return text[:19].replace("T", " ") if text else "-"


def alarms_command(args: argparse.Namespace) -> int:
    config = load_config(args)
    from console.runner.alarms import ALARM_LABELS
    from console.runner.notify import describe_target
    from console.services import ServiceError
    from console.services.executions import ExecutionsReader
    from console.services.health import alarm_history, alarm_lines

    try:
        store = ExecutionsReader.for_config(config).store()
    except ServiceError as exc:
        raise CommandError(exc.message, status=1) from None
    lines = alarm_lines(config, store)
    history = alarm_history(store, args.limit)
    targets = [describe_target(t) for t in config.alarms.notify]
    if args.json:
        print_json({"alarms": [asdict(line) for line in lines],
                    "history": [asdict(event) for event in history], "notify": targets})
        return 0
    if not lines:
        print("no alarms: set conditions in [alarms] or [flows.ID.alarms] of the flows file")
    else:
        print_table(["FLOW", "ALARM", "CONDITION", "STATE", "SINCE (UTC)"],
                    [[line.flow_name, ALARM_LABELS[line.alarm], line.condition, line.state,
                      _when(line.since)] for line in lines])
    print(f"\nnotify: {', '.join(targets) or 'no targets'}")
    if history:
        print("\nhistory, newest first:")
        print_table(["AT (UTC)", "FLOW", "ALARM", "EVENT", "DELIVERY"],
                    [[_when(e.at), e.flow_id, ALARM_LABELS.get(e.alarm, e.alarm), e.event,
                      e.delivery] for e in history])
    return 0


def test_command(args: argparse.Namespace) -> int:
    config = load_config(args)
    from console.services.health import send_test_notification

    if not config.alarms.notify:
        raise CommandError("no notification targets: add apprise URLs to [alarms] notify in "
                           f"{args.flows}")
    ok, delivery = send_test_notification(config)
    print(delivery)
    return 0 if ok else 1
