"""Starting points for new flows, one per flow type, in the shape the seeds describe."""

from __future__ import annotations

from urllib.parse import urlparse

from console.flows.model import (
    DEFAULT_TRIGGER_PARAMS,
    ErpLogin,
    ErpWrite,
    Flow,
    FlowsConfig,
    MappingStep,
    OmsSettings,
    OrderExport,
    Pagination,
    QueryCheck,
    ReadStep,
    ScriptStep,
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


_EXPORT_MAPPING = """[
  {
    "operation": "shift",
    "spec": {
      "number": "number",
      "date_placed": "date",
      "amount": "total",
      "customer": {
        "email": "customer.email"
      },
      "orderitem_set": {
        "*": {
          "product": { "sku": "lines[&2].sku" },
          "quantity": "lines[&1].qty",
          "price": "lines[&1].price"
        }
      }
    }
  }
]"""
_CHECK_RESPONSE = '''def transform(data, attributes):
    """Decides whether the ERP took the order: only accepted orders are marked sent."""
    if data["already_in_erp"]:
        return {"success": True}
    response = data["response"]
    if 200 <= response["status_code"] < 300:
        return {"success": True}
    return {"success": False, "message": "the ERP answered %s" % response["status_code"]}
'''

_MAPPINGS = {"stock_rows": _STOCK_MAPPING, "orders": _ORDER_MAPPING, "prices": _PRICE_MAPPING,
             "omnitron_orders": _EXPORT_MAPPING}


def _order_export(erp: str) -> OrderExport:
    """Orders waiting for the ERP, looked up by number before each is written."""
    orders = f"{erp}/sales-orders"
    return OrderExport(
        query_check=QueryCheck(url=orders, extra_params={"number": "${order.number}"}),
        write=ErpWrite(url=orders, headers={"Accept": "application/json"}),
        check_response=ScriptStep(_CHECK_RESPONSE))


def template(flow_id: str, name: str, kind: str, direction: str, config: FlowsConfig) -> Flow:
    host = urlparse(config.omnitron.url).hostname or "127.0.0.1"
    erp = f"http://{host}:8802"
    flow_kind = kind_of(kind)
    inbound = direction == "inbound" and not flow_kind.outbound_only
    read = None
    if flow_kind.reads_omnitron_orders:
        inbound = True
    elif inbound:
        read = ReadStep(url=f"{erp}/{flow_kind.template_path}?${{http.query.string}}",
                        records="items", pagination=Pagination(type="next"))
    elif flow_kind.outbound_only:
        read = ReadStep(url=f"{erp}/{flow_kind.template_path}", records="items")
    logs_in = read is not None or flow_kind.reads_omnitron_orders
    login = ErpLogin(type="none") if not logs_in else ErpLogin(
        type="jwt", url=f"{erp}/auth/login", username="erp", password=Secret(env="ERP_PASSWORD"))
    return Flow(
        id=flow_id, name=name, type=kind,  # type: ignore[arg-type]
        direction="outbound" if flow_kind.outbound_only else  # type: ignore[arg-type]
        "inbound" if flow_kind.reads_omnitron_orders else direction,
        enabled=False, schedule="*/15 * * * *" if inbound else None,
        trigger_params=DEFAULT_TRIGGER_PARAMS[kind],
        login=login if logs_in else None, read=read,
        mapping=MappingStep(_MAPPINGS[flow_kind.sample]) if "mapping" in flow_kind.cards else None,
        write=WriteStep(stock_list=1 if "stock_list" in flow_kind.write_fields else None,
                        price_list=1 if "price_list" in flow_kind.write_fields else None,
                        script=_ORDER_SCRIPT if flow_kind.write_script else None),
        oms=OmsSettings(sku_mode="multiple") if flow_kind.settings_table == "oms" else None,
        order_export=_order_export(erp) if flow_kind.reads_omnitron_orders else None,
    )
