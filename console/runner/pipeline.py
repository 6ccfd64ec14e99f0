"""The Script and Mapping steps applied to one page of data, giving the rows to write."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from console import telemetry
from console.flows import Flow, FlowsConfig
from console.mapping import Mapping, MappingError, MappingSpecError
from console.mapping import compile as compile_mapping
from console.runner.erp import ErpPage, StepError
from console.script import ScriptPool
from console.script.wire import JsonPage


def script_pool(config: FlowsConfig, workers: int | None = None) -> ScriptPool:
    """A pool with the ``[runner.scripts]`` settings."""
    s = config.runner.scripts
    return ScriptPool(workers=workers or s.workers, user=s.user, uids=s.uids, memory_mb=s.memory_mb,
                      idle_s=s.idle_s, max_output_kb=s.max_output_kb,
                      max_result_mb=s.max_result_mb)


def timeout_hint(error: str | None, table: str, key: str) -> str | None:
    """A timeout's message names the setting that allows more time."""
    if error and error.startswith("TimeoutError"):
        return f"{error} (the limit is [{table}] {key})"
    return error


@dataclass
class PageResult:
    rows: list[Any]
    script_output: Any = None
    attributes: dict[str, str] = field(default_factory=dict)
    logs: list[dict[str, str]] = field(default_factory=list)


def as_rows(data: Any) -> list[Any]:
    """What a page's transform gave, as the list of rows to write."""
    if data is None:
        return []
    return data if isinstance(data, list) else [data]


class _Mapped:
    """Rows the script worker mapped (``Pipeline.scripted``), which ``mapped`` passes on."""

    __slots__ = ("rows",)

    def __init__(self, rows: Any) -> None:
        self.rows = rows


class Pipeline:
    """Compiled once per execution: the flow's script source and its mapping.

    ``map_in_worker``: the script worker applies the mapping to a native script's output
    itself, when it can (see ``console.script.worker``), and sends back the rows only: the
    runner then neither decodes the script's whole output nor maps it. ``scripted`` gives
    those rows wrapped, ``mapped`` passes them on, and ``PageResult.script_output`` stays
    empty. A mapping the worker cannot apply, or that fails there, is applied here as
    without it, giving the same rows or the same error.
    """

    def __init__(self, flow: Flow, pool: ScriptPool, *, map_in_worker: bool = False) -> None:
        self.flow = flow
        self.pool = pool
        self.map_in_worker = map_in_worker
        self.mapping: Mapping | None = None
        if flow.mapping is not None and flow.mapping.spec.strip():
            try:
                self.mapping = compile_mapping(flow.mapping.spec)
            except MappingSpecError as exc:
                raise StepError("mapping", f"the spec is not valid: {exc}") from None

    def run(self, records: list[Any], attrs: dict[str, str]) -> PageResult:
        result = PageResult(rows=[])
        result.rows = as_rows(self.transform(records, attrs, result))
        return result

    def transform(self, data: Any, attrs: dict[str, str], result: PageResult) -> Any:
        """The script, then the mapping, on ``data``: a page's records, or one order. The
        script's output, changed attributes and log lines are noted in ``result``."""
        return self.mapped(self.scripted(data, attrs, result))

    def scripted(self, data: Any, attrs: dict[str, str], result: PageResult) -> Any:
        """The script step alone (``data`` as is when the flow has no script), or with
        ``map_in_worker`` the mapping's rows too when the worker could apply it; ``mapped``
        finishes either. An ``ErpPage`` goes to the worker as the ERP's answer, which the
        worker reads itself."""
        if self.flow.script is not None and self.flow.script.source.strip():
            step = self.flow.script
            sent = JsonPage(data.body, data.path, data.as_read) if type(data) is ErpPage \
                else data
            spec = self.flow.mapping.spec if self.map_in_worker and self.mapping is not None \
                and self.flow.mapping is not None else None
            outcome = self.pool.run(self.flow.id, step.source, sent, attrs,
                                    timeout=step.timeout_s, mapping=spec)
            telemetry.report(telemetry.SCRIPT, outcome.duration_s, flow=self.flow.id)
            result.attributes = {k: v for k, v in outcome.attributes.items()
                                 if attrs.get(k) != v}
            result.logs = outcome.logs
            if outcome.relationship != "success" or outcome.error:
                raise StepError("script", timeout_hint(outcome.error, f"flows.{self.flow.id}.script",
                                                       "timeout_s")
                                or "the script sent its data to failure")
            if outcome.result_json is None and outcome.result_data.strip() not in ("null", ""):
                raise StepError("script", "the script's output is not JSON: "
                                          f"{outcome.result_data[:200]!r}")
            if spec is not None and outcome.mapped:
                return _Mapped(outcome.result_json)
            data = outcome.result_json
            result.script_output = data
        elif type(data) is ErpPage:
            data = list(data)  # the records alone go on, as any other page's
        return data

    def mapped(self, data: Any) -> Any:
        """The mapping step alone (``data`` as is when the flow has no mapping, the rows
        when the script worker mapped them)."""
        if type(data) is _Mapped:
            return data.rows
        if self.mapping is not None:
            try:
                data = self.mapping.apply(data)
            except MappingError as exc:
                raise StepError("mapping", str(exc)) from None
        return data
