"""Chains compiled to Python functions: generated source, ``compile``d once, cached by spec.

The generated code assumes the shape the spec names (every literal key present, every ``*``
over a non-empty list of objects) and builds the output in one expression. When the input has
another shape the expression fails, and the interpreter, which stays the reference, runs that
row (a shift on its own) or the whole page instead, so results never differ. The generated
code never changes its input; values it does not touch are shared with the input rather than
copied, where the interpreter works on a deep copy.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from console.mapping.refs import Level, WalkedPath
from console.mapping.shift import MADE, Composite, Shift
from console.mapping.simple_ops import Cardinality, Default, Remove, Sort
from console.mapping.template import (
    DictNode,
    ListNode,
    ShiftTemplate,
    Unsupported,
    expression,
    fold_default,
    fold_remove,
)

FALLBACK: Any = object()
"""Returned by a compiled chain when the input's shape is not the one it was built for."""

Compiled = Callable[[Any, "dict[str, Any] | None"], Any]
_CACHE: dict[str, tuple[Compiled | None, str]] = {}
_CACHE_LIMIT = 512


class _Shape(Exception):
    """The input is not the shape the generated code assumes."""


def _shape() -> Any:
    raise _Shape


def _pairs(value: Any) -> Any:
    """A star's object, which the generated code walks only when it is a non-empty object."""
    if type(value) is dict and value:
        return value.items()
    raise _Shape


def _items(value: Any) -> list[Any]:
    """A star's list, which the generated code walks only when it is a non-empty list."""
    if type(value) is list and value:
        return value
    raise _Shape


def compile_chain(chain: list[Any], steps: list[Any]) -> tuple[Compiled | None, str]:
    """The compiled function for ``steps`` (``chain`` is their JSON), or ``None`` with the
    reason it runs interpreted."""
    key = json.dumps(chain, separators=(",", ":"))
    found = _CACHE.get(key)
    if found is None:
        try:
            found = _generate(steps), ""
        except Unsupported as why:
            found = None, str(why)
        except RecursionError:
            found = None, "the spec nests too deeply"
        except Exception as error:  # noqa: BLE001 - a spec the interpreter accepts must run
            found = None, f"the compiler failed ({type(error).__name__}: {error})"
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[key] = found
    return found


def _generate(steps: list[Any]) -> Compiled:
    """One generated function per segment: a shift with the default and remove steps folded
    into it, or a step editing rows (or one object) in place when the segment before made
    them, on copies otherwise."""
    segments: list[Compiled] = []
    position = 0
    fresh: str | None = None
    while position < len(steps):
        step = steps[position]
        if isinstance(step, Shift):
            folded = position + 1
            while folded < len(steps) and isinstance(steps[folded], Default | Remove):
                folded += 1
            run, fresh = _shift_segment(step, steps[position + 1:folded])
            segments.append(run)
            position = folded
        elif isinstance(step, Sort | Cardinality):
            raise Unsupported(f"a {type(step).__name__.lower()} step")
        else:  # a modify, default or remove step, edited row by row
            from console.mapping.compiled_modify import row_statements

            source, names, fresh = row_statements(step, fresh)
            segments.append(_build(source, names))
            position += 1
    if len(segments) == 1:
        return segments[0]
    return _chained(segments)


def _chained(segments: list[Compiled]) -> Compiled:
    def run(data: Any, context: dict[str, Any] | None) -> Any:
        for segment in segments:
            data = segment(data, context)
            if data is FALLBACK:
                return FALLBACK
        return data
    return run


def _shift_segment(shift: Shift, folds: list[Any]) -> tuple[Compiled, str | None]:
    """The shift's function, and what of its output it made itself: ``rows`` (a list of
    objects) or ``object``."""
    template = ShiftTemplate(shift)
    root = template.root
    for step in folds:
        root = fold_default(root, step) if isinstance(step, Default) else fold_remove(root, step)
    fresh_rows = "rows" if isinstance(root, ListNode) and not root.keyed and \
        isinstance(root.element, DictNode) else "object" if isinstance(root, DictNode) else None
    rows = not folds and isinstance(root, ListNode) and root.star == 0 and not root.keyed and \
        template.stars[0].source == "data" and root.element is not None
    if rows:
        assert isinstance(root, ListNode) and root.element is not None
        return _build(_ROWS.format(row=expression(root.element)),
                      {"_row": _interpreted_row(shift), **template.names}), fresh_rows
    return _build(_PAGE.format(page=expression(root)), template.names), fresh_rows


_PAGE = """
def run(data, context):
    try:
        return {page}
    except Exception:
        return FALLBACK
"""

_ROWS = """
def run(data, context):
    if type(data) is not list or not data:
        return FALLBACK
    try:
        return [{row} for v0 in data]
    except Exception:
        pass
    out = []
    for index, v0 in enumerate(data):
        try:
            made = {row}
        except Exception:
            _row(index, v0, data, out)
            continue
        if len(out) < index:
            out.extend([None] * (index - len(out)))
        out.append(made)
    return out or None
"""


def _interpreted_row(shift: Shift) -> Callable[[int, Any, list[Any], list[Any]], None]:
    """The interpreter's walk of one row, writing into the output list being built."""
    star = shift.root.computed[0]
    assert isinstance(star, Composite)

    def row(index: int, value: Any, data: list[Any], out: list[Any]) -> None:
        holder = {"root": out, MADE: {id(out)}}
        star.apply(str(index), value, WalkedPath([Level(data, ["root"])]), holder)
    return row


def _build(source: str, names: dict[str, Any]) -> Compiled:
    namespace: dict[str, Any] = {"FALLBACK": FALLBACK, "_items": _items, "_shape": _shape,
                                 "_pairs": _pairs,
                                 **names}
    exec(compile(source, "<jolt spec>", "exec"), namespace)  # noqa: S102 - our own generated code
    run: Compiled = namespace["run"]
    run.source = source  # type: ignore[attr-defined]
    return run
