"""NiFi Expression Language: the behaviour users rely on when they paste expressions from NiFi."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.expression import ExpressionError, compile, evaluate

ATTRS = {"attr": "My Value", "n": "10", "d": "3.5", "csv": 'a,"b,c",d', "blank": "  ",
         "json": '{"items": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 0}], "n": null}',
         "date": "2024-07-01T01:30:59.000Z", "url": "a b&c/d~e"}


@pytest.mark.parametrize(("text", "expected"), [
    ("$${attr}", "${attr}"),
    ("$$${attr}", "$My Value"),
    ("$$$${attr}", "$${attr}"),
    ("$$$$${attr}", "$$My Value"),
    ("cost: $5 and $$", "cost: $5 and $$"),
    ("{plain} text}", "{plain} text}"),
])
def test_dollar_escaping(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("${attr}", "My Value"),
    ("${'attr'}", "My Value"),
    ('${"attr":toUpper()}', "MY VALUE"),
    ("${missing}", ""),
    ("${ attr \n : toLower( ) }", "my value"),
    ("${attr # a comment\n :length()}", "8"),
    ("${attr:substringBefore(' ')}-${attr:substringAfter(' ')}", "My-Value"),
    ("${attr:substringBefore('zzz')}", "My Value"),
    ("${attr:substringAfterLast('a')}|${attr:substringBeforeLast('a')}", "lue|My V"),
    ("${attr:substring(3)}|${attr:substring(0, 2)}", "Value|My"),
    ("${attr:replace(' ', '_'):append('!'):prepend('>')}", ">My_Value!"),
    ("${attr:replaceFirst('[aeiou]', '#')}|${attr:replaceAll('[aeiou]', '')}", "My V#lue|My Vl"),
    ("${attr:replaceAll('(\\w+) (\\w+)', '$2 $1')}", "Value My"),
    ("${attr:replaceAll('\\s', '\\$')}", "My$Value"),
    ("${attr:indexOf('V')}|${attr:lastIndexOf('e')}|${attr:indexOf('z')}", "3|7|-1"),
    ("${attr:padLeft(10)}|${attr:padRight(10, '*')}|${attr:padLeft(2)}", "__My Value|My Value**|My Value"),
    ("${blank:trim():length()}", "0"),
    ("${csv:getDelimitedField(2)}|${csv:getDelimitedField(3)}", '"b,c"|d'),
    ("${url:urlEncode()}", "a+b%26c%2Fd%7Ee"),
    ("${literal('a+b%26c'):urlDecode()}", "a b&c"),
    ("${literal('say \"hi\"/\\n'):escapeJson()}", 'say \\"hi\\"\\/\\n'),
    ("${literal('a\\\\\"b'):unescapeJson()}", 'a"b'),
    ("${json:jsonPath('$.items[1].sku')}|${json:jsonPath('$.items[0]')}", 'B|{"sku":"A","qty":2}'),
    ("${json:jsonPath('$.items[*].qty')}|${json:jsonPath('$.nope')}", "[2,0]|"),
])
def test_string_functions(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("${missing:isEmpty()}|${blank:isEmpty()}|${attr:isEmpty()}", "true|true|false"),
    ("${missing:isNull()}|${attr:notNull()}|${attr:isNull():not()}", "true|true|true"),
    ("${attr:equals('My Value')}|${attr:equalsIgnoreCase('my value')}", "true|true"),
    ("${attr:startsWith('My')}|${attr:endsWith('x')}|${attr:contains('y V')}", "true|false|true"),
    ("${attr:find('V.l')}|${attr:matches('V.l')}|${attr:matches('My.*')}", "true|false|true"),
    ("${attr:matches('(?i)my value')}|${n:matches('\\d+')}", "true|true"),
    ("${n:in('1', '10', '100')}|${n:in('2')}", "true|false"),
    ("${n:gt(9):and(${n:lt(11)})}|${n:ge(11):or(${n:le(10)})}", "true|true"),
    ("${missing:replaceNull('dflt')}|${blank:replaceEmpty('e')}|${attr:replaceEmpty('e')}", "dflt|e|My Value"),
    ("${n:equals(10):ifElse('ten', 'other')}|${n:equals(9):ifElse('nine', ${attr})}", "ten|My Value"),
])
def test_boolean_functions(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("${n:plus(5)}|${n:minus(15)}|${n:multiply(3)}", "15|-5|30"),
    ("${n:divide(3)}|${n:divide(-3)}|${n:mod(3)}|${literal(-7):mod(3)}", "3|-3|1|-1"),
    ("${d:plus(1)}|${n:toDecimal()}|${n:toDecimal():divide(4)}", "4.5|10.0|2.5"),
    ("${d:multiply(1000000000)}|${literal('0.0001'):toDecimal()}", "3.5E9|1.0E-4"),
    ("${literal('0x1F'):toNumber()}|${d:toNumber()}|${n:toNumber():plus(0.5)}", "31|3|10.5"),
    ("${literal(9223372036854775807):plus(1)}", "-9223372036854775808"),
    ("${attr:length():gt(5)}|${d:lt(3.6)}", "true|true"),
])
def test_numbers_are_typed_as_nifi_types_them(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("${date:toDate(\"yyyy-MM-dd'T'HH:mm:ss.SSS'Z'\", 'UTC'):format('yyyy/MM/dd HH:mm', 'Europe/Istanbul')}",
     "2024/07/01 04:30"),
    ("${date:toDate(\"yyyy-MM-dd'T'HH:mm:ss.SSS'Z'\", 'UTC'):toNumber()}", "1719797459000"),
    ("${literal(1719797459001):format(\"yyyy-MM-dd'T'HH:mm:ss.SSSSSS\", 'UTC')}", "2024-07-01T01:30:59.000001"),
    ("${literal(1719797459001):formatInstant(\"yyyy-MM-dd'T'HH:mm:ss.SSSSSS\", 'UTC')}",
     "2024-07-01T01:30:59.001000"),
    ("${literal(1719797459000):format('yyyy-MM-dd HH:mm:ss XXX', 'Europe/Istanbul')}",
     "2024-07-01 04:30:59 +03:00"),
    ("${literal(1719797459000):format('EEE, d MMM yyyy hh:mm a Z', 'America/New_York')}",
     "Sun, 30 Jun 2024 09:30 PM -0400"),
    ("${literal('01/07/2024 04:30'):toDate('dd/MM/yyyy HH:mm', 'Europe/Istanbul'):format('HH:mm', 'UTC')}",
     "01:30"),
    ("${literal('2024-07-01T04:30:59.123456+03:00'):toInstant(\"yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX\", 'UTC')"
     ":formatInstant(\"HH:mm:ss.SSSSSS\", 'UTC')}", "01:30:59.123456"),
])
def test_dates_follow_java_patterns(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


def test_now_uuid_and_next_int() -> None:
    assert len(evaluate("${now():format('yyyy')}", {})) == 4
    first, second = (evaluate("${UUID()}", {}) for _ in range(2))
    assert first != second and len(first) == 36
    a, b = (int(evaluate("${nextInt()}", {})) for _ in range(2))
    assert b == a + 1


SEED_URL = """${http.query.string:isEmpty():not():
    ifElse(
        ${http.query.param.sku:isEmpty():not()
            :ifElse(
                ${literal("http://erp/(S({TOKEN}))/run?{'Name': 'Barcodes', 'Value': '{SKU}'}")
                    :replace("{SKU}", ${http.query.param.sku})
                    :replace("{TOKEN}",${token.erp})
                },
                ${literal("http://erp/(S({TOKEN}))/run?{'Name': 'Date', 'Value': '{MODIFIED_DATE}'}")
                    :replace("{MODIFIED_DATE}", ${http.query.param.modified_date__gt:replaceAll("(\\.\\d*)?Z?$","")})
                    :replace("{TOKEN}",${token.erp})
                }
            )},
        ${literal("http://erp/(S({TOKEN}))/run?{'Name': 'Date', 'Value': '{MODIFIED_DATE}'}")
        :replace("{MODIFIED_DATE}", ${last.request:replaceAll("(\\.\\d*)?Z?$","")})
        :replace("{TOKEN}",${token.erp})
        }
    )
}"""

BASE = {"token.erp": "T0K", "last.request": "2024-12-31T13:30:59.000001"}


@pytest.mark.parametrize(("attrs", "expected"), [
    ({"http.query.string": "sku=123", "http.query.param.sku": "123"},
     "http://erp/(S(T0K))/run?{'Name': 'Barcodes', 'Value': '123'}"),
    ({"http.query.string": "modified_date__gt=2024-07-01T01:30:59.000Z",
      "http.query.param.modified_date__gt": "2024-07-01T01:30:59.000Z"},
     "http://erp/(S(T0K))/run?{'Name': 'Date', 'Value': '2024-07-01T01:30:59'}"),
    ({"http.query.string": ""}, "http://erp/(S(T0K))/run?{'Name': 'Date', 'Value': '2024-12-31T13:30:59'}"),
])
def test_seed_dynamic_url_in_all_three_cases(attrs: dict[str, str], expected: str) -> None:
    compiled = compile(SEED_URL)
    assert compiled.evaluate({**BASE, **attrs}) == expected
    assert compiled.references() == ["http.query.string", "http.query.param.sku", "token.erp",
                                     "http.query.param.modified_date__gt", "last.request"]


@pytest.mark.parametrize(("text", "offset", "message"), [
    ("abc ${attr:toUpper(}", 19, "expected a quoted string"),
    ("${attr:}", 7, "expected a function name"),
    ("${attr:nope()}", 7, "unknown function 'nope'"),
    ("${attr:substring()}", 7, "substring takes 1 to 2 argument(s), found 0"),
    ("${attr:toUpper('x')}", 7, "toUpper takes 0 argument(s), found 1"),
    ("${attr:now()}", 7, "takes no subject"),
    ("${attr:equals(x)}", 14, "expected a quoted string"),
    ("x\n${attr:equals('${attr:nope()}')}", 24, "unknown function 'nope'"),
    ("${1abc}", 2, "cannot start with a digit"),
])
def test_errors_carry_offset_and_caret(text: str, offset: int, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile(text)
    assert message in caught.value.message
    assert caught.value.offset == offset
    line, caret = caught.value.excerpt.splitlines()
    assert caret.index("^") == offset - (text.rfind("\n", 0, offset) + 1)


def test_evaluation_errors_point_to_the_function() -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate("${n:plus(1):append(${attr:jsonPath('$.a')})}", ATTRS)
    assert "not valid JSON" in caught.value.message
    assert caught.value.offset == 26
    with pytest.raises(ExpressionError, match="division by zero"):
        evaluate("${n:divide(0)}", ATTRS)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="${}():'\"\\,.#abc019 -\n", max_size=40))
def test_random_text_only_raises_expression_errors(text: str) -> None:
    with contextlib.suppress(ExpressionError):
        compile(text).evaluate({"a": "1", "b": "x"})
