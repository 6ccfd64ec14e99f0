"""The designer's form fields: which keys of a flow each card edits, how typed text becomes
a value, and how the values make a new Flow. Problems are keyed like flows.toml's key paths
(``read.timeout_s``), so the file validation's messages land under the right field."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from console.flows import ErpLogin, Flow, Pagination
from console.flows.model import (
    LOGIN_TYPES,
    OAUTH_GRANTS,
    PAGINATION_TYPES,
    ErpWrite,
    QueryCheck,
)
from console.kinds import kind_of

Kind = Literal["text", "int", "float", "choice", "bool", "list", "optional", "pairs"]
Tab = Literal["config", "login", "read", "write", "fetch", "oms", "orders", "query_check",
              "erp_write"]


@dataclass(frozen=True)
class Field:
    tab: Tab
    key: str  # dotted path inside the flow, as in flows.toml below [flows.ID]
    label: str
    kind: Kind = "text"
    choices: tuple[str, ...] = ()

    @property
    def widget_id(self) -> str:
        return "field-" + self.key.replace(".", "-")


FIELDS: tuple[Field, ...] = (
    Field("config", "name", "Name (at most 20 characters)"),
    Field("config", "schedule", "Schedule (5-field or Quartz cron; empty = manual only)",
          "optional"),
    Field("config", "after", "Run after flow (its id: when it succeeds; not with a schedule)",
          "optional"),
    Field("config", "timezone", "Time zone (IANA name)"),
    Field("config", "trigger_params", "Trigger parameters (comma separated)", "list"),
    Field("config", "allow_concurrent_runs", "Allow concurrent runs", "bool"),
    Field("login", "login.type", "Login type", "choice", LOGIN_TYPES),
    Field("login", "login.url", "Login URL (the token endpoint for oauth2)"),
    Field("login", "login.grant", "OAuth2 grant", "choice", OAUTH_GRANTS),
    Field("login", "login.client_id", "OAuth2 client id"),
    Field("login", "login.scope", "OAuth2 scope (space separated)"),
    Field("login", "login.username", "Username"),
    Field("login", "login.token_path", "Token path in the login response (dotted or $.JSONPath)"),
    Field("login", "login.header", "Header that carries the token"),
    Field("login", "login.prefix", "Token prefix"),
    Field("login", "login.headers", "Login request headers (name = value per line)", "pairs"),
    Field("login", "login.extra_body", "Extra login body fields (name = value per line)",
          "pairs"),
    Field("read", "read.url", "Endpoint URL (NiFi Expression Language)"),
    Field("read", "read.method", "Method", "choice", ("GET", "POST")),
    Field("read", "read.response", "Response format", "choice", ("json", "xml")),
    Field("read", "read.headers", "Headers (name = value per line; values may use expressions)",
          "pairs"),
    Field("read", "read.extra_params", "Extra parameters (name = value per line)", "pairs"),
    Field("read", "read.records", "Records path (dotted; empty = the whole body)"),
    Field("read", "read.stock_list_key", "Stock list parameter name"),
    Field("read", "read.pagination.type", "Pagination", "choice", ("none", *PAGINATION_TYPES)),
    Field("read", "read.pagination.page_size", "Page size", "int"),
    Field("read", "read.pagination.limit_param", "Limit parameter (offset, seek)"),
    Field("read", "read.pagination.offset_param", "Offset parameter (offset)"),
    Field("read", "read.pagination.seek_param", "Seek parameter (seek)"),
    Field("read", "read.pagination.seek_field", "Seek field in the rows (seek)"),
    Field("read", "read.pagination.next_path", "Next page URL path in the response (next)"),
    Field("read", "read.pagination.total_path", "Record count path in the first page"),
    Field("read", "read.timeout_s", "Timeout per request (seconds)", "float"),
    Field("write", "write.stock_list", "Stock list id", "int"),
    Field("write", "write.price_list", "Price list id (rows without price_list)", "int"),
    Field("write", "write.batch_size", "Batch size (rows per bulk upsert)", "int"),
    Field("fetch", "fetch_missing.enabled", "Fetch missing stocks", "bool"),
    Field("fetch", "fetch_missing.identifier_path", "Identifier path in the ERP rows"),
    Field("fetch", "fetch_missing.productized_within_days", "Products made within (days)", "int"),
    Field("fetch", "fetch_missing.interval_hours", "Every (hours)", "float"),
    Field("fetch", "fetch_missing.chunk_size", "SKUs per triggered run", "int"),
    Field("oms", "oms.sku_query_key", "Query parameter that carries the SKUs"),
    Field("oms", "oms.sku_mode", "ERP requests", "choice", ("single", "multiple")),
    Field("oms", "oms.concurrency", "Parallel ERP requests (single mode)", "int"),
    Field("orders", "order_export.status", "Order statuses (codes, comma separated)", "list"),
    Field("orders", "order_export.channel", "Channel id (empty = every channel)", "int"),
    Field("orders", "order_export.page_size", "Orders per page", "int"),
    Field("orders", "order_export.extra_params", "More filters (name = value per line)",
          "pairs"),
    Field("query_check", "order_export.query_check.url",
          "Lookup URL (expressions: ${order.number}, ${order.pk}; empty = no check)"),
    Field("query_check", "order_export.query_check.method", "Method", "choice", ("GET", "POST")),
    Field("query_check", "order_export.query_check.extra_params",
          "Parameters (name = value per line)", "pairs"),
    Field("query_check", "order_export.query_check.headers", "Headers (name = value per line)",
          "pairs"),
    Field("query_check", "order_export.query_check.found_path",
          "Found when this path of the answer is non-empty"),
    Field("erp_write", "order_export.write.url", "Order endpoint URL (NiFi Expression Language)"),
    Field("erp_write", "order_export.write.method", "Method", "choice", ("POST", "PUT", "PATCH")),
    Field("erp_write", "order_export.write.headers", "Headers (name = value per line)", "pairs"),
    Field("erp_write", "order_export.write.extra_params", "Query parameters (name = value "
          "per line)", "pairs"),
    Field("erp_write", "order_export.write.timeout_s", "Timeout (seconds)", "float"),
)
_EXPORT_TABS = ("orders", "query_check", "erp_write")


def fields_for(flow: Flow) -> list[Field]:
    """The fields that mean something for this flow's type and direction."""
    wanted: list[Field] = []
    for spec in FIELDS:
        kind = kind_of(flow.type)
        if spec.tab in ("login", "read") and flow.read is None and not (
                spec.tab == "login" and kind.reads_omnitron_orders):
            continue
        if spec.tab in _EXPORT_TABS and kind.settings_table != "order_export":
            continue
        if spec.tab == "fetch" and not (kind.fetch_missing and flow.is_inbound):
            continue
        if spec.tab == "oms" and kind.settings_table != "oms":
            continue
        if spec.tab == "write" and spec.key.removeprefix("write.") not in kind.write_fields:
            continue  # order statuses go one by one, to no stock list
        if spec.key == "read.stock_list_key" and not kind.stock_list_key:
            continue
        if spec.key in ("schedule", "after") and not kind.runs_on_its_own(flow.direction):
            continue
        if spec.key == "allow_concurrent_runs" and not flow.is_inbound:
            continue
        wanted.append(spec)
    return wanted


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
        if spec.key in ("write.stock_list", "write.price_list", "order_export.channel") and \
                not text:
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
