"""What the designer's Outbound card shows: the URL callers use and a ready curl command."""

from __future__ import annotations

from console.flows import Flow, FlowsConfig
from console.kinds import kind_of


def outbound_text(config: FlowsConfig, flow: Flow) -> str:
    """The endpoint of this flow on the runner, with the bearer token masked."""
    listen = config.runner.listen
    answers_queries = kind_of(flow.type).outbound_only
    if flow.direction == "outbound" and not answers_queries:
        url = f"http://{listen}/flows/{flow.id}/outbound"
        return (f"Outbound Request URL\n  {url}\n\ncurl example (token masked):\n"
                f"  curl -X POST {url} \\\n    -H 'Authorization: Bearer ****' \\\n"
                "    -H 'Content-Type: application/json' -d @rows.json")
    if answers_queries:
        key = flow.oms.sku_query_key if flow.oms else "sku"
        url = f"http://{listen}/flows/{flow.id}/stock?{key}=SKU1,SKU2"
        return f"OMS stock query URL\n  {url}\n\n  curl -H 'Authorization: Bearer ****' '{url}'"
    url = f"http://{listen}/flows/{flow.id}/trigger?sku=SKU1"
    return f"Trigger URL (manual run)\n  curl -X POST -H 'Authorization: Bearer ****' '{url}'"
