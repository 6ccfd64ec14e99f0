"""Numbers in the expression language are typed as NiFi types them: a Java long or a double."""

from __future__ import annotations

import pytest

from console.expression import ExpressionError, evaluate

ATTRS = {"qty": "12", "price": "2.25", "code": "0x2A", "padded": " 7 ", "word": "seven",
         "big": "9223372036854775807"}


@pytest.mark.parametrize(("text", "expected"), [
    ("${price:toNumber()}", "2"),
    ("${literal('-2.75'):toNumber()}", "-2"),
    ("${code:toNumber()}", "42"),
    ("${padded:toNumber():plus(1)}", "8"),
    ("${literal('3e2'):toNumber()}", "300"),
    ("${word:toNumber()}", ""),
    ("${word:toNumber():isNull()}", "true"),
])
def test_to_number_is_always_whole_and_null_for_words(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("${qty:toDecimal()}", "12.0"),
    ("${literal('1e7'):toDecimal()}", "1.0E7"),
    ("${literal('9999999.5'):toDecimal()}", "9999999.5"),
    ("${literal('0.00099'):toDecimal()}", "9.9E-4"),
    ("${literal('0x1.8p1'):toDecimal()}", "3.0"),
    ("${literal('-Infinity'):toDecimal()}", "-Infinity"),
    ("${literal('NaN'):toDecimal():plus(1)}", "NaN"),
    ("${literal('7.'):toDecimal()}", ""),
    ("${literal('0x1.8'):toDecimal()}", ""),
    ("${word:toDecimal()}", ""),
])
def test_to_decimal_reads_java_floating_point_literals(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("${qty:plus(3)}", "15"),
    ("${qty:plus(${price})}", "14.25"),
    ("${qty:divide(5)}", "2"),
    ("${qty:divide(5.0)}", "2.4"),
    ("${literal(-13):mod(5)}|${literal(13):mod(-5)}", "-3|3"),
    ("${price:mod(1)}", "0.25"),
    ("${qty:multiply(0.1)}", "1.2000000000000002"),
    ("${big:plus(1)}", "-9223372036854775808"),
    ("${word:plus(1)}", ""),
    ("${qty:minus(${word})}", ""),
    ("${literal(1.5):divide(0)}|${literal(-1.5):divide(0)}", "Infinity|-Infinity"),
])
def test_arithmetic_keeps_longs_whole_and_word_operands_null(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


def test_whole_division_by_zero_is_an_error() -> None:
    with pytest.raises(ExpressionError, match="division by zero"):
        evaluate("${qty:divide(0)}", ATTRS)


@pytest.mark.parametrize(("text", "expected"), [
    ("${literal(+4)}|${literal(+4.5)}|${literal(-.5)}|${literal(2E3)}", "4|4.5|-0.5|2000.0"),
    ("${literal(007):plus(1)}", "8"),
    ("${qty:gt(11.5)}|${qty:le(12)}|${word:gt(1)}|${word:lt(1)}", "true|true|false|false"),
])
def test_number_literals_and_comparisons(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("${qty:toNumber():equals(12)}", "true"),
    ("${qty:equals(12)}", "true"),
    ("${qty:toDecimal():equals(12)}", "false"),
    ("${qty:toDecimal():equals('12.0')}", "true"),
    ("${literal(0.5):plus(0.25):equals(0.75)}", "true"),
    ("${missing:equals(${missing})}", "false"),
])
def test_equals_compares_values_of_different_types_as_text(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


def test_whole_number_literal_beyond_a_long_is_an_error() -> None:
    with pytest.raises(ExpressionError, match="out of the range"):
        evaluate("${literal(9223372036854775808)}", {})
