"""Saving edits into flows.toml keeps what the user wrote: comments, key order, defaults."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from console.commands.init import demo_flows_text
from console.flows import Flow, MappingStep, load, save

COMMENTED = '''# Shop integration: stock every five minutes.
[omnitron]
url = "http://127.0.0.1:8801"   # the sandbox
username = "integrator"
password = "sandbox"

# The ERP's stock endpoint.
[flows.stock]
name = "Stock Flow"
type = "stock"
direction = "inbound"
enabled = true
schedule = "*/5 * * * *"

[flows.stock.read]
url = "http://erp/stock?${http.query.string}"
method = "GET"                  # explicit, though it is the default

[flows.stock.mapping]
# product_sku is what Omnitron calls the SKU
spec = \'\'\'[{"operation": "shift", "spec": {"*": {"sku": "[&1].product_sku"}}}]\'\'\'

[flows.orders]
name = "Orders"
type = "order_status"
direction = "inbound"

[flows.orders.read]
url = "http://erp/orders"
'''


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "flows.toml"
    path.write_text(text, encoding="utf-8")
    return path


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    old, new = before.splitlines(), after.splitlines()
    assert len(old) == len(new), after
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


def test_enabling_a_flow_changes_only_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    config = load(path)
    save(config.with_flow(dataclasses.replace(config.flow("stock"), enabled=False)))
    assert changed_lines(COMMENTED, path.read_text()) == [("enabled = true", "enabled = false")]


def test_a_mapping_edit_keeps_comments_and_explicit_defaults_elsewhere(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    config = load(path)
    spec = '[{"operation": "shift", "spec": {"*": {"sku": "[&1].code"}}}]'
    save(config.with_flow(dataclasses.replace(config.flow("stock"), mapping=MappingStep(spec))))
    text = path.read_text()
    assert "[&1].code" in text and "[&1].product_sku" not in text
    for kept in ("# Shop integration", '"http://127.0.0.1:8801"   # the sandbox',
                 "# The ERP's stock endpoint.", 'method = "GET"                  # explicit'):
        assert kept in text
    assert load(path).flow("stock").mapping == MappingStep(spec)


def test_new_flows_go_after_the_last_flow_and_removed_ones_leave(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    config = load(path)
    extra = Flow(id="push", name="Push", type="stock", direction="outbound",
                 trigger_params=("sku", "modified_date__gt"))
    save(config.with_flow(extra))
    text = path.read_text()
    assert text.startswith("# Shop integration") and text.index("[flows.orders]") < \
        text.index("[flows.push]")
    assert [f.id for f in load(path).flows] == ["stock", "orders", "push"]
    config = load(path)
    without = dataclasses.replace(config, flows=tuple(f for f in config.flows if f.id != "orders"))
    save(without)
    text = path.read_text()
    assert "[flows.orders]" not in text and "# The ERP's stock endpoint." in text
    assert [f.id for f in load(path).flows] == ["stock", "push"]


def test_key_edits_keep_the_comments_on_their_lines(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    config = load(path)
    stock = config.flow("stock")
    read = dataclasses.replace(stock.read, url="http://erp/v2/stock", method="POST")  # type: ignore[arg-type]
    save(config.with_flow(dataclasses.replace(stock, read=read, schedule=None)))
    assert changed_lines(COMMENTED.replace('schedule = "*/5 * * * *"\n', ""),
                         path.read_text()) == [
        ('url = "http://erp/stock?${http.query.string}"', 'url = "http://erp/v2/stock"'),
        ('method = "GET"                  # explicit, though it is the default',
         'method = "POST"                  # explicit, though it is the default')]
    assert load(path).flow("stock").schedule is None


def test_a_file_the_splice_cannot_follow_is_written_whole_and_still_right(tmp_path: Path) -> None:
    scattered = COMMENTED + '\n[flows.stock.write]\nstock_list = 4\n'
    path = write(tmp_path, scattered)
    config = load(path)
    edited = config.with_flow(dataclasses.replace(config.flow("stock"), schedule="0 * * * *"))
    save(edited)
    again = load(path)
    assert again.flows == edited.flows and again.flow("stock").write.stock_list == 4


def test_a_multiline_script_with_brackets_is_not_taken_for_a_header(tmp_path: Path) -> None:
    text = demo_flows_text().replace("def transform(data, attributes):\n",
                                     "def transform(data, attributes):\n[flows.fake]\n", 1)
    path = write(tmp_path, text.replace("[flows.fake]\n", "    # [flows.fake]\n"))
    config = load(path)
    before = path.read_text()
    save(config.with_flow(dataclasses.replace(config.flow("order_status"), enabled=False)))
    assert [b for _, b in changed_lines(before, path.read_text())] == ["enabled = false"]


def test_saving_one_flow_keeps_what_others_wrote_to_the_file_meanwhile(tmp_path: Path) -> None:
    from console.flows import FlowsError, save_flow

    path = write(tmp_path, COMMENTED)
    opened = load(path)
    path.write_text(COMMENTED.replace('name = "Orders"', 'name = "Orders (edited)"'))
    stock = opened.flow("stock")
    saved = save_flow(path, stock, dataclasses.replace(stock, enabled=False))
    again = load(path)
    assert again.flow("orders").name == "Orders (edited)" == saved.flow("orders").name
    assert again.flow("stock").enabled is False
    orders = opened.flow("orders")
    before = path.read_text()
    with pytest.raises(FlowsError, match="flows.orders: was changed in the file after the "
                                         "console read it"):
        save_flow(path, orders, dataclasses.replace(orders, name="Mine"))
    assert path.read_text() == before


def test_a_key_inside_a_script_is_not_taken_for_the_tables_key(tmp_path: Path) -> None:
    text = demo_flows_text().replace(
        "    attributes[\"log.order\"] = order[\"order\"]\n",
        "    attributes[\"log.order\"] = order[\"order\"]\n    batch_size = 3\n", 1)
    text = text.replace("\n[flows.oms_stock]\n", "batch_size = 100\n\n[flows.oms_stock]\n", 1)
    path = write(tmp_path, text)
    config = load(path)
    flow = config.flow("order_status")
    save(config.with_flow(dataclasses.replace(
        flow, write=dataclasses.replace(flow.write, batch_size=200))))
    assert changed_lines(text, path.read_text()) == [("batch_size = 100", "batch_size = 200")]
