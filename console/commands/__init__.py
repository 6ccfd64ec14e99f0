"""Subcommands of the ``console`` CLI, one module per capability."""

from __future__ import annotations

from console.commands import flows, init, sandbox, ui
from console.commands.base import CommandError

COMMAND_MODULES = (flows, init, sandbox, ui)

__all__ = ["COMMAND_MODULES", "CommandError"]
