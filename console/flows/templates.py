"""New flows from their kind's template (``console.kinds.templates``): login, paged read and
schedule for inbound flows, the kind's mapping and write script, disabled until reviewed."""

from __future__ import annotations

from urllib.parse import urlparse

from console.flows.model import (
    ErpLogin,
    Flow,
    FlowsConfig,
    MappingStep,
    OmsSettings,
    Pagination,
    ReadStep,
    WriteStep,
)
from console.flows.secrets import Secret
from console.kinds import KINDS, kind_of


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
    inbound = direction == "inbound" and not flow_kind.outbound_only
    read = None
    if inbound:
        read = ReadStep(url=f"{erp}/{start.erp_path}?${{http.query.string}}",
                        records="items", pagination=Pagination(type="next"))
    elif flow_kind.outbound_only:
        read = ReadStep(url=f"{erp}/{start.erp_path}", records="items")
    login = ErpLogin(type="none") if read is None else ErpLogin(
        type="jwt", url=f"{erp}/auth/login", username="erp", password=Secret(env="ERP_PASSWORD"))
    return Flow(
        id=flow_id, name=name, type=kind,
        direction="outbound" if flow_kind.outbound_only else direction,  # type: ignore[arg-type]
        enabled=False, schedule="*/15 * * * *" if inbound else None,
        trigger_params=flow_kind.trigger_params,
        login=login if read is not None else None, read=read,
        mapping=MappingStep(start.mapping or "[]") if "mapping" in flow_kind.cards else None,
        write=WriteStep(stock_list=1 if "stock_list" in flow_kind.write_fields else None,
                        price_list=1 if "price_list" in flow_kind.write_fields else None,
                        script=start.write_script if flow_kind.write_script else None),
        oms=OmsSettings(sku_mode="multiple") if flow_kind.settings_table == "oms" else None,
    )
