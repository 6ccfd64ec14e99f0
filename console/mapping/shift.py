"""Shiftr: copy data from the input tree to new places in the output tree.

Matching follows Java Jolt: ``@``/``$``/``#`` children always run first and never block;
an input key that matches a literal child is not offered to wildcard children; wildcard
children are tried ``&`` keys first, then stars (most stars first, a bare ``*`` last), longest
first, and the first match wins. Literal children are visited in spec order and computed ones
in input order; output objects keep the order in which keys were first written, as Jolt's
``LinkedHashMap`` containers do.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from console.mapping.errors import MappingSpecError, located
from console.mapping.refs import (
    MISSING,
    Level,
    Transpose,
    WalkedPath,
    bracket_sugar,
    capture,
    parse_ref,
    parse_transpose,
    split_dots,
    star_matcher,
    template,
    unescape,
    without_escaped,
)

Step = Callable[[WalkedPath], Any]
Writer = Callable[[Any, WalkedPath, dict[str, Any]], None]
APPEND = object()


def java_text(value: Any) -> str:
    """``Object.toString()`` of a JSON scalar, as Java would print it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = repr(value)
        if "e" in text:
            mantissa, _, exponent = text.partition("e")
            mantissa = mantissa if "." in mantissa else mantissa + ".0"
            return f"{mantissa}E{int(exponent)}"
        return text
    return str(value)


class Key:
    """The left-hand side of one spec line."""

    def __init__(self, raw: str, where: str) -> None:
        self.raw = raw
        inspect = without_escaped(raw)
        self.transpose: Transpose | None = None
        self.ref: tuple[int, int] | None = None
        self.literal_value: str | None = None
        if inspect == "@":
            self.kind = "at"
        elif inspect.startswith("@"):
            self.kind = "transpose"
            self.transpose = parse_transpose(raw)
        elif "@" in inspect:
            raise MappingSpecError(f"key {raw!r} can only have '@' at the front", where)
        elif "$" in inspect:
            self.kind = "dollar"
            _, up, group, end = parse_ref(raw, raw.index("$"))
            self.ref = (up, group)
        elif inspect.startswith("#"):
            self.kind = "hash"
            body = raw[1:]
            if body.startswith("("):
                if not body.endswith(")"):
                    raise MappingSpecError(f"unbalanced parentheses in {raw!r}", where)
                body = body[1:-1]
            self.literal_value = unescape(body)
        elif "&" in inspect:
            if "*" in inspect:
                raise MappingSpecError(f"key {raw!r} cannot mix '*' with '&'", where)
            self.kind = "amp"
            self._template = template(raw)
        elif "*" in inspect:
            self.kind = "star"
            self._star = star_matcher(raw)
        else:
            self.kind = "literal"
            self.literal_value = unescape(raw)

    @property
    def special(self) -> bool:
        return self.kind in ("at", "dollar", "hash", "transpose")

    def canonical(self) -> str:
        return self.raw

    def match(self, key: str, path: WalkedPath) -> list[str] | None:
        kind = self.kind
        if kind == "literal":
            return [key] if key == self.literal_value else None
        if kind == "star":
            return self._star(key)
        if kind == "amp":
            wanted = self._template(path)
            return [key] if wanted is not None and key == wanted else None
        return [key]


def _array_step(inner: str, where: str) -> Step:
    if inner == "":
        return lambda path: APPEND
    if inner.isdigit():
        index = int(inner)
        return lambda path: index
    if inner.startswith("#"):
        _, up, _, end = parse_ref(inner, 0)
        if end != len(inner):
            raise MappingSpecError(f"bad array reference [{inner}]", where)

        def hash_index(path: WalkedPath) -> Any:
            level = path.from_end(up)
            return level.hash_count if level is not None else None
        return hash_index
    if inner.startswith("@"):
        transpose = parse_transpose(inner)
        return lambda path: _as_index(transpose.lookup(path))
    if "&" in inner:
        evaluate = template(inner)
        return lambda path: _as_index(evaluate(path))
    raise MappingSpecError(f"bad array index [{inner}]", where)


def _as_index(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _key_step(part: str, where: str) -> Step:
    inspect = without_escaped(part)
    if inspect == "@":
        raise MappingSpecError(f"'@' needs a path to look up in an output path ({part!r})", where)
    if "@" in inspect[1:]:
        raise MappingSpecError(f"'@' can only start an output path element ({part!r})", where)
    if inspect.startswith("@"):
        transpose = parse_transpose(part)

        def transposed(path: WalkedPath) -> Any:
            found = transpose.lookup(path)
            if found is MISSING or found is None or isinstance(found, dict | list):
                return None
            return java_text(found)
        return transposed
    for mark in "*$":
        if mark in inspect:
            raise MappingSpecError(f"'{mark}' is not allowed in an output path ({part!r})", where)
    if "&" in inspect:
        return template(part)
    literal = unescape(part)
    return lambda path: literal


def parse_output_path(text: Any, where: str) -> list[Step]:
    if not isinstance(text, str):
        raise MappingSpecError(f"an output path must be a string, found {text!r}", where)
    steps: list[Step] = [lambda path: "root"]
    for part in split_dots(bracket_sugar(text)):
        if part.startswith("[") and not part.startswith("[@"):
            if not part.endswith("]"):
                raise MappingSpecError(f"unclosed '[' in output path {text!r}", where)
            steps.append(_array_step(part[1:-1], where))
        elif part.startswith("[@") and part.endswith("]"):
            steps.append(_array_step(part[1:-1], where))
        else:
            steps.append(_key_step(part, where))
    return steps


MADE = "\0made"
"""Holder entry: ids of the containers the writes made. A write that has to go inside a value
taken from the input copies that value first, so a shift never changes its input."""


def _write(steps: list[Step], data: Any, path: WalkedPath, holder: dict[str, Any]) -> None:
    keys = [step(path) for step in steps]
    if any(k is None for k in keys):
        return
    made: set[int] = holder.setdefault(MADE, set())
    tree: Any = holder
    for key, following in zip(keys, keys[1:], strict=False):
        wants_list = following is APPEND or isinstance(following, int)
        if key is APPEND:
            if not isinstance(tree, list):
                return
            child: Any = [] if wants_list else {}
            tree.append(child)
            made.add(id(child))
            tree = child
            continue
        child = _get(tree, key)
        if child is None:
            child = [] if wants_list else {}
            _put(tree, key, child)
            made.add(id(child))
        elif wants_list != isinstance(child, list) or not isinstance(child, list | dict):
            return
        elif id(child) not in made:
            child = list(child) if isinstance(child, list) else dict(child)
            _put(tree, key, child)
            made.add(id(child))
        tree = child
    last = keys[-1]
    if isinstance(data, list):
        data = list(data)
        made.add(id(data))
    if last is APPEND:
        if isinstance(tree, list):
            tree.append(data)
        return
    current = _get(tree, last)
    if current is None:
        _put(tree, last, data)
    elif isinstance(current, list):
        if id(current) not in made:
            current = list(current)
            _put(tree, last, current)
            made.add(id(current))
        current.append(data)
    else:
        pair = [current, data]
        made.add(id(pair))
        _put(tree, last, pair)


def _get(tree: Any, key: Any) -> Any:
    if isinstance(tree, dict):
        return tree.get(key) if isinstance(key, str) else None
    if isinstance(tree, list) and isinstance(key, int):
        return tree[key] if 0 <= key < len(tree) else None
    return None


def _put(tree: Any, key: Any, value: Any) -> None:
    if isinstance(tree, dict) and isinstance(key, str):
        tree[key] = value
    elif isinstance(tree, list) and isinstance(key, int) and key >= 0:
        if key >= len(tree):
            tree.extend([None] * (key + 1 - len(tree)))
        tree[key] = value


class Leaf:
    def __init__(self, key: Key, rhs: Any, where: str) -> None:
        self.key = key
        paths = rhs if isinstance(rhs, list) else [] if rhs is None else [rhs]
        if not isinstance(rhs, list | str | None):
            raise MappingSpecError("expected an output path, a list of them, a nested spec, "
                                   "or null (match and drop)", where)
        self.raw_paths = list(paths)
        self.writers = [parse_output_path(p, where) for p in paths]

    def apply(self, input_key: str, data: Any, path: WalkedPath, holder: dict[str, Any]) -> bool:
        captures = self.key.match(input_key, path)
        if captures is None:
            return False
        kind = self.key.kind
        real = False
        if kind == "dollar":
            assert self.key.ref is not None
            value: Any = capture(path, *self.key.ref)
        elif kind == "hash":
            value = self.key.literal_value
        elif kind == "at":
            value = data
        elif kind == "transpose":
            assert self.key.transpose is not None
            value = self.key.transpose.lookup(path)
            if value is MISSING:
                return False
        else:
            value = data
            real = True
        path.levels.append(Level(data, _special_captures(kind, captures, value, path)))
        for steps in self.writers:
            _write(steps, value, path, holder)
        path.levels.pop()
        if real and path.levels:
            path.levels[-1].hash_count += 1
        return real


def _precedence(child: Leaf | Composite) -> tuple[int, int, str]:
    """Jolt's order for computed keys: ``&`` keys, then stars from the most (3+, 2, 1) to a
    bare ``*``; within a kind the longer key first, then alphabetical."""
    key = child.key
    if key.kind == "amp":
        rank = 1
    elif key.raw == "*":
        rank = 5
    else:
        stars = without_escaped(key.raw).count("*")
        rank = 2 if stars > 2 else 3 if stars == 2 else 4
    return rank, -len(key.canonical()), key.canonical()


def _special_captures(kind: str, captures: list[str], value: Any,
                      path: WalkedPath) -> list[str]:
    """What ``&`` sees at the level a key adds: ``@`` and transposes repeat their parent's
    match (so ``&0`` and ``&1`` agree), ``$`` and ``#`` the text they produce."""
    if kind in ("at", "transpose") and path.levels:
        return path.levels[-1].captures
    if kind == "dollar":
        return [java_text(value)]
    if kind == "hash":
        return [value]
    return captures


class Composite:
    def __init__(self, key: Key, spec: dict[str, Any], where: str) -> None:
        if key.kind in ("at", "dollar", "hash"):
            raise MappingSpecError(f"key {key.raw!r} cannot have children", where)
        if not spec:
            raise MappingSpecError("a nested spec cannot be empty", where)
        self.key = key
        self.specials: list[Leaf | Composite] = []
        literals: dict[str, Leaf | Composite] = {}
        computed: list[Leaf | Composite] = []
        seen: set[str] = set()
        for raw, rhs in spec.items():
            for alternative in raw.split("|"):
                child_where = f"{where}.{alternative}" if where else alternative
                with located(child_where):
                    child_key = Key(alternative, child_where)
                    if child_key.raw in seen:
                        raise MappingSpecError(f"duplicate key {alternative!r}", child_where)
                    seen.add(child_key.raw)
                    child: Leaf | Composite = (Composite(child_key, rhs, child_where)
                                               if isinstance(rhs, dict)
                                               else Leaf(child_key, rhs, child_where))
                if child_key.kind == "literal":
                    literals[child_key.literal_value or ""] = child
                elif child_key.special:
                    self.specials.append(child)
                else:
                    computed.append(child)
        self.literal_order = list(literals.items())
        self.literals = literals
        computed.sort(key=_precedence)
        self.computed = computed
        self.strategy = self._strategy()

    def _strategy(self) -> str:
        if not self.computed:
            return "literals"
        if not self.literals:
            return "computed"
        for child in self.computed:
            if child.key.kind != "star":
                return "conflict"
            if any(child.key.match(lit, WalkedPath()) is not None for lit in self.literals):
                return "conflict"
        return "separate"

    def apply(self, input_key: str, data: Any, path: WalkedPath, holder: dict[str, Any]) -> bool:
        captures = self.key.match(input_key, path)
        if captures is None:
            return False
        if self.key.kind == "transpose":
            assert self.key.transpose is not None
            data = self.key.transpose.lookup(path)
            if data is MISSING:
                return False
            captures = _special_captures("transpose", captures, data, path)
        path.levels.append(Level(data, captures))
        for special in self.specials:
            special.apply(input_key, data, path, holder)
        strategy = self.strategy
        if strategy in ("literals", "separate"):
            self._literals_only(data, path, holder)
        if strategy in ("computed", "separate"):
            self._each(data, path, holder, self._computed_only)
        elif strategy == "conflict":
            self._each(data, path, holder, self._literal_then_computed)
        path.levels.pop()
        if path.levels:
            path.levels[-1].hash_count += 1
        return True

    def _literals_only(self, data: Any, path: WalkedPath, holder: dict[str, Any]) -> None:
        if isinstance(data, dict):
            for key, child in self.literal_order:
                if key in data:
                    child.apply(key, data[key], path, holder)
        elif isinstance(data, list):
            for key, child in self.literal_order:
                if key.isdigit() and int(key) < len(data):
                    child.apply(key, data[int(key)], path, holder)
        elif data is not None:
            matched = self.literals.get(java_text(data))
            if matched is not None:
                matched.apply(java_text(data), None, path, holder)

    @staticmethod
    def _each(data: Any, path: WalkedPath, holder: dict[str, Any],
              visit: Callable[[str, Any, WalkedPath, dict[str, Any]], None]) -> None:
        if isinstance(data, dict):
            for key, sub in list(data.items()):
                visit(key, sub, path, holder)
        elif isinstance(data, list):
            for index, sub in enumerate(data):
                visit(str(index), sub, path, holder)
        elif data is not None:
            visit(java_text(data), None, path, holder)

    def _computed_only(self, key: str, sub: Any, path: WalkedPath, holder: dict[str, Any]) -> None:
        for child in self.computed:
            if child.apply(key, sub, path, holder):
                break

    def _literal_then_computed(self, key: str, sub: Any, path: WalkedPath,
                               holder: dict[str, Any]) -> None:
        literal = self.literals.get(key)
        if literal is not None:
            literal.apply(key, sub, path, holder)
        else:
            self._computed_only(key, sub, path, holder)


class Shift:
    mutates = False

    def __init__(self, spec: Any, where: str) -> None:
        if not isinstance(spec, dict):
            raise MappingSpecError("a shift spec must be a JSON object", where)
        self.root = Composite(Key("root", where), spec, where)
        self.rows = RowShift.plan(self.root)

    def apply(self, data: Any, context: dict[str, Any] | None = None) -> Any:
        if self.rows is not None and isinstance(data, list) and \
                all(type(row) is dict for row in data):
            return self.rows.apply(data)
        holder: dict[str, Any] = {}
        self.root.apply("root", data, WalkedPath(), holder)
        return holder.get("root")


_ROW_PATH = re.compile(r"^\[&1\]((?:\.(?:[^.&@\[\]$*#\\()]+|&0?))+)$")


class RowShift:
    """The common row-by-row shape, ``{"*": {"key": "[&1].out.path", ...}}`` over a list of
    objects, run as a tight loop with the same result as the general walk."""

    def __init__(self, fields: list[tuple[str, list[list[str]]]]) -> None:
        self.fields = fields

    @classmethod
    def plan(cls, root: Composite) -> RowShift | None:
        if root.specials or root.literals or len(root.computed) != 1:
            return None
        star = root.computed[0]
        if not isinstance(star, Composite) or star.key.raw != "*" or star.specials or \
                star.computed:
            return None
        fields: list[tuple[str, list[list[str]]]] = []
        for key, child in star.literal_order:
            if not isinstance(child, Leaf):
                return None
            paths = []
            for raw in child.raw_paths:
                match = _ROW_PATH.match(raw)
                if match is None:
                    return None
                parts = match.group(1)[1:].split(".")
                paths.append([key if part in ("&", "&0") else part for part in parts])
            if paths:
                fields.append((key, paths))
        written = [tuple(path) for _key, paths in fields for path in paths]
        if any(longer[:len(path)] == path for path in written for longer in written
               if len(longer) > len(path)):
            return None
        return cls(fields)

    def apply(self, rows: list[dict[str, Any]]) -> Any:
        out: list[Any] = []
        fields = self.fields
        for index, row in enumerate(rows):
            target: dict[str, Any] | None = None
            for key, paths in fields:
                if key not in row:
                    continue
                value = row[key]
                if target is None:
                    target = {}
                for path in paths:
                    _place(target, path, value)
            if target is not None:
                if len(out) < index:
                    out.extend([None] * (index - len(out)))
                out.append(target)
        return out or None


def _place(target: dict[str, Any], path: list[str], value: Any) -> None:
    node = target
    for part in path[:-1]:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        elif not isinstance(child, dict):
            return
        node = child
    last = path[-1]
    if isinstance(value, list):
        value = list(value)
    current = node.get(last)
    if current is None:
        node[last] = value
    elif isinstance(current, list):
        current.append(value)
    else:
        node[last] = [current, value]
