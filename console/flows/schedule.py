"""Cron schedules: classic 5-field cron and Quartz 6/7-field expressions, in a flow's time zone."""

from __future__ import annotations

import _thread
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING

from console.flows import plaincron
from console.frozen import dataclass

if TYPE_CHECKING:
    from croniter import croniter as Croniter

_QUARTZ_DAYS = {"1": "0", "2": "1", "3": "2", "4": "3", "5": "4", "6": "5", "7": "6"}
LAST_YEAR = 2099
"""Quartz's year field stops here; a schedule with no run up to its end never fires."""
MAX_ZONE_NAME = 64
"""Longer than any IANA name (the longest is about 30 characters)."""


class ScheduleError(ValueError):
    """A cron expression or time zone that cannot be used."""


def zone(name: str) -> tzinfo:
    """The IANA zone of that name. UTC, every flow's default, is the standard library's: the
    time zone database (``zoneinfo`` and ``sysconfig``) is loaded for other zones only."""
    if name == "UTC":
        return UTC
    if len(name) > MAX_ZONE_NAME:
        raise ScheduleError(f"time zone name too long ({len(name)} characters, at most "
                            f"{MAX_ZONE_NAME})")
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a folder, bad bytes
        raise ScheduleError(f"unknown time zone {name!r}") from exc


_import_lock = _thread.allocate_lock()  # threading itself is not needed for one lock
_imported: list[type[Croniter]] = []


def _croniter() -> type[Croniter]:
    """croniter, imported by the first schedule rather than by every start.

    Its import asks ``platform.architecture()`` whether Python is 32-bit, and that runs the
    ``file`` command in a child process: tens of milliseconds on every start of the console.
    The pointer size, which is what croniter wants to know, answers without one.
    """
    if not _imported:
        import platform
        import struct

        with _import_lock:
            if not _imported:
                real = platform.architecture
                platform.architecture = lambda *_, **__: (f"{struct.calcsize('P') * 8}bit", "")
                try:
                    from croniter import croniter
                finally:
                    platform.architecture = real
                _imported.append(croniter)
    return _imported[0]


def _quartz_day_of_week(field: str) -> str:
    """Quartz numbers days 1 (Sunday) to 7; cron numbers them 0 to 6. The number after ``#``
    (which occurrence in the month) and after ``/`` (a step) is a count, not a day."""
    out: list[str] = []
    token = ""
    for char in field + "\0":
        if char.isdigit():
            token += char
            continue
        if token:
            count = bool(out) and out[-1] in ("#", "/")
            out.append(token if count else _QUARTZ_DAYS.get(token, token))
            token = ""
        if char != "\0":
            out.append(char)
    return "".join(out)


_CRON_DAY_NUMBERS = {"SUN": "0", "MON": "1", "TUE": "2", "WED": "3", "THU": "4", "FRI": "5",
                     "SAT": "6"}


def _last_weekday(field: str) -> str:
    """Quartz's ``6L`` or ``FRIL`` (the month's last Friday), already in cron's numbering
    (``5L``), is croniter's ``L5``."""
    if len(field) > 1 and field.endswith("L"):
        day = field[:-1]
        return "L" + _CRON_DAY_NUMBERS.get(day.upper(), day)
    return field


def _to_croniter(text: str) -> tuple[str, bool, str | None]:
    """Return (expression, has_seconds, year field) for croniter."""
    fields = text.split()
    if len(fields) == 5:
        return " ".join(fields), False, None
    if len(fields) not in (6, 7):
        raise ScheduleError(
            f"expected 5 fields (minute hour day month weekday) or Quartz 6/7 fields, got {len(fields)}"
        )
    year = fields[6] if len(fields) == 7 else None
    second, minute, hour, dom, month, dow = fields[:6]
    dom = "*" if dom == "?" else dom
    dow = "*" if dow == "?" else _last_weekday(_quartz_day_of_week(dow))
    return " ".join((second, minute, hour, dom, month, dow)), True, year


def _year_matches(year_field: str | None, year: int) -> bool:
    if year_field in (None, "*", "?"):
        return True
    for part in year_field.split(","):
        if "-" in part:
            low, _, high = part.partition("-")
            if low.isdigit() and high.isdigit() and int(low) <= year <= int(high):
                return True
        elif part.isdigit() and int(part) == year:
            return True
    return False


def _first_year(year_field: str | None, year: int) -> int | None:
    """The first year from ``year`` on that the year field allows, up to Quartz's last."""
    return next((y for y in range(year, LAST_YEAR + 1) if _year_matches(year_field, y)), None)


@dataclass(frozen=True, slots=True)
class Schedule:
    """A validated cron schedule bound to a time zone."""

    text: str
    timezone: str
    _expression: str
    _seconds: bool
    _year: str | None

    @classmethod
    def parse(cls, text: str, timezone: str = "UTC") -> Schedule:
        """Validated once per text and zone: loading flows.toml, listing flows and planning
        runs all parse the same schedules, and croniter's checks are not cheap."""
        return _parse(text, timezone)

    @classmethod
    def _parse(cls, text: str, timezone: str) -> Schedule:
        zone(timezone)
        expression, seconds, year = _to_croniter(text.strip())
        if year is not None and not all(
            p.replace("-", "").isdigit() or p in ("*", "?") for p in year.split(",")
        ):
            raise ScheduleError(f"invalid year field {year!r}")
        plain = plaincron.read(expression, seconds) is not None
        if not plain and not _croniter().is_valid(expression, second_at_beginning=seconds):
            raise ScheduleError(f"invalid cron expression {text!r}")
        return cls(text.strip(), timezone, expression, seconds, year)

    def runs_after(self, start: datetime) -> Iterator[datetime]:
        """Run times after ``start`` (aware), in the schedule's time zone; ends when the
        schedule has no further run (a day that never comes, the end of its years)."""
        where = zone(self.timezone)
        local = start.astimezone(where)
        every_year = self._year in (None, "*", "?")
        plain = plaincron.read(self._expression, self._seconds) if every_year else None
        while plain is not None:
            found = plain.next_run(local)
            if found is None:
                break  # croniter goes on from here
            yield found
            local = found
        croniter = _croniter()
        it = croniter(self._expression, local, second_at_beginning=self._seconds)
        for _ in range(100_000):
            try:
                moment: datetime = it.get_next(datetime)
            except (ValueError, OverflowError):  # croniter's "no next date", or past year 9999
                return
            if _year_matches(self._year, moment.year):
                if not (moment.fold and self._fixed_hours):
                    yield moment
                continue
            year = _first_year(self._year, moment.year)
            if year is None:
                return
            if year > moment.year:  # jump to the next allowed year instead of walking to it
                first = datetime(year, 1, 1, tzinfo=where) - timedelta(seconds=1)
                it = croniter(self._expression, first, second_at_beginning=self._seconds)

    @property
    def _fixed_hours(self) -> bool:
        """When clocks go back, a wall time comes twice. Like cron, a schedule naming its hours
        (``30 2 * * *``) runs at the first of the two only; one whose hour field starts with
        ``*`` (``*/15 * * * *``, ``0 */2 * * *``) keeps its pace through both."""
        return not self._expression.split()[2 if self._seconds else 1].startswith("*")

    def never_fires(self, start: datetime) -> str | None:
        """Why the schedule has no run after ``start``, or None when it has one."""
        if _first_year(self._year, start.astimezone(zone(self.timezone)).year) is None:
            return (f"the year field {self._year!r} has no year from {start.year} on: "
                    "the schedule never fires")
        if not self.next_runs(start, 1):
            return "no date matches it (such as the 30th of February): the schedule never fires"
        return None

    def next_runs(self, start: datetime, count: int = 5) -> list[datetime]:
        known = _first_runs.get(self) if count == 1 and start.tzinfo is not None else None
        if known is not None and known[0] <= start < known[1]:
            return [known[1]]
        runs: list[datetime] = []
        for moment in self.runs_after(start):
            runs.append(moment)
            if len(runs) == count:
                break
        if runs and start.tzinfo is not None:
            if len(_first_runs) > 1024:
                _first_runs.clear()
            _first_runs[self] = (start, runs[0])
        return runs

    def describe(self) -> str:
        return describe(self._expression, self._seconds)


_first_runs: dict[Schedule, tuple[datetime, datetime]] = {}
"""Per schedule, a start asked about and the first run after it. Any later start before that
run has the same next run, so loading flows.toml (which checks that each schedule fires) and
then listing or planning its flows work each schedule out once."""


@lru_cache(maxsize=1024)
def _parse(text: str, timezone: str) -> Schedule:
    return Schedule._parse(text, timezone)


def _every(field: str, unit: str) -> str | None:
    if field == "*":
        return f"every {unit}"
    if field.startswith("*/") and field[2:].isdigit():
        return f"every {field[2:]} {unit}s"
    if "/" in field:
        start, _, step = field.partition("/")
        if start.isdigit() and step.isdigit():
            return f"every {step} {unit}s from {unit} {start}"
    return None


_DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def _day_names(field: str) -> str:
    names = []
    for part in field.split(","):
        if part.isdigit() and int(part) < 7:
            names.append(_DAYS[int(part)])
        elif "-" in part and all(x.isdigit() and int(x) < 7 for x in part.split("-")):
            low, high = part.split("-")
            names.append(f"{_DAYS[int(low)]} to {_DAYS[int(high)]}")
        else:
            names.append(part)
    return ", ".join(names)


def describe(expression: str, seconds: bool = False) -> str:
    """A plain-language reading of the common cron shapes; falls back to the expression itself."""
    fields = expression.split()
    second = fields.pop(0) if seconds else "0"
    minute, hour, dom, month, dow = fields
    parts: list[str] = []
    if second not in ("0", "*"):
        parts.append(_every(second, "second") or f"at second {second}")
    if hour == "*" and minute.isdigit():
        parts.append(f"every hour at minute {minute}")
    elif minute.isdigit() and hour.isdigit():
        parts.append(f"at {int(hour):02d}:{int(minute):02d}")
    else:
        parts.append(_every(minute, "minute") or f"at minute {minute}")
        if hour != "*":
            parts.append(_every(hour, "hour") or f"during hour {hour}")
    if dom != "*":
        parts.append(f"on day {dom} of the month")
    if month != "*":
        parts.append(f"in month {month}")
    if dow != "*":
        parts.append(f"on {_day_names(dow)}")
    return ", ".join(parts)
