"""The stock functions of Jolt's modify operations (``=toUpper``, ``=concat(...)``, ...).

Each takes the evaluated arguments and returns a value, or ``ABSENT`` when Jolt's function
would give an empty Optional (then nothing is written).
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from console.mapping.dates import DATE_FUNCTIONS
from console.mapping.refs import ABSENT
from console.mapping.shift import java_text

Function = Callable[[list[Any]], Any]


_JAVA_INT = re.compile(r"[+-]?\d+")
"""``Integer.parseInt`` / ``Long.parseLong``: a sign and decimal digits, nothing around them."""
_JAVA_DOUBLE = re.compile(
    r"[+-]?(?:NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?"
    r"|0[xX](?:[0-9a-fA-F]+\.?|[0-9a-fA-F]*\.[0-9a-fA-F]+)[pP][+-]?[0-9]+[fFdD]?)")
"""``Double.parseDouble``'s grammar (after its trim): no underscores, ``NaN``/``Infinity``
spelt exactly, an optional type suffix, hexadecimal with a binary exponent."""
JAVA_BLANKS = "".join(chr(c) for c in range(33))
"""What Java's ``String.trim`` removes: every character up to the space, and no other."""
_LONG = 1 << 63


def _java_double(text: str) -> float:
    body = text.rstrip("fFdD") if not text.endswith("Infinity") else text
    if "x" in body or "X" in body:
        return float.fromhex(body)
    return float(body.replace("Infinity", "inf").replace("NaN", "nan"))


def _number(value: Any) -> int | float | None:
    """Jolt's ``toNumber``: a number as it is; a string as ``parseInt``, then ``parseLong``,
    then ``parseDouble`` read it (so ``" 12"`` is the double 12.0, ``"1_000"`` no number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        if _JAVA_INT.fullmatch(value):
            number = int(value)
            if -_LONG <= number < _LONG:
                return number
        text = value.strip(JAVA_BLANKS)
        if _JAVA_DOUBLE.fullmatch(text):
            return _java_double(text)
    return None


def _java_whole(number: int | float, bits: int) -> int:
    """Java's ``intValue``/``longValue``: a double is cut toward zero and held to the range
    (NaN is 0); a whole number keeps its low ``bits`` bits, as a Long or BigInteger does."""
    top = 1 << (bits - 1)
    if isinstance(number, float):
        if number != number:
            return 0
        if number >= top:
            return top - 1
        if number <= -top:
            return -top
        return int(number)
    return (number + top) % (top << 1) - top


def _values(args: list[Any]) -> list[Any]:
    """A single list argument stands for its elements, as Jolt's list functions treat it."""
    if len(args) == 1 and isinstance(args[0], list):
        return args[0]
    return args


def _text(value: Any) -> str:
    """``String.valueOf`` as Java prints JSON values: ``[a, b]`` and ``{k=v}`` for containers."""
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_text(v)}" for k, v in value.items()) + "}"
    return java_text(value) if not isinstance(value, str) else value


def _whole(bits: int) -> Function:
    def run(args: list[Any]) -> Any:
        value = args[0] if args else None
        if isinstance(value, list):
            return [v for v in (run([x]) for x in value) if v is not ABSENT]
        number = _number(value)
        return ABSENT if number is None else _java_whole(number, bits)
    return run


to_integer = _whole(32)
to_long = _whole(64)


def to_double(args: list[Any]) -> Any:
    value = args[0] if args else None
    if isinstance(value, list):
        return [v for v in (to_double([x]) for x in value) if v is not ABSENT]
    number = _number(value)
    if number is None:
        return ABSENT
    try:
        return float(number)
    except OverflowError:  # a whole number past the double range: Java's doubleValue is infinite
        return math.copysign(math.inf, number)


def to_boolean(args: list[Any]) -> Any:
    value = args[0] if args else None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return ABSENT


def to_string(args: list[Any]) -> Any:
    if not args or args[0] is None:
        return ABSENT
    value = args[0]
    if isinstance(value, dict | list):
        return ABSENT
    return _text(value)


def _string_fn(fn: Callable[[str], Any]) -> Function:
    def run(args: list[Any]) -> Any:
        value = args[0] if args else None
        if isinstance(value, list):
            return [fn(v) if isinstance(v, str) else v for v in value]
        return fn(value) if isinstance(value, str) else ABSENT
    return run


def concat(args: list[Any]) -> Any:
    return "".join(_text(v) for v in _values(args) if v is not None)


def join(args: list[Any]) -> Any:
    """Jolt's join: the separator, then either one list or the remaining arguments; nulls and
    empty texts are skipped, but a separator still follows every item that is not last."""
    if len(args) == 1 and isinstance(args[0], list):
        args = args[0]
    if len(args) < 2 or not isinstance(args[0], str):
        return ABSENT
    separator = args[0]
    items = args[1] if len(args) == 2 and isinstance(args[1], list) else args[1:]
    pieces: list[str] = []
    for position, item in enumerate(items):
        text = "" if item is None else _text(item)
        if text:
            pieces.append(text)
            if position < len(items) - 1:
                pieces.append(separator)
    return "".join(pieces)


def split(args: list[Any]) -> Any:
    if len(args) != 2 or not isinstance(args[0], str) or not isinstance(args[1], str):
        return ABSENT
    parts = re.split(args[0], args[1])
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def substring(args: list[Any]) -> Any:
    if len(args) != 3 or not isinstance(args[0], str):
        return ABSENT
    start, end = _number(args[1]), _number(args[2])
    if not isinstance(start, int) or not isinstance(end, int):
        return ABSENT
    if start < 0 or end > len(args[0]) or start >= end:
        return ABSENT
    return args[0][start:end]


def _pad(left: bool) -> Function:
    def run(args: list[Any]) -> Any:
        if len(args) != 3 or not isinstance(args[0], str):
            return ABSENT
        width, fill = _number(args[1]), args[2]
        if not isinstance(width, int) or not isinstance(fill, str) or len(fill) != 1 or \
                not 0 < width <= 500:
            return ABSENT
        return args[0].rjust(width, fill) if left else args[0].ljust(width, fill)
    return run


def _numbers(args: list[Any]) -> list[int | float]:
    return [n for n in (_number(v) for v in _values(args)) if n is not None]


def _double_extreme(a: float, b: float, larger: bool) -> float:
    """``Math.max``/``Math.min`` on doubles: NaN wins, and +0.0 is above -0.0."""
    if a != a or b != b:
        return math.nan
    if a == b == 0:
        return a if (math.copysign(1, a) > 0) == larger else b
    return (a if a >= b else b) if larger else (a if a <= b else b)


def _extreme(args: list[Any], larger: bool) -> Any:
    """Jolt's ``max``/``min``: the extreme of the Integers, of the Longs and of the Doubles
    (strings read as ``toNumber`` reads them), then one of the three chosen by comparing their
    ``longValue``s, Integer first: so ``max(1, 1.5)`` is 1, as the Integrator gives."""
    ints: list[int] = []
    longs: list[int] = []
    doubles: list[float] = []
    for value in _values(args):
        number = _number(value) if isinstance(value, str) else value
        if isinstance(number, bool) or not isinstance(number, int | float):
            continue
        if isinstance(number, float):
            doubles.append(number)
        elif -(1 << 31) <= number < 1 << 31:  # Jackson's Integer, or parseInt's
            ints.append(number)
        elif -_LONG <= number < _LONG:  # a Long; a BigInteger is none of the three: skipped
            longs.append(number)
    if not (ints or longs or doubles):
        return ABSENT
    pick = max if larger else min
    top_int = pick(ints, default=-(1 << 31) if larger else (1 << 31) - 1)
    top_long = pick(longs, default=-_LONG if larger else _LONG - 1)
    top_double = -sys.float_info.max if larger else sys.float_info.max
    for number in doubles:
        top_double = _double_extreme(top_double, number, larger)
    double_long = _java_whole(top_double, 64)
    def beats(a: int, b: int) -> bool:
        return a >= b if larger else a <= b

    if beats(top_int, double_long) and beats(top_int, top_long):
        return top_int
    return top_long if beats(top_long, double_long) else top_double


def minimum(args: list[Any]) -> Any:
    return _extreme(args, larger=False)


def maximum(args: list[Any]) -> Any:
    return _extreme(args, larger=True)


def absolute(args: list[Any]) -> Any:
    value = args[0] if args else None
    if isinstance(value, list):
        return [abs(n) for n in (_number(v) for v in value) if n is not None]
    number = _number(value)
    return ABSENT if number is None else abs(number)


def average(args: list[Any]) -> Any:
    numbers = _numbers(args)
    return sum(numbers) / len(numbers) if numbers else ABSENT


def _sum(kind: type) -> Function:
    def run(args: list[Any]) -> Any:
        values = _values(args)
        if len(args) == 1 and not isinstance(args[0], list):
            return ABSENT
        numbers = [n for n in (_number(v) for v in values) if n is not None]
        return kind(sum(kind(n) for n in numbers)) if numbers else ABSENT
    return run


def _subtract(kind: type) -> Function:
    def run(args: list[Any]) -> Any:
        numbers = _numbers(args)
        if len(numbers) != 2:
            return ABSENT
        return kind(kind(numbers[0]) - kind(numbers[1]))
    return run


def divide(args: list[Any]) -> Any:
    numbers = _numbers(args)
    if len(numbers) != 2 or numbers[1] == 0:
        return ABSENT
    return float(numbers[0]) / float(numbers[1])


def divide_and_round(args: list[Any]) -> Any:
    numbers = _numbers(args)
    if len(numbers) != 3 or numbers[2] == 0 or not isinstance(numbers[0], int):
        return ABSENT
    quotient = Decimal(repr(float(numbers[1]) / float(numbers[2])))
    return float(quotient.quantize(Decimal(1).scaleb(-numbers[0]), rounding=ROUND_HALF_UP))


def size(args: list[Any]) -> Any:
    value = args[0] if len(args) == 1 else args
    if isinstance(value, str | list | dict):
        return len(value)
    return ABSENT


def _list_fn(fn: Callable[[list[Any]], Any]) -> Function:
    def run(args: list[Any]) -> Any:
        value = args[0] if len(args) == 1 else None
        return fn(value) if isinstance(value, list) else ABSENT
    return run


def element_at(args: list[Any]) -> Any:
    values = [a for a in args if isinstance(a, list)]
    indexes = [_number(a) for a in args if not isinstance(a, list)]
    if len(values) != 1 or len(indexes) != 1 or not isinstance(indexes[0], int):
        return ABSENT
    index = indexes[0]
    return values[0][index] if 0 <= index < len(values[0]) else ABSENT


def to_list(args: list[Any]) -> Any:
    value = args[0] if len(args) == 1 else args
    return value if isinstance(value, list) else [value]


def sort_list(args: list[Any]) -> Any:
    value = args[0] if len(args) == 1 else args
    if not isinstance(value, list):
        return ABSENT
    try:
        return sorted(value)
    except TypeError:
        return ABSENT


def squash_nulls(args: list[Any]) -> Any:
    value = args[0] if args else None
    if isinstance(value, list):
        return [v for v in value if v is not None]
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if v is not None}
    return value if value is not None else ABSENT


def recursively_squash_nulls(args: list[Any]) -> Any:
    value = args[0] if args else None

    def squash(node: Any) -> Any:
        if isinstance(node, list):
            return [squash(v) for v in node if v is not None]
        if isinstance(node, dict):
            return {k: squash(v) for k, v in node.items() if v is not None}
        return node
    return squash(value) if value is not None else ABSENT


def index_of(args: list[Any]) -> Any:
    """``indexOf(text, part)``: Java's ``String.indexOf``, -1 when ``part`` is not there."""
    if len(args) != 2 or not isinstance(args[0], str) or not isinstance(args[1], str):
        return ABSENT
    return args[0].find(args[1])


def squash_duplicates(args: list[Any]) -> Any:
    value = args[0] if args else None
    if not isinstance(value, list):
        return ABSENT
    out: list[Any] = []
    for item in value:
        if item not in out:
            out.append(item)
    return out


FUNCTIONS: dict[str, Function] = {
    "toLower": _string_fn(str.lower),
    "toUpper": _string_fn(str.upper),
    "trim": _string_fn(lambda text: text.strip(JAVA_BLANKS)),
    "concat": concat,
    "join": join,
    "split": split,
    "substring": substring,
    "indexOf": index_of,
    "leftPad": _pad(True),
    "rightPad": _pad(False),
    "min": minimum,
    "max": maximum,
    "abs": absolute,
    "avg": average,
    "intSum": _sum(int),
    "longSum": _sum(int),
    "doubleSum": _sum(float),
    "intSubtract": _subtract(int),
    "longSubtract": _subtract(int),
    "doubleSubtract": _subtract(float),
    "divide": divide,
    "div": divide,
    "divideAndRound": divide_and_round,
    "toInteger": to_integer,
    "toLong": to_long,
    "toDouble": to_double,
    "toBoolean": to_boolean,
    "toString": to_string,
    "size": size,
    "firstElement": _list_fn(lambda v: v[0] if v else ABSENT),
    "lastElement": _list_fn(lambda v: v[-1] if v else ABSENT),
    "elementAt": element_at,
    "toList": to_list,
    "sort": sort_list,
    "squashNulls": squash_nulls,
    "recursivelySquashNulls": recursively_squash_nulls,
    "squashDuplicates": squash_duplicates,
    "noop": lambda args: ABSENT,
    "isPresent": lambda args: args[0] if args and args[0] is not None else ABSENT,
    "notNull": lambda args: args[0] if args and args[0] is not None else ABSENT,
    "isNull": lambda args: None if args and args[0] is None else ABSENT,
    **DATE_FUNCTIONS,
}
