"""The per-order write script of an order-status flow has a test panel like the Script card's:
ctrl+r runs it on one order and shows result_data and the attributes it wrote."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Static, TextArea

from console.commands.init import demo_flows_text
from console.tui.app import ConsoleApp
from console.tui.settings import Settings
from console.tui.widgets import test_panel as panels
from tests.console_pilot import open_card, until

ORDER_SCRIPT = '''\
import json
from java.nio.charset import StandardCharsets
from org.apache.commons.io import IOUtils
from org.apache.nifi.processor.io import StreamCallback


class MarkShipped(StreamCallback):
    def process(self, input_stream, output_stream):
        order = json.loads(IOUtils.toString(input_stream, StandardCharsets.UTF_8))
        for item in order["orderitem_set"]:
            item["status"] = 550
        output_stream.write(bytearray(json.dumps(order).encode("utf-8")))


flow_file = session.get()
flow_file = session.write(flow_file, MarkShipped())
flow_file = session.putAttribute(flow_file, "order.number", "checked")
session.transfer(flow_file, REL_SUCCESS)
session.commit()
'''


def finished(panel: panels.TestPanel) -> bool:
    return str(panel.query_one(".meta", Static).render()) not in ("running…",
                                                                  "result_data appears here")


async def test_order_script_runs_on_one_order_of_the_mapping(tmp_path: Path) -> None:
    path = tmp_path / "flows.toml"
    path.write_text(demo_flows_text(), encoding="utf-8")
    app = ConsoleApp(path, start_runner=False, settings=Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_card(pilot, "tab-mapping", row=3)
        assert screen.flow.id == "order_status"
        mapping = screen.query_one("#mapping-test", panels.TestPanel)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: finished(mapping))
        mapped = json.loads(mapping.query_one(".result", TextArea).text)
        order_test = screen.query_one("#order-test", panels.TestPanel)
        assert json.loads(order_test.input_text) == mapped[0]
        assert "orderitem_set" in mapped[0]

        screen.query_one("#cards").active = "tab-write"
        await pilot.pause()
        screen.query_one("#order-editor").query_one(TextArea).text = ORDER_SCRIPT
        await pilot.press("ctrl+r")
        await until(pilot, lambda: finished(order_test))
        meta = str(order_test.query_one(".meta", Static).render())
        assert meta.startswith("success"), meta
        assert "* order.number = checked" in meta
        result = json.loads(order_test.query_one(".result", TextArea).text)
        assert result["order"] == mapped[0]["order"]
        assert {item["status"] for item in result["orderitem_set"]} == {550}


async def test_a_failing_order_script_says_why(tmp_path: Path) -> None:
    path = tmp_path / "flows.toml"
    path.write_text(demo_flows_text(), encoding="utf-8")
    app = ConsoleApp(path, start_runner=False, settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_card(pilot, "tab-write", row=3)
        screen.query_one("#order-editor").query_one(TextArea).text = \
            "def transform(data, attributes):\n    raise ValueError('no such order')\n"
        await pilot.press("ctrl+r")
        order_test = screen.query_one("#order-test", panels.TestPanel)
        await until(pilot, lambda: finished(order_test))
        meta = str(order_test.query_one(".meta", Static).render())
        assert meta.startswith("failure") and "ValueError: no such order" in meta
