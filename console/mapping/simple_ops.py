"""The tree-editing operations: default, remove, cardinality and sort."""

from __future__ import annotations

import copy
from typing import Any

from console.mapping.errors import MappingSpecError
from console.mapping.keys import KeyMatcher


def _children(spec: Any, where: str) -> list[tuple[KeyMatcher, Any, str]]:
    if not isinstance(spec, dict):
        raise MappingSpecError("expected a JSON object", where)
    out = [(KeyMatcher(k), v, f"{where}.{k}" if where else k) for k, v in spec.items()]
    return sorted(out, key=_precedence)


def _precedence(item: tuple[KeyMatcher, Any, str]) -> tuple[int, int, str]:
    """Literals first, then ``a|b`` keys (fewer alternatives first, then alphabetically, as
    Jolt's Defaultr orders them), then wildcards."""
    matcher = item[0]
    if matcher.alternatives is not None:
        return (1, len(matcher.alternatives), matcher.raw)
    return (matcher.rank, 0, "")


class Default:
    """Adds missing (or null) values; ``*`` and ``a|b`` only touch keys that exist. As in Jolt's
    Defaultr, a bare ``*`` is the only wildcard: ``tuna*`` or ``a|*`` is a spec error."""

    mutates = True

    def __init__(self, spec: Any, where: str) -> None:
        self.children = _children(spec, where)
        for matcher, _value, child_where in self.children:
            if "*" in matcher.raw and matcher.raw not in ("*", "*[]"):
                raise MappingSpecError("a default key can only be '*' itself, with no other "
                                       "characters", child_where)
        self.compiled = [(m, Default(v, w) if isinstance(v, dict) else v)
                         for m, v, w in self.children]

    def apply(self, data: Any, context: dict[str, Any] | None = None) -> Any:
        if data is None:
            data = {}
        self._fill(data)
        return data

    def _fill(self, container: Any) -> None:
        if not isinstance(container, dict | list):
            return
        for matcher, value in self.compiled:
            keys = list(matcher.keys_in(container))
            if matcher.literal is not None and isinstance(container, dict):
                keys = [matcher.literal]
            elif matcher.literal is not None and isinstance(container, list):
                keys = [int(matcher.literal)] if matcher.literal.isdigit() else []
            for key in keys:
                current = _get(container, key)
                if isinstance(value, Default):
                    if current is None:
                        current = [] if matcher.wants_list else {}
                        _set(container, key, current)
                    if isinstance(current, list) == matcher.wants_list:
                        value._fill(current)
                elif current is None:
                    _set(container, key, copy.deepcopy(value))


class Remove:
    """Removes matched keys. As in Jolt's Removr, a leaf's value must be blank text and, inside
    a list, only an index or a bare ``*`` matches (``1*`` is not an index pattern)."""

    mutates = True

    def __init__(self, spec: Any, where: str) -> None:
        if not isinstance(spec, dict):
            raise MappingSpecError("expected a JSON object", where)
        self.compiled: list[tuple[KeyMatcher, Remove | None]] = []
        for raw, value in spec.items():
            child_where = f"{where}.{raw}" if where else raw
            if isinstance(value, dict):
                child: Remove | None = Remove(value, child_where)
            elif isinstance(value, str) and not value.strip():
                child = None
            else:
                raise MappingSpecError('expected "" (remove this key) or a nested object, '
                                       f"found {value!r}", child_where)
            self.compiled.extend((KeyMatcher(alternative), child) for alternative in raw.split("|"))

    def apply(self, data: Any, context: dict[str, Any] | None = None) -> Any:
        self._remove(data)
        return data

    def _remove(self, container: Any) -> None:
        doomed: list[Any] = []
        for matcher, child in self.compiled:
            if isinstance(container, list) and matcher.star is not None and matcher.raw != "*":
                continue
            for key in matcher.keys_in(container):
                if child is None:
                    doomed.append(key)
                else:
                    child._remove(_get(container, key))
        if isinstance(container, dict):
            for key in doomed:
                container.pop(key, None)
        elif isinstance(container, list):
            for index in sorted(set(doomed), reverse=True):
                del container[index]


class Cardinality:
    """ONE takes the first element of a list, MANY wraps a value in a list (null becomes an
    empty list); ``@`` applies to the node itself; each key gets the first spec that matches
    it, literals before wildcards."""

    mutates = True

    def __init__(self, spec: Any, where: str) -> None:
        self.compiled: list[tuple[KeyMatcher, Any]] = []
        self.own: str | None = None
        for matcher, value, child_where in _children(spec, where):
            if matcher.raw == "@":
                self.own = self._mode(value, child_where)
            elif isinstance(value, dict):
                self.compiled.append((matcher, Cardinality(value, child_where)))
            else:
                self.compiled.append((matcher, self._mode(value, child_where)))

    @staticmethod
    def _mode(value: Any, where: str) -> str:
        if value not in ("ONE", "MANY"):
            raise MappingSpecError(f'expected "ONE", "MANY" or an object, found {value!r}', where)
        return str(value)

    def apply(self, data: Any, context: dict[str, Any] | None = None) -> Any:
        return self._adjust(data)

    def _adjust(self, node: Any) -> Any:
        if self.own is not None:
            node = _cardinal(node, self.own)
        handled: set[Any] = set()
        for matcher, child in self.compiled:
            for key in list(matcher.keys_in(node)):
                if key in handled:
                    continue
                handled.add(key)
                current = _get(node, key)
                if isinstance(child, Cardinality):
                    _set(node, key, child._adjust(current))
                else:
                    _set(node, key, _cardinal(current, child))
        return node


def _cardinal(value: Any, mode: str) -> Any:
    if mode == "ONE":
        if isinstance(value, list):
            return value[0] if value else None
        return value
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class Sort:
    """Sorts every object's keys (``~`` keys first); arrays keep their order."""

    mutates = True

    def __init__(self, spec: Any, where: str) -> None:
        del spec, where

    def apply(self, data: Any, context: dict[str, Any] | None = None) -> Any:
        return _sorted(data)


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (not k.startswith("~"), k))
        return {k: _sorted(value[k]) for k in keys}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def _get(container: Any, key: Any) -> Any:
    if isinstance(container, dict):
        return container.get(key)
    if isinstance(container, list) and isinstance(key, int) and 0 <= key < len(container):
        return container[key]
    return None


def _set(container: Any, key: Any, value: Any) -> None:
    if isinstance(container, dict):
        container[key] = value
    elif isinstance(container, list) and isinstance(key, int) and key >= 0:
        if key >= len(container):
            container.extend([None] * (key + 1 - len(container)))
        container[key] = value
