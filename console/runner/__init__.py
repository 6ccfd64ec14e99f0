"""The embedded runner: executes flows, schedules them, serves outbound and OMS endpoints.

Names are imported on first use, so reading the store (what the console does most) does not
load the HTTP and script machinery.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Execution", "ExecutionStore", "FlowBusy", "RowLog", "Runner", "UnknownFlow"]


def __getattr__(name: str) -> Any:
    if name in ("Runner", "FlowBusy", "UnknownFlow"):
        from console.runner import runner

        return getattr(runner, name)
    if name in ("Execution", "RowLog"):
        from console.store import records

        return getattr(records, name)
    if name == "ExecutionStore":
        from console.store import sqlite

        return sqlite.ExecutionStore
    raise AttributeError(name)
