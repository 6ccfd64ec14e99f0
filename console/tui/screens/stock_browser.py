"""Browse product stock page by page, search by SKU, and edit one row with the API's rules
checked before sending."""

from __future__ import annotations

import json
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static

from console.flows import FlowsConfig
from console.tui.widgets.footer import KeyFooter

PAGE = 100
MAX_STOCK = 2147483647


class PageLoaded(Message):
    def __init__(self, page: int, body: dict[str, Any] | None, error: str | None) -> None:
        super().__init__()
        self.page = page
        self.body = body
        self.error = error


def validate_edit(stock: str, unit: str, extra: str) -> tuple[dict[str, Any], str | None]:
    """The API's rules, checked before anything is sent."""
    change: dict[str, Any] = {}
    if stock.strip():
        if not stock.strip().isdigit() or not 0 <= int(stock) <= MAX_STOCK:
            return {}, f"stock: a whole number from 0 to {MAX_STOCK}"
        change["stock"] = int(stock)
    if unit.strip():
        if unit.strip() not in ("qty", "kg"):
            return {}, "unit_type: qty or kg"
        change["unit_type"] = unit.strip()
    if extra.strip():
        try:
            parsed = json.loads(extra)
        except json.JSONDecodeError as exc:
            return {}, f"extra_field: not JSON ({exc.msg})"
        if not isinstance(parsed, dict):
            return {}, "extra_field: a JSON object"
        change["extra_field"] = parsed
    return change, None


class StockBrowserScreen(Screen[None]):
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

    def __init__(self, config: FlowsConfig) -> None:
        super().__init__()
        self.config = config
        self.loaded_pages: set[int] = set()
        self.count = 0
        self.rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="controls"):
            yield Input(placeholder="stock list id (empty: all)", id="stock-list", compact=True)
            yield Input(placeholder="/ search SKU", id="sku", compact=True)
        yield DataTable(cursor_type="row", id="stock")
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
        self.query_one(DataTable).clear()
        self.load_page(1)

    def filters(self) -> tuple[int | None, str | None]:
        raw = self.query_one("#stock-list", Input).value.strip()
        sku = self.query_one("#sku", Input).value.strip() or None
        return (int(raw) if raw.isdigit() else None), sku

    @work(thread=True, exit_on_error=False, group="stock-page")
    def load_page(self, page: int) -> None:
        from console.omnitron import OmnitronClient, OmnitronError

        stock_list, sku = self.filters()
        try:
            with OmnitronClient.for_settings(self.config.omnitron) as client:
                body = client.product_stock_page(page=page, page_size=PAGE, stock_list=stock_list,
                                                 sku=sku)
        except OmnitronError as exc:
            self.post_message(PageLoaded(page, None, exc.message))
            return
        except Exception as exc:  # noqa: BLE001 - shown in the status line
            self.post_message(PageLoaded(page, None, str(exc)))
            return
        self.post_message(PageLoaded(page, body, None))

    def on_page_loaded(self, message: PageLoaded) -> None:
        status = self.query_one("#status", Static)
        if message.error or message.body is None:
            status.update(f"✗ {message.error}")
            return
        if message.page in self.loaded_pages:
            return
        self.loaded_pages.add(message.page)
        self.count = int(message.body.get("count", 0))
        table = self.query_one(DataTable)
        for row in message.body.get("results", []):
            self.rows.append(row)
            table.add_row(str(row["product_sku"]), str(row["stock_list"]), str(row["stock"]),
                          str(row["unit_type"]), str(row.get("sold_quantity_unreported", 0)),
                          json.dumps(row.get("extra_field") or {})[:30])
        status.update(f"{len(self.rows)} of {self.count} rows · scroll down for more")

    @on(DataTable.RowHighlighted)
    def _maybe_more(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= len(self.rows) - 5 and len(self.rows) < self.count:
            following = len(self.rows) // PAGE + 1
            if following not in self.loaded_pages:
                self.load_page(following)

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
        change, problem = validate_edit(*self._edit_values())
        if problem:
            self.notify(problem, severity="error")
            return
        row = self.rows[self.query_one(DataTable).cursor_row]
        self.send({"product_sku": row["product_sku"], "stock_list": row["stock_list"], **change})

    @work(thread=True, exit_on_error=False, group="stock-save")
    def send(self, body: dict[str, Any]) -> None:
        from console.omnitron import OmnitronClient, OmnitronError

        try:
            with OmnitronClient.for_settings(self.config.omnitron) as client:
                saved = client.upsert_stock(body)
        except OmnitronError as exc:
            self.app.call_from_thread(self.notify, exc.message, title="Not saved",
                                      severity="error")
            return
        self.app.call_from_thread(self._saved, saved)

    def _saved(self, saved: dict[str, Any]) -> None:
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
