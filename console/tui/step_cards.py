"""The designer's code cards: which script or spec of a flow each one edits, what its test
panel starts with, and how an edited text goes back into the flow."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Literal

from console.flows import Flow, MappingStep, OmsSettings, ScriptStep
from console.flows.model import OrderExport, ProxySettings
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

# An order export's script and mapping get one order of Omnitron's waiting list at a time.
SAMPLE_OMNITRON_ORDER = json.dumps({
    "pk": 2, "number": "ORD-000002", "channel": 1, "status": "400", "is_send": False,
    "date_placed": "2024-10-03T02:15:00.000000Z", "currency": "try", "amount": "139.80",
    "customer": {"id": 1002, "email": "customer2@example.com", "first_name": "Ada",
                 "last_name": "Customer 2"},
    "shipping_address": {"city": "Istanbul", "line": "Sample Street 2"},
    "orderitem_set": [{"id": 4, "product": {"sku": "SKU-000010"}, "status": "400",
                       "quantity": 1, "price": "139.80"}]}, indent=2)
# What the check-response script gets: the order, what was sent and the ERP's answer.
SAMPLE_CHECK_INPUT = json.dumps({
    "order": {"pk": 2, "number": "ORD-000002", "channel": 1, "status": "400"},
    "sent": {"number": "ORD-000002", "total": "139.80",
             "lines": [{"sku": "SKU-000010", "qty": 1, "price": "139.80"}]},
    "response": {"status_code": 201, "body": {"result": "ok", "id": 17,
                                              "number": "ORD-000002"}},
    "already_in_erp": False}, indent=2)

Target = Literal["script", "mapping", "pre_script", "post_script", "check_response"]


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
        if self.target == "check_response":
            step = flow.order_export.check_response if flow.order_export else None
            return step.source if step else ""
        if self.target == "script":
            return flow.script.source if flow.script else ""
        if self.target == "mapping":
            return flow.mapping.spec.strip() if flow.mapping else ""
        scripts = _scripts(flow)
        return (scripts.pre_script if self.target == "pre_script" else scripts.post_script) or ""

    def timeout_s(self, flow: Flow) -> float | None:
        """The script's timeout in runs (a mapping has none)."""
        if self.target == "check_response":
            step = flow.order_export.check_response if flow.order_export else None
            return step.timeout_s if step else None
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
        if self.target == "check_response":
            export = flow.order_export or OrderExport()
            current = export.check_response
            step = dataclasses.replace(current, source=text) if current else ScriptStep(text)
            return dataclasses.replace(flow, order_export=dataclasses.replace(
                export, check_response=step if text.strip() else None))
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
            "prices": SAMPLE_PRICES, "proxy_payload": SAMPLE_PROXY_PAYLOAD,
            "omnitron_orders": SAMPLE_OMNITRON_ORDER}


def _card(card: CardId, sample: str) -> StepCard:
    """A card id of a kind as the designer's card: its title, test input and panel label."""
    if card == "pre_script":
        return StepCard("pre_script", "Pre-script", sample, False,
                        "SKUs asked for (F5 asks the ERP for them)")
    if card == "post_script":
        return StepCard("post_script", "Post-script", SAMPLE_OMS_RECORDS, True)
    if card == "check_response":
        return StepCard("check_response", "Check response", SAMPLE_CHECK_INPUT, False,
                        "the order, what was sent, the ERP's answer")
    if card == "script":
        label = "one Omnitron order · f6 live f8 last f7 pin" \
            if sample == SAMPLE_OMNITRON_ORDER else StepCard.input_label
        return StepCard("script", "Script", sample, True, label)
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
