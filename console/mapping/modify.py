"""modify-overwrite-beta, modify-default-beta and modify-define-beta.

Values in the spec are literals, ``@(N,path)`` references, ``^context`` lookups,
``=function(args)`` calls, nested objects, or a list of those tried in order until one gives a
value. ``overwrite`` always writes, ``default`` writes when the value is missing or null,
``define`` only when the key is missing (for lists: an index the spec itself added). A key may
override the mode with a ``+``, ``~`` or ``_`` prefix, and a trailing ``?`` applies it only when
the input has that key. ``[N]`` keys address list indexes and grow the list to reach them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from console.mapping.errors import MappingSpecError, located
from console.mapping.functions import FUNCTIONS
from console.mapping.refs import (
    ABSENT,
    MISSING,
    Level,
    Transpose,
    WalkedPath,
    parse_transpose,
    path_steps,
    star_matcher,
    unescape,
    walk,
    without_escaped,
)

_JAVA_INT = re.compile(r"[+-]?\d+")
_JAVA_DOUBLE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?")


def _split_args(text: str, where: str) -> list[str]:
    """Split at top-level commas; ``'...'`` and ``@(...)`` keep theirs. Empty arguments stay,
    as in Jolt (``fn(a,,b,)`` has five)."""
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
        if char == "'":
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
    return args


class ContextRef:
    """``^`` (the whole context) or ``^a.&1.@(2,id)``: a value from the context given to
    ``apply``, read with the same path steps as ``@`` references."""

    def __init__(self, text: str) -> None:
        self.steps = path_steps(text[1:])

    def lookup(self, context: dict[str, Any] | None, path: WalkedPath) -> Any:
        return walk(context if context is not None else {}, self.steps, path)


def _argument(text: str) -> Any:
    """One function argument as Jolt reads it: a lookup, ``'text'`` taken as written (no
    escapes), an empty argument as null, ``true``/``false`` in any case, a number, or else
    the bare text."""
    if text.startswith("@"):
        return parse_transpose(text)
    if text.startswith("^"):
        return ContextRef(text)
    if not text:
        return None
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if _JAVA_INT.fullmatch(text):
        return int(text)
    if _JAVA_DOUBLE.fullmatch(text):
        return float(text.rstrip("fFdD"))
    return text


class Call:
    def __init__(self, text: str, where: str) -> None:
        body = text[1:]
        name, paren, rest = body.partition("(")
        self.name = name.strip()
        self.function = FUNCTIONS.get(self.name)
        self.warning = None if self.function else \
            f"{where}: unknown function '={self.name}' (Jolt writes nothing for it)"
        if paren:
            if not rest.endswith(")"):
                raise MappingSpecError(f"expected ')' to close {text!r}", where)
            self.args: list[Any] | None = [_argument(a) for a in _split_args(rest[:-1], where)]
        else:
            self.args = None

    def evaluate(self, current: Any, path: WalkedPath, context: dict[str, Any] | None) -> Any:
        """Call the function the way Jolt's FunctionEvaluator does: ``=fn`` gets the current
        value, a lone argument that finds nothing means a call without arguments, and with
        several arguments a lookup that finds nothing passes null."""
        if self.function is None:
            return ABSENT
        if self.args is None:
            return ABSENT if current is MISSING else self.function([current])
        args = [_resolve(arg, path, context) for arg in self.args]
        if len(args) == 1 and args[0] is MISSING:
            return self.function([])
        return self.function([None if arg is MISSING else arg for arg in args])


def _resolve(arg: Any, path: WalkedPath, context: dict[str, Any] | None) -> Any:
    if isinstance(arg, ContextRef):
        return arg.lookup(context, path)
    if isinstance(arg, Transpose):
        return arg.lookup(path)
    return arg


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
    """The value of one spec alternative, or ABSENT; like Jolt, a failing function is ABSENT."""
    try:
        if isinstance(value, Call):
            return value.evaluate(current, path, context)
        if isinstance(value, Transpose | ContextRef):
            found = value.lookup(context, path) if isinstance(value, ContextRef) else \
                value.lookup(path)
            return ABSENT if found is MISSING else found
    except (ArithmeticError, TypeError, ValueError, IndexError, KeyError, AttributeError,
            OverflowError, RecursionError):
        return ABSENT
    if isinstance(value, list) and value:
        for option in value:
            result = _evaluate(option, current, path, context)
            if result is not ABSENT:
                return result
        return ABSENT
    return json.loads(json.dumps(value))


_MODES = {"+": "overwrite", "~": "default", "_": "define"}
_INDEX = re.compile(r"\[(\d+)\]")


def _applicable(mode: str, parent: Any, key: Any, orig_size: int | None) -> bool:
    """Whether ``mode`` may write ``parent[key]`` (Jolt's OpMode.isApplicable)."""
    if isinstance(parent, dict):
        if mode == "default":
            return parent.get(key) is None
        return mode != "define" or key not in parent
    if not isinstance(parent, list) or not isinstance(key, int) or key < 0 or orig_size is None:
        return False
    if mode == "default":
        return parent[key] is None
    return mode != "define" or (key >= orig_size and parent[key] is None)


class _Child:
    """One key of a modify spec with what it does: a nested spec or a value to write."""

    def __init__(self, raw: str, value: Any, mode: str, where: str) -> None:
        self.mode = _MODES.get(raw[:1], mode)
        key = raw[1:] if raw[:1] in _MODES else raw
        self.check = key.endswith("?") and not key.endswith("\\?")
        key = key[:-1] if self.check else key
        inspect = without_escaped(key)
        if inspect[:1] in ("@", "$", "#") or "&" in inspect:
            raise MappingSpecError(f"a modify key cannot be a reference ({raw!r})", where)
        index = _INDEX.fullmatch(key)
        self.index = int(index.group(1)) if index else None
        self.star = star_matcher(key) if "*" in inspect and index is None else None
        self.raw = key
        self.source = value
        """The spec's value as written, for the compiler."""
        self.literal = str(self.index) if index else None if self.star else unescape(key)
        self.stars = inspect.count("*")
        nested = isinstance(value, dict) and bool(value)
        self.body: Modify | Any = Modify(value, where, self.mode) if nested else \
            value if value == [] or value == {} else _value(value, where)

    def warnings(self) -> list[str]:
        """Spec mistakes Jolt tolerates (unknown functions), for editors to point out."""
        if isinstance(self.body, Modify):
            return self.body.warnings
        options = self.body if isinstance(self.body, list) else [self.body]
        return [o.warning for o in options if isinstance(o, Call) and o.warning]

    def rank(self) -> tuple[int, int, str]:
        kind = 5 if self.raw == "*" else 2 if self.stars > 2 else 3 if self.stars == 2 else 4
        return kind, -len(self.raw), self.raw

    def apply(self, key: str, present: bool, value: Any, path: WalkedPath,
              context: dict[str, Any] | None) -> bool:
        if self.star is not None:
            captures = self.star(key)
            if captures is None:
                return False
        else:
            captures = [key]
        if self.check and not present:
            return True
        if isinstance(self.body, Modify):
            self.body.enter(key, value, captures, self.mode, path, context)
        else:
            self._write(key, present, value, captures, path, context)
        return True

    def _write(self, key: str, present: bool, value: Any, captures: list[str], path: WalkedPath,
               context: dict[str, Any] | None) -> None:
        parent_level = path.levels[-1]
        parent = parent_level.tree
        path.levels.append(Level(value if present else None, captures))
        result = _evaluate(self.body, value if present else MISSING, path, context)
        path.levels.pop()
        if result is ABSENT:
            return
        slot: Any = int(key) if isinstance(parent, list) and key.isdigit() else key
        if _applicable(self.mode, parent, slot, parent_level.orig_size):
            parent[slot] = result


class Modify:
    """A nested modify spec (Jolt's ModifierCompositeSpec)."""

    mutates = True

    def __init__(self, spec: Any, where: str, mode: str) -> None:
        if not isinstance(spec, dict):
            raise MappingSpecError("a modify spec must be a JSON object", where)
        self.mode = mode
        self.literals: dict[str, _Child] = {}
        computed: list[_Child] = []
        kinds: set[str] = set()
        for raw, value in spec.items():
            for alternative in raw.split("|"):
                child_where = f"{where}.{alternative}" if where else alternative
                with located(child_where):
                    child = _Child(alternative, value, mode, child_where)
                if child.index is not None:
                    kinds.add("list")
                elif child.star is None or child.raw != "*":
                    kinds.add("map")
                if child.literal is not None:
                    self.literals[child.literal] = child
                else:
                    computed.append(child)
        if kinds == {"list", "map"}:
            raise MappingSpecError("a modify spec cannot mix list indexes such as [0] with "
                                   "object keys", where)
        self.kind = kinds.pop() if kinds else "runtime"
        self.max_index = max((c.index for c in self.literals.values()
                              if c.index is not None and not c.check), default=-1)
        self.computed = sorted(computed, key=_Child.rank)
        children = [*self.literals.values(), *self.computed]
        self.warnings = [w for child in children for w in child.warnings()]

    def apply(self, data: Any, context: dict[str, Any] | None = None) -> Any:
        self.enter("root", data, ["root"], self.mode, WalkedPath(), context)
        return data

    def _compatible(self, value: Any) -> bool:
        if self.kind == "list":
            return value is None or isinstance(value, list)
        if self.kind == "map":
            return value is None or isinstance(value, dict)
        return value is not None

    def enter(self, key: str, value: Any, captures: list[str], mode: str, path: WalkedPath,
              context: dict[str, Any] | None) -> None:
        """Apply this spec to ``value`` (found under ``key``), creating it if the mode allows."""
        if not self._compatible(value):
            return
        if value is None:
            value = self._create(key, mode, path)
        orig_size = None
        if isinstance(value, list):
            orig_size = len(value)
            if self.kind == "list" and self.max_index >= len(value):
                value.extend([None] * (self.max_index + 1 - len(value)))
        path.levels.append(Level(value, captures, orig_size=orig_size))
        if isinstance(value, dict):
            self._map(value, path, context)
        elif isinstance(value, list):
            self._list(value, orig_size, path, context)
        path.levels.pop()

    def _create(self, key: str, mode: str, path: WalkedPath) -> Any:
        if not path.levels:
            return None
        parent_level = path.levels[-1]
        parent = parent_level.tree
        slot: Any = int(key) if isinstance(parent, list) and key.isdigit() else key
        if not isinstance(parent, dict | list) or \
                not _applicable(mode, parent, slot, parent_level.orig_size):
            return None
        created: Any = [] if self.kind == "list" else {}
        parent[slot] = created
        return created

    def _map(self, data: dict[str, Any], path: WalkedPath,
             context: dict[str, Any] | None) -> None:
        if self.literals:
            for key, child in self.literals.items():
                present = key in data
                child.apply(key, present, data.get(key), path, context)
        if self.computed:
            for key, value in list(data.items()):
                self._computed(key, True, value, path, context)

    def _list(self, data: list[Any], orig_size: int | None, path: WalkedPath,
              context: dict[str, Any] | None) -> None:
        def present(index: int) -> bool:
            return not (data[index] is None and orig_size is not None and index >= orig_size)

        if self.computed and self.literals and self.mode == "define" and self.kind == "list":
            for index in range(len(data)):
                literal = self.literals.get(str(index))
                if literal is not None:
                    literal.apply(str(index), present(index), data[index], path, context)
                else:
                    self._computed(str(index), present(index), data[index], path, context)
            return
        for key, child in self.literals.items():
            index = int(key) if key.isdigit() else len(data)
            if index < len(data):
                child.apply(key, present(index), data[index], path, context)
        if self.computed:
            for index in range(len(data)):
                self._computed(str(index), present(index), data[index], path, context)

    def _computed(self, key: str, present: bool, value: Any, path: WalkedPath,
                  context: dict[str, Any] | None) -> None:
        for child in self.computed:
            if child.apply(key, present, value, path, context):
                return


_PASS_THROUGH = {"firstElement", "lastElement", "elementAt", "toList", "sort", "squashNulls",
                 "recursivelySquashNulls", "squashDuplicates", "isPresent", "notNull"}
"""Functions whose result may be (or hold) their argument itself."""


def refuse_self_reference(spec: Any, where: str, keys: tuple[str, ...] = ()) -> None:
    """A value that refers to a level above it (``"a": "@(1,)"``) would write data into
    itself: the output would contain itself, which Java Jolt only finds when it overflows its
    stack on output. Here it is a spec error."""
    if not isinstance(spec, dict):
        return
    for raw, value in spec.items():
        for alternative in str(raw).split("|"):
            key = alternative[1:] if alternative[:1] in _MODES else alternative
            key = key[:-1] if key.endswith("?") and not key.endswith("\\?") else key
            here = (*keys, key)
            child_where = f"{where}.{alternative}"
            if isinstance(value, dict):
                refuse_self_reference(value, child_where, here)
                continue
            for text in _references(value):
                if _holds_itself(text, here):
                    raise MappingSpecError(f"{text!r} refers to data that holds this key, so "
                                           "the output would contain itself", child_where)


def _references(value: Any) -> list[str]:
    """The ``@`` lookups whose data a modify value writes as it is."""
    found: list[str] = []
    for option in value if isinstance(value, list) else [value]:
        if not isinstance(option, str):
            continue
        if option.startswith("@"):
            found.append(option)
        elif option.startswith("=") and option[1:].partition("(")[0].strip() in _PASS_THROUGH:
            _name, paren, rest = option[1:].partition("(")
            if paren and rest.endswith(")"):
                try:
                    args = _split_args(rest[:-1], "")
                except MappingSpecError:
                    continue
                found.extend(a for a in args if a.startswith("@"))
    return found


def _holds_itself(text: str, keys: tuple[str, ...]) -> bool:
    """Whether ``@(N,path)`` at ``keys`` surely names one of the levels that contain the key."""
    body = text[1:]
    body = body[1:-1] if body.startswith("(") and body.endswith(")") else body
    up, sub = 0, body.strip()
    if sub[:1].isdigit():
        head, _comma, sub = sub.partition(",")
        if not head.strip().isdigit():
            return False
        up, sub = int(head), sub.strip()
    if up < 1:
        return False
    segments = [s for s in sub.split(".") if s] if sub else []
    if any(mark in s for s in segments for mark in "&[\\"):
        return False  # resolved per row: not surely a cycle
    start = max(len(keys) - up, 0)
    between = keys[start:len(keys) - 1]  # the levels from the referred one down to the parent
    return len(segments) <= len(between) and all(
        s == k and "*" not in k for s, k in zip(segments, between, strict=False))
