"""The project's fast JSON: orjson where it gives exactly what the standard library gives,
the standard library everywhere else.

The runner's hot paths (an ERP page read, an Omnitron request body, a log record) move
thousands of rows a page; orjson encodes such a page an order of magnitude faster than
``json.dumps`` and decodes it about twice as fast as ``json.loads``. It does not always agree
with the standard library, though, and what the console accepts, refuses and writes must not
change with the library that happened to do the work:

- reading, orjson refuses a byte order mark, UTF-16 and UTF-32, ``NaN`` and ``Infinity``,
  numbers too big for a double, lone surrogates and nesting past 1,024 levels, all of which
  the standard library either reads or refuses with its own error: every text orjson refuses
  is read again by ``json.loads``, which gives today's value or today's error. The one thing
  orjson reads *differently* is an integer beyond 64 bits, which it turns into a float
  silently: a text with a run of 19 digits is read by ``json.loads`` alone.
- writing, orjson writes ``NaN`` and infinities as ``null``, serializes dataclasses, enums,
  dates, UUIDs and subclasses of the plain types its own way, spells some floats otherwise
  (``0.00001`` for ``1e-05``) and refuses integers past 64 bits and lone surrogates. So a
  value is encoded by orjson only when it is made of the plain types alone (exact ``dict``
  with ``str`` keys, ``list``, ``str``, ``int``, ``bool``, ``None``) and each of its floats
  is spelled by orjson as ``repr`` spells it; anything else goes to the standard library's
  encoder, with the caller's ``allow_nan`` and ``default``.

Dict keys keep their order either way; non-ASCII text is written as is (UTF-8), as
``ensure_ascii=False`` writes it. The property tests in ``tests/test_fastjson.py`` hold both
paths to the same output.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import chain
from typing import Any

try:
    import orjson
except ImportError:  # an interpreter without it (a bare one starting a worker's console):
    orjson = None  # type: ignore[assignment]  # the same values and text, from json alone

_DIGITS = bytes.maketrans(b"0123456789", b"0" * 10)
_LONG_NUMBER = b"0" * 19
"""Where an integer may be past 64 bits (orjson would make it a float): 18 digits always fit.
Digits are all made zeros, then the run searched for: far faster than a regular expression."""
_SCALARS = frozenset((str, int, bool, type(None)))
_PLAIN = _SCALARS | {float, list, dict}


def loads(data: str | bytes | bytearray) -> Any:
    """``json.loads(data)``, exactly: its value, or its error."""
    return parse(data)[0]


def parse(data: str | bytes | bytearray) -> tuple[Any, bool]:
    """``json.loads(data)``, exactly (its value, or its error), and whether orjson read it:
    then ``loads_as_read`` reads the same text with orjson alone, to the same value."""
    if orjson is None:
        return json.loads(data), False
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if _LONG_NUMBER not in raw.translate(_DIGITS):
        try:
            return orjson.loads(raw), True
        except orjson.JSONDecodeError:
            pass
    return json.loads(data), False


def loads_as_read(data: bytes | bytearray) -> Any:
    """``json.loads(data)`` for a text ``parse`` read with orjson, without looking it over
    again for integers past 64 bits (half a millisecond for a 600 KB page): a script worker
    reads an ERP page's bytes the runner has parsed."""
    if orjson is None:
        return json.loads(data)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:  # not a text parse read with orjson: the exact way, then
        return loads(data)


def dumps(value: Any, *, allow_nan: bool = False,
          default: Callable[[Any], Any] | None = None, strings_and_ints: bool = False) -> str:
    """``json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=allow_nan,
    default=default)``, exactly: its text, or its error. ``strings_and_ints``: the caller
    made ``value`` of the plain types other than float alone (exact ``dict`` with ``str``
    keys, ``list``, ``str``, ``int``, ``bool``, ``None``: lists of ``str`` and ``int``, a
    writer's checked rows) and it need not be looked through."""
    if orjson is not None and (strings_and_ints or _plain(value)):
        try:
            return orjson.dumps(value).decode("utf-8")
        except orjson.JSONEncodeError:
            pass
    return _stdlib(value, allow_nan, default)


def _stdlib(value: Any, allow_nan: bool, default: Callable[[Any], Any] | None) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=allow_nan,
                      default=default)


def _plain(value: Any) -> bool:
    return _plain_level([value], {type(value)})


_CONTAINERS = frozenset((list, dict))


def _plain_level(values: list[Any], kinds: set[type]) -> bool:
    """Whether ``values`` (of types ``kinds``) and everything in them are of the plain types,
    with floats orjson spells as ``repr`` does. One nesting level at a time, so the loops stay
    in C; a level of scalars only is looked at once."""
    if not kinds <= _PLAIN:
        return False
    if float in kinds and not _same_floats(v for v in values if type(v) is float):
        return False
    if not kinds & _CONTAINERS:
        return True
    if kinds == {dict}:
        dicts, lists = values, []
    elif kinds == {list}:
        dicts, lists = [], values
    else:
        dicts = [v for v in values if type(v) is dict]
        lists = [v for v in values if type(v) is list]
    if dicts:
        keys: set[Any] = set()
        keys.update(*dicts)
        if set(map(type, keys)) - {str}:
            return False

    def inner() -> chain[Any]:
        return chain(chain.from_iterable(map(dict.values, dicts)), chain.from_iterable(lists))
    below = set(map(type, inner()))
    if not below & _CONTAINERS and float not in below:
        return below <= _PLAIN
    return _plain_level(list(inner()), below)


def _same_floats(floats: Any) -> bool:
    return all(orjson.dumps(f) == repr(f).encode() for f in set(floats))
