"""The newest value wins: writes of one flow reach Omnitron in the order executions were accepted.

Every execution carries its flow's acceptance sequence (taken at admission; a retry or a crash
re-run keeps the sequence of the data it resends). Just before a batch is sent, the store records
the batch's keys as written by this sequence, atomically, and hands back the keys a
later-accepted execution has already written: those rows are skipped with a logged reason, so an
older value never lands on top of a newer one. The check and the send happen under a lock per
flow, so two batches carrying the same key can never be in flight at once and overtake each other
(one runner holds a store, so an in-process lock is enough).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from console.store import Store
from console.store.records import Execution

LogEntry = tuple[str, str | None, str, Any]

class NewestWins:
    """The write-order guard of one execution."""

    def __init__(self, store: Store, execution: Execution,
                 key: Callable[[dict[str, Any]], str], label: Callable[[dict[str, Any]], str]
                 ) -> None:
        self.store = store
        self.execution = execution
        self.key = key
        self.label = label

    @contextmanager
    def claimed(self, keys: list[str]) -> Iterator[dict[str, str]]:
        """Inside the block: the keys among ``keys`` a later-accepted execution already wrote,
        with that execution's id (their rows must not be sent; see ``split``), the others
        recorded as written by this one. Send the rows before leaving the block."""
        seq = self.execution.accepted_seq
        with self.store.write_lock(self.execution.flow_id):
            if seq is None:
                yield {}
                return
            yield self.store.claim_newest(self.execution.flow_id, seq, self.execution.id, keys)

    def split(self, rows: list[dict[str, Any]], newer: dict[str, str]
              ) -> tuple[list[dict[str, Any]], list[LogEntry]]:
        """The rows still to send, and a log line for each row skipped because the execution
        ``newer`` names for its key, accepted later, already wrote it."""
        kept: list[dict[str, Any]] = []
        skipped: list[LogEntry] = []
        for row in rows:
            owner = newer.get(self.key(row))
            if owner is None:
                kept.append(row)
            else:
                skipped.append(("warning", self.label(row),
                                f"skipped: execution {owner}, accepted later, already wrote "
                                "this key; the newer value stays", row))
        return kept, skipped


def stock_key(row: dict[str, Any]) -> str:
    return f"{row.get('stock_list')}\x1f{row.get('product_sku')}"


def stock_label(row: dict[str, Any]) -> str:
    return str(row.get("product_sku"))
