"""The newest value wins: writes of one flow reach Omnitron in the order executions were accepted.

Every execution carries its flow's acceptance sequence (taken at admission; a retry or a crash
re-run keeps the sequence of the data it resends). Just before a batch is sent, the store records
the batch's keys as written by this sequence, atomically, and hands back the keys a
later-accepted execution has already written: those rows are skipped with a logged reason, so an
older value never lands on top of a newer one. The check and the send happen under a lock per
flow, so two batches carrying the same key can never be in flight at once and overtake each other
(one runner holds a store, so an in-process lock is enough).

On a store only this process writes (SQLite), the lock is the flow's turn (``FlowTurn``) and the
claim of a batch is taken ahead, while the batch before it is at Omnitron (claims are taken in
the order batches are sent, one ahead at most): the turn is then held by the execution from
its first claim to its last send, unless another execution waits for it, which gets it between
two batches. A claim taken ahead whose batch is never sent (an
earlier batch failed, the runner stopped) is given back: its keys return to the executions
that held them before.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from console.store import Store
from console.store.records import Execution

LogEntry = tuple[str, str | None, str, Any]


class FlowTurn:
    """Whose turn it is to claim and send a flow's keys, in this process: an execution holds it
    from a claim until that batch is sent, and may claim its next batch while holding it, but
    only while nobody waits; waiting executions get it in the order they asked."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._owner: str | None = None
        self._held = 0
        self._queue: deque[object] = deque()

    def take(self, owner: str) -> None:
        """One more batch of ``owner``'s in flight: at once when it already holds the turn and
        nobody waits, else when the turn comes to it."""
        with self._changed:
            if self._owner == owner and not self._queue:
                self._held += 1
                return
            ticket = object()
            self._queue.append(ticket)
            while self._owner is not None or self._queue[0] is not ticket:
                self._changed.wait()
            self._queue.popleft()
            self._owner, self._held = owner, 1
            self._changed.notify_all()

    def give(self) -> None:
        """One batch of the owner's is done with (sent, or its claim given back)."""
        with self._changed:
            self._held -= 1
            if self._held == 0:
                self._owner = None
                self._changed.notify_all()


_turns: dict[tuple[str, str], FlowTurn] = {}
_turns_guard = threading.Lock()


def flow_turn(location: str, flow_id: str) -> FlowTurn:
    with _turns_guard:
        return _turns.setdefault((location, flow_id), FlowTurn())


@dataclass(eq=False)
class Claimed:
    """A batch claimed ahead: the rows still to send and the skipped rows' log lines; until it
    is sent, what its keys were before (to give the claim back)."""

    kept: list[dict[str, Any]]
    skipped: list[LogEntry]
    keys: list[str]
    before: dict[str, tuple[int, str]] = field(default_factory=dict)


class NewestWins:
    """The write-order guard of one execution."""

    def __init__(self, store: Store, execution: Execution,
                 key: Callable[[dict[str, Any]], str], label: Callable[[dict[str, Any]], str]
                 ) -> None:
        self.store = store
        self.execution = execution
        self.key = key
        self.label = label
        self.ahead = bool(getattr(store, "claims_ahead", False))
        """Whether batches are claimed ahead of their sending (a store of this process)."""
        self._turn = flow_turn(store.location, execution.flow_id) if self.ahead else None
        self._open: deque[Claimed] = deque()

    @contextmanager
    def claim(self, rows: list[dict[str, Any]], keys: list[str] | None = None
              ) -> Iterator[tuple[list[dict[str, Any]], list[LogEntry]]]:
        """Inside the block: the rows still to send, and a log line for each row skipped because
        a later-accepted execution wrote its key. Send the rows before leaving the block.
        ``keys``: the rows' keys, when the caller already has them."""
        seq = self.execution.accepted_seq
        with self.store.write_lock(self.execution.flow_id):
            if seq is None:
                yield rows, []
                return
            newer = self.store.claim_newest(self.execution.flow_id, seq, self.execution.id,
                                            keys if keys is not None else map(self.key, rows))
            yield self._split(rows, newer)

    def take(self, rows: list[dict[str, Any]], keys: list[str] | None = None) -> Claimed:
        """Claim a batch ahead of sending it (``ahead`` stores only): the flow's turn is held
        until ``sent`` or ``give_back`` is called for it."""
        assert self._turn is not None
        wanted = keys if keys is not None else list(map(self.key, rows))
        seq = self.execution.accepted_seq
        if seq is None:
            claimed = Claimed(rows, [], [])
        else:
            self._turn.take(self.execution.id)
            before: dict[str, tuple[int, str]] = {}
            try:
                newer = self.store.claim_newest(self.execution.flow_id, seq, self.execution.id,
                                                wanted, before=before)  # type: ignore[call-arg]
            except BaseException:
                self._turn.give()
                raise
            kept, skipped = self._split(rows, newer)
            claimed = Claimed(kept, skipped, [k for k in wanted if k not in newer], before)
            self._open.append(claimed)
        return claimed

    def sent(self, claimed: Claimed) -> None:
        """The batch was sent (or its send failed): its claim stands, the turn moves on."""
        if claimed in self._open:
            self._open.remove(claimed)
            assert self._turn is not None
            self._turn.give()

    def give_back(self) -> None:
        """Every claim taken ahead and never sent returns to its keys' earlier holders."""
        while self._open:
            claimed = self._open.pop()
            assert self._turn is not None
            try:
                self.store.unclaim(self.execution.flow_id, self.execution.id,  # type: ignore[attr-defined]
                                   self.execution.accepted_seq, claimed.keys, claimed.before)
            finally:
                self._turn.give()

    def _split(self, rows: list[dict[str, Any]], newer: dict[str, str]
               ) -> tuple[list[dict[str, Any]], list[LogEntry]]:
        if not newer:
            return rows, []
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
