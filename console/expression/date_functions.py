"""Date and instant functions: ``toDate``, ``format``, ``toInstant``, ``formatInstant``, ``now``.

NiFi's casts decide what a subject means: ``format`` reads a string as epoch milliseconds,
``Date.toString()`` output or ``yyyy/MM/dd HH:mm:ss[.SSS]`` in the default zone, and fails on
anything else; ``toDate()`` without a pattern only converts numbers (other text gives null);
``toDate``/``toInstant`` with a pattern parse only string subjects and convert the rest as
numbers, ignoring the pattern.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from console.expression import dates
from console.expression.errors import ExpressionError
from console.expression.registry import Thunk, fn, standalone
from console.expression.values import Instant, java_trim, to_string, to_whole

_DATE_STRING = re.compile(r"(?:[a-zA-Z]{3} ){2}\d{2} \d{2}:\d{2}:\d{2} (?:.*?) \d{4}")
_SLASHED = re.compile(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(\.\d{3})?")
_ISO_INSTANT = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:\d{2}(?::\d{2})?)",
                          re.IGNORECASE)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def from_millis(millis: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=millis)


def _millis_only(moment: datetime) -> datetime:
    """A ``java.util.Date`` keeps milliseconds: finer digits are dropped."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def date_cast(value: Any, name: str) -> datetime | None:
    """NiFi's date cast of a ``format`` subject."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, Instant):
        return _millis_only(value.moment)
    if not isinstance(value, str):
        millis = to_whole(value)
        return None if millis is None else from_millis(millis)
    text = java_trim(value)
    if _DATE_STRING.fullmatch(text):
        return dates.parse_date(text, "EEE MMM dd HH:mm:ss zzz yyyy", dates.default_zone(), java_time=True)
    if text.isascii() and text.isdigit():
        return from_millis(int(text))
    slashed = _SLASHED.fullmatch(text)
    if slashed:
        pattern = "yyyy/MM/dd HH:mm:ss" + (".SSS" if slashed.group(1) else "")
        return dates.parse_date(text, pattern, dates.default_zone(), java_time=True)
    raise ExpressionError(f"{name}: cannot read {text!r} as a date; give toDate() its pattern")


def _iso_instant(text: str) -> datetime | None:
    match = _ISO_INSTANT.fullmatch(text)
    if match is None:
        return None
    try:
        return datetime.fromisoformat(text.upper().replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def instant_cast(value: Any, name: str) -> Instant | None:
    """NiFi's instant cast: epoch milliseconds, ISO-8601 instants, or numbers."""
    if value is None or isinstance(value, Instant):
        return value
    if isinstance(value, datetime):
        return Instant(value)
    if not isinstance(value, str):
        millis = to_whole(value)
        return None if millis is None else Instant(from_millis(millis))
    text = java_trim(value)
    if text.isascii() and text.isdigit():
        return Instant(from_millis(int(text)))
    moment = _iso_instant(text)
    if moment is None:
        raise ExpressionError(f"{name}: cannot read {text!r} as an instant; give toInstant() its pattern")
    return Instant(moment)


def _pattern_and_zone(args: list[Thunk], attrs: dict[str, str]) -> tuple[str | None, str | None]:
    pattern = to_string(args[0](attrs))
    zone = to_string(args[1](attrs)) if len(args) > 1 else None
    return pattern, zone


@fn("toDate", 0, 2)
def _to_date(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> datetime | None:
    if not args or not isinstance(subject, str | None):
        millis = to_whole(subject)
        return None if millis is None else from_millis(millis)
    pattern, zone = _pattern_and_zone(args, attrs)
    if subject is None or pattern is None:
        return None
    parsed = dates.parse_date(subject, pattern, dates.java_zone(zone), java_time=True)
    return _millis_only(parsed)


@fn("format", 1, 2)
def _format(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> str | None:
    """SimpleDateFormat; an unknown zone id means GMT, as Java's ``TimeZone`` has it."""
    moment = date_cast(subject, "format")
    pattern, zone = _pattern_and_zone(args, attrs)
    if moment is None or pattern is None:
        return None
    return dates.format_date(moment, pattern, dates.zone(zone))


@fn("toInstant", 0, 2)
def _to_instant(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> Instant | None:
    if not args or not isinstance(subject, str | None):
        return instant_cast(subject, "toInstant")
    pattern, zone = _pattern_and_zone(args, attrs)
    if subject is None or pattern is None:
        return None
    return Instant(dates.parse_date(subject, pattern, dates.java_zone(zone), java_time=True))


@fn("formatInstant", 2)
def _format_instant(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> str | None:
    """java.time patterns, and the zone is required and must be a known id."""
    instant = instant_cast(subject, "formatInstant")
    pattern, zone = _pattern_and_zone(args, attrs)
    if instant is None or pattern is None:
        return None
    if zone is None:
        raise ExpressionError("formatInstant: the time zone is missing")
    return dates.format_date(instant.moment, pattern, dates.java_zone(zone), java_time=True)


@standalone("now")
def _now(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> datetime:
    return _millis_only(datetime.now(UTC))
