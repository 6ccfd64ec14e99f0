"""Turn a parsed flows.toml document into models, reporting every problem at once.

The keys each table accepts are the schema's (``console.flows.schema``, read off the models):
a key the model does not declare is reported as unknown, with the closest known one."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from console.flows import model as m
from console.flows.errors import Problem
from console.flows.reader import TableReader
from console.flows.schedule import Schedule, ScheduleError, zone
from console.flows.schema import names
from console.flows.secrets import Secret
from console.kinds import KINDS, FlowKind, kind_of

_DEEP: ContextVar[bool] = ContextVar("deep", default=True)
"""Whether step contents (scripts, mapping specs, expressions, JSON paths) are compiled to
check them; see ``parse_document``."""


def parse_document(data: dict[str, Any], *, deep: bool = True
                   ) -> tuple[m.FlowsConfig | None, list[Problem]]:
    """The configuration and every problem found in it.

    ``deep=False`` leaves step contents unchecked (the structure, types, schedules and names
    still are): for a command that shows none of them, such as a listing of the flows,
    which then need not load the mapping and expression compilers. Anything that runs,
    edits or validates flows loads them deep, with every problem reported.
    """
    problems: list[Problem] = []
    root = TableReader(data, "", problems)
    token = _DEEP.set(deep)
    try:
        omnitron = _omnitron(root)
        runner = _runner(root)
        flows = _flows(root)
        alarms = _alarms(root)
    finally:
        _DEEP.reset(token)
    root.finish(names(m.FlowsConfig))
    if omnitron is None:
        return None, problems
    return m.FlowsConfig(omnitron, runner, tuple(flows), alarms=alarms), problems


def _omnitron(root: TableReader) -> m.OmnitronSettings | None:
    table = root.table("omnitron")
    if table is None:
        if "omnitron" not in root.data:
            root.problem("omnitron", "missing table; expected url, username and password")
        return None
    url = table.get("url", str, "", required=True)
    if url and not url.startswith(("http://", "https://")):
        table.problem("url", f"expected an http:// or https:// URL, found {url!r}")
    username = table.get("username", str, "", required=True)
    password = table.secret("password", required=True)
    table.finish(names(m.OmnitronSettings))
    return m.OmnitronSettings(url.rstrip("/"), username, password or Secret(value=""))


def _runner(root: TableReader) -> m.RunnerSettings:
    table = root.table("runner")
    if table is None:
        return m.RunnerSettings()
    d = m.RunnerSettings()
    listen = table.get("listen", str, d.listen)
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        table.problem("listen", f"expected HOST:PORT such as 127.0.0.1:8800, found {listen!r}")
        listen = d.listen
    settings = m.RunnerSettings(
        listen=listen,
        store=table.get("store", str, d.store),
        max_active_executions=_int(table, d, "max_active_executions"),
        outbound_token=table.secret("outbound_token") or d.outbound_token,
        outbound_max_rows=_int(table, d, "outbound_max_rows"),
        log_retention_days=_int(table, d, "log_retention_days"),
        metrics_public=table.get("metrics_public", bool, d.metrics_public),
        heartbeat_s=_float(table, d, "heartbeat_s"),
        stall_after_s=_float(table, d, "stall_after_s"),
        scripts=_script_workers(table),
    )
    if settings.stall_after_s < 2 * settings.heartbeat_s:
        table.problem("stall_after_s", f"expected at least twice heartbeat_s"
                      f" ({2 * settings.heartbeat_s:g} s), found {settings.stall_after_s:g}:"
                      " a live host would be taken for dead between two heartbeats")
    table.finish(names(m.RunnerSettings))
    return settings


def _script_workers(runner: TableReader) -> m.ScriptWorkers:
    t = runner.table("scripts")
    d = m.ScriptWorkers()
    if t is None:
        return d
    from console.script.uids import parse_range  # the pool's own reading of the range

    user = t.get("user", str, d.user)
    if not user.strip():
        t.problem("user", "expected the name of an unprivileged user such as nobody")
        user = d.user
    count = _int(t, d, "workers")
    uids = t.get("uids", str, d.uids)
    try:
        span = parse_range(uids)
    except ValueError as exc:
        t.problem("uids", str(exc))
        uids, span = d.uids, None
    if span is not None and span[1] - span[0] + 1 < count:
        t.problem("uids", f"expected at least as many uids as workers ({count}), found "
                          f"{span[1] - span[0] + 1} in {uids!r}")
    workers = m.ScriptWorkers(
        workers=count,
        user=user,
        uids=uids,
        memory_mb=_int(t, d, "memory_mb"),
        idle_s=_float(t, d, "idle_s"),
        max_output_kb=_int(t, d, "max_output_kb"),
        max_result_mb=_int(t, d, "max_result_mb"),
    )
    t.finish(names(m.ScriptWorkers))
    return workers


def _int(table: TableReader, defaults: Any, name: str) -> int:
    """A whole number within the range its model field declares."""
    low, high = m.value_range(type(defaults), name)
    value: int = table.integer(name, getattr(defaults, name), low=low, high=high)
    return value


def _float(table: TableReader, defaults: Any, name: str) -> float:
    low, high = m.value_range(type(defaults), name)
    return table.number(name, getattr(defaults, name), low=low, high=high)


def _flows(root: TableReader) -> list[m.Flow]:
    table = root.table("flows")
    if table is None:
        return []
    flows: list[m.Flow] = []
    names: dict[str, str] = {}
    sections: dict[str, TableReader] = {}
    for flow_id in table.data:
        section = table.table(flow_id)
        if section is None:
            continue
        flow = _flow(flow_id, section)
        if flow is None:
            continue
        key = flow.name.casefold()
        if key in names:
            section.problem("name", f"duplicate name {flow.name!r}, already used by flows.{names[key]}")
        names[key] = flow_id
        flows.append(flow)
        sections[flow_id] = section
    _check_chains(flows, sections)
    _check_stock_flows(flows, sections)
    return flows


def _check_stock_flows(flows: list[m.Flow], sections: dict[str, TableReader]) -> None:
    """A full stock flow names an inbound stock flow writing to the same stock list."""
    by_id = {flow.id: flow for flow in flows}
    for flow in flows:
        if flow.full_stock is None or not flow.full_stock.stock_flow:
            continue
        table = sections[flow.id].table("full_stock")
        if table is None:
            continue
        name = flow.full_stock.stock_flow
        target = by_id.get(name)
        stock_flows = sorted(f.id for f in flows if f.type == "stock" and f.is_inbound)
        if target is None or target.type != "stock" or not target.is_inbound:
            what = "no flow" if target is None else f"{target.type} {target.direction} flow"
            table.problem("stock_flow", f"{name!r} is {'a ' if target else ''}{what}; expected "
                                        "the id of an inbound stock flow (" +
                                        (", ".join(stock_flows) or "there is none") + ")")
        elif target.write.stock_list != flow.write.stock_list:
            sections[flow.id].problem(
                "write.stock_list" if flow.write.stock_list is not None else "write",
                f"the compared stock list ({flow.write.stock_list}) must be the one "
                f"{name} writes to ({target.write.stock_list})")


def _check_daily(t: TableReader, schedule: str | None, after: str | None,
                 timezone: str) -> None:
    """A full stock flow runs once a day at a set time, never more often."""
    if after is not None:
        t.problem("after", "full_stock flows run once a day at their schedule's time, not "
                           "after another flow")
    if schedule is None:
        if after is None:
            t.problem("schedule", 'full_stock flows run once a day: expected a daily time '
                                  'such as "0 3 * * *"')
        return
    try:
        runs = Schedule.parse(schedule, timezone).next_runs(datetime.now(UTC), 8)
    except ScheduleError:
        return  # already reported
    gaps = [later - earlier for earlier, later in zip(runs, runs[1:], strict=False)]
    if any(gap.total_seconds() < 23 * 3600 for gap in gaps):
        t.problem("schedule", f"full_stock flows run at most once a day; {schedule!r} runs "
                              'more often (expected a daily time such as "0 3 * * *")')


def _check_chains(flows: list[m.Flow], sections: dict[str, TableReader]) -> None:
    """Every ``after`` names another flow, and following them never comes back to a flow."""
    by_id = {flow.id: flow for flow in flows}
    reported: set[str] = set()
    for flow in flows:
        if flow.after is None:
            continue
        section = sections[flow.id]
        if flow.after not in by_id:
            known = ", ".join(sorted(by_id)) or "none"
            section.problem("after", f"no flow {flow.after!r}; expected the id of another flow "
                                     f"({known})")
            continue
        path = [flow.id]
        current: m.Flow | None = by_id[flow.after]
        while current is not None and current.id not in path:
            path.append(current.id)
            current = by_id.get(current.after) if current.after else None
        if current is not None and current.id == flow.id and flow.id not in reported:
            reported.update(path)
            chain = " -> ".join([*path, flow.id])
            section.problem("after", f"a cycle of chained flows never starts: {chain}")


def _flow(flow_id: str, t: TableReader) -> m.Flow | None:
    name = t.get("name", str, flow_id, required=True)
    if len(name) > m.MAX_NAME_LENGTH:
        t.problem("name", f"at most {m.MAX_NAME_LENGTH} characters, found {len(name)} ({name!r})")
    if not name.strip():
        t.problem("name", "must not be empty")
    kind = t.choice("type", tuple(KINDS), "stock", required=True)
    outbound_only = kind_of(kind).outbound_only
    direction = t.choice("direction", m.DIRECTIONS, "outbound" if outbound_only else "inbound")
    if outbound_only and direction != "outbound":
        t.problem("direction", f"{kind} flows are always outbound")
        direction = "outbound"
    if kind_of(kind).inbound_only and direction != "inbound":
        reads = ("the orders waiting for the ERP from Omnitron"
                 if kind_of(kind).reads_omnitron_orders else "the ERP")
        t.problem("direction", f"{kind} flows are always inbound: they read {reads}")
        direction = "inbound"
    timezone = t.get("timezone", str, "UTC")
    try:
        zone(timezone)
    except ScheduleError as exc:
        t.problem("timezone", f"{exc}; expected an IANA name such as Europe/Istanbul")
        timezone = "UTC"
    schedule = t.get("schedule", str, None) if t.has("schedule") else None
    if schedule is not None:
        if not kind_of(kind).runs_on_its_own(direction):
            t.problem("schedule", kind_of(kind).unscheduled_reason())
        _check_schedule(t, schedule, timezone)
    after = _after(t, flow_id, kind, direction, schedule)
    if not kind_of(kind).hand_triggered:
        _check_daily(t, schedule, after, timezone)
    required_params = kind_of(kind).trigger_params
    params = t.strings("trigger_params", required_params)
    for needed in required_params:
        if needed not in params:
            t.problem("trigger_params", f"must include {needed!r} for {kind} flows")
    flow = m.Flow(
        id=flow_id,
        name=name,
        type=kind,
        direction=direction,  # type: ignore[arg-type]
        enabled=t.get("enabled", bool, True),
        schedule=schedule,
        after=after,
        timezone=timezone,
        trigger_params=params,
        allow_concurrent_runs=t.get("allow_concurrent_runs", bool, False),
        login=_login(t),
        read=_read(t, needed=kind_of(kind).reads_erp_when(direction)),
        script=_script_step(t, "script"),
        mapping=_mapping(t),
        write=_write(t, kind),
        fetch_missing=_fetch_missing(t),
        oms=_oms(t, kind),
        alarms=_flow_alarms(t),
        full_stock=_full_stock(t, kind),
        proxy=_proxy(t, kind),
        order_export=_order_export(t, kind),
    )
    t.finish(names(m.Flow))
    return flow


def _after(t: TableReader, flow_id: str, kind: str, direction: str,
           schedule: str | None) -> str | None:
    after = t.get("after", str, None) if t.has("after") else None
    if after is None:
        return None
    if not kind_of(kind).runs_on_its_own(direction):
        t.problem("after", kind_of(kind).unscheduled_reason("after another flow"))
    if schedule is not None:
        t.problem("after", "a flow runs on its schedule or after another flow, not both; "
                           "remove one of schedule and after")
    if after == flow_id:
        t.problem("after", "a flow cannot run after itself")
        return None
    return after


def _check_schedule(t: TableReader, schedule: str, timezone: str) -> None:
    """A schedule must parse and have a next run: one that never fires is a mistake."""
    try:
        why = Schedule.parse(schedule, timezone).never_fires(datetime.now(UTC))
    except ScheduleError as exc:
        why = str(exc)
    if why:
        t.problem("schedule", why)


def _login(flow: TableReader) -> m.ErpLogin | None:
    t = flow.table("login")
    if t is None:
        return None
    d = m.ErpLogin()
    kind = t.choice("type", m.LOGIN_TYPES, "none")
    oauth = kind == "oauth2"
    grant = t.choice("grant", m.OAUTH_GRANTS, d.grant)
    login = m.ErpLogin(
        type=kind,  # type: ignore[arg-type]
        url=t.get("url", str, "", required=kind in ("jwt", "oauth2")),  # basic rides on requests
        username=t.get("username", str, "", required=oauth and grant == "password"),
        password=t.secret("password", required=oauth and grant == "password"),
        token=t.secret("token", required=kind in ("token", "header")),
        token_path=t.get("token_path", str, d.token_path),
        header=t.get("header", str, d.header),
        prefix=t.get("prefix", str, d.prefix),
        grant=grant,  # type: ignore[arg-type]
        client_id=t.get("client_id", str, "", required=oauth),
        client_secret=t.secret("client_secret"),
        scope=t.get("scope", str, ""),
        headers=t.string_table("headers"),
        extra_body=t.string_table("extra_body"),
    )
    if login.url and not login.url.startswith(("http://", "https://")):
        t.problem("url", f"expected an http:// or https:// URL, found {login.url!r}")
    if login.token_path.startswith("$"):
        _check_json_path(t, "token_path", login.token_path)
    elif not login.token_path.strip():
        t.problem("token_path", 'expected a dotted path such as "data.token" or a JSONPath '
                                'such as "$.data.token"')
    if not oauth:
        for name in ("grant", "client_id", "client_secret", "scope"):
            if t.has(name):
                t.problem(name, f'only oauth2 logins use {name}; this login is "{kind}"')
    t.finish(names(m.ErpLogin))
    return login


def _check_json_path(table: TableReader, name: str, path: str) -> None:
    if not _DEEP.get():
        return
    from console.expression import ExpressionError
    from console.expression.jsonpath import json_path

    try:
        json_path("{}", path)
    except ExpressionError as exc:
        table.problem(name, exc.message)


def _pagination(read: TableReader) -> m.Pagination | None:
    t = read.table("pagination")
    if t is None:
        return None
    d = m.Pagination()
    kind = t.choice("type", m.PAGINATION_TYPES, "offset")
    pagination = m.Pagination(
        type=kind,  # type: ignore[arg-type]
        page_size=_int(t, d, "page_size"),
        limit_param=t.get("limit_param", str, d.limit_param),
        offset_param=t.get("offset_param", str, d.offset_param),
        seek_param=t.get("seek_param", str, d.seek_param),
        seek_field=t.get("seek_field", str, d.seek_field),
        next_path=t.get("next_path", str, d.next_path),
        total_path=t.get("total_path", str, d.total_path),
    )
    t.finish(names(m.Pagination))
    return pagination


def _request(t: TableReader, methods: tuple[str, ...], default: str) -> dict[str, Any]:
    """An ERP request's EL URL, method, headers and query parameters, expressions checked:
    the read's, the query check's and the order write's."""
    values: dict[str, Any] = {
        "url": t.get("url", str, "", required=True),
        "method": t.choice("method", methods, default),
        "headers": t.string_table("headers"),
        "extra_params": t.string_table("extra_params"),
    }
    _check_expression(t, "url", values["url"])
    for key, value in values["headers"].items():
        _check_expression(t, f"headers.{key}", value)
    for key, value in values["extra_params"].items():
        _check_expression(t, f"extra_params.{key}", value)
    return values


def _read(flow: TableReader, *, needed: bool) -> m.ReadStep | None:
    t = flow.table("read", missing="expected the ERP read: inbound flows and flows that answer "
                                   "requests read from the ERP" if needed else None)
    if t is None:
        return None
    d = m.ReadStep(url="")
    read = m.ReadStep(
        **_request(t, ("GET", "POST"), "GET"),
        stock_list_key=t.get("stock_list_key", str, ""),
        response=t.choice("response", ("json", "xml"), "json"),  # type: ignore[arg-type]
        records=t.get("records", str, ""),
        pagination=_pagination(t),
        timeout_s=_float(t, d, "timeout_s"),
    )
    t.finish(names(m.ReadStep))
    return read


def _script_step(parent: TableReader, name: str) -> m.ScriptStep | None:
    """A script table: the flow's ``[script]``, the order export's ``[check_response]``."""
    t = parent.table(name)
    if t is None:
        return None
    source = t.get("source", str, "", required=True)
    _check_python(t, "source", source)
    timeout = _float(t, m.ScriptStep(""), "timeout_s")
    t.finish(names(m.ScriptStep))
    return m.ScriptStep(source, timeout)


def _mapping(flow: TableReader) -> m.MappingStep | None:
    t = flow.table("mapping")
    if t is None:
        return None
    spec = t.get("spec", str, "", required=True)
    if spec:
        import json  # a mapping's spec only: listing flows reads none

        try:
            parsed = json.loads(spec)
        except json.JSONDecodeError as exc:
            t.problem("spec", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
        else:
            if not isinstance(parsed, list | dict):
                t.problem("spec", "expected a Jolt chain: a JSON list of {operation, spec}")
            else:
                _check_mapping(t, parsed)
    t.finish(names(m.MappingStep))
    return m.MappingStep(spec)


def _check_mapping(table: TableReader, chain: Any) -> None:
    if not _DEEP.get():
        return
    from console.mapping import MappingSpecError
    from console.mapping import compile as compile_mapping

    try:
        compile_mapping(chain)
    except MappingSpecError as exc:
        table.problem("spec", f"{exc.path or 'spec'}: {exc.message}")


def _check_python(table: TableReader, name: str, source: str | None) -> None:
    if not source or not _DEEP.get():
        return
    import ast

    try:
        ast.parse(source)
    except SyntaxError as exc:
        table.problem(name, f"Python syntax error at line {exc.lineno}, column {exc.offset}: "
                            f"{exc.msg}")


def _check_expression(table: TableReader, name: str, text: str) -> None:
    if not _DEEP.get():
        return
    from console.expression import ExpressionError
    from console.expression import compile as compile_expression

    try:
        compile_expression(text)
    except ExpressionError as exc:
        table.problem(name, f"expression error at offset {exc.offset}: {exc.message}")


def _write(flow: TableReader, kind: str) -> m.WriteStep:
    t = flow.table("write")
    d = m.WriteStep()
    if t is None:
        return d
    stock_list = _list_id(t, "stock_list")
    price_list = _list_id(t, "price_list")
    writes_to = kind_of(kind).default_list
    if writes_to == "price_list" and t.has("stock_list"):
        t.problem("stock_list", f"{kind} flows write to a price list: use price_list")
    if writes_to != "price_list" and t.has("price_list"):
        t.problem("price_list", f"{kind} flows write no prices; only price flows have a "
                                "price list")
    write = m.WriteStep(
        stock_list=stock_list,
        price_list=price_list,
        batch_size=_int(t, d, "batch_size"),
        script=t.get("script", str, None) if t.has("script") else None,
        script_timeout_s=_float(t, d, "script_timeout_s"),
    )
    _check_python(t, "script", write.script)
    if write.script is not None and not kind_of(kind).write_script:
        t.problem("script", "the per-order write script belongs to "
                            f"{_kinds_with(lambda k: k.write_script)} flows")
    t.finish(names(m.WriteStep))
    return write


def _kinds_with(wanted: Callable[[FlowKind], bool]) -> str:
    """The ids of the registered kinds ``wanted`` holds for, for messages."""
    return " or ".join(kind.id for kind in KINDS.values() if wanted(kind))


def _list_id(t: TableReader, name: str) -> int | None:
    """A stock or price list id: a whole number in the range the model declares."""
    value = t.get(name, int, None) if t.has(name) else None
    low, high = m.value_range(m.WriteStep, name)
    if value is not None and not low <= value <= high:
        t.problem(name, f"expected a whole number between {low} and {high}, found {value}")
        return None
    return value


def _fetch_missing(flow: TableReader) -> m.FetchMissing:
    t = flow.table("fetch_missing")
    d = m.FetchMissing()
    if t is None:
        return d
    fetch = m.FetchMissing(
        enabled=t.get("enabled", bool, d.enabled),
        identifier_path=t.get("identifier_path", str, d.identifier_path),
        productized_within_days=_int(t, d, "productized_within_days"),
        interval_hours=_float(t, d, "interval_hours"),
        chunk_size=_int(t, d, "chunk_size"),
    )
    t.finish(names(m.FetchMissing))
    return fetch


def _oms(flow: TableReader, kind: str) -> m.OmsSettings | None:
    t = flow.table("oms")
    if t is None:
        return m.OmsSettings() if kind_of(kind).settings_table == "oms" else None
    if kind_of(kind).settings_table != "oms":
        flow.problem("oms", f"only {_kinds_with(lambda k: k.settings_table == 'oms')} flows "
                            "have an [oms] table")
    d = m.OmsSettings()
    oms = m.OmsSettings(
        sku_query_key=t.get("sku_query_key", str, d.sku_query_key),
        sku_mode=t.choice("sku_mode", ("single", "multiple"), d.sku_mode),  # type: ignore[arg-type]
        **_scripts_around(t),
        concurrency=_int(t, d, "concurrency"),
        script_timeout_s=_float(t, d, "script_timeout_s"),
    )
    t.finish(names(m.OmsSettings))
    return oms


def _scripts_around(t: TableReader) -> dict[str, str | None]:
    """The pre- and post-script of an ``[oms]`` or ``[proxy]`` table, syntax checked."""
    scripts = {name: t.get(name, str, None) if t.has(name) else None
               for name in ("pre_script", "post_script")}
    for name, source in scripts.items():
        _check_python(t, name, source)
    return scripts


def _full_stock(flow: TableReader, kind: str) -> m.FullStockSettings | None:
    if kind_of(kind).settings_table != "full_stock":
        if flow.table("full_stock") is not None:
            flow.problem("full_stock", "only full_stock flows have a [full_stock] table")
        return None
    t = flow.table("full_stock", missing="expected stock_flow, the id of the stock flow that "
                                         "syncs the differing SKUs")
    if t is None:
        return m.FullStockSettings()
    d = m.FullStockSettings()
    settings = m.FullStockSettings(
        stock_flow=t.get("stock_flow", str, "", required=True),
        chunk_size=_int(t, d, "chunk_size"),
    )
    t.finish(names(m.FullStockSettings))
    return settings


def _proxy(flow: TableReader, kind: str) -> m.ProxySettings | None:
    t = flow.table("proxy")
    if kind_of(kind).settings_table != "proxy":
        if t is not None:
            flow.problem("proxy", "only proxy flows have a [proxy] table")
        return None
    read = flow.data.get("read")
    if isinstance(read, dict) and "pagination" in read:
        flow.problem("read.pagination", "a proxy flow makes one request: remove pagination")
    if t is None:
        return m.ProxySettings()
    d = m.ProxySettings()
    settings = m.ProxySettings(
        **_scripts_around(t),
        script_timeout_s=_float(t, d, "script_timeout_s"),
    )
    t.finish(names(m.ProxySettings))
    return settings


_STATUS_CODE = re.compile(r"\d{3}")


def _order_export(flow: TableReader, kind: str) -> m.OrderExport | None:
    """``[order_export]``: the Omnitron filters and the ERP side of an order export flow."""
    wanted = kind_of(kind).settings_table == "order_export"
    t = flow.table("order_export", missing="order_export flows need [order_export.write] with "
                                           "the ERP's order URL" if wanted else None)
    if t is None:
        return None
    if not wanted:
        flow.problem("order_export", "only "
                     f"{_kinds_with(lambda k: k.settings_table == 'order_export')} flows have "
                     "an [order_export] table")
    if wanted and flow.has("read"):
        flow.problem("read", "order_export flows read the orders waiting for the ERP from "
                             "Omnitron; set the filters in [order_export], not [read]")
    d = m.OrderExport()
    export = m.OrderExport(
        status=_statuses(t),
        channel=t.integer("channel", 0, low=1, high=2_147_483_647) if t.has("channel") else None,
        page_size=_int(t, d, "page_size"),
        extra_params=t.string_table("extra_params"),
        query_check=_query_check(t),
        write=_erp_write(t, required=wanted),
        check_response=_script_step(t, "check_response"),
    )
    for key, value in export.extra_params.items():
        _check_expression(t, f"extra_params.{key}", value)
    t.finish(names(m.OrderExport))
    return export


def _statuses(t: TableReader) -> tuple[str, ...]:
    """Order status codes: ``status = ["400", "450"]`` (numbers are taken as codes too)."""
    if not t.has("status"):
        return m.OrderExport().status
    raw = t.data["status"]
    values = raw if isinstance(raw, list) else [raw]
    codes = tuple(str(v) for v in values if isinstance(v, str | int) and not isinstance(v, bool))
    bad = [v for v in values if isinstance(v, bool) or not isinstance(v, str | int)
           or not _STATUS_CODE.fullmatch(str(v))]
    if bad or not codes:
        t.problem("status", 'expected Omnitron order status codes such as ["400"], found '
                            f"{bad[0]!r}" if bad else 'expected at least one order status code '
                                                      'such as "400"')
    return codes


def _erp_call(t: TableReader, methods: tuple[str, ...], default: str) -> dict[str, Any]:
    """What the query check and the write share: a request to an http(s) URL."""
    values = _request(t, methods, default)
    if values["url"] and not values["url"].startswith(("http://", "https://", "${")):
        t.problem("url", f"expected an http:// or https:// URL, found {values['url']!r}")
    return values


def _query_check(export: TableReader) -> m.QueryCheck | None:
    t = export.table("query_check")
    if t is None:
        return None
    d = m.QueryCheck(url="")
    check = m.QueryCheck(**_erp_call(t, ("GET", "POST"), "GET"),
                         found_path=t.get("found_path", str, d.found_path),
                         timeout_s=_float(t, d, "timeout_s"))
    if not check.found_path.strip():
        t.problem("found_path", 'expected a dotted path in the lookup\'s answer that is '
                                'non-empty when the order is there, such as "count"')
    t.finish(names(m.QueryCheck))
    return check


def _erp_write(export: TableReader, *, required: bool) -> m.ErpWrite | None:
    t = export.table("write", missing="expected url (the ERP's order endpoint), and optionally "
                                      "method, headers, extra_params" if required else None)
    if t is None:
        return None
    d = m.ErpWrite(url="")
    write = m.ErpWrite(**_erp_call(t, ("POST", "PUT", "PATCH"), "POST"),
                       timeout_s=_float(t, d, "timeout_s"))
    t.finish(names(m.ErpWrite))
    return write


_RULE_KEYS = ("error_rate", "window", "avg_flow_time_s", "no_success_within", "stalled_after")


def _percent(t: TableReader, name: str) -> float | None:
    value = t.get(name, float, None) if t.has(name) else None
    if value is not None and not 0 < value <= 100:
        t.problem(name, f"expected a percentage above 0 and at most 100, found {value:g}")
        return None
    return value


def _seconds(t: TableReader, name: str) -> float | None:
    value = t.get(name, float, None) if t.has(name) else None
    if value is not None and not 0 < value <= 86_400 * 366:  # NaN too
        t.problem(name, f"expected a number of seconds above 0 and at most a year, "
                        f"found {value:g}")
        return None
    return value


def _duration(t: TableReader, name: str, default: str | None, *,
              allow_zero: bool = False) -> str | None:
    from console.flows.durations import parse_duration

    text = t.get(name, str, default) if t.has(name) else default
    if text is None or text == default:
        return text
    try:
        seconds = parse_duration(text, allow_zero=allow_zero)
    except ValueError as exc:
        t.problem(name, str(exc))
        return default
    if seconds > 86_400 * 366:
        t.problem(name, f"expected a duration of at most a year (366d), found {text!r}")
        return default
    return text


def _window(t: TableReader, default: int | str | None) -> int | str | None:
    value = t.get("window", (int, str), default) if t.has("window") else default
    if isinstance(value, int) and not 1 <= value <= 10_000:
        t.problem("window", f"expected a number of executions (1 to 10000) or a duration such "
                            f'as "30m", found {value}')
        return default
    if isinstance(value, str) and value != default:
        return _duration(t, "window", default if isinstance(default, str) else None) or default
    return value


def _flow_alarms(flow: TableReader) -> m.FlowAlarms | None:
    t = flow.table("alarms")
    if t is None:
        return None
    alarms = m.FlowAlarms(
        enabled=t.get("enabled", bool, True),
        error_rate=_percent(t, "error_rate"),
        window=_window(t, None),
        avg_flow_time_s=_seconds(t, "avg_flow_time_s"),
        no_success_within=_duration(t, "no_success_within", None),
        stalled_after=_duration(t, "stalled_after", None),
    )
    t.finish(names(m.FlowAlarms))
    return alarms


def _alarms(root: TableReader) -> m.AlarmSettings:
    t = root.table("alarms")
    d = m.AlarmSettings()
    if t is None:
        return d
    settings = m.AlarmSettings(
        error_rate=_percent(t, "error_rate"),
        window=_window(t, d.window) or d.window,
        avg_flow_time_s=_seconds(t, "avg_flow_time_s"),
        no_success_within=_duration(t, "no_success_within", None),
        stalled_after=_duration(t, "stalled_after", None),
        notify=_notify_targets(t),
        min_interval=_duration(t, "min_interval", d.min_interval, allow_zero=True)
        or d.min_interval,
        evaluate_every=_duration(t, "evaluate_every", d.evaluate_every) or d.evaluate_every,
    )
    t.finish(names(m.AlarmSettings))
    return settings


def _notify_targets(t: TableReader) -> tuple[Secret, ...]:
    """Apprise URLs, each a string or ``{ env = "NAME" }``; an inline URL is never echoed."""
    targets: list[Secret] = []
    for number, item in enumerate(t.get("notify", list, []), start=1):
        if isinstance(item, str) and "://" in item:
            targets.append(Secret(value=item))
        elif isinstance(item, dict):
            entry = TableReader(item, t.key("notify"), t.problems)
            env = entry.get("env", str, "", required=True)
            entry.finish(("env",))
            if env:
                targets.append(Secret(env=env))
        else:
            t.problem("notify", f"item {number}: expected an apprise URL such as "
                                'json://host/path, or { env = "NAME" } holding one')
    return tuple(targets)
