"""Write Data to Omnitron: stock rows in bulk batches, order statuses one order at a time.

Every row gets one log line: what was written, or the error Omnitron gave for it. A row that
could change nothing in Omnitron (no ``stock``, an order without item ids: see
``console.kinds.row_shapes``) is not sent: it is counted as skipped, with a warning line. Batch
ids derive from the execution (and its first attempt), so a re-run after a crash sends the same
ids and Omnitron applies each batch once.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter, methodcaller
from typing import Any, Protocol

from console import fastjson, telemetry
from console.flows import Flow
from console.kinds.row_shapes import MAX_STOCK, UNIT_TYPES, one_row, order_problem, stock_problem
from console.omnitron import OmnitronClient, OmnitronError, OmnitronValidationError
from console.omnitron.calls import BulkUpsertResult, JsonText, bulk_body
from console.omnitron.errors import describe_body
from console.runner.erp import StepError
from console.runner.ordering import NewestWins, stock_key
from console.runner.pipeline import timeout_hint
from console.script import ScriptPool
from console.store.log_batches import Item, Sent, Written
from console.surrogates import has_lone

LogEntry = tuple[str, str | None, str, Any]
READY_SLICE = 500
"""Rows ``StockWriter.ready`` takes through all its steps at once (see ``_ready_slice``)."""
_PLAIN_FIELDS = frozenset(("product_sku", "stock", "stock_list", "unit_type", "batch_id"))
_UNIT = methodcaller("get", "unit_type", "")
_UNIT_TYPES = frozenset(UNIT_TYPES)
_SKU = itemgetter("product_sku")
_STOCK = itemgetter("stock")
_UNIT_TYPE = itemgetter("unit_type")
_USUAL_FIELDS = frozenset(("product_sku", "stock", "stock_list", "unit_type"))


@dataclass
class WriteCounts:
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    """Rows not sent because they could change nothing (see ``problems``)."""
    problems: Counter[str] = field(default_factory=Counter)
    superseded: int = 0
    """Rows not sent because a later-accepted execution already wrote their key."""
    entries: list[Item] = field(default_factory=list)
    """A log entry per row, or one ``Written`` for the rows of a batch all written."""
    attributes: dict[str, str] = field(default_factory=dict)
    checked: int | None = None
    """How many rows the write check looked at, where that is not succeeded + failed +
    skipped (a full stock compare counts SKUs of both sides as compared)."""
    stop: str | None = None
    """Why the execution fails once this page's rows are recorded (a per-order script that
    ran out of time would do so for every order): the rows after it are not attempted."""

    def rows(self) -> list[LogEntry]:
        """Each row's log entry, in order (a ``Written`` as its rows' entries)."""
        return [row for entry in self.entries
                for row in (entry.entries() if isinstance(entry, Written) else [entry])]

    def skip(self, key: str | None, problem: str, row: Any) -> None:
        self.skipped += 1
        self.problems[problem] += 1
        self.entries.append(("warning", key, one_row(problem), row))


@dataclass
class Outgoing:
    """One batch ready to send: its id, request body, and the SKU, key and message of each
    row's log line should it be written."""

    ident: str
    body: JsonText
    skus: list[str]
    messages: list[str]
    keys: list[str]
    """The rows' newest-wins keys (none when the writer keeps no order)."""
    completed: Callable[[], list[dict[str, Any]]]
    """Makes the rows as completed (without their batch id): only a batch rejected, failing
    in part or partly superseded needs them as objects, so the usual one never makes them."""

    @cached_property
    def rows(self) -> list[dict[str, Any]]:
        return self.completed()


@dataclass
class Prepared:
    """A page made ready to send: its skipped rows counted and logged, its batches."""

    counts: WriteCounts
    batches: list[Outgoing]


def batch_id(root_execution: str, page: int, batch: int) -> str:
    digest = hashlib.sha1(f"{root_execution}:{page}:{batch}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def _field_errors(errors: dict[str, Any]) -> str:
    return "; ".join(f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}"
                     for k, v in errors.items())


class BulkWriter:
    """Rows of one product each, checked, ordered by newest acceptance and sent in batches.

    A flow kind that writes through a bulk upsert (stock, prices) says how a row is checked,
    completed with the flow's default list, sent and described; the batching, batch ids,
    ordering and per-row log lines are the same for all of them.
    """

    def __init__(self, flow: Flow, client: OmnitronClient, root_execution: str,
                 order: NewestWins | None = None) -> None:
        self.flow = flow
        self.client = client
        self.root = root_execution
        self.order = order

    def problem(self, row: Any) -> str | None:
        raise NotImplementedError

    def completed(self, row: dict[str, Any]) -> dict[str, Any]:
        """The row with the flow's default list where it names none."""
        raise NotImplementedError

    def upsert(self, body: JsonText, ident: str) -> BulkUpsertResult:
        """Send one batch's request body (``bulk_body`` encoded)."""
        raise NotImplementedError

    def written(self, sku: str, row: dict[str, Any]) -> LogEntry:
        raise NotImplementedError

    def messages(self, rows: list[dict[str, Any]]) -> list[str]:
        """The log message of each row written (``written``'s, made for a whole batch)."""
        return [self.written(str(row.get("product_sku")), row)[2] for row in rows]

    def fine(self, rows: list[Any]) -> list[bool]:
        """A quick look at many rows: ``True`` only for a row ``problem`` finds nothing wrong
        with (``False`` leaves the row to ``problem``)."""
        return [False] * len(rows)

    def write(self, rows: list[Any], page: int) -> WriteCounts:
        return self.send(self.prepare(rows, page))

    def prepare(self, rows: list[Any], page: int) -> Prepared:
        """Everything about a page's batches that needs no answer from Omnitron: rows checked
        and completed, batch ids, request bodies encoded, log lines written. The runner does
        this while the page before is being sent, so sending is only the claim and the call."""
        counts = WriteCounts()
        batches = []
        size = self.flow.write.batch_size
        for number, start in enumerate(range(0, len(rows), size)):
            chunk = rows[start:start + size]
            ident = batch_id(self.root, page, number)
            ready = self.ready(chunk, ident)
            if ready is not None:
                batches.append(ready)
                continue
            batch = self._checked(chunk, self.fine(chunk), counts)
            if batch:
                batches.append(self._outgoing(batch, ident))
        return Prepared(counts, batches)

    def ready(self, rows: list[Any], ident: str) -> Outgoing | None:
        """The batch of ``rows`` ready to send when ``fine`` passes every one of them (what
        ``_outgoing`` makes of them completed; a writer may make it faster, knowing the rows'
        shape), else ``None``: the rows go through the full check."""
        if not all(self.fine(rows)):
            return None
        return self._outgoing(list(map(self.completed, rows)), ident)

    def _checked(self, rows: list[Any], fine: list[bool], counts: WriteCounts
                 ) -> list[dict[str, Any]]:
        """The rows that can change something, completed; the others counted as skipped."""
        batch = []
        for row, ok in zip(rows, fine, strict=True):
            problem = None if ok else self.problem(row)
            if problem is not None:
                sku = row.get("product_sku") if isinstance(row, dict) else None
                counts.skip(None if sku in (None, "") else str(sku), problem, row)
                continue
            batch.append(self.completed(row))
        return batch

    def _outgoing(self, batch: list[dict[str, Any]], ident: str) -> Outgoing:
        skus = [str(row.get("product_sku")) for row in batch]
        keys = list(map(self.order.key, batch)) if self.order is not None else []
        return Outgoing(ident, JsonText(bulk_body(batch, ident)), skus, self.messages(batch),
                        keys, lambda: batch)

    def send(self, prepared: Prepared) -> WriteCounts:
        counts = prepared.counts
        for outgoing in prepared.batches:
            self._send_in_order(outgoing, counts)
        return counts

    def _send_in_order(self, outgoing: Outgoing, counts: WriteCounts) -> None:
        if self.order is None:
            self._send(outgoing, counts)
            return
        with self.order.claimed(outgoing.keys) as newer:
            if not newer:
                self._send(outgoing, counts)
                return
            kept, skipped = self.order.split(outgoing.rows, newer)
            counts.superseded += len(skipped)
            counts.entries.extend(skipped)
            if kept:
                self._send(self._outgoing(kept, outgoing.ident), counts)

    def _send(self, outgoing: Outgoing, counts: WriteCounts) -> None:
        try:
            answer = self.upsert(outgoing.body, outgoing.ident)
        except OmnitronValidationError as exc:
            for row in outgoing.rows:
                counts.failed += 1
                counts.entries.append(("error", str(row.get("product_sku")),
                                       f"batch rejected: {exc.message}", row))
            return
        except OmnitronError as exc:
            raise StepError("write", exc.message) from None
        # a row written is logged as the row sent (with its batch id): the log keeps the
        # request's text once for the batch instead of encoding every row again
        text = outgoing.body.text
        entries = counts.entries
        if not answer.errors:
            entries.append(Written(text, outgoing.skus, outgoing.messages,
                                   list(range(len(outgoing.skus)))))
            counts.succeeded += len(outgoing.skus)
            return
        failed = {e.get("index"): e for e in answer.errors}
        for index, (sku, message) in enumerate(zip(outgoing.skus, outgoing.messages,
                                                   strict=True)):
            error = failed.get(index)
            if error is None:
                entries.append(("info", sku, message, Sent(text, index)))
            else:
                counts.failed += 1
                entries.append(("error", sku, _field_errors(error.get("errors", {})),
                                outgoing.rows[index]))
        counts.succeeded += len(outgoing.skus) - len(failed)


class StockWriter(BulkWriter):
    def problem(self, row: Any) -> str | None:
        return stock_problem(row, self.flow.write.stock_list)

    def completed(self, row: dict[str, Any]) -> dict[str, Any]:
        default_list = self.flow.write.stock_list
        if "stock_list" not in row and default_list is not None:
            return {**row, "stock_list": default_list}
        return row

    def upsert(self, body: JsonText, ident: str) -> BulkUpsertResult:
        return self.client.bulk_upsert(body, ident)

    def written(self, sku: str, row: dict[str, Any]) -> LogEntry:
        return ("info", sku, f"stock {row['stock']} written to stock list "
                             f"{row.get('stock_list')}", row)

    def messages(self, rows: list[dict[str, Any]]) -> list[str]:
        return [f"stock {row['stock']} written to stock list {row.get('stock_list')}"
                for row in rows]

    def ready(self, rows: list[Any], ident: str) -> Outgoing | None:
        """What ``_outgoing`` makes of rows ``fine`` passes, completed, in a few
        comprehensions: such a row is a ``dict`` with a ``str`` SKU, an ``int`` stock and its
        stock list (``None`` or an ``int``) or none, where the flow sets one. So the list as
        completed is ``row.get("stock_list", default)``, the text of each number is what the
        messages and keys would print, and a row is copied once, with its batch id, for the
        body; the completed rows are made only if a batch needs them, read back from the body
        (the rows themselves are not kept: held until sent, with the pages around them, they
        left the runner's memory a third larger), unless a row has a batch id of its own,
        which the body replaces. Rows with no other field than these (and a ``unit_type``
        string) make a body of plain types with no float, which is encoded without being
        looked through."""
        if self.order is not None and self.order.key is not stock_key:
            return super().ready(rows, ident)
        skus: list[str] = []
        messages: list[str] = []
        keys: list[str] = []
        fields: set[str] = set()
        usual = self._usual_rows(rows, ident, skus, messages, keys, fields)
        texts = [] if usual is None else [usual]
        for start in range(0, len(rows) if usual is None else 0, READY_SLICE):
            part = rows[start:start + READY_SLICE]
            text = self._usual_rows(part, ident, skus, messages, keys, fields)
            if text is None:
                if not all(self.fine(part)):
                    return None
                text = self._ready_slice(part, ident, skus, messages, keys, fields)
            texts.append(text)
        body = JsonText.joined(texts)
        completed = (lambda: list(map(self.completed, rows))) if "batch_id" in fields else \
            (lambda: _without_batch_ids(body.text))
        return Outgoing(ident, body, skus, messages, keys, completed)

    def _usual_rows(self, rows: list[Any], ident: str, skus: list[str], messages: list[str],
                    keys: list[str], fields: set[str]) -> str | None:
        """``_ready_slice`` for the usual rows, looked at a column at a time (each column taken
        out of the rows by one ``map``, its types and bounds checked as a whole: loops in C,
        so a whole batch goes at once, and a batch with a row that is not usual goes again a
        slice at a time), or ``None`` where they are not all usual, with nothing added: exact
        ``dict`` rows with no field but a non-empty ``str`` SKU, an ``int`` stock and stock list in bounds (or none, or ``None``, where the flow
        sets one) and a ``unit_type`` string ``fine`` knows, every one of which ``fine``
        passes. Their body is their own JSON text with the stock list the flow adds and the
        batch id written at the end of each row, where each ``}`` ends one row (a ``}`` in a
        SKU leaves the rows to be copied, as ``_ready_slice`` does)."""
        default = self.flow.write.stock_list
        if type(default) not in (int, type(None)) or set(map(type, rows)) != {dict}:
            return None
        named: set[str] = set().union(*rows)
        try:
            sku_column = list(map(_SKU, rows))
            stocks = list(map(_STOCK, rows))
        except KeyError:
            return None
        if not named <= _USUAL_FIELDS or set(map(type, sku_column)) != {str} or \
                "" in sku_column or has_lone("".join(sku_column)) or \
                set(map(type, stocks)) != {int} or \
                min(stocks) < 0 or max(stocks) > MAX_STOCK:
            return None
        if "unit_type" in named:
            try:
                units = set(map(_UNIT_TYPE, rows))
            except KeyError:
                units = {row.get("unit_type", "qty") for row in rows}
            if set(map(type, units)) != {str} or not units <= _UNIT_TYPES:
                return None
        lists = _usual_lists(rows, named, default)
        if lists is None:
            return None
        listed, every_row_names_one = lists
        skus += sku_column
        _label(listed, sku_column, stocks, keys if self.order is not None else None, messages)
        fields |= named
        if "stock_list" not in named:
            end = f',"stock_list":{fastjson.dumps(default)},"batch_id":{fastjson.dumps(ident)}}}'
        elif every_row_names_one:
            end = f',"batch_id":{fastjson.dumps(ident)}}}'
        else:
            end = ""
        text = fastjson.dumps(rows, strings_and_ints=True)
        if end and text.count("}") == len(rows):
            return text.replace("}", end)
        return fastjson.dumps(_body_rows(rows, default, ident), strings_and_ints=True)

    def _ready_slice(self, rows: list[dict[str, Any]], ident: str, skus: list[str],
                     messages: list[str], keys: list[str], fields: set[str]) -> str:
        """One slice of ``ready``'s rows, ``fine`` passed: its SKUs, messages and keys added to
        theirs, and its body rows' JSON text. A slice goes through every step (the check
        too) at once, so its rows are read again while they are still in the processor's
        caches: with the runner's other threads taking turns on the interpreter every
        millisecond, a whole batch taken step by step was a third slower."""
        default = self.flow.write.stock_list
        sku_column = [row["product_sku"] for row in rows]
        skus += sku_column
        body = _body_rows(rows, default, ident)
        _label([row.get("stock_list", default) for row in rows], sku_column,
               [row["stock"] for row in rows], keys if self.order is not None else None,
               messages)
        named = set().union(*rows)
        fields |= named
        plain = type(default) in (int, type(None)) and named <= _PLAIN_FIELDS and \
            set(map(type, map(_UNIT, rows))) <= {str}
        return fastjson.dumps(body, allow_nan=False, strings_and_ints=plain)

    def fine(self, rows: list[Any]) -> list[bool]:
        """The usual row, checked in one expression: a non-empty ``product_sku`` string with
        no lone surrogate, an ``int`` stock and stock list in bounds (or no list, where the
        flow sets one) and a known ``unit_type`` or none. Anything else goes to
        ``stock_problem``."""
        default = self.flow.write.stock_list
        return [type(row) is dict and type(sku := row.get("product_sku")) is str and sku != ""
                and (sku.isascii() or not has_lone(sku))
                and type(stock := row.get("stock")) is int and 0 <= stock <= MAX_STOCK
                and (type(stock_list := row.get("stock_list")) is int
                     and 0 < stock_list <= MAX_STOCK
                     or stock_list is None and default is not None)
                and row.get("unit_type", "qty") in UNIT_TYPES
                for row in rows]


class _Absent:
    """No stock list in a row (where ``None`` would be its stock list, ``null``)."""


_ABSENT = _Absent()
_LIST = itemgetter("stock_list")


def _usual_lists(rows: list[dict[str, Any]], named: set[str], default: int | None
                 ) -> tuple[list[int | None], bool] | None:
    """Each row's stock list as completed (the flow's ``default`` where it names none) and
    whether every row names one (``None`` too), or ``None`` where a row's would not pass
    ``fine``: not an ``int`` in bounds, or none (or ``None``) with no flow stock list."""
    if "stock_list" not in named:
        return None if default is None else ([default] * len(rows), False)
    try:
        given: list[Any] = list(map(_LIST, rows))
    except KeyError:
        given = [row.get("stock_list", _ABSENT) for row in rows]
    kinds = set(map(type, given))
    if not kinds <= {int, type(None), _Absent} or default is None and kinds != {int}:
        return None
    numbers = given if kinds == {int} else [value for value in given if type(value) is int]
    if numbers and (min(numbers) < 1 or max(numbers) > MAX_STOCK):
        return None
    if _Absent in kinds:
        return [default if value is _ABSENT else value for value in given], False
    return given, True


def _label(listed: list[Any], skus: list[str], stocks: list[int], keys: list[str] | None,
           messages: list[str]) -> None:
    """Each row's log message and, where ``keys`` is given, its newest-wins key (what
    ``stock_key`` makes of it), from its stock list as completed, SKU and stock."""
    if len(set(listed)) == 1:
        prefix, suffix = f"{listed[0]}\x1f", f" written to stock list {listed[0]}"
        if keys is not None:
            keys += [prefix + sku for sku in skus]
        messages += [f"stock {stock}{suffix}" for stock in stocks]
        return
    if keys is not None:
        keys += [f"{value}\x1f{sku}" for value, sku in zip(listed, skus, strict=True)]
    messages += [f"stock {stock} written to stock list {value}"
                 for stock, value in zip(stocks, listed, strict=True)]


def _body_rows(rows: list[dict[str, Any]], default: int | None, ident: str
               ) -> list[dict[str, Any]]:
    """The rows as the request body sends them: the flow's stock list where a row names
    none, and the batch id."""
    return [{**row, "batch_id": ident} if "stock_list" in row else
            {**row, "stock_list": default, "batch_id": ident} for row in rows]


def _without_batch_ids(text: str) -> list[dict[str, Any]]:
    """The rows of a request body as they were before ``bulk_body`` gave them its batch id
    (none of them had one)."""
    rows: list[dict[str, Any]] = fastjson.loads(text)
    for row in rows:
        del row["batch_id"]
    return rows


class OrderStatusWriter:
    def __init__(self, flow: Flow, client: OmnitronClient, pool: ScriptPool,
                 attrs: dict[str, str]) -> None:
        self.flow = flow
        self.client = client
        self.pool = pool
        self.attrs = attrs
        self.stopped: str | None = None
        """Set when an order's script ran out of time: no later order is attempted."""

    def write(self, rows: list[Any], page: int) -> WriteCounts:
        counts = WriteCounts()
        for row in rows:
            if self.stopped:
                break
            self._one(row, counts)
            counts.stop = self.stopped
        return counts

    def prepare(self, rows: list[Any], page: int) -> list[Any]:
        return rows  # each order's script and call need Omnitron's answer to the one before

    def send(self, prepared: list[Any]) -> WriteCounts:
        return self.write(prepared, 0)

    def _one(self, row: Any, counts: WriteCounts) -> None:
        order = row
        script = self.flow.write.script
        if script and script.strip() and isinstance(row, dict):
            outcome = self.pool.run(self.flow.id, script, row, self.attrs,
                                    timeout=self.flow.write.script_timeout_s)
            telemetry.report(telemetry.SCRIPT, outcome.duration_s, flow=self.flow.id)
            counts.attributes.update({k: v for k, v in outcome.attributes.items()
                                      if k.startswith("log.") and self.attrs.get(k) != v})
            if outcome.error or outcome.relationship != "success":
                error = timeout_hint(outcome.error, f"flows.{self.flow.id}.write",
                                     "script_timeout_s")
                self._fail(counts, row, f"order script failed: {error or 'failure'}")
                if error and error.startswith("TimeoutError"):
                    self.stopped = f"order script failed: {error}; the orders after it were " \
                                   "not sent"
                return
            order = outcome.result_json
        problem = order_problem(order)
        if problem:
            shown = order if isinstance(order, dict) else row
            key = shown.get("order") if isinstance(shown, dict) else None
            counts.skip(str(key) if key else None, problem, shown)
            return
        try:
            answer = self.client.bulk_status_update(order)
        except OmnitronValidationError as exc:
            self._fail(counts, order, _item_errors(exc.body) or exc.message)
            return
        except OmnitronError as exc:
            if exc.status is not None and exc.status < 500:
                self._fail(counts, order, exc.message)
                return
            raise StepError("write", exc.message) from None
        items = answer.get("orderitem_set", []) if isinstance(answer, dict) else []
        counts.succeeded += 1
        statuses = ", ".join(f"{i.get('id')}->{i.get('status')}" for i in items)
        counts.entries.append(("info", str(order["order"]), f"{len(items)} item(s) updated: "
                                                            f"{statuses}", order))

    @staticmethod
    def _fail(counts: WriteCounts, order: Any, message: str) -> None:
        counts.failed += 1
        key = str(order.get("order")) if isinstance(order, dict) and order.get("order") else None
        counts.entries.append(("error", key, message, order))


def _item_errors(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("orderitem_set"), list):
        return "; ".join(f"item {e.get('id')}: {' '.join(map(str, e.get('errors', [])))}"
                         for e in body["orderitem_set"] if isinstance(e, dict))
    return describe_body(body) if body else ""


class Writer(Protocol):
    """Writes a page in two halves: ``prepare`` (no call to Omnitron; the runner does it while
    the page before is being sent) and ``send``."""

    def prepare(self, rows: list[Any], page: int) -> Any: ...

    def send(self, prepared: Any) -> WriteCounts: ...
