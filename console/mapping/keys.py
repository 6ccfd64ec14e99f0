"""Key matching shared by default, remove, cardinality and modify: literals, ``a|b``, stars."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from console.mapping.refs import star_matcher, unescape, without_escaped


class KeyMatcher:
    """Which existing keys (or list indexes) of a container one spec key applies to."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        base = raw[:-2] if raw.endswith("[]") else raw
        self.wants_list = raw.endswith("[]")
        inspect = without_escaped(base)
        self.alternatives = [unescape(a) for a in base.split("|")] if "|" in inspect else None
        self.star: Callable[[str], list[str] | None] | None = (
            star_matcher(base) if "*" in inspect and self.alternatives is None else None)
        self.literal = unescape(base) if self.alternatives is None and self.star is None else None
        self.rank = 0 if self.literal is not None else 1 if self.alternatives is not None else 2

    def keys_in(self, container: Any) -> Iterator[Any]:
        """Existing keys of ``container`` this spec key matches (indexes for lists)."""
        if isinstance(container, dict):
            names = list(container)
        elif isinstance(container, list):
            names = [str(i) for i in range(len(container))]
        else:
            return
        for name in names:
            if self.matches(name):
                yield int(name) if isinstance(container, list) else name

    def matches(self, name: str) -> bool:
        if self.literal is not None:
            return name == self.literal
        if self.alternatives is not None:
            return name in self.alternatives
        assert self.star is not None
        return self.star(name) is not None
