"""The console's table paints every row again once it has measured its columns."""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from console.tui.widgets.table import Table
from tests.console_pilot import measured, until


class OneTable(App[None]):
    def __init__(self, kind: type[DataTable[Any]]) -> None:
        super().__init__()
        self.kind = kind

    def compose(self) -> ComposeResult:
        yield self.kind(cursor_type="row")


async def shown_after_an_early_paint(kind: type[DataTable[Any]]) -> str:
    """Rows added and painted before the table measured them (a busy event loop paints the
    cursor row that early), then the picture once it has."""
    app = OneTable(kind)
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(kind)
        table.add_columns("SKU", "List")
        table.add_rows([("SKU-000001", "1"), ("SKU-000002", "2")])
        assert not measured(table)
        early = [table.render_line(y).text for y in range(3)]
        assert "SKU-000001" not in early[1]  # painted with the columns as wide as their labels
        await until(pilot, lambda: measured(table))
        return app.export_screenshot().replace("&#160;", " ")


@pytest.mark.parametrize("kind", [Table, DataTable])
async def test_rows_painted_before_their_columns_were_measured_are_painted_again(
        kind: type[DataTable[Any]]) -> None:
    shown = await shown_after_an_early_paint(kind)
    whole = "SKU-000001" in shown and "SKU-000002" in shown
    # Textual's own table keeps the early, cut cells: the reason the console has its own.
    assert whole is (kind is Table)
