"""Plain cron expressions are read and stepped through without croniter, and give exactly what
croniter gives: the same verdict on the expression and the same runs, in every zone, across
clock changes."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice

import pytest
from croniter import croniter

from console.flows import plaincron
from console.flows.schedule import Schedule, ScheduleError

ZONES = ("UTC", "Europe/Istanbul", "America/New_York", "Europe/London", "Australia/Lord_Howe",
         "America/Santiago")
CLOCK_CHANGES = (  # UTC instants just before a zone's clocks move, forward or back
    datetime(2026, 3, 8, 6, 30, tzinfo=UTC),  # New York, forward
    datetime(2026, 11, 1, 5, 10, tzinfo=UTC),  # New York, back
    datetime(2026, 3, 29, 0, 40, tzinfo=UTC),  # London, forward
    datetime(2026, 10, 25, 0, 20, tzinfo=UTC),  # London, back
    datetime(2026, 4, 4, 14, 50, tzinfo=UTC),  # Lord Howe, back half an hour
    datetime(2026, 10, 3, 15, 20, tzinfo=UTC),  # Lord Howe, forward half an hour
)


def _field(rng: random.Random, low: int, high: int) -> str:
    def number() -> int:
        return rng.randint(low, high)

    def item() -> str:
        shape = rng.randrange(5)
        if shape == 0:
            return str(number())
        if shape == 4:  # croniter's "from here to the end, every so many"
            return f"{rng.randint(low, high - 1)}/{rng.randint(1, high - low)}"
        a, b = sorted(rng.sample(range(low, high + 1), 2))
        if shape == 1:
            return f"{a}-{b}"
        return f"{a}-{b}/{rng.randint(1, high - low)}"

    shape = rng.randrange(6)
    if shape == 0:
        return "*"
    if shape == 1:
        return f"*/{rng.randint(1, high - low)}"
    return ",".join(item() for _ in range(rng.randint(1, 3)))


def _expression(rng: random.Random) -> str:
    bounds = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))
    fields = [_field(rng, low, high) for low, high in bounds]
    if rng.random() < 0.6:
        fields[2] = "*"
    elif fields[2] != "*":
        fields[4] = "*"
    if rng.random() < 0.5:
        fields[3] = "*"
    return " ".join(fields)


def _by_croniter(schedule: Schedule, start: datetime, monkeypatch: pytest.MonkeyPatch
                 ) -> list[datetime]:
    with monkeypatch.context() as patched:
        patched.setattr(plaincron, "read", lambda expression, seconds=False: None)
        return list(islice(schedule.runs_after(start), 6))


def _starts(rng: random.Random) -> Iterator[datetime]:
    yield from CLOCK_CHANGES
    for _ in range(3):
        yield datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(3 * 365 * 86400))


def test_plain_expressions_run_exactly_when_croniter_says(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    rng = random.Random(17)
    compared = 0
    for _ in range(150):
        text = _expression(rng)
        assert plaincron.read(text) is not None, text
        assert croniter.is_valid(text), text
        zone = rng.choice(ZONES)
        schedule = Schedule.parse(text, zone)
        for start in _starts(rng):
            ours = list(islice(schedule.runs_after(start), 6))
            theirs = _by_croniter(schedule, start, monkeypatch)
            assert [r.isoformat() for r in ours] == [r.isoformat() for r in theirs], (text, zone,
                                                                                      start)
            compared += 1
    assert compared == 150 * (len(CLOCK_CHANGES) + 3)


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("text", ["*/15 * * * *", "30 2 * * *", "0 */2 * * *", "0 1-3 * * 0",
                                  "45 1 * 3,10,11 *", "0 0 29 2 *", "0 0 31 * *"])
def test_clock_changes_runs_match_croniter(text: str, zone: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    schedule = Schedule.parse(text, zone)
    for start in CLOCK_CHANGES:
        ours = list(islice(schedule.runs_after(start), 6))
        assert ours == _by_croniter(schedule, start, monkeypatch), (text, zone, start)
        assert [r.utcoffset() for r in ours] == [
            r.utcoffset() for r in _by_croniter(schedule, start, monkeypatch)]


@pytest.mark.parametrize("text", [
    "0 0 0 * *", "0 0 * 0 *", "*/0 * * * *", "60 * * * *", "0 24 * * *", "0,,1 * * * *",
    "1-2-3 * * * *", "a * * * *", "-1 * * * *", "* * * *", "* * * * * * * *", "0 0 32 * *",
    "0 0 * 13 *", "*/x * * * *", "1/ * * * *", "0 0 * * 8",
])
def test_bad_expressions_get_the_same_error_as_before(text: str) -> None:
    assert plaincron.read(text) is None
    with pytest.raises(ScheduleError) as caught:
        Schedule.parse(text)
    if len(text.split()) in (5, 6, 7):
        assert str(caught.value) == f"invalid cron expression {text!r}"


@pytest.mark.parametrize("text", [
    "0 0 * * 7", "5-1 * * * *", "0 0 1 * 1", "0 0 * JAN *", "0 0 * * MON", "0 0 L * *",
    "59/15 * * * *", "0 0 * * 1#2", "5-5 * * * *", "*/60 * * * *", "0 3-3/2 * * *",
])
def test_expressions_beyond_plain_are_croniters(text: str) -> None:
    """Left to croniter, and still valid (or not) exactly as croniter says."""
    assert plaincron.read(text) is None
    assert croniter.is_valid(text)
    assert Schedule.parse(text).next_runs(datetime(2026, 1, 1, tzinfo=UTC), 2)


def test_a_day_that_never_comes_is_still_reported() -> None:
    schedule = Schedule.parse("0 0 30 2 *")
    assert schedule.never_fires(datetime(2026, 1, 1, tzinfo=UTC)) == (
        "no date matches it (such as the 30th of February): the schedule never fires")
    leap = Schedule.parse("0 0 29 2 *").next_runs(datetime(2097, 3, 1, tzinfo=UTC), 1)
    assert leap == [datetime(2104, 2, 29, tzinfo=UTC)]


@pytest.mark.parametrize("text", ["*/15 * * * *", "0 0 29 2 *", "0 0 * * MON", "0 0/30 * * * ? *"])
def test_utc_without_the_zone_database_runs_as_with_it(text: str) -> None:
    start = datetime(2026, 3, 29, 0, 40, tzinfo=UTC)
    plain = Schedule.parse(text, "UTC").next_runs(start, 4)
    database = Schedule.parse(text, "Etc/UTC").next_runs(start, 4)
    assert [r.isoformat() for r in plain] == [r.isoformat() for r in database]
    assert [f"{r:%Y-%m-%d %H:%M %Z}" for r in plain] == [
        f"{r:%Y-%m-%d %H:%M %Z}" for r in database]


def test_the_end_of_the_calendar_ends_the_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    schedule = Schedule.parse("0 0 * * *")
    start = datetime(9999, 12, 31, 12, tzinfo=UTC)
    assert list(schedule.runs_after(start)) == _by_croniter(schedule, start, monkeypatch) == []
    last = datetime(9999, 12, 30, 12, tzinfo=UTC)
    assert list(schedule.runs_after(last)) == [datetime(9999, 12, 31, tzinfo=UTC)]


def test_quartz_expressions_run_exactly_when_croniter_says(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """A seconds field first, ``?`` for a day field, days 1 (Sunday) to 7, a year of ``*``."""
    rng = random.Random(6)
    plain = 0
    for n in range(120):
        fields = _expression(rng).split()
        if fields[2] == "*" and rng.random() < 0.5:
            fields[2] = "?"
        elif fields[4] == "*":
            fields[4] = "?"
        else:
            fields[4] = ",".join(str(rng.randint(1, 7)) for _ in range(rng.randint(1, 3)))
        text = " ".join([_field(rng, 0, 59), *fields, *(["*"] if n % 2 else [])])
        schedule = Schedule.parse(text, rng.choice(ZONES))
        read = plaincron.read(schedule._expression, True)
        if read is None:
            continue
        plain += 1
        assert croniter.is_valid(schedule._expression, second_at_beginning=True), text
        for start in _starts(rng):
            ours = list(islice(schedule.runs_after(start), 6))
            theirs = _by_croniter(schedule, start, monkeypatch)
            assert [r.isoformat() for r in ours] == [r.isoformat() for r in theirs], (
                text, schedule.timezone, start)
    assert plain >= 100


def test_the_demos_quartz_schedule_is_plain() -> None:
    schedule = Schedule.parse("0 0/30 * * * ? *", "Europe/Istanbul")
    assert plaincron.read(schedule._expression, True) is not None
    runs = schedule.next_runs(datetime(2026, 3, 1, 8, 59, 59, tzinfo=UTC), 3)
    assert [f"{r:%H:%M:%S %Z}" for r in runs] == ["12:00:00 +03", "12:30:00 +03", "13:00:00 +03"]
    assert Schedule.parse("10/20 * * * * ?").next_runs(datetime(2026, 1, 1, tzinfo=UTC), 3) == [
        datetime(2026, 1, 1, 0, 0, s, tzinfo=UTC) for s in (10, 30, 50)]
