"""Flow types live in one registry: the file's schema, the designer's cards, the runner's
writers and the templates all read it."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from console.commands.init import demo_flows_text
from console.flows import dumps, loads
from console.flows.model import DEFAULT_TRIGGER_PARAMS, FLOW_TYPES
from console.flows.templates import choices, template
from console.kinds import KINDS, kind_of
from console.tui.flow_form import fields_for
from console.tui.step_cards import step_cards

KINDS_DIR = Path(__file__).resolve().parents[1] / "console" / "kinds"


def test_the_schema_takes_its_flow_types_and_trigger_params_from_the_registry() -> None:
    assert tuple(KINDS) == FLOW_TYPES
    assert {k: v for k, v in DEFAULT_TRIGGER_PARAMS.items()} == \
        {kind.id: kind.trigger_params for kind in KINDS.values()}


def test_every_kind_makes_a_template_that_validates_and_shows_its_own_cards() -> None:
    config = loads(demo_flows_text())
    for kind in KINDS.values():
        flow = template(f"new_{kind.id}", f"New {kind.label}", kind.id, "inbound", config)
        reloaded = loads(dumps(config.with_flow(flow))).flow(flow.id)
        assert reloaded.type == kind.id
        assert reloaded.direction == ("outbound" if kind.outbound_only else "inbound")
        assert tuple(card.target for card in step_cards(reloaded)) == kind.cards
        tabs = {spec.tab for spec in fields_for(reloaded)}
        assert ("write" in tabs) == bool(kind.write_fields)
        assert ("oms" in tabs) == (kind.settings_table == "oms")
        assert ("fetch" in tabs) == kind.fetch_missing
        assert (reloaded.write.script is not None) == kind.write_script


def test_a_kind_imports_neither_the_ui_nor_the_runner() -> None:
    for path in KINDS_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = [node.module or "" for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom)]
        imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                     for alias in node.names]
        assert all(not name.startswith("console.") or name.startswith("console.kinds")
                   or name == "console.frozen"  # the frozen dataclasses: it imports nothing
                   or name == "console.surrogates"  # text checks: it imports nothing either
                   for name in imported), (path.name, imported)


def test_kind_of_knows_every_demo_flow() -> None:
    for flow in loads(demo_flows_text()).flows:
        assert kind_of(flow.type).id == flow.type


def test_a_new_kind_is_one_registry_entry_the_dialog_the_file_and_the_designer_follow(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Registering a kind (here a copy of stock under another id) is all it takes: the new-flow
    dialog offers it in each direction, its template saves and loads, the designer shows its
    cards."""
    added = dataclasses.replace(KINDS["stock"], id="extra_stock", label="extra",
                                title="Extra stock")
    monkeypatch.setitem(KINDS, "extra_stock", added)
    assert ("extra stock, inbound", "extra_stock/inbound") in choices()
    assert ("extra stock, outbound", "extra_stock/outbound") in choices()
    config = loads(demo_flows_text())
    for direction in added.directions:
        flow = template(f"extra_{direction}", f"Extra {direction}", "extra_stock", direction,
                        config)
        reloaded = loads(dumps(config.with_flow(flow))).flow(flow.id)
        assert (reloaded.type, reloaded.direction) == ("extra_stock", direction)
        assert tuple(card.target for card in step_cards(reloaded)) == added.cards


def test_the_new_flow_dialog_offers_every_kind_in_each_direction_in_registry_order() -> None:
    assert [value for _label, value in choices()] == [
        f"{kind.id}/{direction}" for kind in KINDS.values() for direction in kind.directions]
    labels = [label for label, _value in choices()]
    assert labels[:2] == ["stock, inbound", "stock, outbound"]
    assert "OMS stock" in labels and "order status, outbound" in labels


def test_the_files_messages_name_the_kinds_the_registry_has(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from console.flows import FlowsError

    text = demo_flows_text().replace('[flows.stock.write]', '[flows.stock.oms]\n\n'
                                     '[flows.stock.write]\nscript = "x = 1"', 1)
    for expected in ("flows.stock.oms: only oms_stock flows have an [oms] table",
                     "the per-order write script belongs to order_status flows"):
        with pytest.raises(FlowsError, match=re.escape(expected)):
            loads(text)
    monkeypatch.setitem(KINDS, "stock_proxy", dataclasses.replace(KINDS["oms_stock"],
                                                                   id="stock_proxy"))
    with pytest.raises(FlowsError, match="only oms_stock or stock_proxy flows have"):
        loads(text)
