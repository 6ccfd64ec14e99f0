"""References shared by the operations: ``&``/``$``/``#`` path references, ``@`` transposes,
star patterns, and the walked path they are evaluated against."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from console.mapping.errors import MappingSpecError

MISSING: Any = object()
ABSENT: Any = object()
"""What a modify function gives when Jolt's would give an empty Optional: nothing is written."""
_REF = re.compile(r"([&$#])(?:\((\d+)(?:,(\d+))?\)|(\d+))?")


@dataclass(slots=True)
class Level:
    """One step of the walk: the data at that level, the key it matched, and its captures."""

    tree: Any
    captures: list[str]
    hash_count: int = 0
    orig_size: int | None = None
    """For a list level of a modify walk: its length before the spec grew it."""


@dataclass(slots=True)
class WalkedPath:
    levels: list[Level] = field(default_factory=list)

    def from_end(self, up: int) -> Level | None:
        """The level ``up`` steps above the current one. Jolt's walk starts with an extra
        "root" entry over the input, so one step beyond the top still finds the input."""
        index = len(self.levels) - 1 - up
        if index >= 0:
            return self.levels[index]
        if index == -1 and self.levels:
            return Level(self.levels[0].tree, ["root"])
        return None


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def without_escaped(text: str) -> str:
    """The key with escaped characters removed, used only to decide what kind of key it is."""
    return re.sub(r"\\.", "", text)


def parse_ref(text: str, position: int) -> tuple[str, int, int, int]:
    """Parse ``&``, ``&N``, ``&(N)``, ``&(N,M)`` (or ``$``/``#``) at ``position``."""
    match = _REF.match(text, position)
    if match is None:
        raise MappingSpecError(f"bad reference in {text!r}")
    kind, up_paren, group, up_plain = match.groups()
    up = int(up_paren or up_plain or 0)
    return kind, up, int(group or 0), match.end()


def capture(path: WalkedPath, up: int, group: int) -> str | None:
    level = path.from_end(up)
    if level is None or group >= len(level.captures):
        return None
    return level.captures[group]


def template(text: str) -> Callable[[WalkedPath], str | None]:
    """A key with embedded ``&`` references, e.g. ``rating-&(1,1)-value``."""
    pieces: list[str | tuple[int, int]] = []
    literal: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char == "\\" and position + 1 < len(text):
            literal.append(text[position + 1])
            position += 2
        elif char == "&":
            if literal:
                pieces.append("".join(literal))
                literal = []
            _, up, group, position = parse_ref(text, position)
            pieces.append((up, group))
        else:
            literal.append(char)
            position += 1
    if literal:
        pieces.append("".join(literal))
    if len(pieces) == 1 and isinstance(pieces[0], tuple):
        up0, group0 = pieces[0]
        return lambda path: capture(path, up0, group0)

    def evaluate(path: WalkedPath) -> str | None:
        out = []
        for piece in pieces:
            if isinstance(piece, str):
                out.append(piece)
            else:
                value = capture(path, *piece)
                if value is None:
                    return None
                out.append(value)
        return "".join(out)
    return evaluate


def star_matcher(key: str) -> Callable[[str], list[str] | None]:
    """``prefix*mid*suffix``: each star takes at least one character, leftmost-shortest."""
    if key == "*":
        return lambda candidate: [candidate]
    parts = [re.escape(unescape(p)) for p in re.split(r"(?<!\\)\*", key)]
    regex = re.compile("(.+?)".join(parts) + r"\Z", re.DOTALL)

    def match(candidate: str) -> list[str] | None:
        found = regex.match(candidate)
        return [candidate, *found.groups()] if found else None
    return match


@dataclass(frozen=True, slots=True)
class Transpose:
    """``@(N,a.b)``: the data found ``N`` levels up, then down the sub-path."""

    up: int
    steps: tuple[Callable[[WalkedPath], str | None], ...]

    def lookup(self, path: WalkedPath) -> Any:
        level = path.from_end(self.up)
        if level is None:
            return MISSING
        return walk(level.tree, self.steps, path)


def walk(data: Any, steps: tuple[Callable[[WalkedPath], str | None], ...],
         path: WalkedPath) -> Any:
    """Follow ``steps`` (keys, or list indexes as text) down from ``data``."""
    for step in steps:
        key = step(path)
        if key is None:
            return MISSING
        if isinstance(data, dict):
            data = data.get(key, MISSING)
        elif isinstance(data, list) and key.lstrip("-").isdigit() and 0 <= int(key) < len(data):
            data = data[int(key)]
        else:
            return MISSING
        if data is MISSING:
            return MISSING
    return data


def parse_transpose(text: str) -> Transpose:
    """``@``, ``@N``, ``@N,path``, ``@path``, or any of those inside ``@( )``. As in Jolt, the
    path may use ``&`` references and ``[n]`` indexes but no ``@``, ``*`` or ``$``."""
    body = text[1:]
    if body.startswith("("):
        if not body.endswith(")"):
            raise MappingSpecError(f"unbalanced parentheses in {text!r}")
        body = body[1:-1]
    up, sub = 0, body.strip()
    if any(mark in without_escaped(sub) for mark in "@*$"):
        raise MappingSpecError(f"the lookup {text!r} cannot contain '@', '*' or '$'")
    if sub[:1].isdigit():
        head, _comma, rest = sub.partition(",")
        if not head.strip().isdigit():
            raise MappingSpecError(f"expected @(number,path) in {text!r}")
        up, sub = int(head), rest.strip()
    return Transpose(up, path_steps(sub))


def bracket_sugar(text: str) -> str:
    """``data[2].x`` -> ``data.[2].x`` so every element splits on dots."""
    out: list[str] = []
    previous = ""
    for char in text:
        if char == "[" and previous not in ("", ".", "@", "\\"):
            out.append(".")
        out.append(char)
        previous = char
    return "".join(out)


def path_steps(sub: str) -> tuple[Callable[[WalkedPath], str | None], ...]:
    """The steps of a dotted read path such as ``a.&1[&2].@(3,id)``."""
    return tuple(_sub_step(part) for part in split_dots(bracket_sugar(sub))) if sub else ()


def _key_text(value: Any) -> str | None:
    """A looked-up value used as a key: text and numbers only (numbers as Java ints)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(int(value))
    return value if isinstance(value, str) else None


def _sub_step(part: str) -> Callable[[WalkedPath], str | None]:
    """One step of a read path; ``[&1]`` and ``[2]`` index lists, ``@(...)`` looks a key up."""
    if part.startswith("[") and part.endswith("]"):
        part = part[1:-1]
    if part.startswith("@"):
        nested = parse_transpose(part)
        return lambda path: _key_text(nested.lookup(path))
    return template(part)


def split_dots(text: str) -> list[str]:
    """Split a dotted path, keeping ``@(...)`` and escaped dots together."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    position = 0
    while position < len(text):
        char = text[position]
        if char == "\\" and position + 1 < len(text):
            current.append(text[position:position + 2])
            position += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "." and depth == 0:
            if current:
                parts.append("".join(current))
            current = []
        else:
            current.append(char)
        position += 1
    if depth != 0:
        raise MappingSpecError(f"unbalanced parentheses in {text!r}")
    if current:
        parts.append("".join(current))
    return parts
