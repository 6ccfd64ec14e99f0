"""The flows.toml schema, read off the models: every table, every key with its type, default,
range, meaning and the flow kinds it means something for.

The models (``console.flows.model``) declare each key once with ``setting``; the parser takes
the keys a table accepts from here (an unknown key is reported with the closest known one), the
designer builds its form fields from here, and a test holds the README's key tables to what is
rendered here (``markdown_table``), so the three cannot drift apart.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from dataclasses import MISSING, Field, fields, is_dataclass
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from console.flows import model as m
from console.flows.secrets import Secret
from console.frozen import dataclass
from console.kinds import KINDS, FlowKind

FLOW_TABLE = "flows.ID"
"""How key paths name any one flow's table."""

REQUIRED: Any = MISSING
"""The default of a key that has none: the file must give it."""


@dataclass(frozen=True)
class Key:
    """One key of flows.toml: ``table`` is its table's path (``flows.ID.read``)."""

    table: str
    name: str
    model: type
    annotation: Any
    default: Any
    doc: str
    label: str | None
    bounds: tuple[float, float] | None
    limits: str | None
    shown: str | None
    used_by: m.UsedBy | None
    rank: float

    @property
    def path(self) -> str:
        return f"{self.table}.{self.name}" if self.table else self.name

    @property
    def flow_path(self) -> str:
        """The path below ``[flows.ID]`` (``read.timeout_s``), as the designer keys fields."""
        return self.path.removeprefix(FLOW_TABLE + ".")

    @property
    def choices(self) -> tuple[str, ...]:
        """The values of a key that takes one of a few words (``Literal`` in the model)."""
        found = [a for a in _members(self.annotation) if get_origin(a) is Literal]
        return tuple(str(v) for a in found for v in get_args(a))

    @property
    def optional(self) -> bool:
        return type(None) in _members(self.annotation)

    @property
    def table_model(self) -> type | None:
        """The model of the table this key holds, when it holds one."""
        return _table_model(self.annotation)

    def used(self, kind: FlowKind, direction: str) -> bool:
        """Whether this key means something for a flow of ``kind`` and ``direction``: its own
        rule and those of the tables around it agree."""
        return all(rule(kind, direction) for rule in _rules(self.table, self.used_by))

    def shown_default(self) -> str:
        """The default as the README writes it."""
        if self.shown is not None:
            return self.shown
        return _shown(self.default)

    def shown_limits(self) -> str | None:
        """What the parser accepts, in words, for keys with a range."""
        if self.limits is not None:
            return self.limits
        if self.bounds is None:
            return None
        low, high = self.bounds
        unit = " seconds" if self.name.endswith("_s") else ""
        return f"{_number(low)} to {_number(high)}{unit}"

    def text(self) -> str:
        """The meaning, with the registry's kinds filled in where it names them."""
        text = self.doc
        for name, words in _kind_words().items():
            text = text.replace("{" + name + "}", words)
        return text


def _members(annotation: Any) -> tuple[Any, ...]:
    if get_origin(annotation) in (Union, types.UnionType):
        return get_args(annotation)
    return (annotation,)


def _table_model(annotation: Any) -> type | None:
    """The model of a key that holds a table (or, for ``flows``, a table per flow); a secret
    is a value, not a table."""
    for member in _members(annotation):
        if get_origin(member) is tuple:
            member = get_args(member)[0]
        if isinstance(member, type) and is_dataclass(member) and member is not Secret:
            return member
    return None


def _shown(value: Any) -> str:
    if value is REQUIRED:
        return ""
    if value is None:
        return "none"
    if isinstance(value, Secret):
        return "empty" if not (value.env or value.value) else "a secret"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, int | float):
        return f"`{_number(value).replace(',', '')}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, dict):
        return "`{}`" if not value else f"`{value}`"
    if isinstance(value, tuple | list):
        return "`[]`" if not value else f"`{list(value)}`"
    if is_dataclass(value):
        return ""
    return f"`{value}`"


def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:g}"


def _kind_words() -> dict[str, str]:
    def listed(words: list[str], last: str) -> str:
        return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"

    ids = [f"`{kind.id}`" for kind in KINDS.values()]
    answering = [f"`{kind.id}`" for kind in KINDS.values() if kind.outbound_only] or ["no"]
    reading = [f"`{kind.id}`" for kind in KINDS.values() if kind.inbound_only] or ["no"]
    params = [f"`{kind.id}`: {', '.join(f'`{p}`' for p in kind.trigger_params)}"
              for kind in KINDS.values() if kind.trigger_params]
    return {"kinds": listed(ids, "or"), "outbound_only": listed(answering, "and"),
            "inbound_only": listed(reading, "and"),
            "trigger_params": "; ".join(params)}


def _key(table: str, model: type, spec: Field[Any], annotation: Any, index: int) -> Key:
    meta = spec.metadata
    default: Any = REQUIRED
    if spec.default is not MISSING:
        default = spec.default
    elif spec.default_factory is not MISSING:
        default = spec.default_factory()
    return Key(table=table, name=spec.name, model=model, annotation=annotation,
               default=default, doc=meta["doc"], label=meta.get("label"),
               bounds=meta.get("range"), limits=meta.get("limits"), shown=meta.get("shown"),
               used_by=meta.get("used_by"), rank=meta.get("rank", float(index)))


def _is_key(spec: Field[Any]) -> bool:
    return bool(spec.metadata.get("toml", True))


@cache
def tables() -> dict[str, tuple[Key, ...]]:
    """Every table's path and its keys, in the order the models declare them."""
    found: dict[str, tuple[Key, ...]] = {}

    def walk(table: str, model: type) -> None:
        hints = get_type_hints(model)
        keys = tuple(_key(table, model, spec, hints[spec.name], index)
                     for index, spec in enumerate(fields(model)) if _is_key(spec))
        found[table] = keys
        for key in keys:
            inner = key.table_model
            if inner is not None:
                walk(FLOW_TABLE if inner is m.Flow else key.path, inner)

    walk("", m.FlowsConfig)
    return found


def names(model: type) -> tuple[str, ...]:
    """The keys a table of ``model`` accepts, in declaration order: what the parser knows."""
    return tuple(spec.name for spec in fields(model) if _is_key(spec))


def all_keys() -> Iterator[Key]:
    """Every key of every table."""
    for table_keys in tables().values():
        yield from table_keys


def key(path: str) -> Key:
    """The key at ``path`` (``flows.ID.read.timeout_s``)."""
    table, _, name = path.rpartition(".")
    for found in tables().get(table, ()):
        if found.name == name:
            return found
    raise KeyError(path)


def _rules(table: str, own: m.UsedBy | None) -> list[m.UsedBy]:
    """A key's own rule and those of the keys that hold its tables."""
    rules = [own] if own is not None else []
    while table and table != FLOW_TABLE and table.startswith(FLOW_TABLE + "."):
        holder = key(table)
        if holder.used_by is not None:
            rules.append(holder.used_by)
        table = holder.table
    return rules


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def markdown_table(*table_paths: str) -> str:
    """The README's table of the keys of one table (or of several that share their keys, as
    ``[alarms]`` and ``[flows.ID.alarms]``, a key of only one marked so): key, default and
    meaning. Keys that hold tables are described under their own headings."""
    order: list[str] = []
    owners: dict[str, list[Key]] = {}
    for path in table_paths:
        for found in tables()[path]:
            if found.table_model is None:
                order.extend([found.name] if found.name not in owners else [])
                owners.setdefault(found.name, []).append(found)
    lines = [_row(["key", "default", "meaning"]), _row(["---", "---", "---"])]
    for name in order:
        first = owners[name][0]
        text = first.text()
        if len(owners[name]) < len(table_paths):
            text = f"`[{first.table}]` only: {text}"
        lines.append(_row([f"`{name}`", first.shown_default(), text]))
    return "\n".join(lines)


def limits_table() -> str:
    """The README's table of what the runner accepts: every key with a range."""
    lines = [_row(["key", "range"]), _row(["---", "---"])]
    for found in all_keys():
        limits = found.shown_limits()
        row = _row([f"`{found.flow_path}`", limits or ""])
        if limits is not None and row not in lines:  # a flow's alarms take [alarms]' ranges
            lines.append(row)
    return "\n".join(lines)
