"""``console oms status|run|note|done``: the OMS setup checklist."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from console.commands.base import CommandError, load_config, print_table
from console.commands.omnitron_access import explain, open_client


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


def _checklist(args: argparse.Namespace) -> Any:
    from console.omnitron.oms_setup import Checklist

    return Checklist(load_config(args).store_path())


def status(args: argparse.Namespace) -> int:
    from console.omnitron.oms_setup import STEPS

    checklist = _checklist(args)
    states = {s.key: s for s in checklist.states()}
    print_table(["#", "STEP", "KIND", "STATE", "NOTES"],
                [[str(i), s.key, "api" if s.api else "manual", states[s.key].status,
                  (states[s.key].notes or states[s.key].detail)[:40]]
                 for i, s in enumerate(STEPS, start=1)])
    return 0


def _password(args: argparse.Namespace) -> str | None:
    if not args.password_env:
        return None
    value = os.environ.get(args.password_env)
    if value is None:
        raise CommandError(f"environment variable {args.password_env} is not set")
    return value


def run_step(args: argparse.Namespace) -> int:
    from console.omnitron.oms_setup import (
        SetupError,
        create_cargo_company,
        define_stock_integration,
        run_copy,
        step,
    )

    try:
        target = step(args.step)
    except SetupError as exc:
        raise CommandError(str(exc)) from None
    if not target.api:
        raise CommandError(f"{target.key} is a manual step; mark it with 'console oms done "
                           f"{target.key}'")
    checklist = _checklist(args)
    checklist.set(target.key, "running")

    def progress(percent: int, state: str) -> None:
        print(f"\r{target.key}: {state} {percent:3d}%", end="", file=sys.stderr, flush=True)

    try:
        with open_client(args) as client:
            if target.path:
                run_copy(client, target.key, progress)
                print(file=sys.stderr)
            elif target.key == "stock-integration":
                if not args.url or not args.engine:
                    raise SetupError("stock-integration needs --url and --engine")
                define_stock_integration(client, args.url, args.engine, args.username,
                                         _password(args))
            else:
                create_cargo_company(client, _cargo_body(args))
    except SetupError as exc:
        checklist.set(target.key, "failed", detail=str(exc))
        raise CommandError(f"{target.key} failed: {exc}", status=1) from None
    except Exception as exc:  # noqa: BLE001 - Omnitron errors become a message and exit 1
        checklist.set(target.key, "failed", detail=str(exc))
        raise explain(exc) from None
    checklist.set(target.key, "done", detail="")
    print(f"{target.key}: done")
    return 0


def _cargo_body(args: argparse.Namespace) -> dict[str, Any]:
    from console.omnitron.oms_setup import cargo_body

    return cargo_body({"name": args.name, "erp_code": args.erp_code,
                       "shipping_company": args.shipping_company,
                       "demo_client": args.demo_client, "username": args.username,
                       "password": _password(args)})


def note_step(args: argparse.Namespace) -> int:
    from console.omnitron.oms_setup import SetupError

    checklist = _checklist(args)
    states = {s.key: s.status for s in checklist.states()}
    try:
        checklist.set(args.step, states.get(args.step, "todo"), notes=args.text)
    except SetupError as exc:
        raise CommandError(str(exc)) from None
    return 0


def mark_done(args: argparse.Namespace) -> int:
    from console.omnitron.oms_setup import SetupError

    try:
        _checklist(args).set(args.step, "done")
    except SetupError as exc:
        raise CommandError(str(exc)) from None
    print(f"{args.step}: done")
    return 0
