"""Date functions of the modify operations, as the Jolt fixture suite defines them.

``fromEpochMilli``, ``toEpochMilli``, ``dateAdd``, ``dateSubstract`` (Jolt's spelling) and
``formatDate`` take Java ``DateTimeFormatter`` patterns (``yyyy-MM-dd'T'HH:mm:ssXXX``), zone ids
(``Europe/Paris``, ``UTC``, ``+03:00``) and ISO-8601 durations (``P1Y2M3D``, ``PT2H``). Without a
zone, times are UTC. Any bad argument (wrong type, unknown pattern letter, unknown zone,
unparsable text) gives ``ABSENT``, so nothing is written, as with Jolt's other functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from console.mapping.refs import ABSENT

_OFFSET_ZONE = re.compile(r"(?:UTC|GMT|UT)?([+-])(\d{1,2})(?::?(\d{2}))?")
_DURATION = re.compile(r"([+-]?)P(?:([+-]?\d+)Y)?(?:([+-]?\d+)M)?(?:([+-]?\d+)W)?(?:([+-]?\d+)D)?"
                       r"(?:T(?:([+-]?\d+)H)?(?:([+-]?\d+)M)?(?:([+-]?\d+(?:\.\d+)?)S)?)?",
                       re.IGNORECASE)
_TOKEN = re.compile(r"'(?:[^']|'')*'|([A-Za-z])\1*|[^A-Za-z']+")


def zone(name: Any) -> tzinfo | None:
    """A zone id or offset as Java's ``ZoneId.of`` reads it; ``None`` when unknown."""
    if not isinstance(name, str):
        return None
    if name in ("UTC", "GMT", "UT", "Z"):
        return UTC
    offset = _OFFSET_ZONE.fullmatch(name)
    if offset:
        sign, hours, minutes = offset.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        return timezone(-delta if sign == "-" else delta) if delta <= timedelta(hours=18) else None
    from zoneinfo import ZoneInfo  # only a named zone needs the time zone database

    try:
        return ZoneInfo(name)
    except (ValueError, OSError, KeyError):
        return None


@dataclass(frozen=True, slots=True)
class Field:
    """One pattern letter run: how to print it from a datetime and how to read it back."""

    regex: str
    render: Callable[[datetime], str]
    name: str | None = None


def _offset_text(moment: datetime, colon: bool, zulu: bool, short: bool = False) -> str:
    offset = moment.utcoffset() or timedelta(0)
    if zulu and not offset:
        return "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    if short and not rest:
        return f"{sign}{hours:02d}"
    return f"{sign}{hours:02d}{':' if colon else ''}{rest:02d}"


def _number(name: str, width: int, getter: Callable[[datetime], int]) -> Field:
    regex = rf"(?P<{name}>\d{{{width}}})" if width > 1 else rf"(?P<{name}>\d{{1,2}})"
    return Field(regex, lambda m: f"{getter(m):0{width}d}", name)


_OFFSET_REGEX = r"(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)"
_FIELDS: dict[str, Callable[[int], Field | None]] = {
    "y": lambda n: _number("year", 4, lambda m: m.year) if n != 2 else
    Field(r"(?P<year2>\d{2})", lambda m: f"{m.year % 100:02d}", "year2"),
    "M": lambda n: _number("month", n, lambda m: m.month) if n <= 2 else None,
    "d": lambda n: _number("day", n, lambda m: m.day) if n <= 2 else None,
    "H": lambda n: _number("hour", n, lambda m: m.hour) if n <= 2 else None,
    "m": lambda n: _number("minute", n, lambda m: m.minute) if n <= 2 else None,
    "s": lambda n: _number("second", n, lambda m: m.second) if n <= 2 else None,
    "S": lambda n: Field(rf"(?P<fraction>\d{{{n}}})",
                         lambda m: f"{m.microsecond:06d}000"[:n], "fraction") if n <= 9 else None,
    "X": lambda n: Field(_OFFSET_REGEX, lambda m: _offset_text(m, n == 3, True, n == 1),
                         "offset") if n <= 3 else None,
    "Z": lambda n: Field(_OFFSET_REGEX, lambda m: _offset_text(m, False, False),
                         "offset") if n <= 3 else None,
}


def compile_pattern(pattern: Any) -> list[Field | str] | None:
    """The pieces of a Java pattern, literals as text; ``None`` for an unsupported letter."""
    if not isinstance(pattern, str) or not pattern:
        return None
    pieces: list[Field | str] = []
    for match in _TOKEN.finditer(pattern):
        text = match.group(0)
        if text.startswith("'"):
            pieces.append(text[1:-1].replace("''", "'") if text != "''" else "'")
        elif match.group(1):
            builder = _FIELDS.get(text[0])
            field = builder(len(text)) if builder else None
            if field is None:
                return None
            pieces.append(field)
        else:
            pieces.append(text)
    return pieces


def render(moment: datetime, pieces: list[Field | str]) -> str:
    return "".join(p if isinstance(p, str) else p.render(moment) for p in pieces)


def parse(text: Any, pieces: list[Field | str], default_zone: tzinfo) -> datetime | None:
    """Read ``text`` with the pattern; fields it lacks are zero (midnight, the 1st)."""
    if not isinstance(text, str):
        return None
    seen: set[str] = set()
    regex = []
    for piece in pieces:
        if isinstance(piece, str):
            regex.append(re.escape(piece))
        elif piece.name in seen:
            regex.append(piece.regex.replace(f"(?P<{piece.name}>", "(?:"))
        else:
            seen.add(piece.name or "")
            regex.append(piece.regex)
    found = re.fullmatch("".join(regex), text)
    if found is None:
        return None
    return _build(found.groupdict(), default_zone)


def _build(values: dict[str, str | None], default_zone: tzinfo) -> datetime | None:
    def get(name: str, fallback: int) -> int:
        value = values.get(name)
        return int(value) if value else fallback

    year = get("year", 1970) if values.get("year2") is None else 2000 + get("year2", 0)
    fraction = (values.get("fraction") or "0").ljust(6, "0")[:6]
    offset = values.get("offset")
    where = zone(offset) if offset else default_zone
    if where is None:
        return None
    try:
        return datetime(year, get("month", 1), get("day", 1), get("hour", 0), get("minute", 0),
                        get("second", 0), int(fraction), tzinfo=where)
    except ValueError:
        return None


def shift(moment: datetime, duration: Any, sign: int) -> datetime | None:
    """``moment`` moved by an ISO-8601 duration: months with the day clamped, as Java's
    ``plusMonths`` does, then days and clock time."""
    found = _DURATION.fullmatch(duration) if isinstance(duration, str) else None
    if found is None or not any(found.groups()[1:]):
        return None
    whole, years, months, weeks, days, hours, minutes, seconds = found.groups()
    sign = -sign if whole == "-" else sign
    total_months = sign * (int(years or 0) * 12 + int(months or 0))
    month_index = moment.year * 12 + moment.month - 1 + total_months
    year, month = divmod(month_index, 12)
    if not 1 <= year <= 9999:
        return None
    import calendar  # only a move by months or years needs month lengths

    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    moved = moment.replace(year=year, month=month + 1, day=day)
    delta = timedelta(weeks=int(weeks or 0), days=int(days or 0), hours=int(hours or 0),
                      minutes=int(minutes or 0), seconds=float(seconds or 0))
    try:
        return moved + sign * delta
    except OverflowError:
        return None


def _instant_text(moment: datetime) -> str:
    """``Instant.toString()``: UTC, seconds always, the fraction only when there is one."""
    base = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    millis = moment.microsecond // 1000
    return f"{base}.{millis:03d}Z" if millis else f"{base}Z"


def _epoch(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _zone_arg(args: list[Any], index: int) -> tzinfo | None:
    return zone(args[index]) if len(args) > index else UTC


def from_epoch_milli(args: list[Any]) -> Any:
    millis = _epoch(args[0]) if args else None
    if millis is None or len(args) > 3:
        return ABSENT
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis)
    if len(args) == 1:
        return _instant_text(moment)
    pieces, where = compile_pattern(args[1]), _zone_arg(args, 2)
    if pieces is None or where is None:
        return ABSENT
    return render(moment.astimezone(where), pieces)


def to_epoch_milli(args: list[Any]) -> Any:
    if not 2 <= len(args) <= 3:
        return ABSENT
    pieces, where = compile_pattern(args[1]), _zone_arg(args, 2)
    moment = parse(args[0], pieces, where) if pieces is not None and where is not None else None
    if moment is None:
        return ABSENT
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def _date_move(sign: int) -> Callable[[list[Any]], Any]:
    def run(args: list[Any]) -> Any:
        if not 3 <= len(args) <= 4:
            return ABSENT
        pieces, where = compile_pattern(args[1]), _zone_arg(args, 3)
        moment = parse(args[0], pieces, where) if pieces is not None and where is not None \
            else None
        moved = shift(moment, args[2], sign) if moment is not None else None
        return ABSENT if moved is None or pieces is None else render(moved, pieces)
    return run


def format_date(args: list[Any]) -> Any:
    if not 3 <= len(args) <= 5:
        return ABSENT
    source, target = compile_pattern(args[1]), compile_pattern(args[2])
    read_zone = _zone_arg(args, 3)
    write_zone = _zone_arg(args, 4) if len(args) > 4 else read_zone
    if source is None or target is None or read_zone is None or write_zone is None:
        return ABSENT
    moment = parse(args[0], source, read_zone)
    return ABSENT if moment is None else render(moment.astimezone(write_zone), target)


DATE_FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    "fromEpochMilli": from_epoch_milli,
    "toEpochMilli": to_epoch_milli,
    "dateAdd": _date_move(1),
    "dateSubstract": _date_move(-1),
    "formatDate": format_date,
}
