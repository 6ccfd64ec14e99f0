"""One designer card's fields: a label, an input (text, choice or checkbox) and the field's
problem under it, shown as the user types."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea

from console.flows import Flow
from console.tui.flow_form import Field, Tab, fields_for, shown

FieldWidget = Input | Select[str] | Checkbox | TextArea


class FormFields(VerticalScroll):
    DEFAULT_CSS = """
    FormFields { height: 1fr; padding: 0 1; }
    FormFields Label { margin-top: 1; color: $text-muted; }
    FormFields Select { width: 40; }
    FormFields Checkbox { margin-top: 1; }
    FormFields TextArea { height: 4; }
    FormFields .field-error { color: $error; display: none; }
    FormFields .field-error.shown { display: block; }
    """

    class Edited(Message):
        """A field of the card changed."""

    def __init__(self, flow: Flow, tab: Tab, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.flow = flow
        self.fields = [spec for spec in fields_for(flow) if spec.tab == tab]

    def compose(self) -> ComposeResult:
        for spec in self.fields:
            if spec.kind != "bool":
                yield Label(spec.label)
            yield self._widget(spec)
            yield Static("", classes="field-error", id=f"error-{spec.widget_id}", markup=False)

    def _widget(self, spec: Field) -> FieldWidget:
        value = shown(self.flow, spec)
        if spec.kind == "bool":
            return Checkbox(spec.label, bool(value), id=spec.widget_id, compact=True)
        if spec.kind == "choice":
            return Select([(c, c) for c in spec.choices], value=str(value), allow_blank=False,
                          id=spec.widget_id, compact=True)
        if spec.kind == "pairs":
            return TextArea(str(value), id=spec.widget_id, compact=True)
        return Input(str(value), id=spec.widget_id, compact=True)

    def values(self) -> dict[str, str | bool]:
        found: dict[str, str | bool] = {}
        for spec in self.fields:
            widget = self.query_one(f"#{spec.widget_id}")
            value = widget.text if isinstance(widget, TextArea) else widget.value  # type: ignore[attr-defined]
            found[spec.key] = value if isinstance(value, bool) else str(value)
        return found

    def show_problems(self, problems: dict[str, str]) -> None:
        for spec in self.fields:
            line = self.query_one(f"#error-{spec.widget_id}", Static)
            message = problems.get(spec.key)
            line.update(f"✗ {message}" if message else "")
            line.set_class(message is not None, "shown")

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    @on(TextArea.Changed)
    def _edited(self, event: Message) -> None:
        event.stop()
        self.post_message(self.Edited())
