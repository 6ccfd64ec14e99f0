"""The console's data table: Textual's, repainted once its columns are measured.

Textual measures the rows a table was given on its next idle, and keys its rendered cells by
an update count that measuring leaves alone. A row painted in between (the cursor row is
repainted as soon as the first row arrives, and a busy event loop may paint before the table
is idle) keeps cells cut to the old, narrower columns: a SKU showed as ``SKU`` on the first
line until the cursor moved. Counting the measurement as an update paints every row again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.widgets import DataTable
from textual.widgets.data_table import RowKey


class Table(DataTable[Any]):
    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        super()._update_dimensions(new_rows)
        self._update_count += 1
        self.refresh()

