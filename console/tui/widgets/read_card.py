"""The Read card: the step's fields, and the endpoint URL evaluated live for test parameters
the way the runner evaluates it."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import Input, Label, Static

from console.flows import Flow
from console.tui.widgets.form_fields import FormFields

# Stand-ins for what only a run knows, so the preview shows where each value goes.
_RUN_ATTRIBUTES = {"token.erp": "<token.erp>", "token.omnitron": "<token.omnitron>",
                   "last.request": "2024-12-31T13:30:59.000001"}


def preview_text(url: str, params: dict[str, str]) -> tuple[str, bool]:
    """The evaluated URL with the attributes it reads, or the expression's error (True)."""
    from console.expression import ExpressionError, compile

    attrs = {"http.query.string": urlencode(params), **_RUN_ATTRIBUTES}
    attrs.update({f"http.query.param.{k}": v for k, v in params.items()})
    try:
        expression = compile(url)
        text = (f"→ {expression.evaluate(attrs)}\n"
                f"reads: {', '.join(expression.references()) or 'no attributes'}")
    except ExpressionError as exc:
        return f"✗ offset {exc.offset}: {exc.message}\n{exc.excerpt}", True
    return text + "".join(f"\n! {warning}" for warning in expression.warnings()), False


class ReadCard(Vertical):
    DEFAULT_CSS = """
    ReadCard #preview-row { height: 1; margin: 1 1 0 1; }
    ReadCard #preview-row Label { margin: 0 1 0 0; color: $text-muted; }
    ReadCard #preview-params { width: 1fr; }
    ReadCard #url-preview { margin: 0 1; color: $text-muted; }
    ReadCard #url-preview.error { color: $error; }
    """

    def __init__(self, flow: Flow, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.flow = flow

    def compose(self) -> ComposeResult:
        with Horizontal(id="preview-row"):
            yield Label("preview with")
            yield Input("sku=SKU-000001", id="preview-params", compact=True)
        yield Static("", id="url-preview", markup=False)
        yield FormFields(self.flow, "read", id="form-read")

    def on_mount(self) -> None:
        self.preview()

    @on(Input.Changed, "#preview-params")
    @on(FormFields.Edited)
    def preview(self) -> None:
        """Re-evaluate the URL; FormFields.Edited still bubbles on to the designer."""
        try:
            url = str(self.query_one(FormFields).values().get("read.url", ""))
            params = dict(parse_qsl(self.query_one("#preview-params", Input).value))
        except NoMatches:  # an edit still queued as the designer closes and its card goes
            return
        text, failed = preview_text(url, params)
        preview = self.query_one("#url-preview", Static)
        preview.set_class(failed, "error")
        preview.update(text)
