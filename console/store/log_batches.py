"""Successful rows of a log batch kept as one compact record, shared by both stores.

A sync logs one row per synced row, nearly all of them "written" lines. Stored one table row
each, with the indexes the log view needs, inserting them cost as much as the sync itself. So
the rows of one ``add_logs`` call that only say a row was written (level ``info``, a key, the
row as a JSON object, or as an element of the request body that sent it, for payload) go into
one ``row_batch`` record instead: their numbers, their keys as lines of text (searched by
prefix without decoding anything), their messages and payloads as one JSON document, and the
request body they were sent in (kept once, not encoded again row by row), all zlib-packed but
the keys. Every other row (errors, warnings, skipped rows, the execution's own lines) stays a
full ``row_log`` row with its indexes.

Positions stay dense and shared: ``seq`` (and ``level_seq``) numbers every row of an execution
wherever it is kept, and the records of one execution cover disjoint ``seq`` spans, so a page
of the view is the full rows in its range plus the one or two records overlapping it.
"""

from __future__ import annotations

import threading
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from console import fastjson
from console.store.records import RowLog, compact_json
from console.surrogates import escaped, has_lone

COMPACT_LEVEL = "info"
MIN_ROWS = 2
"""A call with fewer rows to compact keeps them as full rows: a record is worth it for a batch."""
COLUMNS = ("execution_id", "first_seq", "last_seq", "level", "first_level_seq",
           "last_level_seq", "low_key", "high_key", "created_at", "numbers", "keys", "body",
           "sent")
"""A record's columns; ``low_key`` and ``high_key`` bound its keys, so a search by key reads
the keys of the few records whose range holds the prefix (ERP data comes in key order)."""

Entry = tuple[str, str | None, str, Any]
FullRow = tuple[int, str, str | None, str, str | None, int]
"""seq, level, key, message, payload text, level_seq."""


class Sent(NamedTuple):
    """A log entry's payload that is element ``position`` of ``text``, a JSON array already
    encoded (a bulk request's body as sent): a record keeps the text once for all its rows.
    (A named tuple: a writer makes one per row written, and it costs least to make.)"""

    text: str
    position: int


class Written(NamedTuple):
    """Rows of one sent body that were all written, as one log item: row ``n`` has key
    ``keys[n]``, message ``messages[n]`` and, as payload, element ``positions[n]`` of
    ``text``, at level ``info``. A writer makes one per batch instead of an entry per row,
    and a store numbers and keeps its rows in one go; the rows read back are the rows its
    per-row entries (``entries``) would have made."""

    text: str
    keys: list[str]
    messages: list[str]
    positions: list[int]

    def entries(self) -> list[Entry]:
        text = self.text
        return [(COMPACT_LEVEL, key, message, Sent(text, position)) for key, message, position
                in zip(self.keys, self.messages, self.positions, strict=True)]


Item = Entry | Written
"""What ``add_logs`` takes: a row's entry, or the rows of a sent body (``Written``)."""


@dataclass(frozen=True)
class Batch:
    """One compact record: rows numbered ``numbers`` (see ``spans``), with keys as
    ``"\n" + key`` lines and ``body`` the JSON object of the rows' ``messages`` and
    ``payloads`` (each an index into ``sent`` when the rows' payloads are elements of a sent
    body; records of before hold a [message, payload] list per row instead).
    ``numbers``, ``body`` and ``sent`` are stored packed (see ``pack``)."""

    first_seq: int
    last_seq: int
    level: str
    first_level_seq: int
    last_level_seq: int
    low_key: str
    high_key: str
    numbers: bytes
    keys: str
    body: bytes
    sent: bytes | None

    def values(self, execution_id: str, created_at: str) -> tuple[Any, ...]:
        """The record's row, in ``COLUMNS`` order."""
        return (execution_id, self.first_seq, self.last_seq, self.level, self.first_level_seq,
                self.last_level_seq, self.low_key, self.high_key, created_at, self.numbers,
                self.keys, self.body, self.sent)


def _storable(text: Any) -> Any:
    """Text as a store can keep it: a lone surrogate escaped (see ``console.surrogates``)."""
    return text if type(text) is not str or text.isascii() else escaped(text)


def _encode(value: Any, strings_and_ints: bool) -> str:
    """A record's numbers or body as JSON text, as ``compact_json`` writes a payload."""
    return fastjson.dumps(value, allow_nan=True, default=str, strings_and_ints=strings_and_ints)


def pack(text: str) -> bytes:
    """A record's messages and rows as stored: zlib at its fastest level. A batch's rows
    repeat their field names and look alike, so this is a twentieth of the text, and the
    database writes (and the write-ahead log copies) that much less per batch."""
    try:
        data = text.encode()
    except UnicodeEncodeError:  # JSON text with a lone surrogate: escaped, it reads the same
        data = escaped(text).encode()
    return zlib.compress(data, 1)


def unpack(stored: str | bytes) -> str:
    """What ``pack`` stored (or text, as records first were)."""
    if isinstance(stored, str):
        return stored
    data = bytes(stored)
    return (data if data[:1] == b"[" else zlib.decompress(data)).decode()


def compactable(entry: Entry) -> bool:
    level, key, _message, payload = entry
    return level == COMPACT_LEVEL and (type(payload) is dict or type(payload) is Sent) \
        and isinstance(key, str) and "\n" not in key


def per_level(entries: list[Item]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in entries:
        if type(entry) is Written:
            counts[COMPACT_LEVEL] = counts.get(COMPACT_LEVEL, 0) + len(entry.keys)
        else:
            counts[entry[0]] = counts.get(entry[0], 0) + 1
    return counts


def row_count(entries: list[Item]) -> int:
    """How many rows ``entries`` log."""
    return sum(len(entry.keys) if type(entry) is Written else 1 for entry in entries)


def _all_compactable(keys: list[str]) -> bool:
    return set(map(type, keys)) <= {str} and "\n" not in "".join(keys)


class _Run:
    """Compactable rows that go into one record: consecutive ones with payloads of one kind
    (rows as objects, or elements of one sent body)."""

    def __init__(self, sent: str | None) -> None:
        self.sent = sent
        self.plain = sent is not None
        """Whether the body holds only messages and positions (not rows as objects)."""
        self.numbers: list[list[int]] = []
        self.keys: list[str] = []
        self.messages: list[str] = []
        self.payloads: list[Any] = []

    def batch(self) -> Batch:
        first, last = self.numbers[0], self.numbers[-1]
        more = last[2] - 1 if len(last) > 2 else 0
        keys = "\n" + "\n".join(self.keys)
        if has_lone(keys):  # shown, searched and bounded as stored: escaped
            self.keys = list(map(escaped, self.keys))
            keys = "\n" + "\n".join(self.keys)
        body = _encode({"messages": self.messages, "payloads": self.payloads}, self.plain)
        try:
            packed = zlib.compress(body.encode(), 1)
        except UnicodeEncodeError:  # a lone surrogate: messages as shown, payloads as JSON
            self.messages = list(map(_storable, self.messages))
            packed = pack(_encode({"messages": self.messages, "payloads": self.payloads},
                                  self.plain))
        return Batch(first[0], last[0] + more, COMPACT_LEVEL, first[1], last[1] + more,
                     min(self.keys), max(self.keys), pack(_encode(self.numbers, True)),
                     keys, packed,
                     None if self.sent is None else pack(self.sent))


def number(entries: list[Item], seq: int, level_seqs: dict[str, int],
           encode: Callable[[Any], str]) -> tuple[list[FullRow], list[Batch]]:
    """Number ``entries`` after ``seq`` (and, per level, after ``level_seqs``, which is
    advanced in place): the rows kept full, and the records of the compacted ones.
    ``encode`` gives a payload's compact JSON; the caller holds whatever lock it needs.
    Rows as objects are compacted when there are a few of them; rows of a sent body always
    are (their text is already there)."""
    objects = sum(1 for entry in entries
                  if type(entry) is not Written and type(entry[3]) is dict and compactable(entry))
    full: list[FullRow] = []
    runs: list[_Run] = []

    def run_of(sent: str | None) -> _Run:
        if not runs or runs[-1].sent is not sent:
            runs.append(_Run(sent))
        return runs[-1]

    def one(entry: Entry) -> None:
        nonlocal seq
        level, key, message, payload = entry
        seq += 1
        level_seq = level_seqs[level] = level_seqs.get(level, 0) + 1
        kind = type(payload)
        if compactable(entry) and (kind is Sent or objects >= MIN_ROWS):
            run = run_of(payload.text if kind is Sent else None)
            run.numbers.append([seq, level_seq])
            run.keys.append(key)  # type: ignore[arg-type]  # compactable: a str
            run.messages.append(message)
            run.payloads.append(payload.position if kind is Sent else payload)
            run.plain = run.plain and type(message) is str and type(run.payloads[-1]) is int
            return
        if kind is Sent:
            payload = fastjson.loads(payload.text)[payload.position]
        text = encode(payload) if payload is not None and not isinstance(payload, str) else \
            _storable(payload)
        full.append((seq, level, _storable(key), _storable(message), text, level_seq))

    for entry in entries:
        if type(entry) is not Written:
            one(entry)  # type: ignore[arg-type]  # not Written: an entry
        elif _all_compactable(entry.keys):
            first, level_first = seq + 1, level_seqs.get(COMPACT_LEVEL, 0) + 1
            count = len(entry.keys)
            seq += count
            level_seqs[COMPACT_LEVEL] = level_first + count - 1
            run = run_of(entry.text)
            run.numbers.append([first, level_first, count])
            run.keys += entry.keys
            run.messages += entry.messages
            run.payloads += entry.positions
            run.plain = run.plain and set(map(type, entry.messages)) <= {str} and \
                set(map(type, entry.positions)) <= {int}
        else:
            for row in entry.entries():
                one(row)
    return full, [run.batch() for run in runs]


@dataclass(frozen=True)
class Record:
    """A stored batch as read back: what a read needs to expand it."""

    execution_id: str
    first_seq: int
    level: str
    created_at: str
    numbers: str | bytes
    keys: str
    body: str | bytes
    sent: str | bytes | None


@dataclass(frozen=True)
class _Decoded:
    seqs: list[int]
    level_seqs: list[int]
    keys: list[str]
    messages: list[str]
    payloads: list[Any]
    sent: list[Any] | None


class Expander:
    """Turns records into rows, keeping the last few decoded (records never change, and the
    view pages through one record many times). Only the rows asked for become ``RowLog``s."""

    def __init__(self, keep: int = 4) -> None:
        self._keep = keep
        self._lock = threading.Lock()
        self._decoded: OrderedDict[tuple[str, int], _Decoded] = OrderedDict()

    def _decode(self, record: Record) -> _Decoded:
        name = (record.execution_id, record.first_seq)
        with self._lock:
            found = self._decoded.get(name)
            if found is not None:
                self._decoded.move_to_end(name)
                return found
        seqs, level_seqs = spans(record.numbers)
        body = fastjson.loads(unpack(record.body))
        if type(body) is dict:
            messages, payloads = body["messages"], body["payloads"]
        else:  # a record of before: [message, payload] per row
            messages, payloads = [row[0] for row in body], [row[1] for row in body]
        decoded = _Decoded(seqs, level_seqs, record.keys[1:].split("\n"), messages, payloads,
                           None if record.sent is None else fastjson.loads(unpack(record.sent)))
        with self._lock:
            self._decoded[name] = decoded
            while len(self._decoded) > self._keep:
                self._decoded.popitem(last=False)
        return decoded

    @staticmethod
    def _rows(record: Record, decoded: _Decoded, indexes: Iterable[int]) -> list[RowLog]:
        """The rows at ``indexes`` of a record (``id`` 0: they have no table row)."""
        encode = compact_json()
        rows = []
        for n in indexes:
            message, payload = decoded.messages[n], decoded.payloads[n]
            if decoded.sent is not None:
                payload = decoded.sent[payload]
            rows.append(RowLog(0, record.execution_id, decoded.seqs[n], record.level,
                               decoded.keys[n], message, encode(payload), record.created_at))
        return rows

    def window(self, full: Iterable[RowLog], records: Iterable[Record], low: int, high: int,
               level: str | None) -> list[RowLog]:
        """The rows at positions ``low < position <= high`` (seq, or level seq when
        ``level`` is given) from full rows already in range and records overlapping it."""
        rows = list(full)
        for record in records:
            decoded = self._decode(record)
            positions = decoded.seqs if level is None else decoded.level_seqs
            rows.extend(self._rows(record, decoded, range(bisect_right(positions, low),
                                                          bisect_right(positions, high))))
        rows.sort(key=lambda r: r.seq)
        return rows

    def pick(self, records: Iterable[Record], seqs: list[int]) -> list[RowLog]:
        """The rows numbered ``seqs`` (ascending) that ``records`` hold."""
        rows = []
        for record in records:
            decoded = self._decode(record)
            indexes = []
            for seq in seqs:
                n = bisect_left(decoded.seqs, seq)
                if n < len(decoded.seqs) and decoded.seqs[n] == seq:
                    indexes.append(n)
            rows.extend(self._rows(record, decoded, indexes))
        return rows


def needle(search: str) -> str:
    """What a record's ``keys`` text holds where one of its keys starts with ``search``."""
    return "\n" + search


def matches(numbers: str | bytes, keys: str, search: str) -> list[int]:
    """The seqs of a record's rows whose key starts with ``search``, negated: a search's
    result list tells rows of records (negative) from full rows (positive) that way."""
    lines = keys[1:].split("\n")
    hits = [n for n, key in enumerate(lines) if key.startswith(search)]
    if not hits:
        return []
    seqs = spans(numbers)[0]
    return [-seqs[n] for n in hits]


def spans(numbers: str | bytes) -> tuple[list[int], list[int]]:
    """A record's stored ``numbers`` as the seq and the level seq of each of its rows, in
    order: an item ``[seq, level_seq]`` numbers one row, ``[seq, level_seq, count]`` that
    many rows numbered on from there (a batch written whole)."""
    seqs: list[int] = []
    level_seqs: list[int] = []
    for item in fastjson.loads(unpack(numbers)):
        count = item[2] if len(item) > 2 else 1
        seqs += range(item[0], item[0] + count)
        level_seqs += range(item[1], item[1] + count)
    return seqs, level_seqs


def key_range(search: str) -> tuple[str, str]:
    """Bounds ``low_key < upper`` and ``high_key >= search`` of records that may hold a key
    starting with ``search``."""
    return search + "\U0010ffff", search


def in_order(found: Iterable[int]) -> array[int]:
    """A search's seqs (negative for rows of records) in seq order."""
    return array("q", sorted(found, key=abs))


def holders(spans: Iterable[tuple[int, int]], seqs: list[int]) -> list[int]:
    """The first seqs of the records (given as ``(first_seq, last_seq)`` spans, which never
    overlap) that hold some of ``seqs``."""
    ordered = sorted((first, last) for first, last in spans)
    starts = [first for first, _last in ordered]
    found = set()
    for seq in seqs:
        n = bisect_right(starts, seq) - 1
        if n >= 0 and ordered[n][1] >= seq:
            found.add(ordered[n][0])
    return sorted(found)
