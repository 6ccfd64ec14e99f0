"""Plain five-field cron, read and stepped through without croniter.

Most schedules are numbers, ranges, steps, lists and stars (``*/15 * * * *``, ``0 6 * * 1-5``).
For those, knowing that the expression is valid and finding its next runs needs only a little
calendar arithmetic, and listing or loading flows need not import croniter (and dateutil)
on every start. Quartz expressions are read the same way once ``console.flows.schedule`` has
made them croniter's (a seconds field first, ``?`` as ``*``, days numbered from Sunday = 0).
Anything else (names, ``L``, ``W``, ``#``, hashes, a year field that is not ``*``, both day
fields restricted) is left to croniter, and so is any run this module cannot vouch for:
one the time zone's clock change touches, or one further away than a few years. The tests
compare both on many expressions, start times and zones.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache

_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))
"""minute, hour, day of month, month, day of week (0 is Sunday), as croniter numbers them."""
SEARCH_YEARS = 9
"""Far enough for any date a plain expression names (the 29th of February comes back within
eight years); past it, croniter decides whether the schedule ever fires."""
_ONE_DAY = timedelta(days=1)
_ONE_MINUTE = timedelta(minutes=1)
_ONE_SECOND = timedelta(seconds=1)


class PlainCron:
    """The seconds, minutes, hours, days, months and weekdays a plain expression allows."""

    __slots__ = ("days", "hours", "minutes", "months", "seconds", "step", "weekdays")

    def __init__(self, seconds: tuple[int, ...] | None, minutes: tuple[int, ...],
                 hours: tuple[int, ...], days: frozenset[int], months: frozenset[int],
                 weekdays: frozenset[int]) -> None:
        self.seconds = seconds or (0,)
        self.step = _ONE_MINUTE if seconds is None else _ONE_SECOND
        self.minutes = minutes
        self.hours = hours
        self.days = days
        self.months = months
        self.weekdays = weekdays

    def next_wall_time(self, after: datetime) -> datetime | None:
        """The first allowed wall time after ``after`` (naive, to the minute or, with a
        seconds field, the second), or None when there is none within ``SEARCH_YEARS``."""
        try:
            first = after.replace(microsecond=0, tzinfo=None)
            if self.step == _ONE_MINUTE:
                first = first.replace(second=0)
            first += self.step
            day = first.date()
            last_year = day.year + SEARCH_YEARS
            while day.year < last_year:
                if day.month not in self.months:
                    day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
                    continue
                if day.day in self.days and (day.weekday() + 1) % 7 in self.weekdays:
                    found = self._time_of_day(first.time() if day == first.date() else time())
                    if found is not None:
                        return datetime.combine(day, found)
                day += _ONE_DAY
        except (OverflowError, ValueError):  # past the year 9999
            return None
        return None

    def _time_of_day(self, earliest: time) -> time | None:
        for hour in self.hours:
            if hour < earliest.hour:
                continue
            same_hour = hour == earliest.hour
            for minute in self.minutes:
                if same_hour and minute < earliest.minute:
                    continue
                low = earliest.second if same_hour and minute == earliest.minute else 0
                for second in self.seconds:
                    if second >= low:
                        return time(hour, minute, second)
        return None

    def next_run(self, after: datetime) -> datetime | None:
        """The next run after ``after`` (aware, in the schedule's zone), when it is the one
        croniter gives: a wall time that exists once, at the UTC offset of ``after``. None
        when that is not so, or no run was found: croniter then decides."""
        wall = self.next_wall_time(after)
        if wall is None:
            return None
        where: tzinfo | None = after.tzinfo
        moment = wall.replace(tzinfo=where)
        offset = moment.utcoffset()
        # A wall time in a gap or a fold has two offsets (PEP 495): croniter moves such runs
        if offset != after.utcoffset() or moment.replace(fold=1).utcoffset() != offset:
            return None
        return moment


def read(expression: str, seconds: bool = False) -> PlainCron | None:
    """The expression's allowed values, or None when it is not plain (croniter reads it).
    ``seconds``: the expression starts with a seconds field, as a Quartz one does."""
    return _read(expression, seconds)


@lru_cache(maxsize=1024)
def _read(expression: str, seconds: bool) -> PlainCron | None:
    fields = expression.split()
    second_field = fields.pop(0) if seconds and fields else None
    if len(fields) != 5 or (fields[2] != "*" and fields[4] != "*"):
        return None  # both day fields restricted: cron's either-day rule is croniter's
    values = [_field(text, low, high) for text, (low, high) in zip(fields, _BOUNDS, strict=True)]
    minutes, hours, days, months, weekdays = values
    if minutes is None or hours is None or days is None or months is None or weekdays is None:
        return None
    second_values = None if second_field is None else _field(second_field, 0, 59)
    if second_field is not None and second_values is None:
        return None
    return PlainCron(None if second_values is None else tuple(sorted(second_values)),
                     tuple(sorted(minutes)), tuple(sorted(hours)), days, months, weekdays)


def _field(text: str, low: int, high: int) -> frozenset[int] | None:
    if text == "*":
        return frozenset(range(low, high + 1))
    if text.startswith("*/"):
        step = _number(text[2:], 1, high - low)
        return None if step is None else frozenset(range(low, high + 1, step))
    found: set[int] = set()
    for item in text.split(","):
        span, slash, step_text = item.partition("/")
        first_text, dash, last_text = span.partition("-")
        first = _number(first_text, low, high)
        last = _number(last_text, low, high) if dash else high if slash else first
        step = _number(step_text, 1, high - low) if slash else 1
        if first is None or last is None or step is None or (dash or slash) and last <= first:
            return None  # croniter reads ``5-5`` as ``*`` and ``5-5/2`` as ``*/2``
        found.update(range(first, last + 1, step))
    return frozenset(found)


def _number(text: str, low: int, high: int) -> int | None:
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if low <= value <= high else None
