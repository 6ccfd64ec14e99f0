"""The output of a shift, worked out from its spec alone: which keys, lists and values each row
gives when the input has the shape the spec names.

A shift whose every write lands in its own place (literal keys, ``*`` over lists addressed by
``[&N]``, ``&N`` naming literal levels) has an output shape known before any data arrives. That
shape is a tree of ``DictNode``/``ListNode``/``Slot`` built here; following ``default`` and
``remove`` steps are folded into it when the result is provably the one the interpreter gives.
Anything else gives ``None`` (``Unsupported``) and the chain runs interpreted.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from console.mapping.keys import KeyMatcher
from console.mapping.refs import bracket_sugar, split_dots
from console.mapping.shift import Composite, Leaf, Shift
from console.mapping.simple_ops import Default, Remove


class Unsupported(Exception):
    """This spec (or fold) is outside what the compiler covers; the interpreter runs it."""


@dataclass
class Slot:
    """A value read from the input (``backed``), or a constant a default adds (``constant``)."""

    expr: str
    backed: bool = True
    constant: Any = None


@dataclass
class DictNode:
    children: dict[str, Node] = field(default_factory=dict)


@dataclass
class ListNode:
    """One element per item of a star's list (or, ``keyed``, per entry of a star's object,
    under the same key), in input order."""

    star: int
    source: str
    var: str
    keyed: bool = False
    element: Node | None = None


Node = Slot | DictNode | ListNode


@dataclass
class _Level:
    """One spec level on the way down to a leaf: a literal key (its text) or a star (its id)."""

    text: str | None
    star: int | None = None


@dataclass
class _Star:
    source: str
    var: str
    kind: str | None = None
    """``list`` when written by index (``[&N]``), ``map`` when by key (``&N``)."""

    def use(self, kind: str) -> None:
        if self.kind not in (None, kind):
            raise Unsupported("a * used both as list indexes and as keys")
        self.kind = kind


@dataclass(frozen=True)
class _StarKey:
    """An output path element that is the key a star matched in an object."""

    star: int


Part = str | int | _StarKey


def _star_of(part: Part | None) -> int | None:
    if isinstance(part, _StarKey):
        return part.star
    return part if isinstance(part, int) else None


_KEY = "\0key\0"
"""Stands for the key a ``*`` matched while its output path is read."""
_REF = re.compile(r"&(?:(\d+)|\((\d+)(?:,(\d+))?\))?")


class ShiftTemplate:
    """The output tree of one shift spec, or ``Unsupported``."""

    def __init__(self, shift: Shift) -> None:
        self.stars: list[_Star] = []
        self.names: dict[str, Any] = {}
        """Constants the generated code refers to by name."""
        self.holder = DictNode()
        self._visit(shift.root, "data", [_Level("root")], [])
        root = self.holder.children.get("root")
        if root is None:
            raise Unsupported("the spec writes nothing")
        self.root: Node = root

    def _visit(self, node: Composite, data: str, levels: list[_Level], stars: list[int]) -> None:
        for special in node.specials:
            self._special(special, data, levels, stars)
        if node.strategy == "literals":
            for key, child in node.literal_order:
                self._child(child, f"{data}[{key!r}]", [*levels, _Level(key)], stars)
            return
        if len(node.computed) != 1 or node.computed[0].key.raw != "*":
            raise Unsupported("wildcards other than one bare *")
        star = node.computed[0]
        if isinstance(star, Leaf):
            self._renaming(node, star, data, levels, stars)
            return
        if node.strategy != "computed":
            raise Unsupported("a nested * beside literal keys")
        ident = len(self.stars)
        self.stars.append(_Star(data, f"v{ident}"))
        self._visit(star, f"v{ident}", [*levels, _Level(None, ident)], [*stars, ident])

    def _special(self, special: Leaf | Composite, data: str, levels: list[_Level],
                 stars: list[int]) -> None:
        """``@`` writes the data at its level, ``$`` a key the walk matched, ``#x`` the text x;
        the two last read the level's data first, so they write only where it exists."""
        kind = special.key.kind
        if isinstance(special, Composite) or kind not in ("at", "dollar", "hash"):
            raise Unsupported("transposes as keys")
        if kind == "at":
            value, own = data, levels[-1]
        elif kind == "hash":
            text = special.key.literal_value or ""
            value, own = f"({data}, {text!r})[1]", _Level(text)
        else:
            assert special.key.ref is not None
            up, group = special.key.ref
            if group or up >= len(levels):
                raise Unsupported("capture groups or references above the root")
            own = levels[-1 - up]
            if own.star is None:
                value = f"({data}, {own.text!r})[1]"
            else:
                self.stars[own.star].use("map")
                value = f"({data}, k{own.star})[1]"
        for raw in special.raw_paths:
            self._place(self._parts(raw, [*levels, own]), value, stars)

    def _renaming(self, node: Composite, star: Leaf, data: str, levels: list[_Level],
                  stars: list[int]) -> None:
        """``{"*": "[&1].&", "key": "[&1].name", "other": null}``: every key of an object kept
        under its own name, a few renamed or dropped, in the input's key order."""
        if len(star.raw_paths) != 1:
            raise Unsupported("a * written to several places")
        prefix, last = self._split(star.raw_paths[0], [*levels, _Level(_KEY)])
        if last != _KEY:
            raise Unsupported("a * written under another name")
        renames: dict[str, str] = {}
        drops: set[str] = set()
        for key, child in node.literal_order:
            if not isinstance(child, Leaf) or len(child.raw_paths) > 1:
                raise Unsupported("a nested spec or several places beside a *")
            if not child.raw_paths:
                drops.add(key)
                continue
            where, name = self._split(child.raw_paths[0], [*levels, _Level(key)])
            if where != prefix or not isinstance(name, str) or _KEY in name:
                raise Unsupported("a literal key written elsewhere than its * siblings")
            if name != key:
                renames[key] = name
        targets = set(renames.values())
        if len(targets) != len(renames):
            raise Unsupported("two keys renamed to one")
        ident = len(self.names)
        self.names[f"rn{ident}"] = renames
        self.names[f"tg{ident}"] = frozenset(targets)
        self.names[f"dr{ident}"] = frozenset(drops)
        drop = f" if k not in dr{ident}" if drops else ""
        made = f"{{rn{ident}.get(k, k): v for k, v in {data}.items(){drop}}}"
        guard = f" and tg{ident}.isdisjoint({data})" if targets else ""
        self._place(prefix, f"(_d if (_d := {made}){guard} else _shape())", stars)

    def _split(self, raw: str, levels: list[_Level]) -> tuple[list[Part], Part]:
        parts = self._parts(raw, levels)
        return parts[:-1], parts[-1]

    def _child(self, child: Leaf | Composite, data: str, levels: list[_Level],
               stars: list[int]) -> None:
        if isinstance(child, Composite):
            if child.key.kind != "literal":
                raise Unsupported("computed composite keys")
            self._visit(child, data, levels, stars)
            return
        for raw in child.raw_paths:
            self._place(self._parts(raw, levels), data, stars)

    def _parts(self, raw: str, levels: list[_Level]) -> list[Part]:
        """Output path elements: text keys, star ids where ``[&N]`` indexes a list, and
        ``_StarKey`` where ``&N`` names the key a star matched in an object."""
        parts: list[Part] = ["root"]
        for part in split_dots(bracket_sugar(raw)):
            indexed = part.startswith("[") and part.endswith("]")
            ref = _REF.fullmatch(part[1:-1] if indexed else part)
            star = _referenced(ref, levels).star if ref is not None else None
            if indexed:
                if star is None:
                    raise Unsupported(f"output path element {part!r}")
                self.stars[star].use("list")
                parts.append(star)
            elif star is not None:
                self.stars[star].use("map")
                parts.append(_StarKey(star))
            else:
                parts.append(_key_text(part, levels))
        return parts

    def _place(self, parts: list[Part], data: str, stars: list[int]) -> None:
        if [s for s in map(_star_of, parts) if s is not None] != stars:
            raise Unsupported("a write that does not name every enclosing star in order")
        node: DictNode | ListNode = self.holder
        for position, part in enumerate(parts):
            last = position == len(parts) - 1
            following = None if last else parts[position + 1]
            if isinstance(node, ListNode):
                child = node.element
            else:
                assert isinstance(part, str)
                child = node.children.get(part)
            star = _star_of(following)
            if last:
                if child is not None:
                    raise Unsupported("two writes to one place")
                made: Node = Slot(data)
            elif child is None:
                made = self._star_node(star) if star is not None else DictNode()
            elif isinstance(child, Slot) or (star is None) != isinstance(child, DictNode):
                raise Unsupported("writes that meet a value or a different container")
            elif isinstance(child, ListNode) and child.star != star:
                raise Unsupported("two stars writing one container")
            else:
                made = child
            if isinstance(node, ListNode):
                node.element = made
            else:
                assert isinstance(part, str)
                node.children[part] = made
            if isinstance(made, Slot):
                return
            node = made

    def _star_node(self, star: int) -> ListNode:
        info = self.stars[star]
        return ListNode(star, info.source, info.var, keyed=info.kind == "map")


def _referenced(ref: re.Match[str], levels: list[_Level]) -> _Level:
    up = int(ref.group(1) or ref.group(2) or 0)
    if int(ref.group(3) or 0) != 0 or up >= len(levels):
        raise Unsupported("capture groups or references above the root")
    return levels[-1 - up]


def _key_text(part: str, levels: list[_Level]) -> str:
    """An output key with its ``&N`` references to literal levels filled in."""
    out: list[str] = []
    position = 0
    while position < len(part):
        char = part[position]
        if char == "\\" and position + 1 < len(part):
            out.append(part[position + 1])
            position += 2
        elif char == "&":
            ref = _REF.match(part, position)
            assert ref is not None
            level = _referenced(ref, levels)
            if level.text is None:
                raise Unsupported("&N naming a star level in an output key")
            out.append(level.text)
            position = ref.end()
        elif char in "@*$#[]":
            raise Unsupported(f"output path element {part!r}")
        else:
            out.append(char)
            position += 1
    return "".join(out)


def fold_default(root: Node, spec: Default) -> Node:
    """``default`` applied to the template: constants where keys are missing, a null check
    where a value read from the input may be null."""
    if not isinstance(root, DictNode | ListNode):
        raise Unsupported("default over a value read from the input")
    _fill(root, spec)
    return root


def _fill(node: DictNode | ListNode, spec: Default) -> None:
    for matcher, value in spec.compiled:
        if isinstance(node, ListNode):
            if matcher.raw != "*" or node.element is None or node.keyed:
                raise Unsupported("default list indexes")
            node.element = _fill_one(node.element, value, matcher)
            continue
        for key in _matching(matcher, list(node.children)):
            current = node.children.get(key)
            if current is None or (not isinstance(current, DictNode | ListNode) and
                                   not current.backed and current.constant is None):
                node.children[key] = _constant(value, matcher)
            else:
                node.children[key] = _fill_one(current, value, matcher)


def _constant(value: Any, matcher: KeyMatcher) -> Slot:
    """What Defaultr writes where nothing (or null) is: a copy of the value, or a container
    filled by the nested default."""
    if isinstance(value, Default):
        filled: Any = [] if matcher.wants_list else {}
        value._fill(filled)
        value = filled
    return Slot(literal_source(value), backed=False, constant=value)


def _fill_one(current: Node, value: Any, matcher: KeyMatcher) -> Node:
    if isinstance(value, Default):
        if isinstance(current, Slot):
            raise Unsupported("nested default over a value read from the input")
        if isinstance(current, ListNode) == matcher.wants_list:
            _fill(current, value)
        return current
    if isinstance(current, Slot) and current.backed:
        constant = literal_source(value)
        return Slot(f"(_t if (_t := {current.expr}) is not None else {constant})")
    return current


def _matching(matcher: KeyMatcher, keys: list[str]) -> list[str]:
    if matcher.literal is not None:
        return [matcher.literal]
    return [key for key in keys if matcher.matches(key)]


def literal_source(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {literal_source(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(literal_source(v) for v in value) + "]"
    if isinstance(value, float) and not math.isfinite(value):
        raise Unsupported("non-finite numbers")
    if value is None or isinstance(value, bool | int | float | str):
        return repr(value)
    raise Unsupported(f"a {type(value).__name__} constant")


def fold_remove(root: Node, spec: Remove) -> Node:
    """``remove`` applied to the template: matched keys are left out."""
    if not isinstance(root, DictNode | ListNode):
        raise Unsupported("remove over a value read from the input")
    _remove(root, spec)
    return root


def _remove(node: DictNode | ListNode, spec: Remove) -> None:
    doomed: list[str] = []
    for matcher, child in spec.compiled:
        if isinstance(node, ListNode):
            if matcher.star is not None and matcher.raw != "*":
                continue
            if matcher.raw != "*" or child is None or node.element is None or node.keyed:
                raise Unsupported("remove list indexes or whole elements")
            if isinstance(node.element, Slot):
                raise Unsupported("remove inside a value read from the input")
            _remove(node.element, child)
            continue
        for key in [k for k in node.children if matcher.matches(k)]:
            if child is None:
                doomed.append(key)
                continue
            target = node.children[key]
            if isinstance(target, Slot):
                raise Unsupported("remove inside a value read from the input")
            _remove(target, child)
    if isinstance(node, DictNode) and doomed:
        for key in doomed:
            node.children.pop(key, None)
        if not _backed(node):
            raise Unsupported("a remove that leaves a container whose existence depends on data")


def _backed(node: Node) -> bool:
    """Whether the node still reads something from the input (so the shape guards it)."""
    if isinstance(node, Slot):
        return node.backed
    if isinstance(node, ListNode):
        return True
    return any(_backed(child) for child in node.children.values())


def expression(node: Node) -> str:
    """Python source building ``node``; raises inside when the input has another shape."""
    if isinstance(node, Slot):
        return node.expr
    if isinstance(node, DictNode):
        return "{" + ", ".join(f"{key!r}: {expression(child)}"
                               for key, child in node.children.items()) + "}"
    assert node.element is not None
    if node.keyed:
        key = f"k{node.star}"
        return (f"{{{key}: {expression(node.element)} "
                f"for {key}, {node.var} in _pairs({node.source})}}")
    return f"[{expression(node.element)} for {node.var} in _items({node.source})]"

