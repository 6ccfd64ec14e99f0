"""A footer that rebuilds once per burst of binding changes, and styles each key once."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeyFooter(Footer):
    """Textual's footer recomposes on every binding refresh, and a screen fires several in a
    row while it mounts (focus moves, stack changes); each rebuild restyles every key. This
    one coalesces a burst into a single rebuild after the next refresh.

    A key also arrives compact (its own default) and is then told the footer's setting, and
    each of the two restyles it: on a footer of fifteen keys that was a third of the first
    screen's paint. Here each key is built already holding the setting it ends up with."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending = False

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            # Only the keys bound to the footer's setting (the command palette's is not).
            if isinstance(widget, FooterKey) and "compact" in (widget._reactive_connect or {}):
                widget.set_reactive(FooterKey.compact, bool(self.compact))
                widget.set_class(self.compact, "-compact", update=False)
            yield widget

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or self._pending:
            return
        if self.is_attached and screen is self.screen:
            self._pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._pending = False
        await self.recompose()
