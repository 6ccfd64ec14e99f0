"""The designer's code cards: which script or spec of a flow each one edits, what its test
panel starts with, and how an edited text goes back into the flow."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Literal

from console.flows import Flow, MappingStep, OmsSettings, ScriptStep
from console.flows.model import ProxySettings
from console.kinds import kind_of
from console.kinds.registry import CardId

SAMPLE_STOCK = json.dumps([{"id": 1, "sku": "SKU-000001", "qty": 12, "unit_type": "qty"},
                           {"id": 2, "sku": "SKU-000002", "qty": 0, "unit_type": "qty"}], indent=2)
SAMPLE_ORDERS = json.dumps([{"order": "ORD-000002", "orderitems": [
    {"id": 4, "product": "SKU-000010", "status": 500, "invoice_number": "INV-2"}]}], indent=2)
# One order as the per-order write script gets it: a row of the mapping's output.
SAMPLE_ORDER = json.dumps({"order": "ORD-000002", "orderitem_set": [
    {"id": 4, "status": 500, "invoice_number": "INV-2"}]}, indent=2)
SAMPLE_PRICES = json.dumps([{"id": 1, "sku": "SKU-000001", "price_list": 1, "list_price": 149.99,
                            "sale_price": 119.99, "vat": 20, "currency": "TRY"}], indent=2)
SAMPLE_SKUS = json.dumps(["SKU-000001", "SKU-000002"], indent=2)
SAMPLE_PROXY_PAYLOAD = json.dumps({"skus": ["SKU-000001", "SKU-000002"]}, indent=2)
SAMPLE_PROXY_ANSWER = json.dumps([{"id": 1, "sku": "SKU-000001", "qty": 12, "stock_list": 1}],
                                 indent=2)
SAMPLE_OMS_RECORDS = json.dumps([{"id": 1, "sku": "SKU-000001", "qty": 12, "stock_list": 1},
                                 {"id": 2, "sku": "SKU-000002", "qty": 0, "stock_list": 1}],
                                indent=2)

Target = Literal["script", "mapping", "pre_script", "post_script"]


@dataclass(frozen=True)
class StepCard:
    target: Target
    title: str
    sample: str
    reads_erp_records: bool  # its input is what the Read step returns (live input, pins)
    input_label: str = "ERP sample · f6 live f8 last f7 pin"

    @property
    def tab_id(self) -> str:
        return f"tab-{self.target.replace('_', '-')}"

    @property
    def editor_id(self) -> str:
        return f"{self.target.replace('_', '-')}-editor"

    @property
    def panel_id(self) -> str:
        return f"{self.target.replace('_', '-')}-test"

    @property
    def language(self) -> Literal["python", "mapping"]:
        return "mapping" if self.target == "mapping" else "python"

    def source(self, flow: Flow) -> str:
        if self.target == "script":
            return flow.script.source if flow.script else ""
        if self.target == "mapping":
            return flow.mapping.spec.strip() if flow.mapping else ""
        scripts = _scripts(flow)
        return (scripts.pre_script if self.target == "pre_script" else scripts.post_script) or ""

    def timeout_s(self, flow: Flow) -> float | None:
        """The script's timeout in runs (a mapping has none)."""
        if self.target == "script":
            return flow.script.timeout_s if flow.script else None
        if self.target == "mapping":
            return None
        return _scripts(flow).script_timeout_s

    def put(self, flow: Flow, text: str) -> Flow:
        """The flow with this card's text (empty text removes the step). Text as the card
        showed it leaves the flow as it was: a mapping is shown without its trailing newline,
        and saving an untouched card must not change its key in flows.toml."""
        if text == self.source(flow):
            return flow
        if self.target == "script":
            step = dataclasses.replace(flow.script, source=text) if flow.script else \
                ScriptStep(text)
            return dataclasses.replace(flow, script=step if text.strip() else None)
        if self.target == "mapping":
            return dataclasses.replace(flow, mapping=MappingStep(text) if text.strip() else None)
        change: dict[str, Any] = {self.target: text if text.strip() else None}
        if kind_of(flow.type).settings_table == "proxy":
            proxy = dataclasses.replace(flow.proxy or ProxySettings(), **change)
            return dataclasses.replace(flow, proxy=proxy)
        oms = dataclasses.replace(flow.oms or OmsSettings(), **change)
        return dataclasses.replace(flow, oms=oms)


def _scripts(flow: Flow) -> OmsSettings | ProxySettings:
    """The table holding a flow's pre- and post-script: [proxy] or [oms]."""
    if kind_of(flow.type).settings_table == "proxy":
        return flow.proxy or ProxySettings()
    return flow.oms or OmsSettings()


def step_cards(flow: Flow) -> list[StepCard]:
    """The code cards of the flow's kind: Script and Mapping, or for OMS stock flows the
    scripts around the ERP read."""
    kind = kind_of(flow.type)
    if kind.sample == "proxy_payload":
        return _proxy_cards(flow)
    sample = _SAMPLES[kind.sample]
    return [_card(card, sample) for card in kind.cards]


def _proxy_cards(flow: Flow) -> list[StepCard]:
    """A proxy flow's scripts: the pre-script's input is the caller's payload (none when the
    flow runs inbound), the post-script's is the remote's answer."""
    given = "null" if flow.is_inbound else SAMPLE_PROXY_PAYLOAD
    label = "input: none (inbound runs)" if flow.is_inbound else "the caller's payload"
    return [StepCard("pre_script", "Pre-script", given, False, label),
            StepCard("post_script", "Post-script", SAMPLE_PROXY_ANSWER, True,
                     "the remote's answer · f6 live f8 last f7 pin")]


_SAMPLES = {"stock_rows": SAMPLE_STOCK, "orders": SAMPLE_ORDERS, "skus": SAMPLE_SKUS,
            "prices": SAMPLE_PRICES, "proxy_payload": SAMPLE_PROXY_PAYLOAD}


def _card(card: CardId, sample: str) -> StepCard:
    """A card id of a kind as the designer's card: its title, test input and panel label."""
    if card == "pre_script":
        return StepCard("pre_script", "Pre-script", sample, False,
                        "SKUs asked for (F5 asks the ERP for them)")
    if card == "post_script":
        return StepCard("post_script", "Post-script", SAMPLE_OMS_RECORDS, True)
    if card == "script":
        return StepCard("script", "Script", sample, True)
    return StepCard("mapping", "Mapping", sample, False, "input: the script's output")


def first_order(mapped: str) -> str | None:
    """The first row of a mapping's output, as the per-order script of an order-status flow
    gets it (one order at a time); ``None`` when the output has no order in it."""
    try:
        rows = json.loads(mapped)
    except json.JSONDecodeError:
        return None
    row = rows[0] if isinstance(rows, list) and rows else rows
    return json.dumps(row, indent=2, ensure_ascii=False) if isinstance(row, dict) else None
