"""Whether a flow runs on its own (a schedule, or after another flow) and whether it reads the
ERP are asked of its kind, not worked out from its direction by each reader."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from console.commands.init import demo_flows_text
from console.flows import FlowsError, loads
from console.kinds import KINDS
from console.services.flows import next_run
from console.tui.flow_form import fields_for

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_the_demo_schedules_follow_the_kinds() -> None:
    config = loads(demo_flows_text())
    for flow in config.flows:
        runs_alone = KINDS[flow.type].runs_on_its_own(flow.direction)
        assert runs_alone == (flow.type != "oms_stock" and flow.is_inbound), flow.id
        assert ("schedule" in {f.key for f in fields_for(flow)}) == runs_alone, flow.id
        assert (flow.read is not None) == KINDS[flow.type].reads_erp_when(flow.direction)


def test_a_kind_that_is_not_schedulable_refuses_a_schedule_and_shows_none(
        monkeypatch: pytest.MonkeyPatch) -> None:
    stock = loads(demo_flows_text()).flow("stock")
    assert stock.schedule and next_run(stock, NOW).state == "scheduled"
    monkeypatch.setitem(KINDS, "stock", dataclasses.replace(KINDS["stock"], schedulable=False))

    with pytest.raises(FlowsError) as refused:
        loads(demo_flows_text())
    problems = [p.render() for p in refused.value.problems]
    assert "flows.stock.schedule: Stock flows answer requests and never run on a schedule" in \
        [p.split(": ", 1)[1] for p in problems]
    assert next_run(stock, NOW).state == "manual"
    assert "schedule" not in {f.key for f in fields_for(stock)}


def test_an_outbound_flow_still_runs_only_on_request() -> None:
    text = demo_flows_text().replace(
        'direction = "outbound"\nenabled = true\n\n[flows.stock_push.write]',
        'direction = "outbound"\nenabled = true\nschedule = "*/5 * * * *"\n\n'
        '[flows.stock_push.write]')
    with pytest.raises(FlowsError) as refused:
        loads(text)
    assert any(p.key_path == "flows.stock_push.schedule" and
               p.message == "only inbound flows run on a schedule"
               for p in refused.value.problems)
