"""Typed, immutable models of flows.toml.

Each dataclass mirrors one table of the file, and each field is one key: its default, its
range, what it means and (for the designer's form) its label are declared here with
``setting``, and ``console.flows.schema`` derives from them the keys the parser accepts, the
designer's fields and the README's key tables. Change a model with ``dataclasses.replace``; the
file layer (``console.flows.file``) turns models back into TOML in the same key order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from console.flows.secrets import Secret
from console.frozen import dataclass
from console.kinds import KINDS, FlowKind

FlowType = str
"""The id of a kind in ``console.kinds.KINDS``; loading refuses any other (adding a flow type
adds a kind there, nothing here)."""
Direction = Literal["inbound", "outbound"]
LoginType = Literal["none", "jwt", "basic", "token", "header", "oauth2"]
OAuthGrant = Literal["client_credentials", "password"]
PaginationType = Literal["offset", "seek", "next"]

FLOW_TYPES: tuple[str, ...] = tuple(KINDS)
DIRECTIONS: tuple[str, ...] = ("inbound", "outbound")
LOGIN_TYPES: tuple[str, ...] = ("none", "jwt", "basic", "token", "header", "oauth2")
OAUTH_GRANTS: tuple[str, ...] = ("client_credentials", "password")
PAGINATION_TYPES: tuple[str, ...] = ("offset", "seek", "next")
MAX_NAME_LENGTH = 20

DEFAULT_TRIGGER_PARAMS: Mapping[str, tuple[str, ...]] = {
    kind.id: kind.trigger_params for kind in KINDS.values()}


UsedBy = Callable[[FlowKind, str], bool]
"""Whether a key means something for a flow of this kind and direction (the designer shows
only those); a table's answer holds for every key in it."""


def setting(default: Any = MISSING, *, doc: str, label: str | None = None,
            bounds: tuple[float, float] | None = None, factory: Callable[[], Any] | None = None,
            shown: str | None = None, limits: str | None = None, used_by: UsedBy | None = None,
            rank: float | None = None) -> Any:
    """A key of flows.toml: its default, what it means (``doc``, the README's table says the
    same), the range the runner can work with (validation refuses anything outside it, and NaN
    or infinity), and, for keys the designer's form edits, the field's ``label``.

    ``shown`` is the default as the README writes it when the model's differs (a required
    field with a default the parser picks); ``limits`` says in words what the parser accepts
    when no numeric ``bounds`` say it; ``rank`` places a form field among its table's fields
    (its position in the table otherwise)."""
    metadata: dict[str, Any] = {"doc": doc}
    extras = {"label": label, "range": bounds, "shown": shown, "limits": limits,
              "used_by": used_by, "rank": rank}
    metadata.update({name: value for name, value in extras.items() if value is not None})
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    if default is MISSING:
        return field(metadata=metadata)
    return field(default=default, metadata=metadata)


def not_a_key() -> Any:
    """A model field that is no key of the file (a flow's id is its table's name)."""
    return field(metadata={"toml": False})


def value_range(model: type, name: str) -> tuple[Any, Any]:
    """The ``(low, high)`` allowed for a numeric field of ``model``."""
    found = next(f for f in fields(model) if f.name == name)
    low, high = found.metadata["range"]
    return low, high


def _inbound(kind: FlowKind, direction: str) -> bool:
    return direction == "inbound"


def _on_its_own(kind: FlowKind, direction: str) -> bool:
    return kind.runs_on_its_own(direction)


def _reads_erp(kind: FlowKind, direction: str) -> bool:
    return kind.reads_erp_when(direction)


def _fetches_missing(kind: FlowKind, direction: str) -> bool:
    return kind.fetch_missing and direction == "inbound"


def _has_oms_settings(kind: FlowKind, direction: str) -> bool:
    return kind.settings_table == "oms"


def _has_full_stock_settings(kind: FlowKind, direction: str) -> bool:
    return kind.settings_table == "full_stock"


def _has_proxy_settings(kind: FlowKind, direction: str) -> bool:
    return kind.settings_table == "proxy"


def _passes_stock_list(kind: FlowKind, direction: str) -> bool:
    return kind.stock_list_key


def _writes(key: str) -> UsedBy:
    """The Write card edits ``write.<key>`` for kinds that list it."""
    def used(kind: FlowKind, direction: str) -> bool:
        return key in kind.write_fields
    return used


def _writes_per_order(kind: FlowKind, direction: str) -> bool:
    return kind.write_script


@dataclass(frozen=True, slots=True)
class OmnitronSettings:
    """The "Domain URL" of Omnitron and the Integrator user the flows log in with."""

    url: str = setting(doc="Omnitron's domain URL (`http://` or `https://`)")
    username: str = setting(doc="the Integrator user of Omnitron")
    password: Secret = setting(doc="that user's password")


SCRIPT_TIMEOUT_S = 300.0
"""What the Integrator gives a script: the default of every ``timeout_s`` of a script."""
TIMEOUT_RANGE_S = (0.1, 86_400.0)


@dataclass(frozen=True, slots=True)
class ScriptWorkers:
    """``[runner.scripts]``: the processes scripts run in (one flow's scripts per process)."""

    workers: int = setting(8, bounds=(1, 256), doc="worker processes at most, over all flows")
    uids: str = setting("1000000000-1000099999", doc=(
        'when the console runs as root, each worker runs as a uid of its own from this range '
        '(one no live process has); `""`: all run as `user`'),
        limits='"FIRST-LAST", at least as many uids as workers, or ""')
    user: str = setting("nobody", doc='when the console runs as root and `uids` is `""`, '
                                      "workers run as this user")
    memory_mb: int = setting(512, bounds=(64, 1024 * 1024),
                             doc="address-space limit of each worker, for its whole life")
    idle_s: float = setting(60.0, bounds=(0.1, 86_400.0), doc="a worker unused this long ends")
    max_output_kb: int = setting(256, bounds=(1, 1024 * 1024),
                                 doc="prints and log lines kept per run; the rest is cut with "
                                     "a note")
    max_result_mb: int = setting(32, bounds=(1, 4096),
                                 doc="a bigger result (data, attributes and logs) fails the run")


@dataclass(frozen=True, slots=True)
class RunnerSettings:
    """``[runner]``: the embedded runner: where it listens, its store, its limits and workers."""

    listen: str = setting("127.0.0.1:8800", doc="address of the outbound endpoint server")
    store: str = setting(".console/console.db", doc="SQLite file of executions and logs, or a "
                         "`postgresql://` connection string to share one store between hosts "
                         "(see *Running on several hosts*)")
    max_active_executions: int = setting(
        5, bounds=(1, 1000),
        doc="executions of one flow processing at once; more are answered 429")
    outbound_token: Secret = setting(factory=lambda: Secret(value=""),
                                     doc="bearer token outbound callers must send")
    outbound_max_rows: int = setting(
        50_000, bounds=(1, 10_000_000),
        doc="larger outbound payloads are answered 413, and so are bodies above this many KiB")
    log_retention_days: int = setting(30, bounds=(1, 3650),
                                      doc="row logs older than this are pruned")
    scripts: ScriptWorkers = setting(factory=ScriptWorkers,
                                     doc="the processes scripts run in (see *Scripts and "
                                         "isolation*)")
    metrics_public: bool = setting(False,
                                   doc="serve `GET /metrics` without the bearer token (for a "
                                       "scraper on a trusted network)")
    heartbeat_s: float = setting(
        10.0, bounds=(0.2, 3600.0),
        doc="several hosts: how often a host tells the database it is alive")
    stall_after_s: float = setting(
        30.0, bounds=(1.0, 86_400.0),
        doc="several hosts: a host silent this long is taken for dead and its executions run"
            " again elsewhere (at least twice `heartbeat_s`)")

    @property
    def shared_store(self) -> bool:
        """Whether ``store`` is a PostgreSQL connection string (hosts share it) rather than
        a SQLite file."""
        return self.store.startswith(("postgresql://", "postgres://"))

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0] or "127.0.0.1"

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])


@dataclass(frozen=True, slots=True)
class ErpLogin:
    """Login to the ERP: the login request (JWT or OAuth2), or what every request carries."""

    type: LoginType = setting("none", label="Login type",
                              doc="`none`, `jwt`, `basic`, `token`, `header` or `oauth2`")
    url: str = setting("", label="Login URL (the token endpoint for oauth2)", shown="",
                       doc="`jwt`: the login endpoint (POST, JSON body); `oauth2`: the token "
                           "endpoint")
    username: str = setting("", label="Username", shown="",
                            doc="`jwt` and `basic` (sent with every request); `oauth2` password "
                                "grant")
    password: Secret | None = setting(None, shown="",
                                      doc="the password of `username` (a secret)")
    token: Secret | None = setting(None, shown="",
                                   doc="`token` and `header`: the fixed value sent with every "
                                       "request")
    token_path: str = setting("token",
                              label="Token path in the login response (dotted or $.JSONPath)",
                              doc="`jwt`: where the token is in the login answer, dotted "
                                  "(`data.token`) or a JSONPath (`$.data.access.token`)")
    header: str = setting("Authorization", label="Header that carries the token",
                          doc="the header that carries the token")
    prefix: str = setting("Bearer ", label="Token prefix", doc="what goes before the token")
    grant: OAuthGrant = setting("client_credentials", label="OAuth2 grant", rank=1.1,
                                doc="`oauth2`: `client_credentials` or `password`")
    client_id: str = setting("", label="OAuth2 client id", rank=1.2, shown="",
                             doc="`oauth2`: the client")
    client_secret: Secret | None = setting(
        None, shown="", doc="`oauth2`: the client's secret, sent in the form body (none: a "
                            "public client)")
    scope: str = setting("", label="OAuth2 scope (space separated)", rank=1.3, shown="none",
                         doc="`oauth2`: space-separated scopes asked for")
    headers: Mapping[str, str] = setting(
        factory=dict, label="Login request headers (name = value per line)", shown="none",
        doc='extra headers of the login request (`jwt` and `oauth2`), e.g. '
            '`{ X-Tenant = "north" }`')
    extra_body: Mapping[str, str] = setting(
        factory=dict, label="Extra login body fields (name = value per line)", shown="none",
        doc="extra fields of the login request's body: JSON fields for `jwt`, form fields "
            "for `oauth2`")


@dataclass(frozen=True, slots=True)
class Pagination:
    """``[flows.ID.read.pagination]``: how the ERP's pages are asked for, one after another."""

    type: PaginationType = setting("offset", label="Pagination",
                                   doc="`offset`, `seek` (after the last row's `seek_field`) "
                                       "or `next` (a next page URL in the answer)")
    page_size: int = setting(500, bounds=(1, 100_000), label="Page size",
                             doc="`offset` and `seek`: rows asked for per page")
    limit_param: str = setting("limit", label="Limit parameter (offset, seek)",
                               doc="`offset` and `seek`: the parameter that carries the page "
                                   "size")
    offset_param: str = setting("offset", label="Offset parameter (offset)",
                                doc="`offset`: the parameter that carries the offset")
    seek_param: str = setting("after", label="Seek parameter (seek)",
                              doc="`seek`: the parameter that carries the last row's value")
    seek_field: str = setting("id", label="Seek field in the rows (seek)",
                              doc="`seek`: the row field the next page starts after")
    next_path: str = setting("next", label="Next page URL path in the response (next)",
                             doc="`next`: dotted path of the next page's URL in a page")
    total_path: str = setting("", label="Record count path in the first page",
                              doc="dotted path of the record count in the first page (e.g. "
                                  "`count`): running executions then show a real progress bar")


@dataclass(frozen=True, slots=True)
class ReadStep:
    """Read Data From ERP. ``url``, header values and extra params may hold NiFi expressions."""

    url: str = setting(label="Endpoint URL (NiFi Expression Language)",
                       doc="endpoint; NiFi Expression Language allowed (`${http.query.string}`, "
                           "`${token.erp}`, ...)")
    method: Literal["GET", "POST"] = setting(
        "GET", label="Method",
        doc="`GET` (extra params in the query) or `POST` (extra params in the body)")
    headers: Mapping[str, str] = setting(
        factory=dict, label="Headers (name = value per line; values may use expressions)",
        doc="extra headers; values may use expressions")
    extra_params: Mapping[str, str] = setting(
        factory=dict, label="Extra parameters (name = value per line)",
        doc='a table, or a query string such as `"channel=shop&transfer=1"`')
    stock_list_key: str = setting("", label="Stock list parameter name", rank=6.5, shown="",
                                  used_by=_passes_stock_list,
                                  doc="parameter name that carries the flow's stock list to "
                                      "the ERP")
    response: Literal["json", "xml"] = setting(
        "json", label="Response format", rank=1.5,
        doc="`json` or `xml` (repeated XML elements become lists)")
    records: str = setting("", label="Records path (dotted; empty = the whole body)",
                           doc='dotted path of the row list inside a response page (`""`: the '
                               'whole body)')
    pagination: Pagination | None = setting(
        None, doc="how pages are asked for (below); none: one request")
    timeout_s: float = setting(30.0, bounds=(0.1, 3600), label="Timeout per request (seconds)",
                               doc="per request")


@dataclass(frozen=True, slots=True)
class ScriptStep:
    """``[flows.ID.script]``: the Script step, a Python script run in a worker."""

    source: str = setting(doc="a Python script: Integrator style (NiFi `ExecuteScript`: "
                              "`session`, `REL_SUCCESS`, `StreamCallback`, ...) or a plain "
                              "`def transform(data, attributes)`")
    timeout_s: float = setting(SCRIPT_TIMEOUT_S, bounds=TIMEOUT_RANGE_S,
                               doc="a script running longer is stopped and fails its "
                                   "execution with a message naming this key (the "
                                   "Integrator's limit)")


@dataclass(frozen=True, slots=True)
class MappingStep:
    """A Jolt chain spec, kept as the JSON text the user wrote."""

    spec: str = setting(doc="a Jolt chain spec as JSON text")


@dataclass(frozen=True, slots=True)
class WriteStep:
    """Write Data to Omnitron. ``script`` is the per-order script of order-status flows."""

    stock_list: int | None = setting(None, bounds=(1, 2_147_483_647), label="Stock list id",
                                     used_by=_writes("stock_list"),
                                     doc="the Omnitron stock list of rows that name none")
    price_list: int | None = setting(None, bounds=(1, 2_147_483_647),
                                     label="Price list id (rows without price_list)",
                                     used_by=_writes("price_list"),
                                     doc="price flows: the Omnitron price list of rows that "
                                         "name none")
    batch_size: int = setting(5000, bounds=(1, 50_000), label="Batch size (rows per bulk upsert)",
                              used_by=_writes("batch_size"), doc="rows per bulk upsert")
    script: str | None = setting(None, used_by=_writes_per_order,
                                 doc="order status flows: the per-order script")
    script_timeout_s: float = setting(SCRIPT_TIMEOUT_S, bounds=TIMEOUT_RANGE_S,
                                      used_by=_writes_per_order,
                                      doc="the per-order script's limit, per order; an order"
                                          " whose script runs longer fails, and so does the"
                                          " execution, at once: the orders after it are not"
                                          " sent (a retry runs it again)")


@dataclass(frozen=True, slots=True)
class FetchMissing:
    """``[flows.ID.fetch_missing]``: the stock of products Omnitron made lately."""

    enabled: bool = setting(False, label="Fetch missing stocks",
                            doc="fetch the stock of products Omnitron made lately")
    identifier_path: str = setting("sku", label="Identifier path in the ERP rows",
                                   doc="where a row's SKU is")
    productized_within_days: int = setting(30, bounds=(1, 3650),
                                           label="Products made within (days)",
                                           doc="products made within this many days count")
    interval_hours: float = setting(4.0, bounds=(0.1, 8760), label="Every (hours)",
                                    doc="how often to look for them")
    chunk_size: int = setting(100, bounds=(1, 10_000), label="SKUs per triggered run",
                              doc="SKUs per triggered run")


@dataclass(frozen=True, slots=True)
class OmsSettings:
    """The OMS stock flow: how SKUs arrive and the scripts around the ERP read."""

    sku_query_key: str = setting("sku", label="Query parameter that carries the SKUs",
                                 doc="the query parameter that carries the SKUs")
    sku_mode: Literal["single", "multiple"] = setting(
        "single", label="ERP requests",
        doc="`single`: one ERP request per SKU; `multiple`: one request")
    pre_script: str | None = setting(None, doc="runs on the request before the ERP read")
    post_script: str | None = setting(None, doc="makes the answer of what the ERP read")
    concurrency: int = setting(8, bounds=(1, 64), label="Parallel ERP requests (single mode)",
                               doc="parallel ERP requests in single mode")
    script_timeout_s: float = setting(SCRIPT_TIMEOUT_S, bounds=TIMEOUT_RANGE_S,
                                      doc="the limit of the pre-script and of the post-script, "
                                          "each; a script running longer is stopped and the"
                                          " query answered 502 naming this key")


@dataclass(frozen=True, slots=True)
class FullStockSettings:
    """``[flows.ID.full_stock]``: the inbound stock flow that syncs the SKUs a compare finds
    different, and how many SKUs each of its runs gets."""

    stock_flow: str = setting("", shown="", label="Stock flow that syncs the differing SKUs (its id)",
                              doc="the id of the inbound `stock` flow that syncs the differing "
                                  "SKUs; it must write to the same stock list")
    chunk_size: int = setting(100, bounds=(1, 10_000), label="SKUs per run of the stock flow",
                              doc="SKUs per run of the stock flow")


@dataclass(frozen=True, slots=True)
class ProxySettings:
    """``[flows.ID.proxy]``: the scripts around the one request a proxy flow makes."""

    pre_script: str | None = setting(None, doc="prepares the one request from the caller's "
                                               "payload (none when inbound)")
    post_script: str | None = setting(None, doc="makes the flow's output of the remote's answer")
    script_timeout_s: float = setting(SCRIPT_TIMEOUT_S, bounds=TIMEOUT_RANGE_S,
                                      label="Timeout of each script (seconds)",
                                      doc="the limit of the pre-script and of the post-script, "
                                          "each")


_ERROR_RATE = ("fires when this percentage (or more) of the finished executions in the window "
               "failed or were partial")
_WINDOW = 'the window: a number of executions, or a duration such as `"30m"`'
_WINDOW_LIMITS = "1 to 10,000 executions, or a duration up to `366d`"
_AVG = "fires when the executions in the window took longer than this on average"
_NO_SUCCESS = ("fires when no execution succeeded for this long; from `[alarms]` it applies to "
               "scheduled flows only, set on a flow it always applies")
_STALLED = "fires when an execution has been processing longer than this"
_DURATION_LIMITS = "up to `366d`"


def _exports_orders(kind: FlowKind, direction: str) -> bool:
    return kind.settings_table == "order_export"


def _logs_into_erp(kind: FlowKind, direction: str) -> bool:
    return kind.reads_erp_when(direction) or kind.reads_omnitron_orders


@dataclass(frozen=True, slots=True)
class QueryCheck:
    """Order export: the ERP lookup of one order by its number, before it is written. The
    order is already in the ERP when the answer's ``found_path`` holds a non-empty, non-zero
    value; a 404 answer means it is not."""

    url: str = setting(label="Lookup URL (expressions: ${order.number}, ${order.pk}; empty = "
                             "no check)",
                       doc="the ERP's lookup of an order; expressions such as "
                           "`${order.number}` allowed")
    method: Literal["GET", "POST"] = setting(
        "GET", label="Method", doc="`GET` (params in the query) or `POST` (params in the body)")
    extra_params: Mapping[str, str] = setting(
        factory=dict, label="Parameters (name = value per line)",
        doc="the lookup's parameters, e.g. `{ number = \"${order.number}\" }`")
    headers: Mapping[str, str] = setting(factory=dict,
                                         label="Headers (name = value per line)",
                                         doc="extra headers; values may use expressions")
    found_path: str = setting("count", label="Found when this path of the answer is non-empty",
                              doc="dotted path in the answer that is non-empty (a count above "
                                  "0, a list with items) when the ERP has the order")
    timeout_s: float = setting(30.0, bounds=(0.1, 3600), doc="per request")


@dataclass(frozen=True, slots=True)
class ErpWrite:
    """Order export: Write Data to ERP, one request per order with the mapped order as its
    JSON body."""

    url: str = setting(label="Order endpoint URL (NiFi Expression Language)",
                       doc="the ERP's order endpoint; expressions allowed")
    method: Literal["POST", "PUT", "PATCH"] = setting("POST", label="Method",
                                                      doc="`POST`, `PUT` or `PATCH`")
    headers: Mapping[str, str] = setting(factory=dict, label="Headers (name = value per line)",
                                         doc="extra headers; values may use expressions")
    extra_params: Mapping[str, str] = setting(
        factory=dict, label="Query parameters (name = value per line)",
        doc="query parameters of the write; values may use expressions")
    timeout_s: float = setting(30.0, bounds=(0.1, 3600), label="Timeout (seconds)",
                               doc="per request; a write is never sent twice")


@dataclass(frozen=True, slots=True)
class OrderExport:
    """``[flows.ID.order_export]``: which Omnitron orders wait for the ERP (``is_send`` false,
    these statuses, this channel), and the ERP side: query check, write, check-response."""

    status: tuple[str, ...] = setting(("400",), label="Order statuses (codes, comma separated)",
                                      doc="order status codes to send (one is sent as "
                                          "`status`, several as `status__in`)")
    channel: int | None = setting(None, bounds=(1, 2_147_483_647),
                                  label="Channel id (empty = every channel)",
                                  doc="the sales channel of the orders; none: every channel")
    page_size: int = setting(50, bounds=(1, 1000), label="Orders per page",
                             doc="orders per page of Omnitron's order list")
    extra_params: Mapping[str, str] = setting(
        factory=dict, label="More filters (name = value per line)",
        doc="more filters of Omnitron's order list; values may use expressions")
    query_check: QueryCheck | None = setting(None, doc="the ERP lookup before each write "
                                                       "(below); none: every order is written")
    write: ErpWrite | None = setting(None, shown="", doc="Write Data to ERP (below)")
    check_response: ScriptStep | None = setting(None, doc="the check-response script (below)")


@dataclass(frozen=True, slots=True)
class FlowAlarms:
    """``[flows.ID.alarms]``: this flow's alarm conditions; None takes the ``[alarms]`` default.

    ``window`` is a number of executions (``20``) or a duration (``"30m"``); durations are
    texts such as ``"90s"``, ``"15m"``, ``"2h"``, ``"1d"``.
    """

    enabled: bool = setting(True, doc="`false` switches this flow's alarms off")
    error_rate: float | None = setting(None, limits="above 0 to 100 (percent)", doc=_ERROR_RATE)
    window: int | str | None = setting(None, limits=_WINDOW_LIMITS, doc=_WINDOW)
    avg_flow_time_s: float | None = setting(None, limits="above 0 to a year in seconds",
                                            doc=_AVG)
    no_success_within: str | None = setting(None, limits=_DURATION_LIMITS, doc=_NO_SUCCESS)
    stalled_after: str | None = setting(None, limits=_DURATION_LIMITS, doc=_STALLED)


@dataclass(frozen=True, slots=True)
class AlarmSettings:
    """``[alarms]``: default conditions for every flow, where notifications go, and pacing.

    ``notify`` holds apprise URLs (secrets: they carry tokens); ``min_interval`` is the least
    time between two changes of one alarm, so a flow on the edge does not flap.
    """

    error_rate: float | None = setting(None, limits="above 0 to 100 (percent)", doc=_ERROR_RATE)
    window: int | str = setting(10, limits=_WINDOW_LIMITS, doc=_WINDOW)
    avg_flow_time_s: float | None = setting(None, limits="above 0 to a year in seconds",
                                            doc=_AVG)
    no_success_within: str | None = setting(None, limits=_DURATION_LIMITS, doc=_NO_SUCCESS)
    stalled_after: str | None = setting(None, limits=_DURATION_LIMITS, doc=_STALLED)
    notify: tuple[Secret, ...] = setting((), doc='apprise URLs, each a string or '
                                                 '`{ env = "NAME" }`')
    min_interval: str = setting("5m", limits=_DURATION_LIMITS,
                                doc="least time between two changes of one alarm")
    evaluate_every: str = setting("1m", limits=_DURATION_LIMITS,
                                  doc="how often `console serve` checks besides after each "
                                      "execution")


@dataclass(frozen=True, slots=True)
class Flow:
    """``[flows.ID]``: one flow, its steps and when it runs."""

    id: str = not_a_key()
    name: str = setting(label="Name (at most 20 characters)",
                        doc="unique display name, at most 20 characters")
    type: FlowType = setting(doc="the flow's kind: {kinds}")
    direction: Direction = setting(shown='`"inbound"`',
                                   doc="`inbound` (reads the ERP) or `outbound` (receives POSTed "
                                       "data); {outbound_only} flows are always outbound, "
                                       "{inbound_only} always inbound")
    enabled: bool = setting(True, doc="disabled flows are never scheduled")
    schedule: str | None = setting(None, used_by=_on_its_own,
                                   label="Schedule (5-field or Quartz cron; empty = manual only)",
                                   doc="5-field cron (`*/5 * * * *`) or Quartz 6/7-field "
                                       "(`0 0/30 * * * ? *`); inbound only")
    after: str | None = setting(
        None, used_by=_on_its_own,
        label="Run after flow (its id: when it succeeds; not with a schedule)",
        doc="the id of another flow: this flow runs each time an execution of that one finishes "
            "with success (the Integrator's \"Triggered By\"); inbound only, not with "
            "`schedule`, no cycles")
    timezone: str = setting("UTC", label="Time zone (IANA name)",
                            doc="IANA zone for the schedule and for `modified_date__gt`")
    trigger_params: tuple[str, ...] = setting(
        (), shown="per type", label="Trigger parameters (comma separated)",
        doc="manual trigger parameters; a flow must offer those its type needs "
            "({trigger_params})")
    allow_concurrent_runs: bool = setting(False, used_by=_inbound,
                                          label="Allow concurrent runs",
                                          doc="let a scheduled run start while another is "
                                              "running")
    login: ErpLogin | None = setting(None, used_by=_logs_into_erp, doc="ERP login")
    read: ReadStep | None = setting(None, used_by=_reads_erp, doc="Read Data From ERP")
    script: ScriptStep | None = setting(None, doc="the Script step")
    mapping: MappingStep | None = setting(None, doc="the Mapping step")
    write: WriteStep = setting(factory=WriteStep, doc="Write Data to Omnitron")
    fetch_missing: FetchMissing = setting(factory=FetchMissing, used_by=_fetches_missing,
                                          doc="the stock of products Omnitron made lately")
    oms: OmsSettings | None = setting(None, used_by=_has_oms_settings,
                                      doc="OMS stock flows' settings")
    alarms: FlowAlarms | None = setting(None, doc="this flow's alarm conditions")
    full_stock: FullStockSettings | None = setting(None, used_by=_has_full_stock_settings,
                                                   doc="full stock flows' settings")
    proxy: ProxySettings | None = setting(None, used_by=_has_proxy_settings,
                                          doc="proxy flows' settings")
    order_export: OrderExport | None = setting(None, used_by=_exports_orders,
                                               doc="the order export (Omnitron to ERP)")

    @property
    def is_inbound(self) -> bool:
        return self.direction == "inbound"

    @property
    def reads_data(self) -> bool:
        """The flow reads what it syncs (from the ERP, or Omnitron's orders waiting for the
        ERP), so a run can be triggered; otherwise it only receives posted rows."""
        return self.read is not None or self.order_export is not None

    @property
    def default_list(self) -> int | None:
        """The list rows without one are written to (a stock list, or a price list for price
        flows), as the flow's kind says."""
        key = KINDS[self.type].default_list
        value: int | None = getattr(self.write, key) if key else None
        return value


@dataclass(frozen=True, slots=True)
class FlowsConfig:
    """The whole flows.toml. ``source`` is the file it came from (relative paths resolve there)."""

    omnitron: OmnitronSettings = setting(doc="the Omnitron the flows write to")
    runner: RunnerSettings = setting(factory=RunnerSettings, doc="the embedded runner")
    flows: tuple[Flow, ...] = setting((), doc="the flows, one table per flow id")
    source: Path | None = field(default=None, compare=False, metadata={"toml": False})
    alarms: AlarmSettings = setting(factory=AlarmSettings,
                                    doc="alarm conditions and notifications")

    def flow(self, flow_id: str) -> Flow:
        for flow in self.flows:
            if flow.id == flow_id:
                return flow
        raise KeyError(flow_id)

    def find(self, id_or_name: str) -> Flow | None:
        """A flow by id, or failing that by its display name (case-insensitive)."""
        for flow in self.flows:
            if flow.id == id_or_name:
                return flow
        wanted = id_or_name.casefold()
        return next((f for f in self.flows if f.name.casefold() == wanted), None)

    def with_flow(self, flow: Flow) -> FlowsConfig:
        """A copy with ``flow`` replacing the flow of the same id, or appended if new."""
        flows = list(self.flows)
        for index, existing in enumerate(flows):
            if existing.id == flow.id:
                flows[index] = flow
                break
        else:
            flows.append(flow)
        return replace(self, flows=tuple(flows))

    def store_location(self) -> str | Path:
        """The store ``open_store`` opens: the PostgreSQL connection string as written, or
        the SQLite file's path."""
        return self.runner.store if self.runner.shared_store else self.store_path()

    def store_path(self) -> Path:
        """The SQLite store's file. With a PostgreSQL store, a local file beside the flows
        that keeps what belongs to this host: its runner lock, the OMS checklist, exports."""
        base = self.source.parent if self.source is not None else Path.cwd()
        if self.runner.shared_store:
            return (base / ".console" / "local.db").resolve()
        return (base / self.runner.store).resolve()
