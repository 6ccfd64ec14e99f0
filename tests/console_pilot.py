"""Steps the console's Pilot tests share."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any

from textual.widgets import DataTable


async def open_card(pilot: Any, tab: str, *, row: int = 0) -> Any:
    """Open the designer of the flow on ``row`` of the flows table at its ``tab`` card."""
    app = pilot.app
    if row:
        app.screen.query_one(DataTable).move_cursor(row=row)
    await pilot.press("enter")
    await pilot.pause()
    app.screen.query_one("#cards").active = tab
    await pilot.pause()
    return app.screen


async def until(pilot: Any, condition: Callable[[], bool], *, turns: int = 100) -> None:
    """Let the app process its messages until ``condition`` holds (a bounded number of turns,
    each one waiting for the app to be idle, never for a fixed time)."""
    from textual.worker import WorkerCancelled, WorkerFailed

    for _ in range(turns):
        if condition():
            return
        # A failed worker is the app's to report, a cancelled one was replaced by a newer poll:
        # the condition says whether the test got the state it waits for.
        with suppress(WorkerFailed, WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    raise AssertionError("the app never reached the expected state")


async def save_in_designer(pilot: Any) -> None:
    """F2, then yes to the diff it shows."""
    await pilot.press("f2")
    await until(pilot, lambda: type(pilot.app.screen).__name__ == "SavePreviewScreen")
    await pilot.press("y")
    await pilot.pause()
