"""An outbound body is checked and re-serialised a slice of rows at a time, with the same
outcome as reading it whole: the same stored text, the same refusal for every bad body."""

from __future__ import annotations

import json

import pytest

from console.runner import payload
from console.runner.payload import PayloadError, checked_payload, parse_rows, serialise

GOOD = [
    b"[]",
    b" \n[ \t]\r\n",
    b'[{"product_sku": "A", "stock": 1}]',
    payload.BOM + b'[{"product_sku": "\xc3\xa9", "stock": 1.50, "extra": {"n": [1, null, true]}}]',
    b'[\n  {"product_sku": "A", "stock": 1} ,\n  {"product_sku": "B\\u00e9\\n", "stock": 2}\n]\n',
    json.dumps([{"product_sku": f"SKU-{n}", "stock": n, "unit_type": "qty"}
                for n in range(2_345)]).encode(),
]
BAD = [
    b'[{"product_sku": "A", "stock": 1}, {"product_sku": "B", "stock": NaN}]',
    b'[{"product_sku": "A", "stock": 1, "stock": 2}]',
    b'[{"product_sku": "SKU-\\ud800", "stock": 1}]',
    '[{"product_sku": "A", "stock": 1}]'.encode("utf-16"),
    b'[{"product_sku": "\xff"}]',
    b"[" * 1_000 + b"]" * 1_000,
    b'[{"a": ' + b"[" * 40 + b"]" * 40 + b"}]",
    b'[{"product_sku": "A"}, 3]',
    b'[{"product_sku": "A"}',
    b'[{"product_sku": "A"},]',
    b'[{"product_sku": "A"} {"product_sku": "B"}]',
    b'[{"product_sku": "A"}] x',
    b'[] []',
    b'{"product_sku": "A"}',
    b"NaN",
    b"",
    b'[{"product_sku": "A"}, {"product_sku": "B", "stock": 1 "x": 2}, 7]',
]


@pytest.mark.parametrize("body", GOOD)
def test_a_good_body_is_stored_as_the_whole_reading_would_store_it(
        body: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(payload, "SLICE", 7)
    rows = parse_rows(body)
    assert checked_payload(body) == (len(rows), serialise(rows))


@pytest.mark.parametrize("body", BAD)
def test_a_bad_body_is_refused_as_the_whole_reading_refuses_it(body: bytes) -> None:
    with pytest.raises(PayloadError) as whole:
        parse_rows(body)
    with pytest.raises(PayloadError) as sliced:
        checked_payload(body)
    assert str(sliced.value) == str(whole.value)
