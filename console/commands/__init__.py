"""Subcommands of the ``console`` CLI, one module per capability."""

from __future__ import annotations

from console.commands import alarms, flows, init, oms, runner, sandbox, stock, store, ui
from console.commands.base import CommandError

COMMAND_MODULES = (flows, init, runner, alarms, stock, oms, sandbox, store, ui)

__all__ = ["COMMAND_MODULES", "CommandError"]
