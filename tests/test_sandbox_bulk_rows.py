"""The sandbox Omnitron's quick path for bulk upsert rows: a row it takes as it is must be one
the full validation accepts unchanged, so a bulk upsert answers and writes exactly as before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

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
    """New keys, repeated keys and both kinds of update in one batch end as the rows one by one
    would leave them; the quick and the validated rows mix."""
    from console.sandbox.db import open_state
    from console.sandbox.omnitron import OmnitronState, upsert_rows

    def table(state: OmnitronState) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in state.conn.execute(
            "SELECT product_sku, stock_list, stock, unit_type, sold_quantity_unreported,"
            " extra_field FROM product_stock ORDER BY product_sku, stock_list")]

    rows: list[dict[str, Any]] = [
        {"product_sku": "SKU-000001", "stock_list": 3, "stock": 1, "unit_type": "qty"},
        {"product_sku": "SKU-000001", "stock_list": 3, "stock": 2, "unit_type": "kg"},
        {"product_sku": "SKU-000002", "stock_list": 1, "extra_field": {"a": 1}},
        {"product_sku": "SKU-000001", "stock_list": 3, "sold_quantity_unreported": 4},
        {"product_sku": "SKU-000002", "stock_list": 1, "stock": 9, "unit_type": "qty"},
        {"product_sku": "SKU-000003", "stock_list": 2},
        {"product_sku": "SKU-000001", "stock_list": 3, "stock": 5, "unit_type": "qty"},
    ]
    together, one_by_one = (OmnitronState(open_state(tmp_path / name, 1, 5, 1)[0])
                            for name in ("together", "one_by_one"))
    created, updated, ids = upsert_rows(together, rows)
    assert (created, updated) == (2, 5) and len(ids) == len(rows)
    assert ids[0] == ids[1] == ids[3] == ids[6]
    for row in rows:
        upsert_rows(one_by_one, [row])
    assert table(together) == table(one_by_one)
    assert ("SKU-000001", 3, 5, "qty", 4, "{}") in table(together)
    assert ("SKU-000003", 2, 0, "qty", 0, "{}") in table(together)
