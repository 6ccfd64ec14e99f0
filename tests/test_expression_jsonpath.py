"""``jsonPath()`` finds values as Jayway JsonPath does and prints them as NiFi does."""

from __future__ import annotations

import json

import pytest

from console.expression import ExpressionError, evaluate

ORDER = {"number": "SO-77", "total": 149.9, "paid": False, "note": None, "big": 1e21,
         "lines": [{"sku": "A-1", "qty": 2, "tags": ["gift"]}, {"sku": "B-2", "qty": 0},
                   {"sku": "C-3", "qty": 5, "tags": []}],
         "customer": {"e-mail": "ayse@example.com", "city": "İzmir"}}
ATTRS = {"order": json.dumps(ORDER), "broken": "{'single': 'quotes'}"}


@pytest.mark.parametrize(("path", "expected"), [
    ("$.number", "SO-77"),
    ("$.total", "149.9"),
    ("$.paid", "false"),
    ("$.note", ""),
    ("$.big", "1.0E21"),
    ("$.customer.e-mail", "ayse@example.com"),
    ("$['customer']['city']", "İzmir"),
    ("$.lines[-1].sku", "C-3"),
    ("$.lines[0].tags", "gift"),
    ("$.lines[2].tags", "[]"),
    ("$.lines[1]", '{"sku":"B-2","qty":0}'),
    ("$.lines[*].qty", "[2,0,5]"),
    ("$.lines[0:2].sku", '["A-1","B-2"]'),
    ("$.lines[0,2].qty", "[2,5]"),
    ("$..sku", '["A-1","B-2","C-3"]'),
    ("$.lines[?(@.qty > 1)].sku", '["A-1","C-3"]'),
    ("$.lines[?(@.sku == 'B-2')].qty", "0"),
    ("$.lines[?(@.tags && @.qty >= 5)].sku", "C-3"),
    ("$.lines[?(@.sku =~ /a-.*/i)].qty", "2"),
    ("$.lines[?(@.qty == 9)].sku", "[]"),
    ("$.customer.phone", ""),
    ("$.lines[7].sku", ""),
])
def test_json_path_results(path: str, expected: str) -> None:
    assert evaluate("${order:jsonPath(\"" + path + "\")}", ATTRS) == expected


@pytest.mark.parametrize("text", [
    "${missing:jsonPath('$.number')}",
    "${broken:jsonPath('$.single')}",
    "${order:jsonPath('$..')}",
    "${order:jsonPath('number')}",
    "${order:jsonPath('$.lines[')}",
])
def test_json_path_errors(text: str) -> None:
    with pytest.raises(ExpressionError, match="jsonPath"):
        evaluate(text, ATTRS)
