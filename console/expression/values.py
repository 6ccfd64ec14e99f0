"""NiFi's value types and the casts between them.

Values are ``None`` (null), ``str``, ``bool``, ``int`` (NiFi's whole number, a Java long),
``float`` (decimal, a Java double), ``datetime`` (a ``java.util.Date``) and ``Instant``. The
casts follow NiFi's cast evaluators: a string that is not a number becomes null, not an error,
and a decimal cast to a whole number is truncated like Java's ``Double.longValue()``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from console.expression.errors import ExpressionError

LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1
_WHOLE = re.compile(r"[-+]?(?:\d+|0[xX][0-9a-fA-F]+)")
_DECIMAL = re.compile(
    r"[-+]?(?:Infinity|NaN|\d+\.\d+|\d+(?:\.\d+)?[eE][-+]?\d+|\.\d+(?:[eE][-+]?\d+)?"
    r"|0[xX][0-9a-fA-F]+\.?[pP][-+]?\d+|0[xX][0-9a-fA-F]+(?:\.[0-9a-fA-F]+)?[pP][-+]?\d+"
    r"|0[xX]\.[0-9a-fA-F]+(?:[pP][-+]?\d+)?)")


@dataclass(frozen=True)
class Instant:
    """A ``java.time.Instant``: kept apart from dates because it prints and casts differently."""

    moment: datetime

    def millis(self) -> int:
        return epoch_millis(self.moment)


def epoch_millis(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def java_trim(text: str) -> str:
    """``String.trim()``: strips characters up to U+0020, not Unicode white space."""
    start, end = 0, len(text)
    while start < end and text[start] <= " ":
        start += 1
    while end > start and text[end - 1] <= " ":
        end -= 1
    return text[start:end]


def java_double(value: float) -> str:
    """Java's ``Double.toString``: plain between 1e-3 and 1e7, otherwise ``d.dddE±n``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1, value) < 0 else "0.0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits))
    power = len(text) - 1 + int(exponent)
    prefix = "-" if sign else ""
    if 1e-3 <= abs(value) < 1e7:
        if power >= 0:
            whole, fraction = text[:power + 1].ljust(power + 1, "0"), text[power + 1:]
        else:
            whole, fraction = "0", "0" * (-power - 1) + text
        return f"{prefix}{whole}.{fraction or '0'}"
    return f"{prefix}{text[0]}.{text[1:] or '0'}E{power}"


def java_instant(moment: datetime) -> str:
    """``Instant.toString()``: ISO-8601 in UTC with the fraction in groups of three digits."""
    utc = moment.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        fraction = f"{utc.microsecond:06d}"
        text += "." + (fraction[:3] if fraction.endswith("000") else fraction)
    return text + "Z"


def to_string(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, Instant):
        return java_instant(value.moment)
    if isinstance(value, datetime):
        from console.expression.dates import java_date_string

        return java_date_string(value)
    return str(value)


def equality_text(value: Any) -> str | None:
    """How ``equals`` compares values of different types: dates as epoch millis, else text."""
    if isinstance(value, datetime):
        return str(epoch_millis(value))
    return to_string(value)


def to_boolean(value: Any) -> bool | None:
    """A string is true when it reads ``true`` in any case, as Java's ``Boolean.valueOf``."""
    if value is None or isinstance(value, bool):
        return value
    return java_trim(to_string(value) or "").lower() == "true"


def _parse_long(text: str) -> int:
    body = text.lstrip("+-")
    number = int(body, 16) if body[:2] in ("0x", "0X") else int(body)
    number = -number if text.startswith("-") else number
    if not LONG_MIN <= number <= LONG_MAX:
        raise ExpressionError(f"{text!r} is out of the range of a whole number")
    return number


def _parse_double(text: str) -> float:
    body = text.lstrip("+-")
    if body[:2] not in ("0x", "0X"):
        return float(text)
    if "p" not in body.lower():
        raise ExpressionError(f"{text!r} is not a decimal number: a hexadecimal one needs an exponent")
    number = float.fromhex(body)
    return -number if text.startswith("-") else number


def parse_number(text: str) -> int | float | None:
    """NiFi's ``NumberParsing``: whole (decimal or hex) stays whole, decimals are doubles."""
    trimmed = java_trim(text)
    if _WHOLE.fullmatch(trimmed):
        return _parse_long(trimmed)
    if _DECIMAL.fullmatch(trimmed):
        return _parse_double(trimmed)
    return None


def _time_millis(value: Any) -> int | None:
    if isinstance(value, Instant):
        return value.millis()
    if isinstance(value, datetime):
        return epoch_millis(value)
    return None


def to_number(value: Any) -> int | float | None:
    """NiFi's number cast: whole or decimal as the text reads; null when it is no number."""
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    millis = _time_millis(value)
    if millis is not None:
        return millis
    if isinstance(value, bool):
        raise ExpressionError("a Boolean cannot be used as a number")
    return parse_number(str(value))


def java_long(value: float) -> int:
    """``Double.longValue()``: truncation, NaN is 0, infinities saturate."""
    if math.isnan(value):
        return 0
    if math.isinf(value):
        return LONG_MAX if value > 0 else LONG_MIN
    return max(LONG_MIN, min(LONG_MAX, int(value)))


def to_whole(value: Any) -> int | None:
    number = to_number(value)
    return java_long(number) if isinstance(number, float) else number


def to_decimal(value: Any) -> float | None:
    number = to_number(value)
    return None if number is None else float(number)


def long_result(value: int) -> int:
    """Wrap like Java's 64-bit long arithmetic."""
    return (value - LONG_MIN) % 2**64 + LONG_MIN
