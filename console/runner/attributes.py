"""The attributes an execution gives expressions and scripts, as the Integrator names them."""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from console.flows import Flow
from console.runner.erp import StepError
from console.surrogates import escaped, has_lone

LAST_REQUEST_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def last_request_text(moment: datetime, timezone: str) -> str:
    """``yyyy-MM-dd'T'HH:mm:ss.SSSSSS`` in the flow's time zone."""
    return moment.astimezone(ZoneInfo(timezone)).strftime(LAST_REQUEST_FORMAT)


def trigger_attributes(flow: Flow, params: dict[str, str], last_request: datetime,
                       execution_id: str) -> dict[str, str]:
    """The attributes of a run triggered with ``params``; a parameter holding a lone surrogate
    (``--param`` given bytes that are not UTF-8 reaches Python as one), which no URL can carry,
    is refused by name."""
    given = {k: v for k, v in params.items() if v not in (None, "")}
    for name, value in given.items():
        if isinstance(value, str) and has_lone(value):
            raise StepError("read", f"the parameter {name} holds a lone surrogate "
                                    f"({escaped(value)}), which no URL can carry: nothing was"
                                    " read")
    attrs = {
        "flow.id": flow.id,
        "flow.name": flow.name,
        "execution.id": execution_id,
        "http.query.string": urlencode(given),
        "last.request": last_request_text(last_request, flow.timezone),
    }
    for name in (*flow.trigger_params, *given):
        attrs[f"http.query.param.{name}"] = str(given.get(name, ""))
    return attrs


def with_all_var(attrs: dict[str, str]) -> dict[str, str]:
    return {**attrs, "allVar": json.dumps(attrs, ensure_ascii=False)}


def trigger_url(listen: str, flow_id: str, params: dict[str, str]) -> str:
    """The URL a user (or cron job, or the ERP) can POST to trigger this run."""
    query = urlencode({k: v for k, v in params.items() if v})
    return f"http://{listen}/flows/{flow_id}/trigger" + (f"?{query}" if query else "")
