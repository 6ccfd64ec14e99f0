"""Write Data to Omnitron for price flows: product prices of price lists in bulk batches.

The same contract as the stock writer: one log line per row, rows that could change no
price skipped with a warning (see ``console.kinds.row_shapes.price_problem``), and batch ids
derived from the execution so a re-run after a crash applies each batch once, and the newest
accepted value wins (``console.runner.ordering``): a row whose product price a later-accepted
execution already wrote is not sent.
"""

from __future__ import annotations

from typing import Any

from console.flows import Flow
from console.kinds.row_shapes import price_problem
from console.omnitron import OmnitronClient, OmnitronError, OmnitronValidationError
from console.runner.erp import StepError
from console.runner.ordering import NewestWins
from console.runner.writers import LogEntry, WriteCounts, _field_errors, batch_id


class PriceWriter:
    def __init__(self, flow: Flow, client: OmnitronClient, root_execution: str,
                 order: NewestWins | None = None) -> None:
        self.flow = flow
        self.client = client
        self.root = root_execution
        self.order = order

    def write(self, rows: list[Any], page: int) -> WriteCounts:
        counts = WriteCounts()
        size = self.flow.write.batch_size
        default_list = self.flow.write.price_list
        for number, start in enumerate(range(0, len(rows), size)):
            batch = []
            for row in rows[start:start + size]:
                problem = price_problem(row, default_list)
                if problem is not None:
                    sku = row.get("product_sku") if isinstance(row, dict) else None
                    counts.skip(None if sku in (None, "") else str(sku), problem, row)
                    continue
                if row.get("price_list") in (None, ""):
                    row = {**row, "price_list": default_list}
                batch.append(row)
            if batch:
                self._send_in_order(batch, batch_id(self.root, page, number), counts)
        return counts

    def _send_in_order(self, batch: list[dict[str, Any]], ident: str, counts: WriteCounts) -> None:
        if self.order is None:
            self._send(batch, ident, counts)
            return
        with self.order.claim(batch) as (kept, skipped):
            counts.superseded += len(skipped)
            counts.entries.extend(skipped)
            if kept:
                self._send(kept, ident, counts)

    def _send(self, batch: list[dict[str, Any]], ident: str, counts: WriteCounts) -> None:
        try:
            answer = self.client.bulk_upsert_prices(batch, ident)
        except OmnitronValidationError as exc:
            for row in batch:
                counts.failed += 1
                counts.entries.append(("error", str(row.get("product_sku")),
                                       f"batch rejected: {exc.message}", row))
            return
        except OmnitronError as exc:
            raise StepError("write", exc.message) from None
        failed = {e.get("index"): e for e in answer.errors}
        for index, row in enumerate(batch):
            sku = str(row.get("product_sku"))
            error = failed.get(index)
            if error is None:
                counts.succeeded += 1
                counts.entries.append(_written(sku, row))
            else:
                counts.failed += 1
                counts.entries.append(("error", sku, _field_errors(error.get("errors", {})), row))


def _written(sku: str, row: dict[str, Any]) -> LogEntry:
    retail = f" (retail {row['retail_price']})" if row.get("retail_price") not in (None, "") \
        else ""
    currency = f" {row['currency_type']}" if row.get("currency_type") else ""
    return ("info", sku, f"price {row['price']}{currency}{retail} written to price list "
                         f"{row['price_list']}", row)


def price_key(row: dict[str, Any]) -> str:
    """What "the same value" is for the newest-wins order: one product in one price list."""
    return f"{row.get('price_list')}\x1f{row.get('product_sku')}"
