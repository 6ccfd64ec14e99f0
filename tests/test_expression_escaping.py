"""Where expressions start and end, ``$$`` escapes and quoted strings, as NiFi reads them."""

from __future__ import annotations

import pytest

from console.expression import ExpressionError, compile, evaluate

ATTRS = {"id": "42", "name": "stock", "42": "answer", "$stock": "dollar-name", "key": "id", "user": "ada"}


@pytest.mark.parametrize(("text", "expected"), [
    ("$${id}", "${id}"),
    ("a$${id}b$${name}c", "a${id}b${name}c"),
    ("$$${id}|$$$${id}|$$$$${id}", "$42|$${id}|$$42"),
    ("pay $$10 now", "pay $$10 now"),
    ("pay $$10 for ${id}", "pay $10 for 42"),
    ("${id} costs $$10", "42 costs $10"),
    ("${id}$$${name}", "42$stock"),
    ("x $$${id:toUpper()}", "x $42"),
    ("{$$${id}}", "{$42}"),
    ("{ ${name} }", "{ stock }"),
])
def test_dollar_escapes(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("url/${id", "url/${id"),
    ("${name} and ${", "stock and ${"),
    ("$$${7 no brace", "$$${7 no brace"),
    ("${name:equals('open)}", "${name:equals('open)}"),
    ("}${name}{", "}stock{"),
])
def test_text_that_never_closes_an_expression_stays_as_typed(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("${name:equals('${name}')}", "true"),
    ("${literal('#${id}-${name}')}", "#42-stock"),
    ("${literal('$${id}')}|${literal('a$$b')}", "${id}|a$$b"),
    ("${'${key}'}|${${key}}|${${key}:length()}", "42|42|2"),
    ("${'$$${name}'}", "dollar-name"),
    ("${literal('${missing}'):isNull()}|${literal('x${missing}'):isNull()}", "true|false"),
    ("${name:replaceAll('(s)(t)', '$2$1')}", "tsock"),
    ("${literal('{a}'):append('}')}", "{a}}"),
])
def test_quoted_strings_embed_expressions(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("${literal('a\\\\b')}", "a\\b"),
    ("${literal('a\\\\\\\\b')}", "a\\\\b"),
    ("${literal('line\\nnext\\ttab\\rret')}", "line\nnext\ttab\rret"),
    ("${literal('it\\'s')}|${literal(\"a \\\"b\")}", "it's|a \"b"),
    ("${literal('\\d\\.')}", "\\d\\."),
    ("${literal(\"'\")}|${literal('\"')}", "'|\""),
])
def test_escapes_inside_quoted_strings(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("${ name \n:toUpper( )\n}", "STOCK"),
    ("${name # the attribute\n:append('#') # a comment after a call\n}", "stock#"),
    ("#${id}\n${id}", "#42\n42"),
    ("${'user'}-${\"user\"}-${user}", "ada-ada-ada"),
    ("${literal(null):isNull()}|${name:equals(null)}", "true|false"),
])
def test_white_space_comments_and_quoted_names(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("${'user'}${user}", "ada${user}"),
    ("${literal(\"a \\\"b\\\" c\")}", "${literal(\"a \\\"b\\\" c\")}"),
])
def test_nifi_scanner_quirks_are_kept(text: str, expected: str) -> None:
    """NiFi's scanner counts dollars across a quoted name and backslashes across a string.

    After ``${'user'}`` the next ``${`` reads as the escape ``$${``; a second escaped quote in
    one string ends it early. A flow copied from NiFi renders the same text here.
    """
    assert evaluate(text, ATTRS) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("${}", "expected an attribute name"),
    ("${now}", "reserved word"),
    ("${count:length()}", "reserved word"),
    ("${name # a comment that never ends}", "comment needs a new line"),
    ("${name:equals('${id:nope()}')}", "unknown function 'nope'"),
    ("${name:toUpper() x}", "expected '}'"),
])
def test_compile_errors(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        compile(text)


def test_references_include_names_read_inside_quoted_strings() -> None:
    compiled = compile("${name:equals('${key}')}-${${user}}")
    assert compiled.references() == ["name", "key", "user"]


def test_a_dollar_brace_that_never_closes_is_kept_and_warned_about() -> None:
    from console.expression import compile

    typo = compile("http://erp/stock?${http.query.string")
    assert typo.evaluate({"http.query.string": "sku=1"}) == "http://erp/stock?${http.query.string"
    assert typo.warnings() == ["offset 17: '${' never closes, so it is sent as typed"]
    assert compile("a ${b} $${c").warnings() == []
    assert compile("${x:equals('}')}").warnings() == []
