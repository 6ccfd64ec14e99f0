"""Java's hashing and ``HashMap`` iteration order.

Jolt keeps some spec keys in a ``java.util.HashMap``, so the order in which it writes output
keys (and hence the key order users see) follows Java's bucket order, not the spec's order.
"""

from __future__ import annotations

from collections.abc import Iterable


def string_hash(text: str) -> int:
    """``String.hashCode()`` over UTF-16 code units, as a signed 32-bit int."""
    h = 0
    for unit in _units(text):
        h = (31 * h + unit) & 0xFFFFFFFF
    return h - (1 << 32) if h & 0x80000000 else h


def _units(text: str) -> Iterable[int]:
    for char in text:
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            yield 0xD800 + (code >> 10)
            yield 0xDC00 + (code & 0x3FF)
        else:
            yield code


def _spread(h: int) -> int:
    h &= 0xFFFFFFFF
    return h ^ (h >> 16)


def hashmap_order(keys: Iterable[str]) -> list[str]:
    """The iteration order of a ``new HashMap<>()`` after putting ``keys`` in this order."""
    ordered = list(dict.fromkeys(keys))
    capacity = 16
    while len(ordered) > capacity * 0.75:
        capacity *= 2
    position = {key: index for index, key in enumerate(ordered)}
    return sorted(ordered, key=lambda k: (_spread(string_hash(k)) & (capacity - 1), position[k]))
