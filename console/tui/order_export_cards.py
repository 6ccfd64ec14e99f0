"""The order export's form cards in the designer: Orders (which of Omnitron's orders wait
for the ERP), Query check and Write to ERP, each form beside its test panel."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import TabPane

from console.flows import Flow
from console.tui.step_cards import SAMPLE_OMNITRON_ORDER
from console.tui.widgets.form_fields import FormFields
from console.tui.widgets.order_export_panels import ErpRequestPanel


def before_code(flow: Flow) -> ComposeResult:
    """Orders and Query check: they come before the Script and Mapping cards."""
    with TabPane("Orders", id="tab-orders"):
        yield FormFields(flow, "orders", id="form-orders")
    with TabPane("Query check", id="tab-query-check"), Horizontal():
        yield FormFields(flow, "query_check", id="form-query-check")
        yield ErpRequestPanel("query_check", SAMPLE_OMNITRON_ORDER, id="query-check-test")


def erp_write(flow: Flow) -> ComposeResult:
    """Write to ERP: after the Mapping card, before Check response."""
    with TabPane("Write to ERP", id="tab-erp-write"), Horizontal():
        yield FormFields(flow, "erp_write", id="form-erp-write")
        yield ErpRequestPanel("write", SAMPLE_OMNITRON_ORDER, id="erp-write-test")
