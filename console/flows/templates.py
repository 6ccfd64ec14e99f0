"""Starting points for new flows, one per flow type, in the shape the seeds describe."""

from __future__ import annotations

from urllib.parse import urlparse

from console.flows.model import (
    DEFAULT_TRIGGER_PARAMS,
    ErpLogin,
    Flow,
    FlowsConfig,
    FullStockSettings,
    MappingStep,
    OmsSettings,
    Pagination,
    ProxySettings,
    ReadStep,
    WriteStep,
)
from console.flows.secrets import Secret
from console.kinds import kind_of

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
_PRICE_MAPPING = """[
  {
    "operation": "shift",
    "spec": {
      "*": {
        "sku": "[&1].product_sku",
        "price_list": "[&1].price_list",
        "sale_price": "[&1].price",
        "list_price": "[&1].retail_price",
        "vat": "[&1].tax_rate",
        "currency": "[&1].currency_type"
      }
    }
  },
  {
    "operation": "modify-overwrite-beta",
    "spec": {
      "*": {
        "currency_type": "=toLower"
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


_PROXY_PRE = '''def transform(data, attributes):
    """The one request to the remote: the caller's payload, or none when inbound."""
    return {"skus": data.get("skus", []) if isinstance(data, dict) else []}
'''
_PROXY_POST = '''def transform(data, attributes):
    """The remote's answer as the flow's output (an outbound caller gets it back)."""
    return data
'''


_MAPPINGS = {"stock_rows": _STOCK_MAPPING, "orders": _ORDER_MAPPING, "prices": _PRICE_MAPPING}


def template(flow_id: str, name: str, kind: str, direction: str, config: FlowsConfig) -> Flow:
    host = urlparse(config.omnitron.url).hostname or "127.0.0.1"
    erp = f"http://{host}:8802"
    flow_kind = kind_of(kind)
    direction = "inbound" if flow_kind.inbound_only else direction
    inbound = direction == "inbound" and not flow_kind.outbound_only
    read = None
    if flow_kind.answers_outbound:
        read = ReadStep(url=f"{erp}/{flow_kind.template_path}", method="POST", records="items")
    elif not flow_kind.hand_triggered:  # the full stock: every page of the whole stock
        read = ReadStep(url=f"{erp}/{flow_kind.template_path}", records="items",
                        stock_list_key="stock_list",
                        pagination=Pagination(page_size=1000, total_path="count"))
    elif inbound:
        read = ReadStep(url=f"{erp}/{flow_kind.template_path}?${{http.query.string}}",
                        records="items", pagination=Pagination(type="next"))
    elif flow_kind.outbound_only:
        read = ReadStep(url=f"{erp}/{flow_kind.template_path}", records="items")
    login = ErpLogin(type="none") if read is None else ErpLogin(
        type="jwt", url=f"{erp}/auth/login", username="erp", password=Secret(env="ERP_PASSWORD"))
    return Flow(
        id=flow_id, name=name, type=kind,  # type: ignore[arg-type]
        direction="outbound" if flow_kind.outbound_only else direction,  # type: ignore[arg-type]
        enabled=False, schedule=_schedule(flow_kind.id) if inbound else None,
        trigger_params=DEFAULT_TRIGGER_PARAMS[kind],
        login=login if read is not None else None, read=read,
        mapping=MappingStep(_MAPPINGS[flow_kind.sample]) if "mapping" in flow_kind.cards else None,
        write=WriteStep(stock_list=1 if "stock_list" in flow_kind.write_fields else None,
                        price_list=1 if "price_list" in flow_kind.write_fields else None,
                        script=_ORDER_SCRIPT if flow_kind.write_script else None),
        oms=OmsSettings(sku_mode="multiple") if flow_kind.settings_table == "oms" else None,
        full_stock=FullStockSettings(stock_flow=_stock_flow(config))
        if flow_kind.settings_table == "full_stock" else None,
        proxy=ProxySettings(pre_script=_PROXY_PRE, post_script=_PROXY_POST)
        if flow_kind.settings_table == "proxy" else None,
    )


def _schedule(kind: str) -> str | None:
    """Every 15 minutes; the full stock once a day at night; a proxy runs when asked."""
    return {"full_stock": "0 3 * * *", "proxy": None}.get(kind, "*/15 * * * *")


def _stock_flow(config: FlowsConfig) -> str:
    """The stock flow a new full stock flow syncs with: the first inbound one."""
    return next((f.id for f in config.flows if f.type == "stock" and f.is_inbound), "stock")
