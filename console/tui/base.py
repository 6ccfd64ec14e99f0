"""What every console screen shares: typed access to the app and its flows, and worker errors
reported the same way everywhere.

Textual delivers a worker's ``StateChanged`` only to the node that started it, so screens (and
the few widgets that run workers) hand failed workers to the app, which shows one notification
per distinct error: a poll failing every two seconds says so once, not every two seconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, cast

from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from console.flows import FlowsConfig
    from console.tui.app import ConsoleApp

ResultT = TypeVar("ResultT")


def console_of(node: DOMNode) -> ConsoleApp:
    return cast("ConsoleApp", node.app)


def report_worker(node: DOMNode, event: Worker.StateChanged) -> None:
    """Hand a worker's end to the app: errors become notifications."""
    if event.state in (WorkerState.ERROR, WorkerState.SUCCESS):
        console_of(node).worker_ended(event.worker)


class ConsoleNode:
    """Typed access to the app and its flows, and worker ends handed to the app: what a
    console screen and a console modal share."""

    @property
    def console(self) -> ConsoleApp:
        return console_of(cast(DOMNode, self))

    @property
    def config(self) -> FlowsConfig:
        """The flows as the app has them now (loaded once, replaced on save or file change)."""
        return self.console.flows

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker(cast(DOMNode, self), event)


class ConsoleScreen(ConsoleNode, Screen[ResultT]):
    """A full screen of the console."""


class ConsoleModal(ConsoleNode, ModalScreen[ResultT]):
    """A dialog of the console over another screen."""
