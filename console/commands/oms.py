"""``console oms status|run|note|done``: the OMS setup checklist."""

from __future__ import annotations

import argparse
import os
from typing import Any

from console.commands.base import CommandError, ProgressLine, load_config, print_table


def register(commands: Any) -> None:
    parser = commands.add_parser("oms", help="the 15-step OMS setup checklist")
    sub = parser.add_subparsers(dest="oms_command", metavar="ACTION", required=True)
    sub.add_parser("status", help="every step and its state").set_defaults(handler=status)
    run = sub.add_parser("run", help="run a step the API can do")
    run.add_argument("step", help="copy-addresses, copy-stores, copy-channels, "
                                  "stock-integration or cargo-company")
    run.add_argument("--url", help="stock-integration: the ERP stock service URL")
    run.add_argument("--engine", help="stock-integration: the stock engine type")
    run.add_argument("--username", help="stock-integration / cargo-company credentials")
    run.add_argument("--password-env", help="name of the environment variable holding the password")
    run.add_argument("--name", help="cargo-company: name")
    run.add_argument("--erp-code", help="cargo-company: ERP code")
    run.add_argument("--shipping-company", help="cargo-company: shipping company value")
    run.add_argument("--demo-client", help="cargo-company: demo client class name")
    run.set_defaults(handler=run_step)
    note = sub.add_parser("note", help="write a note on a step")
    note.add_argument("step")
    note.add_argument("text")
    note.set_defaults(handler=note_step)
    done = sub.add_parser("done", help="mark a manual step done")
    done.add_argument("step")
    done.set_defaults(handler=mark_done)


def status(args: argparse.Namespace) -> int:
    from console.services import oms_setup

    print_table(["#", "STEP", "KIND", "STATE", "NOTES"],
                [[str(row.number), row.key, "api" if row.api else "manual", row.status,
                  (row.notes or row.detail)[:40]] for row in oms_setup.steps(load_config(args))])
    return 0


def _password(args: argparse.Namespace) -> str | None:
    if not args.password_env:
        return None
    value = os.environ.get(args.password_env)
    if value is None:
        raise CommandError(f"environment variable {args.password_env} is not set")
    return value


def run_step(args: argparse.Namespace) -> int:
    """The same run as the OMS screen's: marked running, progress, done or failed."""
    from console.services import ServiceError, oms_setup

    config = load_config(args)
    values = {"url": args.url, "engine": args.engine, "username": args.username}
    if args.step == "stock-integration" or args.password_env:
        values["password"] = _password(args)
    if args.step == "cargo-company":
        values.update(name=args.name, erp_code=args.erp_code,
                      shipping_company=args.shipping_company, demo_client=args.demo_client)
    line = ProgressLine()
    try:
        oms_setup.run_step(config, args.step, values,
                           lambda percent, state: line.show(f"{args.step}: {state} {percent:3d}%"))
    except ServiceError as exc:
        line.end()
        raise CommandError(exc.message, status=1) from None
    line.end()
    print(f"{args.step}: done")
    return 0


def note_step(args: argparse.Namespace) -> int:
    from console.services import ServiceError, oms_setup

    try:
        oms_setup.mark(load_config(args), args.step, notes=args.text)
    except ServiceError as exc:
        raise CommandError(exc.message) from None
    return 0


def mark_done(args: argparse.Namespace) -> int:
    from console.services import ServiceError, oms_setup

    try:
        oms_setup.mark(load_config(args), args.step, "done")
    except ServiceError as exc:
        raise CommandError(exc.message) from None
    print(f"{args.step}: done")
    return 0
