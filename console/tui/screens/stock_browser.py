"""Browse product stock page by page, search by SKU, and edit one row: the API's rules are
checked before sending, and nothing goes to Omnitron until the change is confirmed."""

from __future__ import annotations

import json
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Header, Input, Static
from textual.worker import Worker, WorkerState

from console.services import stock
from console.services.stock import validate_edit
from console.tui.base import ConsoleScreen
from console.tui.messages import StockPageLoaded, StockSaved
from console.tui.widgets.footer import KeyFooter
from console.tui.widgets.table import Table

PAGE = 100


class StockBrowserScreen(ConsoleScreen[None]):
    AUTO_FOCUS = "DataTable"
    BINDINGS = [
        Binding("slash", "search", "Search SKU", id="stock.search"),
        Binding("enter", "edit", "Edit", id="stock.edit"),
        Binding("escape", "back", "Back", id="stock.back"),
    ]
    DEFAULT_CSS = """
    StockBrowserScreen DataTable { height: 1fr; }
    StockBrowserScreen #controls { height: 1; }
    StockBrowserScreen #controls Input { width: 1fr; }
    StockBrowserScreen #edit { height: 1; display: none; }
    StockBrowserScreen #edit.visible { display: block; }
    StockBrowserScreen #edit Input { width: 1fr; }
    StockBrowserScreen #status { height: 1; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.loaded_pages: set[int] = set()
        self.count = 0
        self.rows: list[dict[str, Any]] = []
        self.listing = 0
        """Bumped on every reset (a new search, a saved row): pages read before it are
        dropped when they arrive."""
        self.reads: set[Worker[None]] = set()
        """The page reads of the listing shown: a failed read of an older one says nothing."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="controls"):
            yield Input(placeholder="stock list id (empty: all)", id="stock-list", compact=True)
            yield Input(placeholder="/ search SKU", id="sku", compact=True)
        yield Table(cursor_type="row", id="stock")
        with Horizontal(id="edit"):
            yield Input(placeholder="stock", id="edit-stock", compact=True)
            yield Input(placeholder="unit qty|kg", id="edit-unit", compact=True)
            yield Input(placeholder='extra_field {"k": "v"}', id="edit-extra", compact=True)
        yield Static("", id="status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Product stock"
        table = self.query_one(DataTable)
        table.add_columns("SKU", "List", "Stock", "Unit", "Unreported sold", "Extra")
        self.reset()

    def reset(self) -> None:
        self.loaded_pages.clear()
        self.rows = []
        self.listing += 1
        self.reads.clear()
        self.query_one(DataTable).clear()
        self.request_page(1)

    def filters(self) -> tuple[int | None, str | None]:
        raw = self.query_one("#stock-list", Input).value.strip()
        sku = self.query_one("#sku", Input).value.strip() or None
        return (int(raw) if raw.isdigit() else None), sku

    def request_page(self, number: int) -> None:
        """Read a page of the listing now shown, with the filters as they are now."""
        stock_list, sku = self.filters()
        self.reads.add(self.load_page(number, stock_list, sku, self.listing))

    @work(thread=True, exit_on_error=False, group="stock-page")
    def load_page(self, number: int, stock_list: int | None, sku: str | None,
                  listing: int) -> None:
        """A page read before a reset still arrives (a thread cannot be stopped): ``listing``
        says which listing it belongs to."""
        found = stock.page(self.config, number, PAGE, stock_list=stock_list, sku=sku)
        self.post_message(StockPageLoaded(number, found, listing))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A page that did not load says so on the status line; the app says why."""
        if event.worker in self.reads and event.state == WorkerState.ERROR:
            self.query_one("#status", Static).update("✗ stock not loaded (see the message)")
        super().on_worker_state_changed(event)

    def on_stock_page_loaded(self, message: StockPageLoaded) -> None:
        if message.listing != self.listing or message.number in self.loaded_pages:
            return  # read for filters since changed (or before a save), or already shown
        self.loaded_pages.add(message.number)
        self.count = message.page.count
        table = self.query_one(DataTable)
        for row in message.page.rows:
            self.rows.append(row)
            table.add_row(str(row["product_sku"]), str(row["stock_list"]), str(row["stock"]),
                          str(row["unit_type"]), str(row.get("sold_quantity_unreported", 0)),
                          json.dumps(row.get("extra_field") or {})[:30])
        more = " · scroll down for more" if len(self.rows) < self.count else ""
        self.query_one("#status", Static).update(f"{len(self.rows)} of {self.count} rows{more}")

    @on(DataTable.RowHighlighted)
    def _maybe_more(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= len(self.rows) - 5 and len(self.rows) < self.count:
            following = len(self.rows) // PAGE + 1
            if following not in self.loaded_pages:
                self.request_page(following)

    def action_search(self) -> None:
        self.query_one("#sku", Input).focus()

    @on(Input.Submitted, "#sku, #stock-list")
    def _filter(self) -> None:
        self.reset()
        self.query_one(DataTable).focus()

    @on(DataTable.RowSelected)
    def action_edit(self) -> None:
        table = self.query_one(DataTable)
        if not self.rows:
            return
        row = self.rows[table.cursor_row]
        self.query_one("#edit").add_class("visible")
        self.query_one("#edit-stock", Input).value = str(row["stock"])
        self.query_one("#edit-unit", Input).value = str(row["unit_type"])
        self.query_one("#edit-extra", Input).value = json.dumps(row.get("extra_field") or {})
        self.query_one("#edit-stock", Input).focus()

    @on(Input.Changed, "#edit-stock, #edit-unit, #edit-extra")
    def _check(self) -> None:
        _, problem = validate_edit(*self._edit_values())
        self.query_one("#status", Static).update(f"✗ {problem}" if problem else
                                                 "enter to send the change")

    def _edit_values(self) -> tuple[str, str, str]:
        return (self.query_one("#edit-stock", Input).value,
                self.query_one("#edit-unit", Input).value,
                self.query_one("#edit-extra", Input).value)

    @on(Input.Submitted, "#edit-stock, #edit-unit, #edit-extra")
    def _send(self) -> None:
        """Ask first: the change goes to Omnitron, where the shop reads stock."""
        change, problem = validate_edit(*self._edit_values())
        if problem:
            self.notify(problem, severity="error")
            return
        row = self.rows[self.query_one(DataTable).cursor_row]
        if all(row.get(key) == value for key, value in change.items()):
            self.notify("nothing changed", severity="warning")
            return
        from console.tui.screens.confirm import ConfirmScreen

        def answer(yes: bool | None) -> None:
            if yes:
                self.send(str(row["product_sku"]), int(row["stock_list"]), change)

        self.app.push_screen(ConfirmScreen(f"Send to Omnitron?\n{stock.describe_change(row, change)}"),
                             answer)

    @work(thread=True, exit_on_error=False, group="stock-save")
    def send(self, sku: str, stock_list: int, change: dict[str, Any]) -> None:
        self.post_message(StockSaved(stock.save(self.config, sku, stock_list, change)))

    def on_stock_saved(self, message: StockSaved) -> None:
        saved = message.row
        self.notify(f"{saved['product_sku']}: stock {saved['stock']} {saved['unit_type']}",
                    title="Saved")
        self.query_one("#edit").remove_class("visible")
        self.reset()
        self.query_one(DataTable).focus()

    def action_back(self) -> None:
        edit = self.query_one("#edit")
        if edit.has_class("visible"):
            edit.remove_class("visible")
            self.query_one(DataTable).focus()
            return
        self.app.pop_screen()
