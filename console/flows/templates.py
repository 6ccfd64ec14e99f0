"""Starting points for new flows, one per flow type, in the shape the seeds describe."""

from __future__ import annotations

from urllib.parse import urlparse

from console.flows.model import (
    DEFAULT_TRIGGER_PARAMS,
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

_STOCK_MAPPING = """[
  {
    "operation": "shift",
    "spec": {
      "*": {
        "sku": "[&1].product_sku",
        "qty": "[&1].stock",
        "unit_type": "[&1].unit_type"
      }
    }
  }
]"""
_ORDER_MAPPING = """[
  {
    "operation": "shift",
    "spec": {
      "*": {
        "orderitems": "[&1].orderitem_set",
        "order": "[&1].order"
      }
    }
  }
]"""
_ORDER_SCRIPT = '''def transform(order, attributes):
    """Runs once per order before it is written to Omnitron."""
    return order
'''


def template(flow_id: str, name: str, kind: str, direction: str, config: FlowsConfig) -> Flow:
    host = urlparse(config.omnitron.url).hostname or "127.0.0.1"
    erp = f"http://{host}:8802"
    inbound = direction == "inbound" and kind != "oms_stock"
    read = None
    if inbound:
        path = "orders" if kind == "order_status" else "stock"
        read = ReadStep(url=f"{erp}/{path}?${{http.query.string}}", records="items",
                        pagination=Pagination(type="next"))
    elif kind == "oms_stock":
        read = ReadStep(url=f"{erp}/stock", records="items")
    login = ErpLogin(type="none") if read is None else ErpLogin(
        type="jwt", url=f"{erp}/auth/login", username="erp", password=Secret(env="ERP_PASSWORD"))
    return Flow(
        id=flow_id, name=name, type=kind,  # type: ignore[arg-type]
        direction="outbound" if kind == "oms_stock" else direction,  # type: ignore[arg-type]
        enabled=False, schedule="*/15 * * * *" if inbound else None,
        trigger_params=DEFAULT_TRIGGER_PARAMS[kind],
        login=login if read is not None else None, read=read,
        mapping=MappingStep(_ORDER_MAPPING if kind == "order_status" else _STOCK_MAPPING)
        if kind != "oms_stock" else None,
        write=WriteStep(stock_list=1 if kind == "stock" else None,
                        script=_ORDER_SCRIPT if kind == "order_status" else None),
        oms=OmsSettings(sku_mode="multiple") if kind == "oms_stock" else None,
    )
