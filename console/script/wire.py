"""What goes between the console and a script worker, message by message.

A page (a list of rows) goes as chunks of rows, each way: while one side encodes the next
chunk the other decodes the last one, so on two cores the page's encoding and decoding overlap
instead of adding up. Requests are trusted (the console wrote them) and use marshal, the
fastest for plain data, or pickle protocol 5 for anything else; replies come from code the
console does not trust and are pickles read back with ``result.plain_loads``.

A page read from the ERP as JSON goes as the ERP's answer itself (``JsonPage``): the console
parsed it already (to follow the pagination), and the worker reading the bytes costs the console
nothing, where encoding the records again cost it a millisecond or two a page. The worker finds
the records in it as the ERP read did (``console.records``), so a script gets the same data.

A request is a header (``source``, ``attributes``, ``cpu_s``, a sync's Jolt ``mapping`` if
any, and ``text``, ``data``, the number of ``chunks`` or the ``page_path`` of a JSON page,
with ``page_as_read`` when orjson read it exactly) and
that many chunks (one: the page's bytes). A reply is zero or more output chunks (``C``) and
one result (``R``): the result comes last, so a chunk that turns out not to be JSON data, or
a result over its size limit, fails the call after chunks were sent.
"""

from __future__ import annotations

import marshal
import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from console import fastjson
from console.records import records_of

CHUNK_ROWS = 1000
OUTPUT_CHUNK = b"C"
RESULT = b"R"


def encode(value: Any) -> bytes:
    """``value`` for the worker: marshal when it holds plain data only, pickle otherwise."""
    try:
        return b"M" + marshal.dumps(value)
    except ValueError:
        return b"P" + pickle.dumps(value, protocol=5)


def decode(body: bytes) -> Any:
    """What ``encode`` made, in the worker (which trusts the console)."""
    if body[:1] == b"M":
        return marshal.loads(memoryview(body)[1:])
    return pickle.loads(memoryview(body)[1:])


@dataclass(frozen=True)
class JsonPage:
    """A page's records as the JSON text they were read from: ``body`` (UTF-8, or whatever
    ``json.loads`` reads) holds them at the dotted ``path``. ``as_read``: the ERP read parsed
    the body with orjson (``fastjson.parse``), which the worker may then use alone."""

    body: bytes
    path: str
    as_read: bool = False

    def records(self) -> list[Any]:
        """The page's records, as the ERP read parsed them."""
        parsed = fastjson.loads_as_read(self.body) if self.as_read else \
            fastjson.loads(self.body)
        return records_of(parsed, self.path)


def chunked(rows: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(rows), CHUNK_ROWS):
        yield rows[start:start + CHUNK_ROWS]


def request(header: dict[str, Any], data: Any) -> tuple[bytes, Iterator[bytes]]:
    """The request's header, encoded now, and the chunks of ``data`` (a list), encoded one by
    one as they are sent: a chunk that cannot be sent fails the call and ends the worker,
    which was waiting for it. A header with ``text`` carries no data."""
    if "text" in header:
        return encode(header), iter(())
    if type(data) is JsonPage:
        page = {"page_path": data.path, "page_as_read": True} if data.as_read else \
            {"page_path": data.path}
        return encode({**header, **page}), iter((data.body,))
    if type(data) is list:
        header = {**header, "chunks": -(-len(data) // CHUNK_ROWS)}
        return encode(header), (encode(chunk) for chunk in chunked(data))
    return encode({**header, "data": data}), iter(())
