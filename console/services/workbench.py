"""The designer's workbench: test input (live from the ERP, the last execution's, pinned) and
the dry run of a flow as edited.

Each input says where it came from, so a screen never shows the last execution's records under
a "live" title.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from console.flows import Flow, FlowsConfig
from console.services.errors import ServiceError
from console.services.executions import ExecutionsReader

if TYPE_CHECKING:
    from console.runner.dry_run import DryRun

InputSource = Literal["live", "last execution", "pinned"]
_TITLES: dict[InputSource, str] = {"live": "Live input", "last execution": "Last execution's input",
                                   "pinned": "Pinned input"}


@dataclass(frozen=True)
class TestInput:
    text: str
    """Pretty-printed JSON, ready for a test panel's input editor."""
    count: int
    source: InputSource

    @property
    def title(self) -> str:
        return _TITLES[self.source]

    @property
    def about(self) -> str:
        origin = {"live": "from the ERP, first page", "last execution": "read by the last "
                  "execution", "pinned": "pinned as this flow's sample"}[self.source]
        return f"{self.count} record(s) {origin}"


def _input(records: object, source: InputSource) -> TestInput:
    count = len(records) if isinstance(records, list) else 1
    return TestInput(json.dumps(records, indent=2, ensure_ascii=False), count, source)


def live_input(config: FlowsConfig, flow_id: str) -> TestInput:
    """Login and the first page of the flow's Read step (the flow as given, maybe unsaved)."""
    from console.runner.dry_run import fetch_records
    from console.runner.erp import StepError

    flow = config.flow(flow_id)
    if flow.read is None and flow.order_export is None:
        raise ServiceError("this flow does not read from the ERP")
    if flow.proxy is not None:
        return _input(_remote_answer(flow), "live")
    try:
        if flow.order_export is not None:
            from console.runner.order_export import waiting_sample

            return _input(waiting_sample(config, flow_id), "live")
        return _input(fetch_records(config, flow_id), "live")
    except StepError as exc:
        raise ServiceError(f"{exc.step}: {exc.message}") from None


def _remote_answer(flow: Flow) -> object:
    """A proxy flow's remote answer to the request its pre-script makes without input."""
    from console.runner.proxy import ProxyError, call
    from console.script import ScriptPool

    try:
        with ScriptPool(workers=1) as pool:
            answer = call(flow, None, pool, {"flow.id": flow.id, "flow.name": flow.name},
                          until_remote=True)
    except ProxyError as exc:
        raise ServiceError(f"{exc.step}: {exc.message}") from None
    return answer.output


def last_input(reader: ExecutionsReader, flow_id: str) -> TestInput:
    body = reader.last_sample(flow_id)
    if body is None:
        raise ServiceError("no execution of this flow has read input yet")
    return _input(json.loads(body), "last execution")


def sample_path(config: FlowsConfig, flow_id: str) -> Path:
    """Pinned samples live beside the store, one JSON file per flow, never in flows.toml."""
    return config.store_path().parent / "samples" / f"{flow_id}.json"


def pinned(config: FlowsConfig, flow_id: str) -> str | None:
    try:
        return sample_path(config, flow_id).read_text(encoding="utf-8")
    except OSError:
        return None


def pin(config: FlowsConfig, flow_id: str, text: str) -> Path:
    path = sample_path(config, flow_id)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise ServiceError(f"cannot pin the sample at {path}: {exc.strerror or exc}") from None
    return path


def dry_run(config: FlowsConfig, flow_id: str, params: dict[str, str],
            payload: str | None = None) -> DryRun:
    """Login, read, script and mapping of the flow as given; nothing is written. A full
    stock flow compares without syncing; a proxy flow makes its one request (``payload`` is
    an outbound proxy's caller payload)."""
    from console.runner.dry_run import dry_run as run

    return run(config, flow_id, params, input_text=payload)
