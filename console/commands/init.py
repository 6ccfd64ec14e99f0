"""``console init [DIR]``: write the demo flows.toml to start from."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from console.commands.base import CommandError


def register(commands: Any) -> None:
    parser = commands.add_parser("init", help="write the demo flows.toml into DIR")
    parser.add_argument("dir", nargs="?", type=Path, default=Path("."))
    parser.add_argument("--force", action="store_true", help="overwrite an existing flows.toml")
    parser.set_defaults(handler=init)


def demo_flows_text() -> str:
    from importlib import resources

    return resources.files("console.flows").joinpath("demo_flows.toml").read_text("utf-8")


def init(args: argparse.Namespace) -> int:
    target = args.dir / "flows.toml"
    if target.exists() and not args.force:
        raise CommandError(f"{target} already exists; pass --force to overwrite it")
    args.dir.mkdir(parents=True, exist_ok=True)
    target.write_text(demo_flows_text(), encoding="utf-8")
    print(f"wrote {target}")
    return 0
