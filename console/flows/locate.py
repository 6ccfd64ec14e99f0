"""Find the line of a dotted key path in TOML text, so errors can say ``flows.toml:LINE``.

tomllib does not report positions, so this is a light line scanner: it knows table headers,
``key = value`` lines and multi-line strings, which covers how people write flows.toml.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_.\- ]+?))\s*=""")


def _split_key(text: str) -> list[str]:
    parts: list[str] = []
    for match in re.finditer(r'"([^"]*)"|\'([^\']*)\'|([^.\s]+)', text):
        parts.append(next(g for g in match.groups() if g is not None))
    return parts


def key_lines(text: str) -> dict[str, int]:
    """Map every dotted key path (tables and keys) to its 1-based line number."""
    lines: dict[str, int] = {}
    table: list[str] = []
    open_quote: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if open_quote is not None:
            if line.count(open_quote) % 2 == 1:
                open_quote = None
            continue
        header = _HEADER.match(line)
        if header:
            table = _split_key(header.group(1))
            lines.setdefault(".".join(table), number)
            continue
        key = _KEY.match(line)
        if key:
            path = ".".join([*table, *_split_key(key.group(1))])
            lines.setdefault(path, number)
            for quote in ("'''", '"""'):
                if line.count(quote) % 2 == 1:
                    open_quote = quote
    return lines


def line_of(lines: dict[str, int], key_path: str) -> int | None:
    """The line of ``key_path`` or of its nearest enclosing key that has one."""
    parts = key_path.split(".")
    while parts:
        found = lines.get(".".join(parts))
        if found is not None:
            return found
        parts.pop()
    return None
