"""What the designer's Outbound card shows: the URL callers use and a ready curl command."""

from __future__ import annotations

from console.flows import Flow, FlowsConfig
from console.kinds import kind_of


def outbound_text(config: FlowsConfig, flow: Flow) -> str:
    """The endpoint of this flow on the runner, with the bearer token masked."""
    listen = config.runner.listen
    kind = kind_of(flow.type)
    if kind.answers_outbound and flow.direction == "outbound":
        url = f"http://{listen}/flows/{flow.id}/proxy"
        return (f"Proxy URL (answered with the post-script's output)\n  {url}\n\n"
                f"curl example (token masked):\n  curl -X POST {url} \\\n"
                "    -H 'Authorization: Bearer ****' \\\n"
                "    -H 'Content-Type: application/json' -d @payload.json")
    if not kind.hand_triggered:
        return ("Runs once a day at its schedule's time and is never triggered by hand.\n"
                "F5 (dry run) compares now without syncing anything.")
    answers_queries = kind.outbound_only
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
