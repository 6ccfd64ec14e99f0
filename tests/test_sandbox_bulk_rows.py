"""The sandbox Omnitron's quick path for bulk upsert rows: a row it takes as it is must be one
the full validation accepts unchanged, so a bulk upsert answers and writes exactly as before."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.sandbox.db import open_state
from console.sandbox.omnitron import OmnitronState, stock_bulk
from console.sandbox.stock_writes import plain_columns, upsert_rows
from console.sandbox.validation import MAX_INT, already_clean, validate_row

PRODUCTS = {"SKU-000001", "SKU-000002", "7"}
STOCK_LISTS = {1, 2, 3}
FIELDS = ("product_sku", "stock_list", "stock", "unit_type", "sold_quantity_unreported",
          "extra_field")

values = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-3, max_value=4),
    st.sampled_from([MAX_INT, MAX_INT + 1, -1, 0, 1.0, 2.5, "", "1", "12", "qty", "kg", "lbs",
                     "SKU-000001", "SKU-000002", "SKU-999999", "7", 7, [], {}, {"a": 1}, ["qty"]]),
)
rows = st.dictionaries(st.sampled_from([*FIELDS, "batch_id", "other"]), values, max_size=8)


@settings(max_examples=1000, deadline=None)
@given(rows)
def test_a_row_taken_as_it_is_is_one_validation_keeps_unchanged(row: dict[str, Any]) -> None:
    if not already_clean(row, PRODUCTS, STOCK_LISTS):
        return
    clean, errors = validate_row(row, PRODUCTS, STOCK_LISTS)
    assert errors == {}
    for name in FIELDS:  # what the upsert reads: presence, value and type of each field
        assert (name in clean) == (name in row), name
        assert clean.get(name) == row.get(name) and type(clean.get(name)) is type(row.get(name))


def test_what_a_runner_sends_takes_the_quick_path() -> None:
    sent = {"product_sku": "SKU-000001", "stock_list": 2, "stock": 5, "unit_type": "qty",
            "batch_id": "b-1"}
    assert already_clean(sent, PRODUCTS, STOCK_LISTS)
    assert already_clean({"product_sku": "SKU-000002", "stock_list": 1}, PRODUCTS, STOCK_LISTS)
    assert already_clean({**sent, "extra_field": {"a": 1}}, PRODUCTS, STOCK_LISTS)


def test_anything_unusual_takes_the_full_validation() -> None:
    base = {"product_sku": "SKU-000001", "stock_list": 1, "stock": 5, "unit_type": "qty"}
    for change in ({"stock": "5"}, {"stock": None}, {"stock": True}, {"stock": -1},
                   {"stock": MAX_INT + 1}, {"stock": 5.0}, {"stock_list": "1"},
                   {"stock_list": 9}, {"stock_list": True}, {"product_sku": 7},
                   {"product_sku": "SKU-404"}, {"unit_type": "lbs"}, {"unit_type": None},
                   {"extra_field": []}, {"extra_field": None},
                   {"sold_quantity_unreported": None}):
        assert not already_clean({**base, **change}, PRODUCTS, STOCK_LISTS), change
    assert not already_clean(["SKU-000001", 1], PRODUCTS, STOCK_LISTS)


def test_a_batch_is_written_as_if_each_row_were_written_in_turn(tmp_path: Path) -> None:
    """New keys, repeated keys and rows of several shapes in one batch end as the rows one by
    one would leave them."""
    rows: list[dict[str, Any]] = [
        {"product_sku": "SKU-000001", "stock_list": 3, "stock": 1, "unit_type": "qty"},
        {"product_sku": "SKU-000001", "stock_list": 3, "stock": 2, "unit_type": "kg"},
        {"product_sku": "SKU-000002", "stock_list": 1, "extra_field": {"a": 1}},
        {"product_sku": "SKU-000001", "stock_list": 3, "sold_quantity_unreported": 4},
        {"product_sku": "SKU-000002", "stock_list": 1, "stock": 9, "unit_type": "qty"},
        {"product_sku": "SKU-000003", "stock_list": 2},
        {"product_sku": "SKU-000001", "stock_list": 3, "stock": 5, "unit_type": "qty"},
    ]
    together, one_by_one = (open_state(tmp_path / name, 1, 5, 1)[0]
                            for name in ("together", "one_by_one"))
    assert upsert_rows(together, rows) == (2, 5)
    for row in rows:
        upsert_rows(one_by_one, [row])
    assert table(together) == table(one_by_one)
    assert table(together)[("SKU-000001", 3)] == (5, "qty", 4, "{}")
    assert table(together)[("SKU-000003", 2)] == (0, "qty", 0, "{}")
    assert table(together)[("SKU-000002", 1)][3] == '{"a": 1}'


def test_plain_rows_of_one_shape_are_taken_as_columns() -> None:
    sent = [{"product_sku": f"SKU-00000{n}", "stock_list": 1 + n % 3, "stock": n,
             "unit_type": "qty", "batch_id": "b-1"} for n in range(1, 4)]
    assert plain_columns(sent, STOCK_LISTS) == (
        ("stock", "unit_type"),
        [("SKU-000001", 2, 1, "qty"), ("SKU-000002", 3, 2, "qty"), ("SKU-000003", 1, 3, "qty")])
    assert plain_columns([{"stock_list": 2, "product_sku": "x"}], STOCK_LISTS) == ((), [("x", 2)])
    for other in ({"stock": "5"}, {"stock": None}, {"stock": True}, {"stock": -1},
                  {"stock": MAX_INT + 1}, {"stock_list": 9}, {"stock_list": "1"},
                  {"product_sku": 7}, {"unit_type": "lbs"}, {"unit_type": None},
                  {"extra_field": []}, {"sold_quantity_unreported": 1.0}):
        assert plain_columns([*sent, {**sent[0], **other}], STOCK_LISTS) is None, other
    assert plain_columns([*sent, {**sent[0], "other": 1}], STOCK_LISTS) is None  # not alike
    extra = [{**row, "extra_field": {"aisle": n}} for n, row in enumerate(sent)]
    assert plain_columns(extra, STOCK_LISTS) == (
        ("stock", "unit_type", "extra_field"),
        [("SKU-000001", 2, 1, "qty", '{"aisle": 0}'), ("SKU-000002", 3, 2, "qty", '{"aisle": 1}'),
         ("SKU-000003", 1, 3, "qty", '{"aisle": 2}')])
    assert plain_columns([*extra, {**extra[0], "extra_field": [1]}], STOCK_LISTS) is None
    without = {k: v for k, v in sent[0].items() if k != "unit_type"}
    assert plain_columns([*sent, {**without, "other": 1}], STOCK_LISTS) is None
    for not_a_row in (["SKU-000001", 1], 7, None, "SKU-000001", ["a", "b", "c", "d", "e"]):
        assert plain_columns([*sent, not_a_row], STOCK_LISTS) is None, not_a_row
    assert plain_columns([], STOCK_LISTS) is None


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> OmnitronState:
    return OmnitronState(open_state(tmp_path_factory.mktemp("bulk"), 1, 6, 1)[0])


SKUS = ["SKU-000001", "SKU-000002", "SKU-000003", "SKU-000004", "SKU-000404"]
plain_values = {"product_sku": st.sampled_from(SKUS), "stock_list": st.sampled_from([1, 2, 3]),
                "stock": st.integers(0, 9), "unit_type": st.sampled_from(["qty", "kg"]),
                "sold_quantity_unreported": st.integers(0, 9),
                "extra_field": st.sampled_from([{}, {"a": 1}, {"b": [1, 2.5, None]}, {"é": "ü"}]),
                "batch_id": st.just("same"), "other": st.just(1)}


@st.composite
def alike_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Rows of one shape, plain but for (sometimes) an unknown SKU or one odd value."""
    keys = ["product_sku", "stock_list", *draw(st.sets(st.sampled_from(
        ["stock", "unit_type", "sold_quantity_unreported", "extra_field", "batch_id",
         "other"])))]
    rows = draw(st.lists(st.fixed_dictionaries({k: plain_values[k] for k in keys}),
                         min_size=1, max_size=12))
    if draw(st.booleans()):
        rows[draw(st.integers(0, len(rows) - 1))][draw(st.sampled_from(keys))] = draw(values)
    return rows


def one_by_one(before: dict[tuple[Any, Any], tuple[Any, ...]], rows: list[Any]
               ) -> tuple[int, int, list[dict[str, Any]]]:
    """What Omnitron does with a bulk upsert: each row validated and written in turn."""
    created = updated = 0
    errors = []
    for index, row in enumerate(rows):
        clean, problems = validate_row(row, set(SKUS[:-1]) | {"SKU-000005", "SKU-000006"},
                                       STOCK_LISTS)
        if problems:
            errors.append({"index": index, "errors": problems,
                           "product_sku": row.get("product_sku") if isinstance(row, dict) else None})
            continue
        key = (clean["product_sku"], clean["stock_list"])
        old = before.get(key)
        updated, created = (updated + 1, created) if old else (updated, created + 1)
        stock, unit, sold, extra = old or (0, "qty", 0, "{}")
        before[key] = (clean.get("stock", stock), clean.get("unit_type", unit),
                       clean.get("sold_quantity_unreported", sold),
                       json.dumps(clean["extra_field"]) if "extra_field" in clean else extra)
    return created, updated, errors


@settings(max_examples=400, deadline=None)
@given(st.one_of(alike_rows(), st.lists(st.one_of(rows, alike_rows().map(lambda r: r[0])),
                                        max_size=8),
                alike_rows().flatmap(lambda alike: st.lists(values, min_size=1, max_size=2).map(
                    lambda odd: [*alike, *odd]))))
def test_a_bulk_upsert_answers_and_writes_as_rows_written_one_by_one(
        state: OmnitronState, sent: list[Any]) -> None:
    """Plain batches of one shape (written as columns) and any other (validated row by row)
    answer and end exactly as each row validated and written in turn; a batch id seen before
    is answered as it was and writes nothing."""
    expected = table(state.conn)
    created, updated, errors = one_by_one(expected, sent)
    batch_id = str(uuid.uuid4())

    def body(**change: Any) -> bytes:
        return json.dumps([{**r, "batch_id": batch_id, **change}
                           if isinstance(r, dict) and "batch_id" in r else r
                           for r in sent]).encode()

    status, answer = stock_bulk(state, body())
    named = any(isinstance(r, dict) and "batch_id" in r for r in sent)
    assert status == 200
    assert answer == {"batch_id": batch_id if named else None, "created": created,
                      "updated": updated, "errors": errors}
    assert table(state.conn) == expected
    if named:
        assert stock_bulk(state, body(stock=7)) == (200, answer)
        assert table(state.conn) == expected


def test_a_body_orjson_refuses_is_read_as_the_standard_library_reads_it(
        state: OmnitronState) -> None:
    bom = b"\xef\xbb\xbf" + json.dumps([{"product_sku": "SKU-000001", "stock_list": 2,
                                           "stock": 3, "batch_id": float("nan")}]).encode()
    status, answer = stock_bulk(state, bom)
    assert status == 200 and answer["batch_id"] != answer["batch_id"]  # NaN, as Python reads it
    assert table(state.conn)[("SKU-000001", 2)][0] == 3
    huge = json.dumps([{"product_sku": "SKU-000001", "stock_list": 2, "stock": 10 ** 30}])
    assert stock_bulk(state, huge.encode())[1]["errors"] == [
        {"index": 0, "product_sku": "SKU-000001",
         "errors": {"stock": [f"Ensure this value is less than or equal to {MAX_INT}."]}}]
    assert stock_bulk(state, b"[1") == (400, {"detail": "JSON parse error - request body is not"
                                                        " valid JSON."})


def table(conn: sqlite3.Connection) -> dict[tuple[Any, Any], tuple[Any, ...]]:
    return {(r[0], r[1]): tuple(r[2:]) for r in conn.execute(
        "SELECT product_sku, stock_list, stock, unit_type, sold_quantity_unreported,"
        " extra_field FROM product_stock")}


def test_plain_rows_repeating_a_new_key_are_written_in_turn(state: OmnitronState) -> None:
    sent = [{"product_sku": "SKU-000006", "stock_list": 3, "stock": stock, "unit_type": unit}
            for stock, unit in ((1, "kg"), (2, "qty"), (4, "kg"))]
    assert plain_columns(sent, STOCK_LISTS) is not None
    assert stock_bulk(state, json.dumps(sent).encode()) == (
        200, {"batch_id": None, "created": 1, "updated": 2, "errors": []})
    assert table(state.conn)[("SKU-000006", 3)] == (4, "kg", 0, "{}")
