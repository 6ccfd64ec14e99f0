"""The designer's mapping test says which path of the Jolt engine made its result (compiled,
or interpreted and why) and the time per 1,000 rows, measured over repeated runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from textual.widgets import Static, TextArea

from console.commands.init import demo_flows_text
from console.mapping import compile
from console.tui.app import ConsoleApp
from console.tui.settings import Settings
from console.tui.widgets import test_panel as panels
from tests.console_pilot import open_card, ran, until

ROWS = [{"sku": f"SKU-{n}", "qty": n, "unit_type": "qty"} for n in range(50)]
SORT = '[{"operation": "sort"}]'


def meta_of(panel: panels.TestPanel) -> str:
    return str(panel.query_one(".meta", Static).render())


async def run_test(pilot: object, panel: panels.TestPanel, rows: str, spec: str | None = None
                   ) -> str:
    screen = panel.screen
    if spec is not None:
        screen.query_one("#mapping-editor").query_one(TextArea).text = spec
    panel.query_one(".input", TextArea).text = rows  # typed: the input no longer follows the script
    await pilot.press("ctrl+r")  # type: ignore[attr-defined]
    await until(pilot, lambda: ran(panel) and meta_of(panel).startswith(("result_data", "input")))
    return meta_of(panel)


def per_thousand(meta: str) -> float:
    found = re.search(r", ([0-9.]+) ms per 1,000 rows", meta)
    assert found, meta
    return float(found.group(1))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_mapping_test_shows_the_path_and_the_time_per_1000_rows(
        tmp_path: Path, size: tuple[int, int]) -> None:
    path = tmp_path / "flows.toml"
    path.write_text(demo_flows_text(), encoding="utf-8")
    app = ConsoleApp(path, start_runner=False, settings=Settings())
    async with app.run_test(size=size) as pilot:
        screen = await open_card(pilot, "tab-mapping")
        assert screen.flow.id == "stock"
        panel = screen.query_one("#mapping-test", panels.TestPanel)
        spec = screen.query_one("#mapping-editor").query_one(TextArea).text
        assert compile(spec).compiled

        meta = await run_test(pilot, panel, json.dumps(ROWS))
        assert "  compiled, " in meta and per_thousand(meta) > 0
        assert json.loads(panel.query_one(".result", TextArea).text) == \
            compile(spec).interpret(ROWS)

        # the same spec, on input whose shape the generated code does not take
        meta = await run_test(pilot, panel, json.dumps({"0": ROWS[0]}))
        assert "interpreted (the spec compiles, this input's shape does not fit it), " in meta

        meta = await run_test(pilot, panel, json.dumps(ROWS), SORT)
        assert "interpreted (a sort step), " in meta and per_thousand(meta) > 0
