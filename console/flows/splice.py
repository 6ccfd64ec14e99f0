"""Saving without rewriting: only the tables of flows.toml whose models changed are rendered
anew; every other line (comments, key order, explicit defaults) stays as the user wrote it.

The file is cut into sections, one per ``[table]`` header. A flow's sections are grouped by
the part of the model they hold (the flow's own keys, ``login``, ``read``, ...); a group whose
model part is unchanged keeps its text. Anything unusual (array tables, a flow spread over
the file, a model that does not reload equal) returns None and the caller writes the whole
file from the model instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields

from console.flows import model as m

_HEADER = re.compile(r"^\s*\[(?P<path>[^\[\]]+)\]\s*(#.*)?$")
_TOP = "(top)"


@dataclass
class Section:
    path: tuple[str, ...] | None  # None for the lines before the first header
    lines: list[str] = field(default_factory=list)
    fresh: bool = False  # rendered from the model, not taken from the file

    @property
    def flow_id(self) -> str | None:
        if self.path and len(self.path) >= 2 and self.path[0] == "flows":
            return self.path[1]
        return None

    @property
    def part(self) -> str:
        """The model field this section holds: a sub-table name, or the flow's own keys."""
        assert self.path is not None
        return self.path[2] if len(self.path) > 2 else _TOP


def _split_key(path: str) -> tuple[str, ...] | None:
    parts = []
    for raw in re.findall(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|[^.]+', path):
        piece = raw.strip()
        if piece[:1] in "\"'":
            piece = piece[1:-1]
        parts.append(piece)
    return tuple(parts) or None


def _open_quote(line: str, quote: str | None) -> str | None:
    """The multi-line string still open at the end of ``line`` (None if none), given the one
    open at its start."""
    i = 0
    while i < len(line):
        if quote is not None:
            end = line.find(quote, i)
            if end < 0:
                return quote
            i, quote = end + 3, None
            continue
        char = line[i]
        if char == "#":
            return None
        if line.startswith(('"""', "'''"), i):
            quote, i = line[i:i + 3], i + 3
            continue
        if char in "\"'":
            i = _skip_string(line, i)
            continue
        i += 1
    return quote


def _skip_string(line: str, start: int) -> int:
    quote = line[start]
    i = start + 1
    while i < len(line):
        if quote == '"' and line[i] == "\\":
            i += 2
            continue
        if line[i] == quote:
            return i + 1
        i += 1
    return i


def sections(text: str) -> list[Section] | None:
    """The file cut at its table headers; comments just above a header go with it."""
    found = [Section(None)]
    quote: str | None = None
    for line in text.splitlines(keepends=True):
        header = _HEADER.match(line) if quote is None else None
        if quote is None and line.lstrip().startswith("[["):
            return None
        if header:
            path = _split_key(header["path"])
            if path is None:
                return None
            found.append(Section(path, [line]))
            _move_leading_comments(found[-2], found[-1])
            continue
        found[-1].lines.append(line)
        quote = _open_quote(line, quote)
    return found


def _move_leading_comments(previous: Section, current: Section) -> None:
    tail = len(previous.lines)
    while tail and (not previous.lines[tail - 1].strip()
                    or previous.lines[tail - 1].lstrip().startswith("#")):
        tail -= 1
    block = previous.lines[tail:]
    first_comment = next((i for i, line in enumerate(block) if line.strip()), None)
    if first_comment is None:
        return
    moved = block[first_comment:]
    del previous.lines[tail + first_comment:]
    current.lines[:0] = moved


_PARTS = tuple(f.name for f in fields(m.Flow))
_SUB_TABLES = ("login", "read", "script", "mapping", "write", "fetch_missing", "oms",
               "full_stock", "proxy")


def _same_part(old: m.Flow, new: m.Flow, part: str) -> bool:
    if part == _TOP:
        return all(getattr(old, name) == getattr(new, name) for name in _PARTS
                   if name not in _SUB_TABLES)
    return part in _SUB_TABLES and getattr(old, part) == getattr(new, part)


def _grouped(items: list[Section]) -> dict[str, list[Section]]:
    groups: dict[str, list[Section]] = {}
    for section in items:
        groups.setdefault(section.part, []).append(section)
    return groups


def _changes(old: m.Flow, new: m.Flow, part: str) -> dict[str, object]:
    if part == _TOP:
        return {name: getattr(new, name) for name in _PARTS if name not in _SUB_TABLES
                and getattr(old, name) != getattr(new, name)}
    before, after = getattr(old, part), getattr(new, part)
    if before is None or after is None:
        return {"": None}  # the whole table comes or goes: no key-by-key edit
    return {f.name: getattr(after, f.name) for f in fields(after)
            if getattr(before, f.name) != getattr(after, f.name)}


def _toml_scalar(value: object) -> str | None:
    """A value as one line of TOML, for the kinds a key-by-key edit handles."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and "\n" not in value:
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
        return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
    return None


def _value_end(line: str, start: int) -> int | None:
    """Where a one-line value starting at ``start`` ends (None if it goes on)."""
    if line[start:start + 3] in ('"""', "'''"):
        return None
    if line[start:start + 1] in ("\"", "'"):
        return _skip_string(line, start)
    if line[start:start + 1] in ("[", "{"):
        return None
    end = line.find("#", start)
    return len(line.rstrip("\n")) if end < 0 else len(line[:end].rstrip())


def _key_lines(lines: list[str]) -> list[int]:
    """Indexes of the lines that start outside a multi-line string (a script's own
    ``name = ...`` line is no key of the table)."""
    found = []
    quote: str | None = None
    for index, line in enumerate(lines):
        if quote is None:
            found.append(index)
        quote = _open_quote(line, quote)
    return found


def _patched(section: Section, changes: dict[str, object]) -> Section | None:
    """The section with each changed key's value replaced in place, keeping its comments;
    None when a change is not a one-line value on a line of its own."""
    lines = list(section.lines)
    for key, value in changes.items():
        pattern = re.compile(rf"^(\s*){re.escape(key)}(\s*=\s*)")
        index = next((i for i in _key_lines(lines) if pattern.match(lines[i])), None)
        if index is None:
            return None
        if value is None:
            del lines[index]
            continue
        rendered = _toml_scalar(value)
        line = lines[index]
        start = pattern.match(line).end()  # type: ignore[union-attr]
        end = _value_end(line, start)
        if rendered is None or end is None:
            return None
        lines[index] = line[:start] + rendered + line[end:]
    return Section(section.path, lines)


def _replace_group(group: list[Section], fresh: list[Section], old: m.Flow, new: m.Flow,
                   part: str) -> list[Section]:
    if len(group) == 1:
        patched = _patched(group[0], _changes(old, new, part))
        if patched is not None:
            return [patched]
    if fresh:
        header = next(i for i, line in enumerate(group[0].lines) if _HEADER.match(line))
        fresh[0].lines[:0] = group[0].lines[:header]  # the comments above the table
    return fresh


def _merge_flow(old_sections: list[Section], rendered: list[Section], old: m.Flow,
                new: m.Flow) -> list[Section]:
    """The flow's sections: unchanged parts as written, changed keys edited in place where
    possible, other changed parts rendered anew."""
    fresh = _grouped(rendered)
    out: list[Section] = []
    placed: set[str] = set()
    for part, group in _grouped(old_sections).items():
        placed.add(part)
        if _same_part(old, new, part):
            out.extend(group)
        else:
            out.extend(_replace_group(group, fresh.get(part, []), old, new, part))
    for part, group in fresh.items():
        if part not in placed:
            out.extend(group)
    return out


def _flow_runs(items: list[Section]) -> dict[str, list[int]] | None:
    """Section indexes per flow, or None when a flow's sections are not side by side."""
    runs: dict[str, list[int]] = {}
    previous: str | None = None
    for index, section in enumerate(items):
        flow_id = section.flow_id
        if section.path == ("flows",):
            return None
        if flow_id is not None and flow_id in runs and previous != flow_id:
            return None
        if flow_id is not None:
            runs.setdefault(flow_id, []).append(index)
        previous = flow_id
    return runs


def splice(text: str, old: m.FlowsConfig, new: m.FlowsConfig,
           render_flow: Callable[[m.Flow], str]) -> str | None:
    """``text`` (which loads as ``old``) edited to hold ``new``, or None if that is not safe."""
    if (old.omnitron, old.runner) != (new.omnitron, new.runner):
        return None
    items = sections(text)
    runs = _flow_runs(items) if items else None
    if items is None or runs is None or set(runs) != {f.id for f in old.flows}:
        return None
    kept = [f.id for f in new.flows if f.id in runs]
    if kept != [f.id for f in old.flows if f.id in kept]:
        return None
    old_flows = {f.id: f for f in old.flows}
    new_flows = {f.id: f for f in new.flows}
    out: list[Section] = []
    for index, section in enumerate(items):
        flow_id = section.flow_id
        if flow_id is None:
            out.append(section)
        elif flow_id in new_flows and index == runs[flow_id][0]:
            out.extend(_flow_sections(items, runs[flow_id], old_flows[flow_id],
                                      new_flows[flow_id], render_flow))
    added = [f for f in new.flows if f.id not in runs]
    if added:
        last = max((i for i, s in enumerate(out) if s.flow_id), default=len(out) - 1)
        extra = [s for flow in added for s in _rendered(render_flow(flow))]
        out[last + 1:last + 1] = extra
    return _join(out)


def _flow_sections(items: list[Section], indexes: list[int], old: m.Flow, new: m.Flow,
                   render_flow: Callable[[m.Flow], str]) -> list[Section]:
    current = [items[i] for i in indexes]
    if old == new:
        return current
    rendered = _rendered(render_flow(new))
    return _merge_flow(current, rendered, old, new)


def _rendered(text: str) -> list[Section]:
    found = (sections(text) or [])[1:]
    for section in found:
        section.fresh = True
    return found


def _join(items: list[Section]) -> str:
    """The sections as text; a rendered section is set apart by a blank line."""
    parts: list[str] = []
    previous_fresh = False
    for section in items:
        body = "".join(section.lines)
        if not body:
            continue
        if parts and (section.fresh or previous_fresh) and not parts[-1].endswith("\n\n"):
            parts[-1] = parts[-1].rstrip("\n") + "\n\n"
        parts.append(body if body.endswith("\n") else body + "\n")
        previous_fresh = section.fresh
    return "".join(parts).rstrip("\n") + "\n"
