"""NiFi's value types and coercions: String, Boolean, whole number, decimal and date."""

from __future__ import annotations

import math
import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from console.expression.errors import ExpressionError

_WHOLE = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_HEX = re.compile(r"^[+-]?0[xX][0-9a-fA-F]+$")
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1


def java_double(value: float) -> str:
    """Java's ``Double.toString``: plain between 1e-3 and 1e7, otherwise ``d.dddE±n``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1, value) < 0 else "0.0"
    if 1e-3 <= abs(value) < 1e7:
        return repr(value)
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits))
    power = len(text) - 1 + int(exponent)
    mantissa = f"{text[0]}.{text[1:] or '0'}"
    return f"{'-' if sign else ''}{mantissa}E{power}"


def to_string(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, datetime):
        from console.expression.dates import java_date_string

        return java_date_string(value)
    return str(value)


def to_boolean(value: Any, where: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = to_string(value)
    if text is not None and text.strip().lower() in ("true", "false"):
        return text.strip().lower() == "true"
    raise ExpressionError(f"{where}: cannot convert {text!r} to a Boolean")


def parse_number(text: str) -> int | float | None:
    """NiFi's number parsing: whole numbers (decimal or hex) stay whole, else decimal."""
    stripped = text.strip()
    if _WHOLE.match(stripped):
        return int(stripped)
    if _HEX.match(stripped):
        return int(stripped, 16)
    if _DECIMAL.match(stripped):
        return float(stripped)
    return None


def to_number(value: Any, where: str) -> int | float | None:
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    text = to_string(value) or ""
    number = parse_number(text)
    if number is None:
        raise ExpressionError(f"{where}: cannot convert {text!r} to a number")
    return number


def to_whole(value: Any, where: str) -> int | None:
    number = to_number(value, where)
    if isinstance(number, float):
        return int(number)
    return number


def long_result(value: int) -> int:
    """Wrap like Java's 64-bit long arithmetic."""
    return (value - LONG_MIN) % 2**64 + LONG_MIN
