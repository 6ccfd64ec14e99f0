"""A broken mapping is not a success: rows that could change nothing in Omnitron are skipped,
the execution is partial with a one-line reason, and the mapping test and the dry run say so
before anything is sent."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.widgets import Static, TextArea

from console.cli import main
from console.flows import load
from console.kinds.row_shapes import order_problem, stock_problem, summary
from console.runner import ExecutionStore
from console.runner.dry_run import dry_run
from console.sandbox import Sandbox
from console.tui.app import ConsoleApp
from console.tui.settings import Settings
from tests.console_pilot import idle, open_card, ran, until
from tests.sandbox_data import expected_written

# The mistake once seen: the mapping's `stock` output key renamed. Rows the script marks (SKUs
# ending in 7) still carry a `stock` of their own, so the run is partly right.
RENAMED = {'"qty": "[&1].stock",': '"qty": "[&1].quantity", "stock": "[&1].stock",',
           'return [row for row in data if row["qty"] >= 0]':
           'return [dict(row, stock=row["qty"]) if row["sku"].endswith("7") else row '
           'for row in data if row["qty"] >= 0]'}
NO_STOCK = "have no `stock`"


@pytest.mark.parametrize(("row", "problem"), [
    ({"product_sku": "A", "stock": 5}, None),
    ({"product_sku": 12, "stock": "7", "unit_type": "kg"}, None),
    ({"product_sku": "A", "stock": 5.0, "stock_list": "2"}, None),
    ({"product_sku": "A", "quantity": 5}, NO_STOCK),
    ({"product_sku": "A", "stock": None}, NO_STOCK),
    ({"stock": 5}, "have no `product_sku`"),
    ({"product_sku": "A", "stock": 5.5}, "have a `stock` that is not a whole number"),
    ({"product_sku": "A", "stock": True}, "have a `stock` that is not a whole number"),
    ({"product_sku": "A", "stock": -1}, "have a `stock` outside 0 to 2147483647"),
    ({"product_sku": "A", "stock": 2**31}, "have a `stock` outside 0 to 2147483647"),
    ({"product_sku": "A", "stock": 1, "unit_type": "box"}, "have a `unit_type` other than qty "
                                                           "or kg"),
    ({"product_sku": "A", "stock": 1, "stock_list": "main"},
     "have a `stock_list` that is not a stock list id"),
    (["A", 5], "are not JSON objects"),
])
def test_the_stock_row_shape(row: object, problem: str | None) -> None:
    assert stock_problem(row, 1) == problem


def test_a_stock_row_needs_a_stock_list_from_the_row_or_the_flow() -> None:
    assert stock_problem({"product_sku": "A", "stock": 1}, None) == \
        "have no `stock_list` (and the flow sets none)"
    assert stock_problem({"product_sku": "A", "stock": 1, "stock_list": 3}, None) is None


def test_the_order_status_row_shape() -> None:
    assert order_problem({"order": "O1", "orderitem_set": [{"id": 1, "status": "550"}]}) is None
    assert order_problem({"orderitem_set": [{"id": 1}]}) == \
        "have no `order` (the Omnitron order number)"
    assert order_problem({"order": "O1", "orderitem_set": []}) == \
        "have no `orderitem_set` (a list of order items)"
    assert order_problem({"order": "O1", "orderitem_set": [{"id": 1}, {"status": "x"}]}) == \
        "have an order item without `id`"


def test_the_reason_is_one_line_with_counts() -> None:
    assert summary(Counter({NO_STOCK: 1755}), 1791) == \
        "1,755 of 1,791 rows have no `stock`: check the mapping"
    assert summary(Counter({NO_STOCK: 1, "have no `product_sku`": 2}), 3) == \
        "2 of 3 rows have no `product_sku` (1 more with other problems): check the mapping"
    assert summary(Counter({NO_STOCK: 1}), 1) == "1 of 1 row has no `stock`: check the mapping"
    assert summary(Counter(), 10) is None


def test_a_mapping_that_lost_stock_is_partial_skips_the_rows_and_console_run_exits_1(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = demo_flows(tmp_path, replace=RENAMED)  # type: ignore[operator]
    before = sandbox.stocks(1)
    status = main(["--flows", str(path), "run", "stock"])
    out = capsys.readouterr().out
    config = load(path)
    execution = ExecutionStore(config.store_path()).executions("stock")[0]
    written = expected_written(sandbox, 1)
    kept = {sku for sku in written if sku.endswith("7")}
    assert status == 1
    assert execution.status == "partial" and execution.succeeded == len(kept)
    reason = (f"{execution.skipped:,} of {execution.total:,} rows have no `stock`: "
              "check the mapping")
    assert execution.error == reason and f"reason: {reason}" in out
    assert f"{execution.skipped} skipped" in out
    after = sandbox.stocks(1)
    assert {sku: after.get(sku) for sku in written if sku not in kept} == \
        {sku: before.get(sku) for sku in written if sku not in kept}
    assert all(after[sku] == written[sku] for sku in kept)
    skipped = ExecutionStore(config.store_path()).logs(execution.id, level="warning", limit=5)
    assert skipped[0].message == ("skipped: the row has no `stock`, so Omnitron would change "
                                  "nothing")
    assert "quantity" in json.loads(skipped[0].payload or "{}")


def test_the_dry_run_checks_rows_against_the_same_shape(sandbox: Sandbox, demo_flows: object,
                                                        tmp_path: Path) -> None:
    path = demo_flows(tmp_path, replace=RENAMED)  # type: ignore[operator]
    sample = [{"sku": "A1", "qty": 3, "unit_type": "qty"}, {"sku": "B7", "qty": 2},
              {"sku": "C1", "qty": 1}]
    report = dry_run(load(path), "stock", input_text=json.dumps(sample))
    assert report.error is None
    assert report.problem == "2 of 3 rows have no `stock`: check the mapping"
    step, text = report.steps[-1]
    assert step == "write (not sent)"
    assert text.startswith("1 row(s) would be written, 2 skipped: 2 of 3 rows have no `stock`")


async def test_the_mapping_test_panel_warns_before_anything_is_saved(flows_file: Path) -> None:
    app = ConsoleApp(flows_file, start_runner=False, settings=Settings())
    before = flows_file.read_text()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_card(pilot, "tab-mapping")
        await idle(pilot)  # the designer's pinned input, read as it opens, is in place
        editor = screen.query_one("#mapping-editor").query_one(TextArea)
        editor.text = editor.text.replace('"[&1].stock"', '"[&1].quantity"')
        panel = screen.query_one("#mapping-test")
        panel.input_text = '[{"sku": "A", "qty": 2}, {"sku": "B", "qty": 3}]'  # type: ignore[attr-defined]
        panel.action_run()  # type: ignore[attr-defined]
        await until(pilot, lambda: ran(panel))
        meta = str(panel.query_one(".meta", Static).render())
        assert "⚠ 2 of 2 rows have no `stock`: check the mapping" in meta
        editor.text = editor.text.replace('"[&1].quantity"', '"[&1].stock"')
        panel.action_run()  # type: ignore[attr-defined]
        await until(pilot, lambda: ran(panel))
        assert "⚠" not in str(panel.query_one(".meta", Static).render())
    assert flows_file.read_text() == before


async def test_the_flows_table_and_the_execution_view_show_the_reason(flows_file: Path) -> None:
    from console.tui.screens.execution_log import ExecutionLogScreen

    config = load(flows_file)
    store = ExecutionStore(config.store_path())
    reason = "1,755 of 1,791 rows have no `stock`: check the mapping"
    execution = store.create("stock", "manual", {}, "test")
    store.progress(execution.id, 1791, 36, 0, 1791, 1755)
    store.finish(execution.id, "partial", error=reason)
    app = ConsoleApp(flows_file, start_runner=False, settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        # a partial last run makes the flow unhealthy: the console lands on the health screen
        await until(pilot, lambda: type(app.screen).__name__ == "HealthScreen")
        await pilot.press("escape")
        await until(pilot, lambda: type(app.screen).__name__ == "FlowsScreen")
        note = app.screen.query_one("#reason", Static)
        # the flows' activity is read from the store in a worker
        await until(pilot, lambda: str(note.render()) == f"◐ Stock Flow: {reason}")
        assert note.display
        await pilot.press("down")
        await pilot.pause()
        assert not note.display
        await app.push_screen(ExecutionLogScreen(execution.id))
        summary = app.screen.query_one("#summary", Static)
        await until(pilot, lambda: "rows:" in str(summary.render()))
        summary_text = str(summary.render())
        assert "1791 rows: 36 written, 0 failed, 1755 skipped" in summary_text
        assert f"reason: {reason}" in summary_text


_ROW_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 2**31 + 3),
                        st.sampled_from(["", "A", "qty", "kg", "5", " 7 ", "x"]),
                        st.floats(allow_nan=True), st.just(2_147_483_647), st.just(0))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(
    st.dictionaries(st.sampled_from(["product_sku", "stock", "stock_list", "unit_type", "x"]),
                    _ROW_VALUES, max_size=5),
    st.sampled_from([None, [], "row", 5])), max_size=8), st.sampled_from([None, 1, 7]))
def test_the_writers_quick_look_never_passes_a_row_the_full_check_refuses(
        rows: list[object], default_list: int | None) -> None:
    """The stock writer checks a batch in one expression first; a row it passes is a row
    ``stock_problem`` finds nothing wrong with, so the same rows are sent and skipped."""
    from types import SimpleNamespace

    from console.runner.writers import StockWriter

    flow = SimpleNamespace(write=SimpleNamespace(stock_list=default_list))
    writer = StockWriter(flow, None, "root")  # type: ignore[arg-type]  # checks only
    for row, fine in zip(rows, writer.fine(rows), strict=True):
        if fine:
            assert stock_problem(row, default_list) is None, row
    assert writer.fine([{"product_sku": "A", "stock": 1, "stock_list": 2, "unit_type": "kg"}]) \
        == [True]  # the usual row takes the quick way


class _Text(str):
    """A string of another type: a body holding one is not plain (see ``fastjson``)."""


@settings(max_examples=300, deadline=None)
@given(st.lists(st.fixed_dictionaries(
    {"product_sku": st.sampled_from(["A", "SKU-1", "é", "x\ny"]),
     "stock": st.integers(0, 2_147_483_647)},
    optional={"stock_list": st.sampled_from([None, 1, 3]),
              "unit_type": st.sampled_from(["qty", "kg", _Text("kg")]),
              "batch_id": st.just("theirs"),
              "note": st.one_of(st.none(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                                st.lists(st.integers(), max_size=2))}), min_size=1, max_size=8),
    st.sampled_from([None, 1, 7]))
def test_a_batch_the_quick_look_vouches_for_is_encoded_as_json_encodes_it(
        rows: list[dict[str, object]], default_list: int | None) -> None:
    """The stock writer's checked rows with no field but the ones the quick look checked are
    encoded without being looked through; the body is the text the standard library gives."""
    from types import SimpleNamespace

    from console.omnitron.calls import bulk_body
    from console.runner.writers import StockWriter

    flow = SimpleNamespace(write=SimpleNamespace(stock_list=default_list, batch_size=5000))
    writer = StockWriter(flow, None, "root")  # type: ignore[arg-type]  # no sending
    prepared = writer.prepare(rows, 0)
    for outgoing in prepared.batches:
        assert outgoing.body.text == json.dumps(bulk_body(outgoing.rows, outgoing.ident),
                                                ensure_ascii=False, separators=(",", ":"))
    if all(writer.fine(rows)):
        completed = [row if "stock_list" in row or default_list is None else
                     {**row, "stock_list": default_list} for row in rows]
        assert [outgoing.body.text for outgoing in prepared.batches] == [
            json.dumps(bulk_body(completed, prepared.batches[0].ident), ensure_ascii=False,
                       separators=(",", ":"))]


_FINE_ROWS = st.lists(st.fixed_dictionaries(
    {"product_sku": st.sampled_from(["A", "SKU-1", "é", "x\ny", "a}b", "{"]),
     "stock": st.integers(0, 2_147_483_647)},
    optional={"stock_list": st.sampled_from([None, 1, 3, 2_147_483_647]),
              "unit_type": st.sampled_from(["qty", "kg", _Text("kg")]),
              "batch_id": st.just("theirs"),
              "note": st.one_of(st.none(), st.integers(), st.text(max_size=3),
                                st.floats(allow_nan=False, allow_infinity=False),
                                st.lists(st.integers(), max_size=2))}), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(_FINE_ROWS, st.sampled_from([None, 1, 7]), st.booleans(), st.sampled_from([1, 3, 500]))
def test_the_stock_writers_quick_batch_is_the_batch_row_by_row(
        rows: list[dict[str, object]], default_list: int | None, ordered: bool,
        slice_rows: int) -> None:
    """Rows the quick look passes are made ready in a few comprehensions, a slice of rows at
    a time: the same request body, SKUs, log messages, newest-wins keys and completed rows as
    row by row; a batch with a row it does not pass is left to the full check."""
    from types import SimpleNamespace

    from console.runner import writers
    from console.runner.ordering import stock_key
    from console.runner.writers import BulkWriter, StockWriter

    flow = SimpleNamespace(write=SimpleNamespace(stock_list=default_list))
    order = SimpleNamespace(key=stock_key) if ordered else None
    writer = StockWriter(flow, None, "root", order)  # type: ignore[arg-type]  # no sending
    fine = writer.fine(rows)
    kept = [row for row, ok in zip(rows, fine, strict=True) if ok]
    given_rows = json.dumps(rows)
    sliced, writers.READY_SLICE = writers.READY_SLICE, slice_rows
    try:
        assert (writer.ready(rows, "b-1") is None) == (not all(fine))
        if not kept:
            return
        quick, slow = writer.ready(kept, "b-1"), BulkWriter.ready(writer, kept, "b-1")
    finally:
        writers.READY_SLICE = sliced
    assert quick is not None and slow is not None
    assert quick.body.text == slow.body.text
    assert (quick.skus, quick.messages, quick.keys) == (slow.skus, slow.messages, slow.keys)
    assert quick.rows == slow.rows
    assert json.dumps(rows) == given_rows  # the rows given are left as they were


_NEAR_USUAL_ROWS = st.lists(st.one_of(
    st.fixed_dictionaries(
        {"product_sku": st.sampled_from(["A", "SKU-1", "}", "", 7, _Text("B")]),
         "stock": st.sampled_from([0, 5, 2_147_483_647, 2_147_483_648, -1, True, 5.0, "5"])},
        optional={"stock_list": st.sampled_from([None, 0, 1, 3, 2_147_483_648, False, "1"]),
                  "unit_type": st.sampled_from(["qty", "kg", "lbs", None, _Text("kg")])}),
    st.fixed_dictionaries({"stock": st.just(1)}), st.just([1])), min_size=1, max_size=8)


@settings(max_examples=400, deadline=None)
@given(_NEAR_USUAL_ROWS, st.sampled_from([None, 1, 7]), st.booleans(),
       st.sampled_from([1, 3, 500]))
def test_the_stock_writers_column_look_passes_only_rows_the_quick_look_passes(
        rows: list[object], default_list: int | None, ordered: bool, slice_rows: int) -> None:
    """Rows close to the usual ones, a field out of bounds or of another type: a batch is made
    ready the quick way exactly when the quick look passes every row, and then is the batch
    made row by row."""
    from types import SimpleNamespace

    from console.runner import writers
    from console.runner.ordering import stock_key
    from console.runner.writers import BulkWriter, StockWriter

    flow = SimpleNamespace(write=SimpleNamespace(stock_list=default_list))
    order = SimpleNamespace(key=stock_key) if ordered else None
    writer = StockWriter(flow, None, "root", order)  # type: ignore[arg-type]  # no sending
    sliced, writers.READY_SLICE = writers.READY_SLICE, slice_rows
    try:
        quick = writer.ready(rows, "b-1")
        assert (quick is None) == (not all(writer.fine(rows)))
        if quick is None:
            return
        slow = BulkWriter.ready(writer, rows, "b-1")
    finally:
        writers.READY_SLICE = sliced
    assert slow is not None
    assert quick.body.text == slow.body.text
    assert (quick.skus, quick.messages, quick.keys) == (slow.skus, slow.messages, slow.keys)
    assert quick.rows == slow.rows


@pytest.mark.parametrize("default_list", [None, 4])
def test_the_usual_stock_rows_are_made_ready_by_columns(
        default_list: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The usual rows (the flow's stock list or their own, a unit type or none) never go
    through the row-by-row copy; a SKU holding a brace has its rows copied, to the same body."""
    from types import SimpleNamespace

    from console.runner.ordering import stock_key
    from console.runner.writers import BulkWriter, StockWriter

    flow = SimpleNamespace(write=SimpleNamespace(stock_list=default_list))
    writer = StockWriter(flow, None, "root", SimpleNamespace(key=stock_key))  # type: ignore[arg-type]
    rows: list[dict[str, object]] = [
        {"product_sku": f"SKU-{n}", "stock": n, "unit_type": "kg" if n % 2 else "qty"}
        for n in range(1200)]
    if default_list is None:
        rows = [{**row, "stock_list": 1 + n % 3} for n, row in enumerate(rows)]
    braced = [*rows[:-1], {**rows[-1], "product_sku": "S}K{U"}]
    expected = {id(batch): BulkWriter.ready(writer, batch, "b-9") for batch in (rows, braced)}

    def copied(*args: object) -> str:
        raise AssertionError("the usual rows were copied row by row")

    monkeypatch.setattr(StockWriter, "_ready_slice", copied)
    for batch in (rows, braced):
        quick, slow = writer.ready(batch, "b-9"), expected[id(batch)]
        assert quick is not None and slow is not None
        assert quick.body.text == slow.body.text
        assert (quick.skus, quick.messages, quick.keys) == (slow.skus, slow.messages, slow.keys)
        assert quick.rows == slow.rows
