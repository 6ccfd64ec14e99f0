"""String, regex and encoding functions behave as NiFi's evaluators do, nulls included."""

from __future__ import annotations

import pytest

from console.expression import ExpressionError, evaluate

ATTRS = {"sku": "AB-1234-XL", "path": "/erp/items/", "blank": " \t", "win": "D:\\exports\\stock.csv",
         "tr": "ürün kodu 42", "row": 'x;"q;r";\\;z'}


@pytest.mark.parametrize(("text", "expected"), [
    ("${sku:substring(3, 7)}|${sku:substring(8)}", "1234|XL"),
    ("${sku:substring(4, 40)}|${sku:substring(-1)}|${sku:substring(5, 2)}", "||"),
    ("${missing:substring(1):isNull()}", "false"),
    ("${missing:substringAfter('-'):isNull()}|${missing:toUpper():isNull()}", "false|true"),
    ("${sku:substringBefore('')}|${sku:substringAfterLast('')}", "AB-1234-XL|AB-1234-XL"),
    ("${sku:substringBeforeLast('-')}|${sku:substringAfter('AB')}", "AB-1234|-1234-XL"),
])
def test_substrings_never_fail_and_null_becomes_empty(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("${sku:replaceAll('(\\w+)-(\\d+)-(\\w+)', '$3/$2/$1')}", "XL/1234/AB"),
    ("${sku:replaceAll('(?<size>[A-Z]+)$', '[$${size}]')}", "AB-1234-[XL]"),
    ("${sku:replaceAll('(?<size>[A-Z]+)$', '[${size}]')}", "AB-1234-[]"),
    ("${sku:replaceAll('(\\d)', '$10')}", "AB-10203040-XL"),
    ("${sku:replaceFirst('\\d', '\\$')}", "AB-$234-XL"),
    ("${sku:replaceAll('-\\b?', '_')}", "AB_1234_XL"),
    ("${sku:replaceAll('\\Q-\\E', '.')}", "AB.1234.XL"),
    ("${tr:replaceAll('\\w+', '*')}", "ü*ü* * *"),
    ("${tr:find('(?i)ÜRÜN')}|${sku:matches('(?i)ab-\\d{4}-xl')}", "false|true"),
    ("${sku:replace('', '.')}", ".A.B.-.1.2.3.4.-.X.L."),
    ("${win:replace('\\\\', '/')}|${win:replaceAll('\\\\\\\\', '/')}", "D:/exports/stock.csv|D:/exports/stock.csv"),
])
def test_regexes_and_replacements_use_java_syntax(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


@pytest.mark.parametrize("text", [
    "${sku:replaceAll('(\\d+)', '$2')}",
    "${sku:replaceAll('X', '$')}",
    "${sku:replaceAll('X', 'a\\\\')}",
])
def test_bad_group_references_are_errors(text: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(text, ATTRS)


@pytest.mark.parametrize(("text", "expected"), [
    ("${sku:find(${missing})}|${sku:matches(${missing})}", "false|false"),
    ("${sku:startsWith(${missing})}|${sku:indexOf(${missing})}", "false|-1"),
    ("${blank:isEmpty()}|${blank:trim():length()}", "true|0"),
    ("${literal('\u00a0x\u00a0'):trim():length()}", "3"),
    ("${missing:ifElse('yes', 'no')}|${sku:ifElse('yes', 'no')}|${literal('TRUE'):ifElse(1, 2)}", "no|no|1"),
    ("${missing:in('a', 'b')}|${sku:in('x', ${sku})}", "false|true"),
    ("${missing:and(true)}|${sku:and(true)}|${missing:or(false)}|${missing:not()}", "true|false|false|"),
    ("${missing:append('!')}|${missing:prepend('>')}", "!|>"),
])
def test_null_and_text_rules_of_boolean_and_search_functions(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("${row:getDelimitedField(2, ';')}", '"q;r"'),
    ("${row:getDelimitedField(2, ';', '\"', '\\\\', true)}", "q;r"),
    ("${row:getDelimitedField(3, ';')}|${row:getDelimitedField(4, ';')}", "\\;z|"),
    ("${row:getDelimitedField(3, ';', '\"', '\\\\', true)}", ";z"),
    ("${row:getDelimitedField(0, ';')}|${row:getDelimitedField(9, ';')}|${path:getDelimitedField(1, '/')}", "||"),
    ("${path:getDelimitedField(3, '/')}|${missing:getDelimitedField(1)}", "items|"),
])
def test_get_delimited_field(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


@pytest.mark.parametrize("text", [
    "${row:getDelimitedField(1, ';;')}",
    "${row:getDelimitedField(1, '')}",
    "${row:getDelimitedField(1, ';', ';')}",
    "${row:getDelimitedField(${missing})}",
])
def test_get_delimited_field_rejects_bad_characters(text: str) -> None:
    with pytest.raises(ExpressionError, match="getDelimitedField"):
        evaluate(text, ATTRS)


@pytest.mark.parametrize(("text", "expected"), [
    ("${tr:urlEncode()}", "%C3%BCr%C3%BCn+kodu+42"),
    ("${literal('a%2Fb+c%C3%BC'):urlDecode()}", "a/b cü"),
    ("${literal('tab\\tü\u007f'):escapeJson()}", "tab\\t\\u00FC\u007f"),
    ("${literal('\\\\u00e7\\\\101\\\\/\\\\q'):unescapeJson()}", "çA/q"),
    ("${literal('stock:sync'):base64Encode()}|${literal('c3RvY2s6c3luYw=='):base64Decode()}",
     "c3RvY2s6c3luYw==|stock:sync"),
    ("${literal('erp'):hash('SHA-256'):substring(0, 12)}|${literal(42):hash('md5')}",
     "d24f1f612642|a1d0c6e83f027327d8461063f4ac58a6"),
])
def test_encodings(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


def test_broken_url_escape_is_an_error() -> None:
    with pytest.raises(ExpressionError, match="urlDecode"):
        evaluate("${literal('100%'):urlDecode()}", {})


@pytest.mark.parametrize(("text", "expected"), [
    ("${sku:padLeft(12)}|${sku:padRight(12, '')}", "__AB-1234-XL|AB-1234-XL__"),
    ("${sku:padLeft(13, 'xy')}|${sku:padRight(0, '*')}", "xyxAB-1234-XL|AB-1234-XL"),
    ("${sku:padLeft(${missing}, '*')}|${missing:padLeft(4)}", "AB-1234-XL|"),
    ("${literal(''):padRight(3, '0')}", "000"),
])
def test_padding(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected
