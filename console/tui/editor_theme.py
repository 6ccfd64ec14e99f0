"""Syntax colours of the code editors, chosen to go with the console's theme."""

from __future__ import annotations

from rich.style import Style
from textual.theme import Theme
from textual.widgets import TextArea
from textual.widgets.text_area import TextAreaTheme

_KEYWORD = Style(color="magenta")
_VALUE = Style(color="cyan")
_NAME = Style(color="blue")

# The terminal's own 16 colours, for the ANSI theme on poor SSH terminals.
ANSI_EDITOR = TextAreaTheme(name="console-ansi", syntax_styles={
    "string": Style(color="green"), "string.documentation": Style(color="green"),
    "comment": Style(color="bright_black"), "keyword": _KEYWORD, "keyword.function": _KEYWORD,
    "keyword.return": _KEYWORD, "keyword.operator": _KEYWORD, "conditional": _KEYWORD,
    "repeat": _KEYWORD, "exception": _KEYWORD, "include": _KEYWORD, "operator": Style(),
    "number": _VALUE, "float": _VALUE, "boolean": _VALUE, "constant.builtin": _VALUE,
    "json.null": _VALUE, "json.label": _NAME, "function": _NAME, "function.call": _NAME,
    "method": _NAME, "method.call": _NAME, "class": Style(color="yellow"),
    "type": Style(color="yellow"), "type.builtin": Style(color="yellow"),
})


def editor_theme(theme: Theme) -> str:
    """The editor theme for an app theme: ``editor`` in its file, or one of its kind."""
    if theme.ansi:
        return ANSI_EDITOR.name
    chosen = theme.variables.get("editor-theme")
    return chosen or ("css" if theme.dark else "github_light")


def follow_app_theme(text_area: TextArea) -> None:
    text_area.register_theme(ANSI_EDITOR)
    text_area.theme = editor_theme(text_area.app.current_theme)
