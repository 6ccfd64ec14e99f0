"""The string, boolean and number functions, with NiFi's null and type rules.

NiFi types every function: string functions read their subject as text, number functions cast
text to a whole number or a decimal (text that is no number gives null, which prints as
nothing), and a null subject mostly gives null again. The rules per function follow NiFi's
evaluators; where a rule is surprising the docstring says so.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable
from typing import Any

from console.expression import (
    date_functions,  # noqa: F401 - registers the date functions
    jsonpath,
)
from console.expression import text_functions as tf
from console.expression.errors import ExpressionError
from console.expression.registry import (
    FUNCTIONS,
    STANDALONE,
    Function,
    Thunk,
    fn,
    keywords,
    standalone,
    strings,
)
from console.expression.values import (
    equality_text,
    java_trim,
    long_result,
    to_boolean,
    to_decimal,
    to_number,
    to_string,
    to_whole,
)

INT_MAX = 2**31 - 1


@strings("toUpper")
def _upper(s: str) -> str:
    return s.upper()


@strings("toLower")
def _lower(s: str) -> str:
    return s.lower()


@strings("trim")
def _trim(s: str) -> str:
    return java_trim(s)


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


@strings("base64Encode")
def _base64_encode(s: str) -> str:
    return tf.base64_encode(s)


@strings("base64Decode")
def _base64_decode(s: str) -> str:
    return tf.base64_decode(s)


@strings("hash", 1)
def _hash(s: str, algorithm: str | None) -> str:
    return tf.digest(s, algorithm or "")


@strings("startsWith", 1, null=False)
def _starts(s: str, a: str | None) -> bool:
    return a is not None and s.startswith(a)


@strings("endsWith", 1, null=False)
def _ends(s: str, a: str | None) -> bool:
    return a is not None and s.endswith(a)


@strings("contains", 1, null=False)
def _contains(s: str, a: str | None) -> bool:
    return a is not None and a in s


@strings("find", 1, null=False)
def _find(s: str, a: str | None) -> bool:
    return a is not None and tf.regex_search(a, s)


@strings("matches", 1, null=False)
def _matches(s: str, a: str | None) -> bool:
    return a is not None and tf.regex_matches(a, s)


@strings("indexOf", 1, null=-1)
def _index_of(s: str, a: str | None) -> int:
    return -1 if a is None else s.find(a)


@strings("lastIndexOf", 1, null=-1)
def _last_index_of(s: str, a: str | None) -> int:
    return -1 if a is None else s.rfind(a)


@strings("equalsIgnoreCase", 1, null=False)
def _equals_ignore_case(s: str, a: str | None) -> bool:
    return a is not None and s.lower() == a.lower()


@strings("substringBefore", 1, null="")
def _before(s: str, a: str | None) -> str:
    """Like all ``substring*`` functions: a null subject gives an empty string, not null."""
    return s if not a or a not in s else s[: s.find(a)]


@strings("substringBeforeLast", 1, null="")
def _before_last(s: str, a: str | None) -> str:
    return s if not a or a not in s else s[: s.rfind(a)]


@strings("substringAfter", 1, null="")
def _after(s: str, a: str | None) -> str:
    return s if not a or a not in s else s[s.find(a) + len(a):]


@strings("substringAfterLast", 1, null="")
def _after_last(s: str, a: str | None) -> str:
    return s if not a or a not in s else s[s.rfind(a) + len(a):]


@strings("replace", 2)
def _replace(s: str, a: str | None, b: str | None) -> str:
    """Java's ``String.replace``: literal, and an empty search text matches between letters."""
    return s.replace(a or "", b or "")


@strings("replaceFirst", 2)
def _replace_first(s: str, a: str | None, b: str | None) -> str:
    return tf.replace_regex(s, a or "", b or "", 1)


@strings("replaceAll", 2)
def _replace_all(s: str, a: str | None, b: str | None) -> str:
    return tf.replace_regex(s, a or "", b or "", 0)


@fn("jsonPath", 1)
def _json_path(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> str:
    """A missing or empty subject is an error in NiFi, not an empty result."""
    text = to_string(subject)
    if not text:
        raise ExpressionError("jsonPath: the subject is empty")
    return jsonpath.json_path(text, to_string(args[0](attrs)) or "")


@fn("append", 1)
def _append(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> str:
    return (to_string(subject) or "") + (to_string(args[0](attrs)) or "")


@fn("prepend", 1)
def _prepend(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> str:
    return (to_string(args[0](attrs)) or "") + (to_string(subject) or "")


def _index(thunk: Thunk, attrs: dict[str, str], name: str) -> int:
    number = to_whole(thunk(attrs))
    if number is None:
        raise ExpressionError(f"{name}: the index is not a number")
    return number


@fn("substring", 1, 2)
def _substring(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> str:
    """A null subject or a range outside the text gives an empty string."""
    text = to_string(subject)
    if text is None:
        return ""
    start = _index(args[0], attrs, "substring")
    stop = _index(args[1], attrs, "substring") if len(args) > 1 else len(text)
    if start < 0 or stop > len(text) or start > stop:
        return ""
    return text[start:stop]


def _pad(left: bool) -> Callable[[Any, list[Thunk], dict[str, str]], Any]:
    def run(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> Any:
        text = to_string(subject)
        if text is None:
            return None
        length = to_whole(args[0](attrs))
        if length is None or length <= 0 or length > INT_MAX:
            return text
        padding = to_string(args[1](attrs)) if len(args) > 1 else None
        return tf.pad(text, length, padding or "_", left)
    return run


FUNCTIONS["padLeft"] = Function(1, 2, _pad(True))
FUNCTIONS["padRight"] = Function(1, 2, _pad(False))


@fn("getDelimitedField", 1, 5)
def _delimited(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> str:
    """Defaults: ``,`` delimiter, ``"`` quote, ``\\`` escape, quotes and escapes kept."""
    text = to_string(subject)
    if not text:
        return ""
    index = to_whole(args[0](attrs))
    if index is None:
        raise ExpressionError("getDelimitedField: the field index is not a number")
    given = [to_string(a(attrs)) for a in args[1:4]]
    delimiter, quote, escape = (given + [",", '"', "\\"][len(given):])
    strip = len(args) > 4 and bool(to_boolean(args[4](attrs)))
    return tf.delimited_field(text, index, delimiter, quote, escape, strip)


@fn("isNull")
def _is_null(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> bool:
    return subject is None


@fn("notNull")
def _not_null(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> bool:
    return subject is not None


def _blank(value: Any) -> bool:
    text = to_string(value)
    return text is None or java_trim(text) == ""


@fn("isEmpty")
def _is_empty(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> bool:
    return _blank(subject)


@fn("replaceNull", 1)
def _replace_null(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> str | None:
    return to_string(args[0](attrs)) if subject is None else to_string(subject)


@fn("replaceEmpty", 1)
def _replace_empty(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> str | None:
    return to_string(args[0](attrs)) if _blank(subject) else to_string(subject)


@fn("not")
def _not(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> bool | None:
    value = to_boolean(subject)
    return None if value is None else not value


@fn("and", 1)
def _and(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> bool | None:
    """Only a false subject decides alone; otherwise the argument is the answer."""
    if to_boolean(subject) is False:
        return False
    return to_boolean(args[0](attrs))


@fn("or", 1)
def _or(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> bool | None:
    if to_boolean(subject) is True:
        return True
    return to_boolean(args[0](attrs))


@fn("ifElse", 2)
def _if_else(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> str | None:
    """Text that does not read ``true`` (or null) takes the second branch."""
    return to_string(args[0](attrs) if to_boolean(subject) else args[1](attrs))


@fn("equals", 1)
def _equals(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> bool:
    """Values of different types compare as text: ``5`` equals ``'5'`` but not ``5.0``."""
    if subject is None:
        return False
    other = args[0](attrs)
    return other is not None and equality_text(subject) == equality_text(other)


@fn("in", 1, None)
def _in(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> bool:
    text = to_string(subject)
    return text is not None and any(to_string(a(attrs)) == text for a in args)


def _operands(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> tuple[Any, Any] | None:
    left = to_number(subject)
    if left is None:
        return None
    right = to_number(args[0](attrs))
    return None if right is None else (left, right)


def _arithmetic(name: str, whole: Callable[[int, int], int],
                decimal: Callable[[float, float], float]) -> None:
    def run(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> Any:
        operands = _operands(subject, args, attrs)
        if operands is None:
            return None
        left, right = operands
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
        return math.copysign(math.inf, a) * math.copysign(1, b) if a and not math.isnan(a) else math.nan
    return a / b


def _float_mod(a: float, b: float) -> float:
    return math.fmod(a, b) if b and not math.isinf(a) else math.nan


_arithmetic("plus", lambda a, b: a + b, lambda a, b: a + b)
_arithmetic("minus", lambda a, b: a - b, lambda a, b: a - b)
_arithmetic("multiply", lambda a, b: a * b, lambda a, b: a * b)
_arithmetic("divide", _java_div, _float_div)
_arithmetic("mod", _java_mod, _float_mod)


def _comparison(name: str, test: Callable[[Any, Any], bool]) -> None:
    def run(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> bool:
        operands = _operands(subject, args, attrs)
        return operands is not None and test(*operands)
    FUNCTIONS[name] = Function(1, 1, run)


_comparison("gt", lambda a, b: a > b)
_comparison("ge", lambda a, b: a >= b)
_comparison("lt", lambda a, b: a < b)
_comparison("le", lambda a, b: a <= b)


@fn("toNumber")
def _to_number(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> int | None:
    """Always a whole number: ``1.9`` becomes ``1``; text that is no number becomes null."""
    return to_whole(subject)


@fn("toDecimal")
def _to_decimal(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> float | None:
    return to_decimal(subject)


_counter = itertools.count()
_counter_lock = threading.Lock()


@standalone("literal", 1)
def _literal(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> str | None:
    return to_string(args[0](attrs))


@standalone("UUID")
def _uuid(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> str:
    import uuid  # here, not at the top: few expressions call it, every start would pay

    return str(uuid.uuid4())


@standalone("nextInt")
def _next_int(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> int:
    with _counter_lock:
        return next(_counter)


@standalone("random")
def _random(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> int:
    import random

    return random.getrandbits(63)


@standalone("hostname", 0, 1)
def _hostname(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> str:
    import socket

    return socket.getfqdn() if args and to_boolean(args[0](attrs)) else socket.gethostname()


@standalone("ip")
def _ip(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> str:
    import socket

    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"


@standalone("thread")
def _thread(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> str:
    return threading.current_thread().name


KEYWORDS = keywords()
__all__ = ["FUNCTIONS", "KEYWORDS", "STANDALONE", "Function", "Thunk"]
