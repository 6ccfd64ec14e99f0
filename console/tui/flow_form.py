"""The designer's form fields: which keys of a flow each card edits, how typed text becomes
a value, and how the values make a new Flow.

The fields come from the flows.toml schema (``console.flows.schema``): the keys the model gives
a label, edited as the model types them, shown for the kinds and directions the schema says use
them. Problems are keyed like flows.toml's key paths (``read.timeout_s``), so the file
validation's messages land under the right field."""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

from console.flows import ErpLogin, Flow, Pagination, schema
from console.flows.model import ErpWrite, QueryCheck
from console.kinds import kind_of

Kind = Literal["text", "int", "float", "choice", "bool", "list", "optional", "pairs"]
Tab = Literal["config", "login", "read", "write", "fetch", "oms", "full_stock", "proxy", "orders",
              "query_check", "erp_write"]


_TABS: dict[str, Tab] = {"": "config", "login": "login", "read": "read", "write": "write",
                         "fetch_missing": "fetch", "oms": "oms", "full_stock": "full_stock",
                         "proxy": "proxy"}
"""The designer's tab of each table of a flow (by the first part of the key's path)."""
_EXPORT_TABS: dict[str, Tab] = {"order_export.query_check": "query_check",
                                "order_export.write": "erp_write", "order_export": "orders"}
"""An order export's table holds three cards' keys."""


def _tab(flow_path: str) -> Tab:
    for prefix, tab in _EXPORT_TABS.items():
        if flow_path.startswith(prefix + "."):
            return tab
    return _TABS[flow_path.split(".")[0] if "." in flow_path else ""]


@dataclass(frozen=True)
class Field:
    tab: Tab
    key: str  # dotted path inside the flow, as in flows.toml below [flows.ID]
    label: str
    kind: Kind = "text"
    choices: tuple[str, ...] = ()
    optional: bool = False
    """An empty entry means the key is left out (``write.stock_list``: rows name their own)."""

    @property
    def widget_id(self) -> str:
        return "field-" + self.key.replace(".", "-")


def _members(annotation: Any) -> list[Any]:
    if get_origin(annotation) in (Union, types.UnionType):
        return [a for a in get_args(annotation) if a is not type(None)]
    return [annotation]


def _kind(key: schema.Key) -> Kind:
    """How the form edits a key, from the model's type."""
    members = _members(key.annotation)
    origin = get_origin(members[0])
    if key.choices:
        return "choice"
    for python_type, kind in ((bool, "bool"), (int, "int"), (float, "float")):
        if python_type in members:
            return kind  # type: ignore[return-value]
    if origin is tuple:
        return "list"
    if origin is Mapping:
        return "pairs"
    return "optional" if key.optional else "text"


def _choices(key: schema.Key) -> tuple[str, ...]:
    """A table that may be absent offers ``none`` as its type (no pagination)."""
    if key.name == "type" and key.table != schema.FLOW_TABLE and "none" not in key.choices \
            and schema.key(key.table).optional:
        return ("none", *key.choices)
    return key.choices


def _fields(table: str) -> list[Field]:
    """The labelled keys of a table and of the tables it holds, in the designer's order."""
    found: list[Field] = []
    for key in sorted(schema.tables()[table], key=lambda k: k.rank):
        if key.table_model is not None and key.path in schema.tables():
            found.extend(_fields(key.path))
        elif key.label is not None:
            tab = _tab(key.flow_path)
            found.append(Field(tab, key.flow_path, key.label, _kind(key), _choices(key),
                               key.optional))
    return found


FIELDS: tuple[Field, ...] = tuple(_fields(schema.FLOW_TABLE))
"""Every key of a flow the form edits: those the model gives a label."""


def fields_for(flow: Flow) -> list[Field]:
    """The fields that mean something for this flow's type and direction (as the schema says),
    and for its tables: no login or read fields without a Read step."""
    kind = kind_of(flow.type)
    return [spec for spec in FIELDS
            if not (spec.tab in ("login", "read") and flow.read is None
                    and not (spec.tab == "login" and kind.reads_omnitron_orders))
            and schema.key(f"{schema.FLOW_TABLE}.{spec.key}").used(kind, flow.direction)]


def _get(flow: Flow, key: str) -> Any:
    value: Any = flow
    for part in key.split("."):
        if value is None:
            return None
        value = getattr(value, part)
    return value


def shown(flow: Flow, spec: Field) -> str | bool:
    """The text (or checkbox state) a field starts with."""
    if spec.key == "read.pagination.type":
        pagination = flow.read.pagination if flow.read else None
        return pagination.type if pagination else "none"
    value = _get(flow, spec.key)
    if spec.key.startswith("read.pagination.") and value is None:
        value = getattr(Pagination(), spec.key.rsplit(".", 1)[1])  # ready if one is chosen
    if spec.kind == "bool":
        return bool(value)
    if spec.kind == "list":
        return ", ".join(value or ())
    if spec.kind == "pairs":
        return "\n".join(f"{name} = {text}" for name, text in (value or {}).items())
    if spec.key == "login.type" and value is None:
        return "none"
    if value is None:
        return ""
    if spec.kind == "float" and float(value).is_integer():
        return str(int(value))
    return str(value)


def parse(spec: Field, raw: str | bool) -> Any:
    """The typed value of a field's text; ValueError with a message for the user."""
    if spec.kind == "bool":
        return bool(raw)
    text = str(raw).strip()
    if spec.kind == "pairs":
        return _pairs(text)
    if spec.kind == "list":
        return tuple(p.strip() for p in text.split(",") if p.strip())
    if spec.kind == "optional":
        return text or None
    if spec.kind == "int":
        if spec.optional and not text:
            return None
        if not text.lstrip("-").isdigit():
            raise ValueError(f"expected a whole number, found {text!r}" if text else
                             "expected a whole number")
        return int(text)
    if spec.kind == "float":
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"expected a number, found {text!r}" if text else
                             "expected a number") from None
    if spec.kind == "choice" and text not in spec.choices:
        raise ValueError(f"expected one of {', '.join(spec.choices)}")
    return str(raw) if spec.key in ("read.url", "login.prefix") else text


def _pairs(text: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"line {number}: expected name = value, found {line.strip()!r}")
        pairs[name.strip()] = value.strip()
    return pairs


def _replace_at(obj: Any, parts: list[str], value: Any) -> Any:
    if len(parts) == 1:
        return dataclasses.replace(obj, **{parts[0]: value})
    child = getattr(obj, parts[0])
    return dataclasses.replace(obj, **{parts[0]: _replace_at(child, parts[1:], value)})


def _with_containers(flow: Flow, values: dict[str, Any]) -> Flow:
    """Create the optional tables the values need (login, pagination), or drop them."""
    if "login.type" in values:
        if values["login.type"] == "none" and (flow.login is None or flow.login.type == "none"):
            flow = dataclasses.replace(flow, login=None)
        elif flow.login is None:
            flow = dataclasses.replace(flow, login=ErpLogin())
    if flow.read is not None and "read.pagination.type" in values:
        kind = values["read.pagination.type"]
        current = flow.read.pagination
        pagination = None if kind == "none" else (current or Pagination())
        flow = dataclasses.replace(flow, read=dataclasses.replace(flow.read,
                                                                  pagination=pagination))
    return _with_export_tables(flow, values)


def _with_export_tables(flow: Flow, values: dict[str, Any]) -> Flow:
    """An order export's query check is there while its URL is; its write table always is."""
    if flow.order_export is None:
        return flow
    export = flow.order_export
    url = values.get("order_export.query_check.url")
    if url is not None:
        check = (export.query_check or QueryCheck(url="")) if url else None
        export = dataclasses.replace(export, query_check=check)
    if export.write is None and "order_export.write.url" in values:
        export = dataclasses.replace(export, write=ErpWrite(url=""))
    return dataclasses.replace(flow, order_export=export)


def apply(flow: Flow, raw: dict[str, str | bool]) -> tuple[Flow, dict[str, str]]:
    """The flow with the form's values, and a message per field key that could not be read."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    no_pagination = raw.get("read.pagination.type") == "none"
    for spec in fields_for(flow):
        if spec.key not in raw or (no_pagination and spec.key.startswith("read.pagination.")
                                   and spec.key != "read.pagination.type"):
            continue
        try:
            values[spec.key] = parse(spec, raw[spec.key])
        except ValueError as exc:
            problems[spec.key] = str(exc)
    flow = _with_containers(flow, values)
    for key, value in values.items():
        parts = key.split(".")
        parent = ".".join(parts[:-1])
        if parent and _get(flow, parent) is None:
            continue  # its table is absent (no login, no pagination): nothing to set
        if key == "read.pagination.type" and value == "none":
            continue
        flow = _replace_at(flow, parts, value)
    return flow, problems
