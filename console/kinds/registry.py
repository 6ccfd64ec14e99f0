"""The FlowKind record and the registry of the flow types."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from console.frozen import dataclass
from console.kinds import templates
from console.kinds.row_shapes import order_problem, price_problem, stock_problem
from console.kinds.templates import Template

CardId = Literal["script", "mapping", "pre_script", "post_script", "check_response"]
WriterId = Literal["stock_bulk", "order_status", "stock_answer", "price_bulk", "stock_compare",
                   "proxy_call", "erp_orders"]
SampleId = Literal["stock_rows", "orders", "skus", "prices", "proxy_payload", "omnitron_orders"]


RowShape = Callable[[Any, "int | None"], "str | None"]
"""Why a row cannot change anything in Omnitron (a phrase after "rows"), or None; it is also
given the flow's default list (see ``FlowKind.default_list``)."""


def _order_shape(row: Any, _default_stock_list: int | None) -> str | None:
    return order_problem(row)


@dataclass(frozen=True)
class FlowKind:
    """One flow type: what it reads and writes, how it runs, what the console shows of it."""

    id: str
    label: str
    """Short, for the flows table: ``stock``, ``order``, ``oms``."""
    title: str
    trigger_params: tuple[str, ...]
    """The manual trigger's parameters a new flow of this type offers."""
    reads_erp: bool
    """An inbound flow of this type reads the ERP (and so has Login and Read cards)."""
    outbound_only: bool
    """The flow only answers requests (its direction is always outbound)."""
    schedulable: bool
    fetch_missing: bool
    """Inbound flows of this type may fetch missing products on their own schedule."""
    cards: tuple[CardId, ...]
    """The designer's code cards, in order, each with its test panel."""
    sample: SampleId
    """The test input the first card starts with."""
    writer: WriterId
    write_fields: tuple[str, ...]
    """``write.*`` keys the Write card edits (an empty tuple: no Write card)."""
    write_script: bool
    """Rows go through a per-order script before Omnitron (order status flows)."""
    stock_list_key: bool
    """The Read step may pass the flow's stock list to the ERP."""
    row_shape: RowShape | None
    """The check of each row before it is written (see ``row_shapes``); None when nothing is
    written to Omnitron."""
    template: Template
    """What a new flow of this type starts from (``n`` in the flows screen offers every kind,
    in each direction it may have)."""
    settings_table: str | None = None
    """A table of settings only this type has (``[flows.ID.oms]``), with its own card."""
    default_list: Literal["stock_list", "price_list"] | None = None
    """The ``write.*`` key naming the list a row without one is written to."""
    hand_triggered: bool = True
    """A person may run it (the full stock flow runs only at its time of day)."""
    inbound_only: bool = False
    """The flow only reads (its direction is always inbound)."""
    answers_outbound: bool = False
    """An outbound call is answered with the flow's output, synchronously; such a flow calls
    its remote (Login and Read cards) in both directions."""
    reads_omnitron_orders: bool = False
    """The flow reads Omnitron's orders waiting for the ERP and writes each to the ERP
    (the order export): no Read step, an ERP login, and the ``[order_export]`` table."""

    @property
    def logs_into_erp(self) -> bool:
        return self.reads_erp or self.reads_omnitron_orders

    @property
    def directions(self) -> tuple[str, ...]:
        """The directions a flow of this kind may have."""
        if self.outbound_only:
            return ("outbound",)
        return ("inbound",) if self.inbound_only else ("inbound", "outbound")

    @property
    def has_write_card(self) -> bool:
        """The Write to Omnitron card (a stock or proxy answer has none; an order export
        writes to the ERP instead)."""
        return self.writer not in ("stock_answer", "proxy_call", "erp_orders")

    def runs_on_its_own(self, direction: str) -> bool:
        """A flow of this kind and direction may run on a schedule or after another flow:
        only inbound flows of a schedulable kind start by themselves."""
        return self.schedulable and direction == "inbound"

    def unscheduled_reason(self, how: str = "on a schedule") -> str:
        """Why a flow of this kind does not run ``how`` (when ``runs_on_its_own`` says no)."""
        if not self.schedulable:
            return f"{self.title} flows answer requests and never run {how}"
        return f"only inbound flows run {how}"

    def reads_erp_when(self, direction: str) -> bool:
        """A flow of this kind and direction has a Read step: inbound flows read to sync,
        outbound-only ones read to answer."""
        return self.reads_erp and (direction == "inbound" or self.outbound_only or
                                   self.answers_outbound)


KINDS: dict[str, FlowKind] = {kind.id: kind for kind in (
    FlowKind(
        id="stock", label="stock", title="Stock", trigger_params=("sku", "modified_date__gt"),
        reads_erp=True, outbound_only=False, schedulable=True, fetch_missing=True,
        cards=("script", "mapping"), sample="stock_rows", writer="stock_bulk",
        write_fields=("stock_list", "batch_size"), write_script=False, stock_list_key=True,
        row_shape=stock_problem,
        template=templates.STOCK, default_list="stock_list"),
    FlowKind(
        id="order_status", label="order", title="Order status",
        trigger_params=("number", "modified_date__gt"), reads_erp=True, outbound_only=False,
        schedulable=True, fetch_missing=False, cards=("script", "mapping"), sample="orders",
        writer="order_status", write_fields=(), write_script=True, stock_list_key=False,
        row_shape=_order_shape,
        template=templates.ORDER_STATUS),
    FlowKind(
        id="oms_stock", label="oms", title="OMS stock", trigger_params=(), reads_erp=True,
        outbound_only=True, schedulable=False, fetch_missing=False,
        cards=("pre_script", "post_script"), sample="skus", writer="stock_answer",
        write_fields=(), write_script=False, stock_list_key=True, row_shape=None,
        template=templates.OMS_STOCK, settings_table="oms"),
    FlowKind(
        id="price", label="price", title="Price", trigger_params=("sku", "modified_date__gt"),
        reads_erp=True, outbound_only=False, schedulable=True, fetch_missing=False,
        cards=("script", "mapping"), sample="prices", writer="price_bulk",
        write_fields=("price_list", "batch_size"), write_script=False, stock_list_key=False,
        row_shape=price_problem, template=templates.PRICE, default_list="price_list"),
    FlowKind(
        id="full_stock", label="full", title="Full stock", trigger_params=(), reads_erp=True,
        outbound_only=False, schedulable=True, fetch_missing=False, cards=("script", "mapping"),
        sample="stock_rows", writer="stock_compare", write_fields=("stock_list",),
        write_script=False, stock_list_key=True, row_shape=stock_problem,
        template=templates.FULL_STOCK, settings_table="full_stock", default_list="stock_list",
        hand_triggered=False, inbound_only=True),
    FlowKind(
        id="proxy", label="proxy", title="Proxy", trigger_params=(), reads_erp=True,
        outbound_only=False, schedulable=True, fetch_missing=False,
        cards=("pre_script", "post_script"), sample="proxy_payload", writer="proxy_call",
        write_fields=(), write_script=False, stock_list_key=False, row_shape=None,
        template=templates.PROXY, settings_table="proxy", answers_outbound=True),
    FlowKind(
        id="order_export", label="export", title="Order export", trigger_params=("number",),
        reads_erp=False, outbound_only=False, schedulable=True, fetch_missing=False,
        cards=("script", "mapping", "check_response"), sample="omnitron_orders",
        writer="erp_orders", write_fields=(), write_script=False, stock_list_key=False,
        row_shape=None, template=templates.ORDER_EXPORT, settings_table="order_export",
        inbound_only=True, reads_omnitron_orders=True),
)}


def kind_of(type_id: str) -> FlowKind:
    """The kind of a flow type; flows.toml validation has already refused unknown types."""
    return KINDS[type_id]
