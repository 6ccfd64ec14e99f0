"""Command palette entries: every flow action for every flow, and the tool screens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from console.tui.screens.flows import FlowsScreen


class FlowCommands(Provider):
    def _entries(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        from console.tui.screens.flows import FlowsScreen

        flows_screen = next((s for s in self.app.screen_stack if isinstance(s, FlowsScreen)), None)
        if flows_screen is None:
            return
        yield "Stock browser", flows_screen.action_stock_browser, "browse and edit product stock"
        yield "OMS setup", flows_screen.action_oms_setup, "the 15-step OMS checklist"
        yield "New flow", flows_screen.action_new_flow, "create a flow from a template"
        yield "Health", flows_screen.action_health, "flow states, firing alarms, recent failures"
        for flow in flows_screen.config.flows:
            for verb, action, about in (
                    ("Open", "open", "edit the flow in the designer"),
                    ("Trigger", "trigger", "run now"),
                    ("Trigger with parameters", "trigger_with_params", "sku, dates, custom"),
                    ("Executions of", "executions", "recent runs and their logs"),
                    ("Schedule", "schedule", "edit the cron schedule"),
                    ("Enable/disable", "toggle_enabled", "")):
                yield (f"{verb} {flow.name}",
                       partial(self._run, flows_screen, flow.id, action), about)

    def _run(self, flows_screen: FlowsScreen, flow_id: str, action: str) -> None:
        while self.app.screen is not flows_screen and len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        flows_screen.select(flow_id)
        getattr(flows_screen, f"action_{action}")()

    async def discover(self) -> Hits:
        """Every entry, before anything is typed: each flow's open, trigger, schedule and
        executions are as easy to find as the tool screens."""
        for text, command, about in self._entries():
            yield DiscoveryHit(text, command, help=about)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, command, about in self._entries():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, help=about)
