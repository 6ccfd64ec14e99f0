"""Typed, immutable models of flows.toml.

Each dataclass mirrors one table of the file. Change a model with ``dataclasses.replace``; the
file layer (``console.flows.file``) turns models back into TOML in the same key order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from console.flows.secrets import Secret
from console.kinds import KINDS

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


def bounded(default: Any, low: float, high: float) -> Any:
    """A numeric field with the range the runner can work with; flows.toml validation refuses
    anything outside it (and NaN or infinity)."""
    return field(default=default, metadata={"range": (low, high)})


def value_range(model: type, name: str) -> tuple[Any, Any]:
    """The ``(low, high)`` allowed for a numeric field of ``model``."""
    found = next(f for f in fields(model) if f.name == name)
    low, high = found.metadata["range"]
    return low, high


@dataclass(frozen=True, slots=True)
class OmnitronSettings:
    """The "Domain URL" of Omnitron and the Integrator user the flows log in with."""

    url: str
    username: str
    password: Secret


SCRIPT_TIMEOUT_S = 300.0
"""What the Integrator gives a script: the default of every ``timeout_s`` of a script."""
TIMEOUT_RANGE_S = (0.1, 86_400.0)


@dataclass(frozen=True, slots=True)
class ScriptWorkers:
    """``[runner.scripts]``: the processes scripts run in (one flow's scripts per process)."""

    workers: int = bounded(8, 1, 256)
    """At most this many worker processes at once, over all flows."""
    user: str = "nobody"
    """When the console runs as root, workers run as this unprivileged user."""
    memory_mb: int = bounded(512, 64, 1024 * 1024)
    idle_s: float = bounded(60.0, 0.1, 86_400.0)
    """A worker unused this long retires."""
    max_output_kb: int = bounded(256, 1, 1024 * 1024)
    """Prints and log lines kept per run; the rest is cut with a note."""
    max_result_mb: int = bounded(32, 1, 4096)
    """A bigger result (result_data, attributes and logs) is an error."""


@dataclass(frozen=True, slots=True)
class RunnerSettings:
    listen: str = "127.0.0.1:8800"
    store: str = ".console/console.db"
    max_active_executions: int = bounded(5, 1, 1000)
    outbound_token: Secret = field(default_factory=lambda: Secret(value=""))
    outbound_max_rows: int = bounded(50_000, 1, 10_000_000)
    log_retention_days: int = bounded(30, 1, 3650)
    scripts: ScriptWorkers = field(default_factory=ScriptWorkers)
    metrics_public: bool = False
    """Serve ``GET /metrics`` without the bearer token (for a scraper on a trusted network)."""

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0] or "127.0.0.1"

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])


@dataclass(frozen=True, slots=True)
class ErpLogin:
    """Login to the ERP.

    ``url`` is the login request's address: the JWT login endpoint, or the OAuth2 token
    endpoint. ``token`` is for the ``token``/``header`` types that send a fixed value.
    ``headers`` and ``extra_body`` go with the login request (JSON body for ``jwt``, form body
    for ``oauth2``). ``token_path`` finds the token in the JWT login's answer: a dotted path
    (``data.token``) or a JSONPath (``$.data.token``).
    """

    type: LoginType = "none"
    url: str = ""
    username: str = ""
    password: Secret | None = None
    token: Secret | None = None
    token_path: str = "token"
    header: str = "Authorization"
    prefix: str = "Bearer "
    grant: OAuthGrant = "client_credentials"
    client_id: str = ""
    client_secret: Secret | None = None
    scope: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    extra_body: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Pagination:
    type: PaginationType = "offset"
    page_size: int = bounded(500, 1, 100_000)
    limit_param: str = "limit"
    offset_param: str = "offset"
    seek_param: str = "after"
    seek_field: str = "id"
    next_path: str = "next"
    total_path: str = ""
    """Dotted path to the ERP's record count in the first page (e.g. ``count``): when set, the
    runner knows how many rows to expect and the console shows a real progress bar."""


@dataclass(frozen=True, slots=True)
class ReadStep:
    """Read Data From ERP. ``url``, header values and extra params may hold NiFi expressions."""

    url: str
    method: Literal["GET", "POST"] = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    extra_params: Mapping[str, str] = field(default_factory=dict)
    stock_list_key: str = ""
    response: Literal["json", "xml"] = "json"
    records: str = ""
    pagination: Pagination | None = None
    timeout_s: float = bounded(30.0, 0.1, 3600)


@dataclass(frozen=True, slots=True)
class ScriptStep:
    source: str
    timeout_s: float = bounded(SCRIPT_TIMEOUT_S, *TIMEOUT_RANGE_S)


@dataclass(frozen=True, slots=True)
class MappingStep:
    """A Jolt chain spec, kept as the JSON text the user wrote."""

    spec: str


@dataclass(frozen=True, slots=True)
class WriteStep:
    """Write Data to Omnitron. ``script`` is the per-order script of order-status flows."""

    stock_list: int | None = bounded(None, 1, 2_147_483_647)
    price_list: int | None = bounded(None, 1, 2_147_483_647)
    """Price flows: the price list of rows that name none."""
    batch_size: int = bounded(5000, 1, 50_000)
    script: str | None = None
    script_timeout_s: float = bounded(SCRIPT_TIMEOUT_S, *TIMEOUT_RANGE_S)


@dataclass(frozen=True, slots=True)
class FetchMissing:
    enabled: bool = False
    identifier_path: str = "sku"
    productized_within_days: int = bounded(30, 1, 3650)
    interval_hours: float = bounded(4.0, 0.1, 8760)
    chunk_size: int = bounded(100, 1, 10_000)


@dataclass(frozen=True, slots=True)
class OmsSettings:
    """The OMS stock flow: how SKUs arrive and the scripts around the ERP read."""

    sku_query_key: str = "sku"
    sku_mode: Literal["single", "multiple"] = "single"
    pre_script: str | None = None
    post_script: str | None = None
    concurrency: int = bounded(8, 1, 64)
    script_timeout_s: float = bounded(SCRIPT_TIMEOUT_S, *TIMEOUT_RANGE_S)
    """The limit of the pre-script and of the post-script, each."""


@dataclass(frozen=True, slots=True)
class QueryCheck:
    """Order export: the ERP lookup of one order by its number, before it is written.

    ``url``, header values and extra params may hold NiFi expressions (``${order.number}``).
    The order is already in the ERP when the answer's ``found_path`` (a dotted path) holds a
    non-empty, non-zero value; a 404 answer means it is not.
    """

    url: str
    method: Literal["GET", "POST"] = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    extra_params: Mapping[str, str] = field(default_factory=dict)
    found_path: str = "count"
    timeout_s: float = bounded(30.0, 0.1, 3600)


@dataclass(frozen=True, slots=True)
class ErpWrite:
    """Order export: Write Data to ERP, one request per order with the mapped order as its
    JSON body. ``url``, header values and extra params (query parameters) may hold NiFi
    expressions."""

    url: str
    method: Literal["POST", "PUT", "PATCH"] = "POST"
    headers: Mapping[str, str] = field(default_factory=dict)
    extra_params: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = bounded(30.0, 0.1, 3600)


@dataclass(frozen=True, slots=True)
class OrderExport:
    """``[flows.ID.order_export]``: which Omnitron orders wait for the ERP (``is_send`` false,
    these statuses, this channel), and the ERP side: query check, write, check-response."""

    status: tuple[str, ...] = ("400",)
    channel: int | None = bounded(None, 1, 2_147_483_647)
    page_size: int = bounded(50, 1, 1000)
    extra_params: Mapping[str, str] = field(default_factory=dict)
    """More filters of Omnitron's order list (NiFi expressions allowed)."""
    query_check: QueryCheck | None = None
    write: ErpWrite | None = None
    check_response: ScriptStep | None = None


@dataclass(frozen=True, slots=True)
class FlowAlarms:
    """``[flows.ID.alarms]``: this flow's alarm conditions; None takes the ``[alarms]`` default.

    ``window`` is a number of executions (``20``) or a duration (``"30m"``); durations are
    texts such as ``"90s"``, ``"15m"``, ``"2h"``, ``"1d"``.
    """

    enabled: bool = True
    error_rate: float | None = None
    window: int | str | None = None
    avg_flow_time_s: float | None = None
    no_success_within: str | None = None
    stalled_after: str | None = None


@dataclass(frozen=True, slots=True)
class AlarmSettings:
    """``[alarms]``: default conditions for every flow, where notifications go, and pacing.

    ``notify`` holds apprise URLs (secrets: they carry tokens); ``min_interval`` is the least
    time between two changes of one alarm, so a flow on the edge does not flap.
    """

    error_rate: float | None = None
    window: int | str = 10
    avg_flow_time_s: float | None = None
    no_success_within: str | None = None
    stalled_after: str | None = None
    notify: tuple[Secret, ...] = ()
    min_interval: str = "5m"
    evaluate_every: str = "1m"


@dataclass(frozen=True, slots=True)
class Flow:
    id: str
    name: str
    type: FlowType
    direction: Direction
    enabled: bool = True
    schedule: str | None = None
    after: str | None = None
    """The id of a flow whose successful execution starts this one (the Integrator's
    "Triggered By" schedule); exclusive with ``schedule``."""
    timezone: str = "UTC"
    trigger_params: tuple[str, ...] = ()
    allow_concurrent_runs: bool = False
    login: ErpLogin | None = None
    read: ReadStep | None = None
    script: ScriptStep | None = None
    mapping: MappingStep | None = None
    write: WriteStep = field(default_factory=WriteStep)
    fetch_missing: FetchMissing = field(default_factory=FetchMissing)
    oms: OmsSettings | None = None
    alarms: FlowAlarms | None = None
    order_export: OrderExport | None = None

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

    omnitron: OmnitronSettings
    runner: RunnerSettings = field(default_factory=RunnerSettings)
    flows: tuple[Flow, ...] = ()
    source: Path | None = field(default=None, compare=False)
    alarms: AlarmSettings = field(default_factory=AlarmSettings)

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

    def store_path(self) -> Path:
        base = self.source.parent if self.source is not None else Path.cwd()
        return (base / self.runner.store).resolve()
