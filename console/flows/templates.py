"""New flows from their kind's template (``console.kinds.templates``): login, paged read and
schedule for inbound flows, the kind's mapping and write script, disabled until reviewed."""

from __future__ import annotations

from urllib.parse import urlparse

from console.flows.model import (
    ErpLogin,
    ErpWrite,
    Flow,
    FlowsConfig,
    FullStockSettings,
    MappingStep,
    OmsSettings,
    OrderExport,
    Pagination,
    ProxySettings,
    QueryCheck,
    ReadStep,
    ScriptStep,
    WriteStep,
)
from console.flows.secrets import Secret
from console.kinds import KINDS, kind_of
from console.kinds.templates import Template


def choices() -> list[tuple[str, str]]:
    """Every flow kind in each direction it may have, as ``(label, "kind/direction")``, in the
    registry's order: what the new-flow dialog offers."""
    found = []
    for kind in KINDS.values():
        for direction in kind.directions:
            label = kind.title if kind.outbound_only else (
                f"{kind.title[0].lower()}{kind.title[1:]}, {direction}")
            found.append((label, f"{kind.id}/{direction}"))
    return found


def template(flow_id: str, name: str, kind: str, direction: str, config: FlowsConfig) -> Flow:
    host = urlparse(config.omnitron.url).hostname or "127.0.0.1"
    erp = f"http://{host}:8802"
    flow_kind = kind_of(kind)
    start = flow_kind.template
    if direction not in flow_kind.directions:
        direction = flow_kind.directions[0]
    inbound = direction == "inbound"
    read = None
    if flow_kind.reads_omnitron_orders:
        pass  # it reads Omnitron's waiting orders, not the ERP
    elif flow_kind.answers_outbound:
        read = ReadStep(url=f"{erp}/{start.erp_path}", method="POST", records="items")
    elif not flow_kind.hand_triggered:  # the full stock: every page of the whole stock
        read = ReadStep(url=f"{erp}/{start.erp_path}", records="items",
                        stock_list_key="stock_list",
                        pagination=Pagination(page_size=1000, total_path="count"))
    elif inbound:
        read = ReadStep(url=f"{erp}/{start.erp_path}?${{http.query.string}}",
                        records="items", pagination=Pagination(type="next"))
    elif flow_kind.outbound_only:
        read = ReadStep(url=f"{erp}/{start.erp_path}", records="items")
    logs_in = read is not None or flow_kind.reads_omnitron_orders
    login = ErpLogin(type="none") if not logs_in else ErpLogin(
        type="jwt", url=f"{erp}/auth/login", username="erp", password=Secret(env="ERP_PASSWORD"))
    return Flow(
        id=flow_id, name=name, type=kind,
        direction=direction,  # type: ignore[arg-type]
        enabled=False, schedule=start.schedule if inbound else None,
        trigger_params=flow_kind.trigger_params,
        login=login if logs_in else None, read=read,
        mapping=MappingStep(start.mapping or "[]") if "mapping" in flow_kind.cards else None,
        write=WriteStep(stock_list=1 if "stock_list" in flow_kind.write_fields else None,
                        price_list=1 if "price_list" in flow_kind.write_fields else None,
                        script=start.write_script if flow_kind.write_script else None),
        oms=OmsSettings(sku_mode="multiple") if flow_kind.settings_table == "oms" else None,
        full_stock=FullStockSettings(stock_flow=_stock_flow(config))
        if flow_kind.settings_table == "full_stock" else None,
        proxy=ProxySettings(pre_script=start.pre_script, post_script=start.post_script)
        if flow_kind.settings_table == "proxy" else None,
        order_export=_order_export(erp, start) if flow_kind.reads_omnitron_orders else None,
    )


def _stock_flow(config: FlowsConfig) -> str:
    """The stock flow a new full stock flow syncs with: the first inbound one."""
    return next((f.id for f in config.flows if f.type == "stock" and f.is_inbound), "stock")


def _order_export(erp: str, start: Template) -> OrderExport:
    """Orders waiting for the ERP, looked up by number before each is written."""
    orders = f"{erp}/{start.erp_path}"
    return OrderExport(
        query_check=QueryCheck(url=orders, extra_params={"number": "${order.number}"}),
        write=ErpWrite(url=orders, headers={"Accept": "application/json"}),
        check_response=ScriptStep(start.check_script) if start.check_script else None)
