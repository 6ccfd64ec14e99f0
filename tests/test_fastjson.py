"""The fast JSON module gives exactly what the standard library gives: the same values (types
included), the same text, the same errors, whichever library did the work."""

from __future__ import annotations

import enum
import json
import math
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console import fastjson

# everything JSON text can hold, and what only the standard library reads: NaN, infinities,
# integers past 64 bits, lone surrogates
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-2**70, 2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.floats(-1e-3, 1e-3),
    st.text(), st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF,
                                               blacklist_categories=())))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=5), inner, max_size=5)),
    max_leaves=30)


def same(a: Any, b: Any) -> bool:
    """Equal, type for type, NaN equal to NaN, -0.0 told from 0.0, key order included."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) ==
                                                      math.copysign(1, b))
    if type(a) is list:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is dict:
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def outcome(call: Any, *args: Any, **kwargs: Any) -> tuple[str, Any]:
    try:
        return "value", call(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return type(exc).__name__, str(exc)


def assert_reads_alike(data: str | bytes) -> None:
    ours, theirs = outcome(fastjson.loads, data), outcome(json.loads, data)
    assert ours[0] == theirs[0], (data, ours, theirs)
    if ours[0] == "value":
        assert same(ours[1], theirs[1]), (data, ours, theirs)
        value, as_read = fastjson.parse(data)
        assert same(value, theirs[1]), (data, value, theirs)
        if as_read:  # orjson alone reads the same bytes to the same value
            raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
            assert same(fastjson.loads_as_read(raw), theirs[1]), (data, theirs)
    else:
        assert ours == theirs
        assert outcome(fastjson.parse, data) == theirs


@settings(max_examples=400, deadline=None)
@given(values, st.booleans())
def test_reading_any_json_text_gives_the_standard_librarys_value(value: Any, ascii: bool
                                                                ) -> None:
    text = json.dumps(value, ensure_ascii=ascii)
    assert_reads_alike(text)
    assert_reads_alike(text.encode("utf-8", "surrogatepass"))


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.binary(max_size=40), st.text(max_size=40),
                 st.lists(st.sampled_from(['[', ']', '{', '}', '"a"', ':', ',', '1', '-0',
                                           '1e400', '9' * 20, 'NaN', 'null', ' ', '\ufeff',
                                           '"\\ud800"', '\x01', '1.5', 'tru']),
                          max_size=12).map("".join)))
def test_reading_any_text_at_all_gives_the_standard_librarys_value_or_error(
        data: str | bytes) -> None:
    assert_reads_alike(data)
    if isinstance(data, str):
        assert_reads_alike(data.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("data", [
    b"\xef\xbb\xbf[1]", "\ufeff[1]", '[{"a": 1}]'.encode("utf-16"),
    '[{"a": 1}]'.encode("utf-16-le"), '[{"a": 1}]'.encode("utf-32"),
    b"[NaN]", b"[Infinity, -Infinity]", b"1e400", b"-1e400",
    b'"\\ud800"', b'"\xed\xa0\x80"', '"\ud800"', b'{"\\udc00": 1}',
    b"[18446744073709551616]", b"[-9223372036854775809]", b"[9223372036854775808]",
    b"[123456789012345678901234567890]", b"0.12345678901234567890123",
    b"[" * 100_000 + b"]" * 100_000, b"[" * 1_500 + b"]" * 1_500,
    b'{"a": 1, "b": 2, "a": 3}', b"-0", b"-0.0", b'"a\x01b"', b"[1,]", b"", b"[1] x",
], ids=lambda d: repr(d[:24]))
def test_what_orjson_refuses_or_reads_otherwise_is_read_as_today(data: str | bytes) -> None:
    assert_reads_alike(data)


def test_an_integer_past_64_bits_stays_an_integer() -> None:
    assert orjson.loads(b"[-9223372036854775809]") != [-9223372036854775809]  # why we check
    assert fastjson.loads(b"[-9223372036854775809, 18446744073709551616]") == \
        [-9223372036854775809, 18446744073709551616]
    assert fastjson.parse(b"[18446744073709551616]") == ([18446744073709551616], False)
    assert fastjson.parse(b"[184467440737095516]") == ([184467440737095516], True)


def test_a_text_orjson_refuses_is_read_exactly_all_the_same() -> None:
    for text in (b"[NaN]", b'"\\ud800"', b"\xef\xbb\xbf[1]", b"[1e400]"):
        assert same(fastjson.loads_as_read(text), json.loads(text))


class Colour(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Name(str):
    pass


odd = st.one_of(st.sampled_from([Colour.RED, Level.HIGH, Name("x"), (1, "a"), {1, 2},
                                 float("nan"), float("inf"), 1e-5, 1e16, 2**64, -2**63 - 1,
                                 "\ud800", {1: "a"}, {None: 1}, {Name("k"): 1}]), values)
anything = st.recursive(odd, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.tuples(inner, inner),
    st.dictionaries(st.text(max_size=4), inner, max_size=4)), max_leaves=20)


@settings(max_examples=500, deadline=None)
@given(anything, st.booleans(), st.sampled_from([None, str]))
def test_writing_anything_gives_the_standard_librarys_text_or_error(
        value: Any, allow_nan: bool, default: Any) -> None:
    expected = outcome(json.dumps, value, ensure_ascii=False, separators=(",", ":"),
                       allow_nan=allow_nan, default=default)
    assert outcome(fastjson.dumps, value, allow_nan=allow_nan, default=default) == expected


@pytest.mark.parametrize("value", [
    [{"stock": float("nan")}], [{"stock": float("inf")}], {"a": -float("inf")},
])
def test_nan_is_never_written_as_null(value: Any) -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        fastjson.dumps(value)
    assert "null" not in fastjson.dumps(value, allow_nan=True)
    assert fastjson.dumps(value, allow_nan=True) == json.dumps(
        value, ensure_ascii=False, separators=(",", ":"))


def test_floats_are_spelled_as_the_standard_library_spells_them() -> None:
    floats = [1e-5, 1e-4, 0.1, 1.5, 1e15, 1e16, 1e22, 5e-324, -0.0, 1.7976931348623157e308]
    assert fastjson.dumps(floats) == json.dumps(floats, separators=(",", ":"))
    assert fastjson.dumps(floats) == "[1e-05,0.0001,0.1,1.5,1000000000000000.0,1e+16,1e+22," \
                                     "5e-324,-0.0,1.7976931348623157e+308]"


def test_key_order_and_non_ascii_text_are_kept() -> None:
    row = {"z": "Ürün ğ 😀", "a": 1, "m": None, "\u2028": "\x00\x1f\x7f"}
    text = fastjson.dumps(row)
    assert text == json.dumps(row, ensure_ascii=False, separators=(",", ":"))
    assert list(fastjson.loads(text)) == ["z", "a", "m", "\u2028"]


def test_without_orjson_the_standard_library_does_it_all(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """A bare interpreter (one without the dependencies) still reads and writes alike."""
    monkeypatch.setattr(fastjson, "orjson", None)
    row = {"a": [1, 2.5, None, "é"], "b": float("nan")}
    assert fastjson.dumps(row, allow_nan=True) == json.dumps(row, ensure_ascii=False,
                                                             separators=(",", ":"))
    assert same(fastjson.loads(b'{"a": [1, NaN, 18446744073709551616]}'),
                json.loads(b'{"a": [1, NaN, 18446744073709551616]}'))
