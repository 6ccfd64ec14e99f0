"""Steps the console's Pilot tests share."""

from __future__ import annotations

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
