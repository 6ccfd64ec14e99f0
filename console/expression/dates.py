"""Java date patterns: ``SimpleDateFormat`` for ``format``, ``DateTimeFormatter`` (java.time)
for ``toDate``, ``toInstant`` and ``formatInstant``, as NiFi uses them.

The two differ where users notice: ``S`` counts milliseconds in SimpleDateFormat (``SSSSSS``
pads the millisecond number to six digits) but is a fraction of a second in java.time.
Without a zone argument NiFi uses the JVM's default zone; here that is the system's zone
unless ``DEFAULT_ZONE`` names another.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from console.expression.errors import ExpressionError

DEFAULT_ZONE: str | None = None

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_GMT_OFFSET = re.compile(r"^(?:GMT|UTC)?([+-])(\d{1,2}):?(\d{2})?$")


@dataclass(frozen=True)
class Field:
    letter: str
    count: int


Token = Field | str


@lru_cache(maxsize=256)
def tokenize(pattern: str) -> tuple[Token, ...]:
    tokens: list[Token] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "'":
            end = i + 1
            text = ""
            while end < len(pattern):
                if pattern[end] == "'":
                    if end + 1 < len(pattern) and pattern[end + 1] == "'":
                        text += "'"
                        end += 2
                        continue
                    break
                text += pattern[end]
                end += 1
            if end >= len(pattern) and not (i + 1 < len(pattern) and pattern[i + 1] == "'"):
                raise ExpressionError(f"unterminated quote in date pattern {pattern!r}")
            tokens.append("'" if end == i + 1 else text)
            i = end + 1
        elif char.isascii() and char.isalpha():
            end = i
            while end < len(pattern) and pattern[end] == char:
                end += 1
            if char not in "GyYMLwWDdFEuaHkKhmsSzZXxnV":
                raise ExpressionError(f"illegal pattern character {char!r} in {pattern!r}")
            tokens.append(Field(char, end - i))
            i = end
        else:
            tokens.append(char)
            i += 1
    return tuple(tokens)


@lru_cache(maxsize=1)
def _system_zone() -> tzinfo:
    """The machine's zone, as the JVM finds it: ``TZ``, then ``/etc/localtime``."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        candidates.append(str(localtime.resolve()).partition("zoneinfo/")[2])
    for name in filter(None, candidates):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return datetime.now().astimezone().tzinfo or UTC


def default_zone() -> tzinfo:
    return zone(DEFAULT_ZONE) if DEFAULT_ZONE else _system_zone()


def java_zone(name: str | None) -> tzinfo:
    """java.time's ``ZoneId.of``: unlike TimeZone, an unknown id is an error."""
    if name is None:
        return default_zone()
    if name in ("UTC", "GMT", "UT", "Z") or _GMT_OFFSET.match(name):
        return zone(name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ExpressionError(f"unknown time zone {name!r}") from None


def zone(name: str | None) -> tzinfo:
    """Java's TimeZone lookup: an unknown id silently means GMT, as in Java."""
    if not name:
        return default_zone()
    if name in ("UTC", "GMT", "Z", "UT"):
        return UTC
    match = _GMT_OFFSET.match(name)
    if match:
        sign = 1 if match.group(1) == "+" else -1
        delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
        return timezone(sign * delta)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _offset(moment: datetime, letter: str, count: int) -> str:
    delta = moment.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    if letter == "X" and minutes == 0:
        return "Z"
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    if letter in "Xx":
        return {1: f"{sign}{hours:02d}", 2: f"{sign}{hours:02d}{mins:02d}"}.get(
            count, f"{sign}{hours:02d}:{mins:02d}")
    return f"{sign}{hours:02d}{mins:02d}"


def _field(moment: datetime, f: Field, java_time: bool) -> str:
    n = f.count
    letter = f.letter
    if letter in "yYu" and not (letter == "u" and not java_time):
        year = moment.year
        return f"{year % 100:02d}" if n == 2 else f"{year:0{n}d}"
    if letter in "ML":
        if n >= 4:
            return _MONTHS[moment.month - 1]
        return _MONTHS[moment.month - 1][:3] if n == 3 else f"{moment.month:0{n}d}"
    simple = {
        "d": moment.day, "H": moment.hour, "m": moment.minute, "s": moment.second,
        "k": moment.hour or 24, "K": moment.hour % 12, "h": moment.hour % 12 or 12,
        "D": moment.timetuple().tm_yday, "F": (moment.day - 1) // 7 + 1,
        "w": moment.isocalendar()[1], "W": (moment.day + moment.replace(day=1).weekday()) // 7 + 1,
        "u": moment.isoweekday(),
    }
    if letter in simple:
        return f"{simple[letter]:0{n}d}"
    if letter == "S":
        if java_time:
            return f"{moment.microsecond:06d}{'0' * 3}"[:n].ljust(n, "0")
        return f"{moment.microsecond // 1000:0{n}d}"
    if letter == "n":
        return str(moment.microsecond * 1000)
    if letter == "E":
        name = _DAYS[moment.weekday()]
        return name if n >= 4 else name[:3]
    if letter == "a":
        return "AM" if moment.hour < 12 else "PM"
    if letter == "G":
        return "AD"
    if letter == "z":
        return moment.tzname() or "UTC"
    if letter == "V":
        return str(getattr(moment.tzinfo, "key", None) or moment.tzname() or "Z")
    return _offset(moment, letter, n)


def format_date(moment: datetime, pattern: str, tz: tzinfo, *, java_time: bool = False) -> str:
    local = moment.astimezone(tz)
    return "".join(t if isinstance(t, str) else _field(local, t, java_time) for t in tokenize(pattern))


def java_date_string(moment: datetime) -> str:
    """``java.util.Date.toString()``: in the default zone, as the JVM prints it."""
    return format_date(moment, "EEE MMM dd HH:mm:ss zzz yyyy", default_zone())


_TEXT_FIELDS = {
    "M": "|".join([*_MONTHS, *(m[:3] for m in _MONTHS)]),
    "E": "|".join([*_DAYS, *(d[:3] for d in _DAYS)]),
    "a": "AM|PM|am|pm",
    "G": "AD|BC",
    "z": r"[A-Za-z]{1,5}(?:[+-]\d{1,2}(?::?\d{2})?)?",
    "Z": r"[+-]\d{4}|Z",
    "X": r"Z|[+-]\d{2}(?::?\d{2})?",
    "x": r"[+-]\d{2}(?::?\d{2})?",
    "V": r"[A-Za-z_]+(?:/[A-Za-z0-9_+-]+)*",
}


def _is_text(f: Field) -> bool:
    return f.letter in _TEXT_FIELDS and not (f.letter in "ML" and f.count < 3)


@lru_cache(maxsize=256)
def _parser(pattern: str, java_time: bool) -> tuple[re.Pattern[str], tuple[Field, ...]]:
    tokens = tokenize(pattern)
    parts: list[str] = []
    fields: list[Field] = []
    for index, token in enumerate(tokens):
        if isinstance(token, str):
            parts.append(re.escape(token))
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if _is_text(token):
            parts.append(f"({_TEXT_FIELDS[token.letter]})")
        elif isinstance(following, Field) and not _is_text(following):
            parts.append(rf"([+-]?\d{{{token.count}}})")
        else:
            parts.append(r"([+-]?\d+)")
        fields.append(token)
    return re.compile("".join(parts) + r"$", re.IGNORECASE), tuple(fields)


def _zone_from_text(text: str) -> tzinfo:
    if text.upper() == "Z":
        return UTC
    match = _GMT_OFFSET.match(text)
    if match:
        return zone(text if text[0] in "+-" else text)
    return zone(text)


def _month(value: str) -> int:
    if value.isdigit():
        return int(value)
    key = value.lower()
    return next(i + 1 for i, name in enumerate(_MONTHS) if key in (name.lower(), name[:3].lower()))


def _read_field(parts: dict[str, Any], f: Field, value: str, java_time: bool) -> None:
    """Store one parsed field; ``parts`` collects the date, the time, am/pm and the zone."""
    letter = f.letter
    if letter in "yYu" and not (letter == "u" and not java_time):
        year = int(value)
        parts["y"] = year + 2000 if f.count == 2 and len(value) <= 2 else year
    elif letter in "ML":
        parts["M"] = _month(value)
    elif letter in "dHms":
        parts[letter] = int(value)
    elif letter in "hK":
        parts["H"] = int(value) % 12
    elif letter == "k":
        parts["H"] = int(value) % 24
    elif letter == "S":
        parts["us"] = int((value + "000000")[:6]) if java_time else int(value) * 1000
    elif letter == "a":
        parts["pm"] = value.upper() == "PM"
    elif letter in "zZXxV":
        parts["zone"] = _zone_from_text(value)


def parse_date(text: str, pattern: str, tz: tzinfo, *, java_time: bool = False) -> datetime:
    """Parse leniently and case-insensitively; fields the pattern lacks default to 1970-01-01 00:00."""
    regex, fields = _parser(pattern, java_time)
    match = regex.match(text.strip())
    if match is None:
        raise ExpressionError(f"cannot parse {text!r} with date pattern {pattern!r}")
    parts: dict[str, Any] = {"y": 1970, "M": 1, "d": 1, "H": 0, "m": 0, "s": 0, "us": 0,
                             "pm": False, "zone": tz}
    for f, value in zip(fields, match.groups(), strict=True):
        _read_field(parts, f, value, java_time)
    hour = parts["H"] + (12 if parts["pm"] and parts["H"] < 12 else 0)
    tzone = parts["zone"]
    try:
        local = datetime(parts["y"], parts["M"], parts["d"])
    except ValueError as exc:
        raise ExpressionError(f"cannot parse {text!r} with date pattern {pattern!r}: {exc}") from None
    local += timedelta(hours=hour, minutes=parts["m"], seconds=parts["s"], microseconds=parts["us"])
    return local.replace(tzinfo=tzone).astimezone(UTC)
