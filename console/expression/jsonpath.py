"""A small JsonPath for ``jsonPath()``: dots, brackets, indexes, ``*`` and ``..`` descent."""

from __future__ import annotations

import re
from typing import Any

from console.expression.errors import ExpressionError

_STEP = re.compile(r"\.\.(\w+|\*)|\.(\w+|\*)|\[\s*'([^']*)'\s*\]|\[\s*\"([^\"]*)\"\s*\]|\[\s*(-?\d+)\s*\]|\[\s*\*\s*\]")


def _steps(path: str) -> list[tuple[str, Any]]:
    if not path.startswith("$"):
        raise ExpressionError(f"jsonPath: a path starts with '$', found {path!r}")
    steps: list[tuple[str, Any]] = []
    position = 1
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None:
            raise ExpressionError(f"jsonPath: cannot read {path[position:]!r} in {path!r}")
        deep, name, single, double, index = match.groups()
        if deep is not None:
            steps.append(("deep", deep))
        elif index is not None:
            steps.append(("index", int(index)))
        elif name == "*" or match.group(0).startswith("[") and not any((single, double)):
            steps.append(("all", None))
        else:
            steps.append(("key", name if name is not None else single if single is not None
                          else double))
        position = match.end()
    return steps


def _descend(value: Any, key: str) -> list[Any]:
    found: list[Any] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if key == "*" or k == key:
                found.append(v)
            found.extend(_descend(v, key))
    elif isinstance(value, list):
        for item in value:
            found.extend(_descend(item, key))
    return found


def select(document: Any, path: str) -> Any:
    """The selected value; a wildcard or descent gives a list; nothing found gives None."""
    current = [document]
    definite = True
    for kind, arg in _steps(path):
        following: list[Any] = []
        for value in current:
            if kind == "key" and isinstance(value, dict) and arg in value or kind == "index" and isinstance(value, list) and -len(value) <= arg < len(value):
                following.append(value[arg])
            elif kind == "all":
                following.extend(value.values() if isinstance(value, dict) else
                                 value if isinstance(value, list) else [])
            elif kind == "deep":
                following.extend(_descend(value, arg))
        if kind in ("all", "deep"):
            definite = False
        current = following
    if definite:
        return current[0] if current else None
    return current
