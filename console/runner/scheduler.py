"""Scheduling of inbound flows: by cron one tick at a time, after another flow's successful
execution (chained), and the fetch-missing job."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from console.flows import Flow, FlowsConfig, Schedule
from console.kinds import kind_of
from console.runner.attributes import last_request_text
from console.runner.runner import FlowBusy, Runner
from console.store.records import Execution, now

log = logging.getLogger("console.runner")

Claim = Callable[[str, str], bool]
"""Whether this runner may start ``flow``'s run due at ``due`` (text): several hosts ticking
the same schedule start it once, on the host whose claim is first."""


class Scheduler:
    """``tick()`` starts every scheduled run that is due; a run still going is not doubled.
    A flow with ``after`` starts when an execution of that flow finishes with success.
    With ``claim``, a run starts only where its claim is granted."""

    def __init__(self, runner: Runner, clock: Callable[[], datetime] = now,
                 claim: Claim | None = None) -> None:
        self.runner = runner
        self.clock = clock
        self.claim = claim
        self.due: dict[str, tuple[str, datetime | None]] = {}
        self.skipped: list[str] = []
        runner.after_execution.append(self._after_execution)

    def _after_execution(self, execution: Execution) -> None:
        self.chain(execution)

    def chain(self, execution: Execution) -> list[str]:
        """Start the enabled flows that run after ``execution``'s flow, if it succeeded."""
        if execution.status != "success":
            return []
        started = []
        for flow in self.runner.config.flows:
            if flow.after != execution.flow_id or not flow.enabled or \
                    not kind_of(flow.type).runs_on_its_own(flow.direction):
                continue
            if self.claim is not None and not self.claim(flow.id, f"after {execution.id}"):
                continue
            try:
                started.append(self.runner.trigger(
                    flow.id, self._params(flow), trigger="schedule",
                    triggered_by=f"after {execution.flow_id} {execution.id}", due=True))
            except FlowBusy:
                self.skipped.append(flow.id)
        return started

    def _next(self, flow: Flow, after: datetime) -> datetime | None:
        if not flow.enabled or not flow.schedule or \
                not kind_of(flow.type).runs_on_its_own(flow.direction):
            return None
        runs = Schedule.parse(flow.schedule, flow.timezone).next_runs(after, 1)
        return runs[0] if runs else None

    def plan(self, config: FlowsConfig) -> None:
        current = self.clock()
        planned = {}
        for flow in config.flows:
            signature = f"{flow.enabled}|{flow.schedule}|{flow.timezone}"
            known = self.due.get(flow.id)
            if known and known[0] == signature:
                planned[flow.id] = known
            else:
                planned[flow.id] = (signature, self._next(flow, current))
        self.due = planned

    def tick(self) -> list[str]:
        current = self.clock()
        started = []
        for flow in self.runner.config.flows:
            signature, moment = self.due.get(flow.id, ("", None))
            if moment is None or moment > current:
                continue
            self.due[flow.id] = (signature, self._next(flow, current))
            if self.claim is not None and not self.claim(flow.id, moment.astimezone(UTC).isoformat()):
                continue
            params = self._params(flow)
            try:
                started.append(self.runner.trigger(flow.id, params, trigger="schedule",
                                                   triggered_by="scheduler", due=True))
            except FlowBusy:
                self.skipped.append(flow.id)
        return started

    def _params(self, flow: Flow) -> dict[str, str]:
        """Flows that read what changed get the time of their last request; a full stock
        flow reads everything and a proxy flow asks its pre-script."""
        if "modified_date__gt" not in flow.trigger_params:
            return {}
        last = self.runner.store.last_request(flow.id) or self.clock() - timedelta(days=1)
        return {"modified_date__gt": last_request_text(last, flow.timezone)}


class FetchMissing:
    """Every few hours: products productized recently that have no stock in the flow's stock
    list are requested from the ERP by triggering the flow with their SKUs, in chunks."""

    def __init__(self, runner: Runner, clock: Callable[[], datetime] = now) -> None:
        self.runner = runner
        self.clock = clock
        self.last_run: dict[str, datetime] = {}

    def due_flows(self) -> list[Flow]:
        current = self.clock()
        flows = []
        for flow in self.runner.config.flows:
            settings = flow.fetch_missing
            if not (flow.enabled and settings.enabled and flow.is_inbound and kind_of(flow.type).fetch_missing
                    and flow.write.stock_list is not None):
                continue
            last = self.last_run.get(flow.id)
            if last is None or current - last >= timedelta(hours=settings.interval_hours):
                flows.append(flow)
        return flows

    def run(self, flow: Flow) -> list[str]:
        from console.omnitron import OmnitronClient

        self.last_run[flow.id] = self.clock()
        settings = flow.fetch_missing
        since = (self.clock() - timedelta(days=settings.productized_within_days)).date().isoformat()
        with OmnitronClient.for_settings(self.runner.config.omnitron) as client:
            products = [p for p in client.iter_products(productized_date__gte=since)]
            stocked = {s.get("product_sku") for s in
                       client.iter_product_stocks(stock_list=flow.write.stock_list, page_size=1000)}
        missing = [str(p.get(settings.identifier_path) or p.get("sku")) for p in products]
        missing = [sku for sku in missing if sku not in stocked]
        started = []
        for start in range(0, len(missing), settings.chunk_size):
            chunk = missing[start:start + settings.chunk_size]
            started.append(self.runner.trigger(flow.id, {"sku": ",".join(chunk)},
                                               trigger="fetch_missing",
                                               triggered_by="fetch missing"))
        return started
