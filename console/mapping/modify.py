"""modify-overwrite-beta, modify-default-beta and modify-define-beta.

Values in the spec are literals, ``@(N,path)`` references, ``=function(args)`` calls, nested
objects, or a list of those tried in order until one gives a value. ``overwrite`` always
writes, ``default`` writes when the key is missing or null, ``define`` only when missing.
"""

from __future__ import annotations

import json
import re
from typing import Any

from console.mapping.errors import MappingSpecError
from console.mapping.functions import ABSENT, FUNCTIONS
from console.mapping.keys import KeyMatcher
from console.mapping.refs import MISSING, Level, Transpose, WalkedPath, parse_transpose

_INSERT_FIRST = {"substring": 3, "leftPad": 3, "rightPad": 3}
_APPEND_LAST = {"join": 2, "split": 2, "elementAt": 2}


def _split_args(text: str, where: str) -> list[str]:
    args: list[str] = []
    depth = 0
    quote: str | None = None
    current: list[str] = []
    for char in text:
        if quote:
            current.append(char)
            if char == quote:
                quote = None
            continue
        if char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            args.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if quote or depth:
        raise MappingSpecError(f"unbalanced quotes or parentheses in {text!r}", where)
    if current or args:
        args.append("".join(current).strip())
    return [arg for arg in args if arg]


class ContextRef:
    """``^name`` or ``^a.b``: a value from the context given to ``apply``."""

    def __init__(self, text: str) -> None:
        self.steps = [p for p in text[1:].strip("()").split(".") if p]

    def lookup(self, context: dict[str, Any] | None) -> Any:
        data: Any = context or {}
        for step in self.steps:
            if isinstance(data, dict) and step in data:
                data = data[step]
            elif isinstance(data, list) and step.isdigit() and int(step) < len(data):
                data = data[int(step)]
            else:
                return MISSING
        return data


def _argument(text: str, where: str) -> Any:
    if text.startswith("@"):
        return parse_transpose(text)
    if text.startswith("^"):
        return ContextRef(text)
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


class Call:
    def __init__(self, text: str, where: str) -> None:
        body = text[1:]
        name, paren, rest = body.partition("(")
        self.name = name.strip()
        if self.name not in FUNCTIONS:
            raise MappingSpecError(f"unknown function '={self.name}'", where)
        self.function = FUNCTIONS[self.name]
        if paren:
            if not rest.endswith(")"):
                raise MappingSpecError(f"expected ')' to close {text!r}", where)
            self.args: list[Any] | None = [_argument(a, where)
                                           for a in _split_args(rest[:-1], where)]
        else:
            self.args = None

    def evaluate(self, current: Any, path: WalkedPath, context: dict[str, Any] | None) -> Any:
        if self.args is None:
            return ABSENT if current is MISSING else self.function([current])
        args = []
        for arg in self.args:
            if isinstance(arg, Transpose | ContextRef):
                found = arg.lookup(context) if isinstance(arg, ContextRef) else arg.lookup(path)
                args.append(None if found is MISSING else found)
            else:
                args.append(arg)
        if current is not MISSING:
            if self.name in _INSERT_FIRST and len(args) < _INSERT_FIRST[self.name]:
                args.insert(0, current)
            elif self.name in _APPEND_LAST and len(args) < _APPEND_LAST[self.name]:
                args.append(current)
        return self.function(args)


def _value(raw: Any, where: str) -> Any:
    if isinstance(raw, str) and raw.startswith("="):
        return Call(raw, where)
    if isinstance(raw, str) and raw.startswith("@"):
        return parse_transpose(raw)
    if isinstance(raw, str) and raw.startswith("^"):
        return ContextRef(raw)
    if isinstance(raw, list):
        return [_value(item, f"{where}[{i}]") for i, item in enumerate(raw)]
    return raw


def _evaluate(value: Any, current: Any, path: WalkedPath, context: dict[str, Any] | None) -> Any:
    if isinstance(value, Call):
        return value.evaluate(current, path, context)
    if isinstance(value, Transpose | ContextRef):
        found = value.lookup(context) if isinstance(value, ContextRef) else value.lookup(path)
        return ABSENT if found is MISSING else found
    if isinstance(value, list):
        for option in value:
            result = _evaluate(option, current, path, context)
            if result is not ABSENT and result is not None:
                return result
        return ABSENT
    return json.loads(json.dumps(value))


class Modify:
    mutates = True

    def __init__(self, spec: Any, where: str, mode: str) -> None:
        if not isinstance(spec, dict):
            raise MappingSpecError("a modify spec must be a JSON object", where)
        self.mode = mode
        self.children: list[tuple[KeyMatcher, Any]] = []
        for key, raw in spec.items():
            child_where = f"{where}.{key}" if where else key
            matcher = KeyMatcher(key)
            child = Modify(raw, child_where, mode) if isinstance(raw, dict) else \
                _value(raw, child_where)
            self.children.append((matcher, child))
        self.children.sort(key=lambda item: item[0].rank)

    def apply(self, data: Any, context: dict[str, Any] | None = None) -> Any:
        path = WalkedPath([Level(data, ["root"])])
        self._apply(data, path, context)
        return data

    def _apply(self, container: Any, path: WalkedPath, context: dict[str, Any] | None) -> None:
        if not isinstance(container, dict | list):
            return
        for matcher, child in self.children:
            keys = list(matcher.keys_in(container))
            if matcher.literal is not None and isinstance(container, dict):
                keys = [matcher.literal]
            for key in keys:
                self._one(container, key, child, matcher, path, context)

    def _one(self, container: Any, key: Any, child: Any, matcher: KeyMatcher,
              path: WalkedPath, context: dict[str, Any] | None) -> None:
        present = (key in container) if isinstance(container, dict) else \
            (isinstance(key, int) and 0 <= key < len(container))
        current = container[key] if present else MISSING
        if isinstance(child, Modify):
            if current is MISSING or current is None:
                if self.mode == "define" and present:
                    return
                current = [] if matcher.wants_list else {}
                _store(container, key, current)
            path.levels.append(Level(current, [str(key)]))
            child._apply(current, path, context)
            path.levels.pop()
            return
        if self.mode == "define" and present:
            return
        if self.mode == "default" and present and current is not None:
            return
        path.levels.append(Level(None if current is MISSING else current, [str(key)]))
        result = _evaluate(child, current, path, context)
        path.levels.pop()
        if result is not ABSENT:
            _store(container, key, result)


def _store(container: Any, key: Any, value: Any) -> None:
    if isinstance(container, dict):
        container[key] = value
    elif isinstance(key, int) and key >= 0:
        if key >= len(container):
            container.extend([None] * (key + 1 - len(container)))
        container[key] = value
