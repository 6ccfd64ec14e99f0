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
    await until(pilot, lambda: bool(app.screen.query("#cards")))
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


def busy(app: Any) -> bool:
    """A worker of the app or of the screen in view is under way (the polls of screens below
    it do not count: they start again every few seconds)."""
    screen = app.screen
    return any(worker.is_running and (worker.node is app or screen in
                                      worker.node.ancestors_with_self)
               for worker in app.workers)


async def idle(pilot: Any) -> None:
    """The workers of the app and of the screen in view have ended, and what they posted is
    handled."""
    await until(pilot, lambda: not busy(pilot.app))
    await pilot.pause()


def palette_lists(app: Any, prompt: str) -> bool:
    """The command palette's list shows ``prompt`` (its providers search in workers)."""
    from textual.command import CommandList

    found = app.screen.query(CommandList)
    return bool(found) and any(prompt in str(option.prompt)
                               for option in found.first(CommandList).options)


def ran(panel: Any) -> bool:
    """A test panel's run has answered: its meta line says "running…" from the start of a run
    until the run's message is handled."""
    from textual.widgets import Static

    return str(panel.query_one(".meta", Static).render()) != "running…"


def measured(table: DataTable[Any]) -> bool:
    """The table has measured the rows it holds: it sizes its columns and scrollable height on
    its next idle, so a picture taken before shows narrow columns and no scrollbar."""
    header = table.header_height if table.show_header else 0
    return table.virtual_size.height == header + sum(row.height for row in table.rows.values())


def filled(app: Any) -> bool:
    """What workers add to a screen after its first refresh is there: the header's runner
    line, the flows table's next runs (``…`` until read), and every table measured."""
    if app.runner_text == "":
        return False
    tables = list(app.screen.query(DataTable).results(DataTable))
    for table in tables:
        if table.id == "flows" and (table.row_count == 0 or any(
                "…" in str(table.get_row_at(row)[3]) for row in range(table.row_count))):
            return False
    return all(measured(table) for table in tables)


async def settle(pilot: Any) -> None:
    """Wait until the screen shows what its workers bring (see ``filled``) and every worker
    under way has ended and been handled: the state a snapshot pictures."""
    from textual.worker import WorkerCancelled, WorkerFailed

    await until(pilot, lambda: filled(pilot.app))
    with suppress(WorkerFailed, WorkerCancelled):
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    # the workers' messages were handled by the pause: tables they filled measure when idle
    await until(pilot, lambda: filled(pilot.app))


async def save_in_designer(pilot: Any) -> None:
    """F2, then yes to the diff it shows; returns once the designer has its edits saved."""
    from console.tui.saving import flush

    designer = pilot.app.screen
    await pilot.press("f2")
    await until(pilot, lambda: type(pilot.app.screen).__name__ == "SavePreviewScreen")
    await pilot.press("y")

    def saved() -> bool:
        flush()  # the file is written off the event loop: let a queued write finish
        return pilot.app.screen is designer and not designer.dirty

    await until(pilot, saved)
