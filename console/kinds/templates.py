"""What a new flow of each type starts from: the ERP path it reads, its mapping and script.

A template is data beside its ``FlowKind``; ``console.flows.templates`` turns it into a flow
(login, read with pagination, schedule) the same way for every type.
"""

from __future__ import annotations

from console.frozen import dataclass


@dataclass(frozen=True)
class Template:
    """What a new flow of one kind starts from."""

    erp_path: str
    """The path on the ERP a new flow reads (the sandbox ERP serves it)."""
    mapping: str | None = None
    """The Jolt chain of the Mapping card, for kinds that have one."""
    write_script: str | None = None
    """The per-order write script, for kinds that write through one."""
    pre_script: str | None = None
    post_script: str | None = None
    """The scripts around a proxy flow's one request."""
    schedule: str | None = "*/15 * * * *"
    """An inbound flow's schedule (None: it runs when asked)."""
    check_script: str | None = None
    """The check-response script, for kinds that write orders to the ERP."""


STOCK = Template(erp_path="stock", mapping="""[
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
]""")

ORDER_STATUS = Template(erp_path="orders", mapping="""[
  {
    "operation": "shift",
    "spec": {
      "*": {
        "orderitems": "[&1].orderitem_set",
        "order": "[&1].order"
      }
    }
  }
]""", write_script='''def transform(order, attributes):
    """Runs once per order before it is written to Omnitron."""
    return order
''')

OMS_STOCK = Template(erp_path="stock")

PRICE = Template(erp_path="prices", mapping="""[
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
]""")

FULL_STOCK = Template(erp_path="stock", mapping=STOCK.mapping, schedule="0 3 * * *")

PROXY = Template(erp_path="stock/query", schedule=None, pre_script='''def transform(data, attributes):
    """The one request to the remote: the caller's payload, or none when inbound."""
    return {"skus": data.get("skus", []) if isinstance(data, dict) else []}
''', post_script='''def transform(data, attributes):
    """The remote's answer as the flow's output (an outbound caller gets it back)."""
    return data
''')

ORDER_EXPORT = Template(erp_path="sales-orders", mapping="""[
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
]""", check_script='''def transform(data, attributes):
    """Decides whether the ERP took the order: only accepted orders are marked sent."""
    if data["already_in_erp"]:
        return {"success": True}
    response = data["response"]
    if 200 <= response["status_code"] < 300:
        return {"success": True}
    return {"success": False, "message": "the ERP answered %s" % response["status_code"]}
''')
