"""Write Data to Omnitron for price flows: product prices of price lists in bulk batches.

The stock writer's contract (``console.runner.writers.BulkWriter``): one log line per row, rows that could change no
price skipped with a warning (see ``console.kinds.row_shapes.price_problem``), and batch ids
derived from the execution so a re-run after a crash applies each batch once, and the newest
accepted value wins (``console.runner.ordering``): a row whose product price a later-accepted
execution already wrote is not sent.
"""

from __future__ import annotations

from typing import Any

from console.kinds.row_shapes import price_problem
from console.omnitron.calls import BulkUpsertResult, JsonText
from console.runner.writers import BulkWriter, LogEntry


class PriceWriter(BulkWriter):
    def problem(self, row: Any) -> str | None:
        return price_problem(row, self.flow.write.price_list)

    def completed(self, row: dict[str, Any]) -> dict[str, Any]:
        if row.get("price_list") in (None, ""):
            return {**row, "price_list": self.flow.write.price_list}
        return row

    def upsert(self, body: JsonText, ident: str) -> BulkUpsertResult:
        return self.client.bulk_upsert_prices(body, ident)

    def written(self, sku: str, row: dict[str, Any]) -> LogEntry:
        retail = f" (retail {row['retail_price']})" if row.get("retail_price") not in (None, "") \
            else ""
        currency = f" {row['currency_type']}" if row.get("currency_type") else ""
        return ("info", sku, f"price {row['price']}{currency}{retail} written to price list "
                             f"{row['price_list']}", row)


def price_key(row: dict[str, Any]) -> str:
    """What "the same value" is for the newest-wins order: one product in one price list."""
    return f"{row.get('price_list')}\x1f{row.get('product_sku')}"
