"""Load theme files (TOML) as Textual themes."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from textual.theme import Theme

_EDITOR_THEMES = ("css", "monokai", "dracula", "vscode_dark", "github_light")
_FIELDS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground",
           "background", "surface", "panel", "boost")


def bundled_themes_dir() -> Path:
    """The themes that ship with the console. In the source tree ``bundled_themes`` is a link
    to ``themes/`` at the top of the project (where they are edited); a wheel carries the files
    themselves, so an installed console (pip, pipx) keeps its themes."""
    return Path(__file__).with_name("bundled_themes")


def load_theme(path: Path) -> Theme | str:
    """A Theme, or a message saying what is wrong with the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        return f"{path}: {exc}"
    if not isinstance(data.get("name"), str) or not isinstance(data.get("primary"), str):
        return f"{path}: a theme needs at least name and primary"
    values: dict[str, Any] = {k: str(data[k]) for k in _FIELDS if isinstance(data.get(k), str)}
    editor = data.get("editor")
    if editor is not None and editor not in _EDITOR_THEMES:
        return f"{path}: editor: expected one of {', '.join(_EDITOR_THEMES)}, found {editor!r}"
    table = data.get("variables", {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        return f"{path}: variables: expected a table of strings"
    variables = {**table, **({"editor-theme": editor} if editor else {})}
    try:
        return Theme(name=data["name"], dark=bool(data.get("dark", True)),
                     ansi=bool(data.get("ansi", False)), variables=variables, **values)
    except Exception as exc:  # noqa: BLE001 - a bad colour is reported, not fatal
        return f"{path}: {exc}"
