"""The functions of the expression language: name -> (argument counts, implementation).

An implementation gets the evaluated subject, the argument thunks and the attributes, so
``ifElse``, ``and`` and ``or`` evaluate only what they need, as NiFi does.
"""

from __future__ import annotations

import itertools
import math
import random
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from console.expression import dates
from console.expression import text_functions as tf
from console.expression.errors import ExpressionError
from console.expression.values import (
    long_result,
    parse_number,
    to_boolean,
    to_number,
    to_string,
    to_whole,
)

Thunk = Callable[[dict[str, str]], Any]
Impl = Callable[[Any, list[Thunk], dict[str, str]], Any]


@dataclass(frozen=True)
class Function:
    low: int
    high: int | None
    impl: Impl


FUNCTIONS: dict[str, Function] = {}
STANDALONE: dict[str, Function] = {}


def _register(table: dict[str, Function], name: str, low: int, high: int | None = -1) -> Any:
    def wrap(impl: Impl) -> Impl:
        table[name] = Function(low, low if high == -1 else high, impl)
        return impl
    return wrap


def fn(name: str, low: int = 0, high: int | None = -1) -> Any:
    return _register(FUNCTIONS, name, low, high)


def strings(name: str, low: int = 0, high: int | None = -1, *, null: Any = None) -> Any:
    """A function of a string subject and string arguments; a null subject gives ``null``."""
    def wrap(impl: Callable[..., Any]) -> Impl:
        def run(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> Any:
            text = to_string(subject)
            values = [to_string(a(attrs)) for a in args]
            if text is None:
                return null
            return impl(text, *values)
        FUNCTIONS[name] = Function(low, low if high == -1 else high, run)
        return run
    return wrap


def _arg_int(value: Any, name: str) -> int:
    number = to_whole(value, name)
    if number is None:
        raise ExpressionError(f"{name}: expected a whole number argument")
    return number


@strings("toUpper")
def _upper(s: str) -> str:
    return s.upper()


@strings("toLower")
def _lower(s: str) -> str:
    return s.lower()


@strings("trim")
def _trim(s: str) -> str:
    return s.strip()


@strings("toString")
def _to_string(s: str) -> str:
    return s


@strings("length", null=0)
def _length(s: str) -> int:
    return len(s)


@strings("urlEncode")
def _url_encode(s: str) -> str:
    return tf.url_encode(s)


@strings("urlDecode")
def _url_decode(s: str) -> str:
    return tf.url_decode(s)


@strings("escapeJson")
def _escape_json(s: str) -> str:
    return tf.escape_json(s)


@strings("unescapeJson")
def _unescape_json(s: str) -> str:
    return tf.unescape_json(s)


@strings("startsWith", 1, null=False)
def _starts(s: str, a: str | None) -> bool:
    return s.startswith(a or "")


@strings("endsWith", 1, null=False)
def _ends(s: str, a: str | None) -> bool:
    return s.endswith(a or "")


@strings("contains", 1, null=False)
def _contains(s: str, a: str | None) -> bool:
    return (a or "") in s


@strings("find", 1, null=False)
def _find(s: str, a: str | None) -> bool:
    return tf.java_regex(a or "").search(s) is not None


@strings("matches", 1, null=False)
def _matches(s: str, a: str | None) -> bool:
    return tf.java_regex(a or "").fullmatch(s) is not None


@strings("indexOf", 1, null=-1)
def _index_of(s: str, a: str | None) -> int:
    return s.find(a or "")


@strings("lastIndexOf", 1, null=-1)
def _last_index_of(s: str, a: str | None) -> int:
    return s.rfind(a or "")


@strings("equalsIgnoreCase", 1, null=False)
def _equals_ignore_case(s: str, a: str | None) -> bool:
    return a is not None and s.lower() == a.lower()


@strings("substringBefore", 1)
def _before(s: str, a: str | None) -> str:
    return s if not a or a not in s else s[: s.find(a)]


@strings("substringBeforeLast", 1)
def _before_last(s: str, a: str | None) -> str:
    return s if not a or a not in s else s[: s.rfind(a)]


@strings("substringAfter", 1)
def _after(s: str, a: str | None) -> str:
    return s if not a or a not in s else s[s.find(a) + len(a):]


@strings("substringAfterLast", 1)
def _after_last(s: str, a: str | None) -> str:
    return s if not a or a not in s else s[s.rfind(a) + len(a):]


@strings("replace", 2)
def _replace(s: str, a: str | None, b: str | None) -> str:
    return s.replace(a or "", b or "") if a else s


@strings("replaceFirst", 2)
def _replace_first(s: str, a: str | None, b: str | None) -> str:
    return tf.replace_regex(s, a or "", b or "", 1)


@strings("replaceAll", 2)
def _replace_all(s: str, a: str | None, b: str | None) -> str:
    return tf.replace_regex(s, a or "", b or "", 0)


@strings("jsonPath", 1)
def _json_path(s: str, a: str | None) -> str:
    return tf.json_path(s, a or "")


@fn("append", 1)
def _append(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> str:
    return (to_string(subject) or "") + (to_string(args[0](attrs)) or "")


@fn("prepend", 1)
def _prepend(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> str:
    return (to_string(args[0](attrs)) or "") + (to_string(subject) or "")


@fn("substring", 1, 2)
def _substring(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> Any:
    text = to_string(subject)
    start = _arg_int(args[0](attrs), "substring")
    end = _arg_int(args[1](attrs), "substring") if len(args) > 1 else None
    if text is None:
        return None
    stop = len(text) if end is None else end
    if start < 0 or stop > len(text) or start > stop:
        raise ExpressionError(f"substring: range {start}..{stop} is outside a string of length "
                              f"{len(text)}")
    return text[start:stop]


def _pad(left: bool) -> Impl:
    def run(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> Any:
        text = to_string(subject)
        length = _arg_int(args[0](attrs), "padLeft" if left else "padRight")
        char = to_string(args[1](attrs)) if len(args) > 1 else "_"
        return None if text is None else tf.pad(text, length, char or "", left)
    return run


FUNCTIONS["padLeft"] = Function(1, 2, _pad(True))
FUNCTIONS["padRight"] = Function(1, 2, _pad(False))


@fn("getDelimitedField", 1, 5)
def _delimited(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> Any:
    text = to_string(subject)
    values = [to_string(a(attrs)) for a in args]
    if text is None:
        return None
    index = _arg_int(values[0], "getDelimitedField")
    options = [v or "" for v in values[1:4]]
    strip = len(values) > 4 and (values[4] or "").lower() == "true"
    return tf.delimited_field(text, index, *options, strip=strip)


@fn("isNull")
def _is_null(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> bool:
    return subject is None


@fn("notNull")
def _not_null(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> bool:
    return subject is not None


@fn("isEmpty")
def _is_empty(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> bool:
    text = to_string(subject)
    return text is None or text.strip() == ""


@fn("replaceNull", 1)
def _replace_null(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> Any:
    return args[0](attrs) if subject is None else subject


@fn("replaceEmpty", 1)
def _replace_empty(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> Any:
    text = to_string(subject)
    return args[0](attrs) if text is None or not text.strip() else subject


@fn("not")
def _not(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> Any:
    value = to_boolean(subject, "not")
    return None if value is None else not value


@fn("and", 1)
def _and(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> bool:
    return bool(to_boolean(subject, "and")) and bool(to_boolean(args[0](attrs), "and"))


@fn("or", 1)
def _or(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> bool:
    return bool(to_boolean(subject, "or")) or bool(to_boolean(args[0](attrs), "or"))


@fn("ifElse", 2)
def _if_else(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> Any:
    return args[0](attrs) if to_boolean(subject, "ifElse") else args[1](attrs)


def _same(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return left is None and right is None
    numeric = (int, float)
    if isinstance(left, numeric) and isinstance(right, numeric) and not isinstance(left, bool) \
            and not isinstance(right, bool):
        return left == right
    return to_string(left) == to_string(right)


@fn("equals", 1)
def _equals(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> bool:
    return _same(subject, args[0](attrs))


@fn("in", 1, None)
def _in(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> bool:
    return any(_same(subject, a(attrs)) for a in args)


def _numbers(subject: Any, args: list[Thunk], attrs: dict[str, str], name: str
             ) -> tuple[Any, Any]:
    left = to_number(subject, name)
    right = to_number(args[0](attrs), name)
    return left, right


def _arithmetic(name: str, whole: Callable[[int, int], int],
                decimal: Callable[[float, float], float]) -> None:
    def run(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> Any:
        left, right = _numbers(subject, args, attrs, name)
        if left is None or right is None:
            return None
        if isinstance(left, int) and isinstance(right, int):
            return long_result(whole(left, right))
        return decimal(float(left), float(right))
    FUNCTIONS[name] = Function(1, 1, run)


def _java_div(a: int, b: int) -> int:
    if b == 0:
        raise ExpressionError("divide: division by zero")
    quotient = abs(a) // abs(b)
    return quotient if (a >= 0) == (b >= 0) else -quotient


def _java_mod(a: int, b: int) -> int:
    if b == 0:
        raise ExpressionError("mod: division by zero")
    return a - b * _java_div(a, b)


def _float_div(a: float, b: float) -> float:
    if b == 0:
        return math.copysign(math.inf, a) if a else math.nan
    return a / b


_arithmetic("plus", lambda a, b: a + b, lambda a, b: a + b)
_arithmetic("minus", lambda a, b: a - b, lambda a, b: a - b)
_arithmetic("multiply", lambda a, b: a * b, lambda a, b: a * b)
_arithmetic("divide", _java_div, _float_div)
_arithmetic("mod", _java_mod, lambda a, b: math.fmod(a, b) if b else math.nan)


def _comparison(name: str, test: Callable[[Any, Any], bool]) -> None:
    def run(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> bool:
        left, right = _numbers(subject, args, attrs, name)
        return left is not None and right is not None and test(left, right)
    FUNCTIONS[name] = Function(1, 1, run)


_comparison("gt", lambda a, b: a > b)
_comparison("ge", lambda a, b: a >= b)
_comparison("lt", lambda a, b: a < b)
_comparison("le", lambda a, b: a <= b)


@fn("toNumber")
def _to_number(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> Any:
    return to_number(subject, "toNumber")


@fn("toDecimal")
def _to_decimal(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> Any:
    number = to_number(subject, "toDecimal")
    return None if number is None else float(number)


_DEFAULT_DATE_FORMATS = ("EEE MMM dd HH:mm:ss zzz yyyy", "yyyy/MM/dd HH:mm:ss",
                         "yyyy/MM/dd HH:mm:ss.SSS")


def as_date(value: Any, name: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC)
    text = to_string(value) or ""
    number = parse_number(text)
    if isinstance(number, int):
        return datetime.fromtimestamp(number / 1000, UTC)
    for pattern in _DEFAULT_DATE_FORMATS:
        try:
            return dates.parse_date(text, pattern, None)
        except ExpressionError:
            continue
    raise ExpressionError(f"{name}: cannot convert {text!r} to a date")


def _date_args(args: list[Thunk], attrs: dict[str, str]) -> tuple[str, str | None]:
    pattern = to_string(args[0](attrs)) or ""
    tz = to_string(args[1](attrs)) if len(args) > 1 else None
    return pattern, tz


@fn("toDate", 0, 2)
def _to_date(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> Any:
    if not args:
        return as_date(subject, "toDate")
    text = to_string(subject)
    if text is None:
        return None
    pattern, tz = _date_args(args, attrs)
    return dates.parse_date(text, pattern, tz)


@fn("format", 1, 2)
def _format(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> Any:
    moment = as_date(subject, "format")
    if moment is None:
        return None
    pattern, tz = _date_args(args, attrs)
    return dates.format_date(moment, pattern, tz)


@fn("toInstant", 0, 2)
def _to_instant(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> Any:
    if not args:
        return as_date(subject, "toInstant")
    text = to_string(subject)
    if text is None:
        return None
    pattern, tz = _date_args(args, attrs)
    return dates.parse_date(text, pattern, tz, java_time=True)


@fn("formatInstant", 1, 2)
def _format_instant(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> Any:
    moment = as_date(subject, "formatInstant")
    if moment is None:
        return None
    pattern, tz = _date_args(args, attrs)
    return dates.format_date(moment, pattern, tz, java_time=True)


_counter = itertools.count()
_counter_lock = threading.Lock()


def _standalone(name: str, low: int = 0, high: int | None = -1) -> Any:
    return _register(STANDALONE, name, low, high)


@_standalone("literal", 1)
def _literal(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> Any:
    return args[0](attrs)


@_standalone("now")
def _now(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> datetime:
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@_standalone("UUID")
def _uuid(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> str:
    return str(uuid.uuid4())


@_standalone("nextInt")
def _next_int(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> int:
    with _counter_lock:
        return next(_counter)


@_standalone("random")
def _random(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> int:
    return random.getrandbits(63)


@_standalone("hostname", 0, 1)
def _hostname(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> str:
    return socket.getfqdn() if args and to_boolean(args[0](attrs), "hostname") else \
        socket.gethostname()


@_standalone("ip")
def _ip(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> str:
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"


@_standalone("thread")
def _thread(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> str:
    return threading.current_thread().name
