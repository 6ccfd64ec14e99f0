"""The full stock flow's Compare step: the ERP's whole stock against Omnitron's stock list.

Each SKU ends in one of four groups: equal, different (both sides have it, the quantities
differ), missing in Omnitron (the ERP has it, the stock list has no row for it) and missing in
the ERP (only Omnitron has it). The stock flow the full stock flow names is then run for the
SKUs of the second and third groups, in chunks: those are the SKUs a stock sync can fix. A SKU
only Omnitron has is reported and left alone (the ERP gives no quantity to write).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from console.kinds.row_shapes import stock_problem

OMNITRON_PAGE_SIZE = 1000


@dataclass
class StockComparison:
    """What comparing the two sides found, SKU by SKU."""

    equal: int = 0
    different: list[tuple[str, int, int]] = field(default_factory=list)
    """(sku, ERP stock, Omnitron stock)"""
    missing_in_omnitron: list[tuple[str, int]] = field(default_factory=list)
    missing_in_erp: list[tuple[str, int]] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    """ERP rows that could not be compared, by why (as the stock flow's write check says)."""
    other_list: int = 0
    """ERP rows of another stock list than the compared one."""

    @property
    def compared(self) -> int:
        return self.equal + len(self.different) + len(self.missing_in_omnitron) + \
            len(self.missing_in_erp)

    def to_sync(self) -> list[str]:
        """The SKUs the stock flow runs for: different, or missing in Omnitron."""
        return sorted([sku for sku, _, _ in self.different] +
                      [sku for sku, _ in self.missing_in_omnitron])

    def counts(self) -> dict[str, int]:
        return {"compared": self.compared, "equal": self.equal,
                "different": len(self.different),
                "missing_in_omnitron": len(self.missing_in_omnitron),
                "missing_in_erp": len(self.missing_in_erp),
                "skipped": sum(self.skipped.values()), "other_list": self.other_list}

    def summary(self) -> str:
        c = self.counts()
        return (f"{c['compared']} SKU(s) compared: {c['equal']} equal, {c['different']} "
                f"different, {c['missing_in_omnitron']} missing in Omnitron, "
                f"{c['missing_in_erp']} missing in the ERP")


class ErpStock:
    """The ERP side, gathered page by page: the last row of a SKU wins, as a stock sync
    writing the rows in order would leave it."""

    def __init__(self, stock_list: int) -> None:
        self.stock_list = stock_list
        self.stocks: dict[str, int] = {}
        self.skipped: Counter[str] = Counter()
        self.other_list = 0
        self.rows = 0
        """ERP rows checked (after the script and mapping), a SKU given twice counted twice."""

    def add(self, rows: Iterable[Any]) -> None:
        for row in rows:
            self.rows += 1
            problem = stock_problem(row, self.stock_list)
            if problem is not None:
                self.skipped[problem] += 1
                continue
            listed = row.get("stock_list")
            if listed not in (None, "") and int(float(listed)) != self.stock_list:
                self.other_list += 1
                continue
            self.stocks[str(row["product_sku"])] = int(float(row["stock"]))


def omnitron_stock(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Omnitron's stock list as SKU → stock, from ``GET /api/i1/product_stock/`` rows."""
    found: dict[str, int] = {}
    for row in rows:
        sku = row.get("product_sku")
        if sku in (None, ""):
            continue
        try:
            found[str(sku)] = int(float(row.get("stock") or 0))
        except (TypeError, ValueError):
            found[str(sku)] = -1  # unreadable: never equal to an ERP quantity
    return found


def compare(erp: ErpStock, omnitron: dict[str, int]) -> StockComparison:
    result = StockComparison(skipped=erp.skipped, other_list=erp.other_list)
    for sku, quantity in erp.stocks.items():
        theirs = omnitron.get(sku)
        if theirs is None:
            result.missing_in_omnitron.append((sku, quantity))
        elif theirs == quantity:
            result.equal += 1
        else:
            result.different.append((sku, quantity, theirs))
    result.missing_in_erp = [(sku, stock) for sku, stock in omnitron.items()
                             if sku not in erp.stocks]
    result.different.sort()
    result.missing_in_omnitron.sort()
    result.missing_in_erp.sort()
    return result


def chunks(skus: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(skus), size):
        yield skus[start:start + size]


def log_lines(result: StockComparison, stock_flow: str
              ) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """A log line per SKU that is not equal: (level, sku, message, payload)."""
    for sku, ours, theirs in result.different:
        yield ("info", sku, f"ERP {ours}, Omnitron {theirs}: sent to {stock_flow}",
               {"product_sku": sku, "erp": ours, "omnitron": theirs})
    for sku, ours in result.missing_in_omnitron:
        yield ("info", sku, f"ERP {ours}, not in Omnitron's stock list: sent to {stock_flow}",
               {"product_sku": sku, "erp": ours, "omnitron": None})
    for sku, theirs in result.missing_in_erp:
        yield ("warning", sku, f"Omnitron {theirs}, not in the ERP's stock: left as it is",
               {"product_sku": sku, "erp": None, "omnitron": theirs})
