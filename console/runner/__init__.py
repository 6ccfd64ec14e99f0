"""The embedded runner: executes flows, schedules them, serves outbound and OMS endpoints."""

from console.runner.runner import FlowBusy, Runner, UnknownFlow
from console.runner.store import Execution, ExecutionStore, RowLog

__all__ = ["Execution", "ExecutionStore", "FlowBusy", "RowLog", "Runner", "UnknownFlow"]
