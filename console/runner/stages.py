"""Overlapping the steps of an execution: each step in its own thread, joined by short queues.

While page N is written to Omnitron, page N+1 is scripted and mapped and page N+2 is read
from the ERP. A step hands a page on only when the next step takes it (a handoff, not a
buffer), so an execution holds one page per step however many it processes: memory stays flat
at any total, and several executions running side by side each hold only what they work on.
Pages leave each step in the order they entered it, so the rows of a key reach Omnitron in
the order the ERP gave them.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

_DONE = object()


class _Failure:
    """The first step that failed, and why; steps before it stop, steps after it finish
    what already passed it (pages written to Omnitron still get their row logs)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.index: int | None = None
        self.error: BaseException | None = None

    def record(self, index: int, error: BaseException) -> None:
        with self.lock:
            if self.error is None:
                self.index, self.error = index, error

    def stops(self, index: int) -> bool:
        """Whether the step at ``index`` must stop taking new work."""
        failed = self.index
        return failed is not None and index <= failed


def run_stages(items: Iterable[Any], steps: Sequence[Callable[[Any], Any]]) -> None:
    """Pass every item through ``steps`` in order: the first step runs in the calling thread,
    each later one in a thread of its own. Raises the first error any step raised."""
    failure = _Failure()
    links: list[queue.Queue[Any]] = [queue.Queue(maxsize=1) for _ in steps[1:]]
    threads = [threading.Thread(target=_step, args=(index, step, links[index - 1],
                                                    links[index] if index < len(links) else None,
                                                    failure),
                                name=f"execution-step-{index}", daemon=True)
               for index, step in enumerate(steps) if index > 0]
    for thread in threads:
        thread.start()
    source = iter(items)
    try:
        for item in source:
            if failure.stops(0):
                break
            result = steps[0](item)
            if links:
                _hand_on(links[0], result)
    except BaseException as exc:  # noqa: BLE001 - handed to the caller below
        failure.record(0, exc)
    finally:
        if links:
            links[0].put(_DONE)
        for thread in threads:
            thread.join()
        close = getattr(source, "close", None)
        if close is not None:
            close()
    if failure.error is not None:
        raise failure.error


def _step(index: int, step: Callable[[Any], Any], inbox: queue.Queue[Any],
          outbox: queue.Queue[Any] | None, failure: _Failure) -> None:
    while True:
        item = inbox.get()
        inbox.task_done()
        if item is _DONE:
            break
        if failure.stops(index):
            continue  # keep draining so the step before never blocks on a full queue
        try:
            result = step(item)
        except BaseException as exc:  # noqa: BLE001 - handed to run_stages' caller
            failure.record(index, exc)
            continue
        if outbox is not None:
            _hand_on(outbox, result)
    if outbox is not None:
        outbox.put(_DONE)


def _hand_on(link: queue.Queue[Any], item: Any) -> None:
    """Give ``item`` to the next step and wait until it has taken it: the step then starts
    its next item while the next step works on this one, and no item waits in between."""
    link.put(item)
    link.join()


def read_ahead(pages: Iterator[list[Any]]) -> Iterator[list[Any]]:
    """Fetch the next ERP page while the current one is transformed and written.

    At most one page waits in memory, so memory stays flat whatever the total.
    """
    waiting: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for page in pages:
                while not stop.is_set():
                    try:
                        waiting.put(page, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            waiting.put(_DONE)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer to raise
            waiting.put(exc)

    thread = threading.Thread(target=produce, name="erp-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = waiting.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


class PayloadError(ValueError):
    pass


def payload_slices(body: str, size: int) -> Iterator[list[Any]]:
    """The rows of a stored outbound payload, ``size`` at a time, parsed as they are needed:
    a 50,000-row payload never sits in memory as 50,000 objects at once."""
    decode = json.JSONDecoder().raw_decode
    position = _skip_space(body, 0)
    if not body.startswith("[", position):
        try:
            single = json.loads(body)
        except json.JSONDecodeError as exc:
            raise PayloadError(f"the stored payload is not JSON: {exc}") from None
        yield [single]
        return
    position = _skip_space(body, position + 1)
    if body.startswith("]", position):
        return
    batch: list[Any] = []
    while True:
        try:
            row, position = decode(body, position)
        except json.JSONDecodeError as exc:
            raise PayloadError(f"the stored payload is not JSON: {exc}") from None
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
        position = _skip_space(body, position)
        if body.startswith(",", position):
            position = _skip_space(body, position + 1)
            continue
        if body.startswith("]", position):
            break
        raise PayloadError(f"the stored payload is not a JSON array (offset {position})")
    if batch:
        yield batch


def count_rows(body: str) -> int:
    """How many rows a stored payload holds, without keeping them."""
    return sum(len(rows) for rows in payload_slices(body, 10_000))


def _skip_space(text: str, position: int) -> int:
    length = len(text)
    while position < length and text[position] in " \t\n\r":
        position += 1
    return position
