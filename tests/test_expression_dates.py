"""Dates follow NiFi: java.time patterns to parse, SimpleDateFormat to format, the JVM's zone."""

from __future__ import annotations

import time

import pytest

from console.expression import ExpressionError, dates, evaluate

# 2024-03-31T00:30:15.250Z: Istanbul is at +03:00, New York has just moved to -04:00.
STAMP = "1711845015250"
ATTRS = {"stamp": STAMP, "iso": "2024-03-31T03:30:15.250123+03:00", "erp": "31.03.2024 03:30:15",
         "slashed": "2024/03/31 03:30:15.250", "micro": "2024-03-31T00:30:15.250987"}


@pytest.fixture(autouse=True)
def istanbul(monkeypatch: pytest.MonkeyPatch) -> None:
    """NiFi formats in the JVM's default zone; here the machine's, pinned for the tests."""
    monkeypatch.setattr(dates, "DEFAULT_ZONE", "Europe/Istanbul")


@pytest.mark.parametrize(("text", "expected"), [
    ("${stamp:format('yyyy-MM-dd HH:mm:ss.SSS')}", "2024-03-31 03:30:15.250"),
    ("${stamp:format('yyyy-MM-dd HH:mm:ss.SSS', 'UTC')}", "2024-03-31 00:30:15.250"),
    ("${stamp:format('HH:mm XXX', 'America/New_York')}", "20:30 -04:00"),
    ("${stamp:format('HH:mm', 'No/Such_Zone')}", "00:30"),
    ("${slashed:format('HH:mm:ss.SSS', 'UTC')}", "00:30:15.250"),
    ("${stamp:format(\"yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'\", 'UTC')}", "2024-03-31T00:30:15.000250Z"),
])
def test_format_uses_the_default_zone_unless_given_one(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("${erp:toDate('dd.MM.yyyy HH:mm:ss'):toNumber()}", "1711845015000"),
    ("${erp:toDate('dd.MM.yyyy HH:mm:ss', 'UTC'):format('HH:mm', 'UTC')}", "03:30"),
    ("${literal('7/4/2024'):toDate('M/d/yyyy', 'UTC'):format('D')}", "186"),
    ("${literal('31MAR2024'):toDate('ddMMMyyyy'):format('EEEE', 'UTC')}", "Saturday"),
    ("${micro:toDate(\"yyyy-MM-dd'T'HH:mm:ss.SSSSSS\", 'UTC'):toNumber()}", "1711845015250"),
    ("${iso:toDate(\"yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX\"):format('HH:mm:ss.SSS', 'UTC')}", "00:30:15.250"),
    ("${stamp:toDate():format('yyyy')}|${stamp:toNumber():toDate('ignored'):toNumber()}", f"2024|{STAMP}"),
    ("${erp:toDate()}|${missing:toDate('yyyy')}|${missing:format('yyyy')}", "||"),
])
def test_to_date_parses_with_java_time_patterns(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


def test_a_date_prints_as_java_date_to_string(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dates, "DEFAULT_ZONE", "UTC")
    assert evaluate("${stamp:toDate()}", ATTRS) == "Sun Mar 31 00:30:15 UTC 2024"
    assert evaluate("${stamp:toDate():toString():format('SSS')}", ATTRS) == "000"


@pytest.mark.parametrize("text", [
    "${erp:format('yyyy')}",
    "${erp:toDate('yyyy-MM-dd')}",
    "${erp:toDate('dd.MM.yyyy HH:mm:ss', 'Mars/Olympus')}",
])
def test_unreadable_dates_and_unknown_java_time_zones_are_errors(text: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(text, ATTRS)


@pytest.mark.parametrize(("text", "expected"), [
    ("${stamp:toInstant()}", "2024-03-31T00:30:15.250Z"),
    ("${iso:toInstant()}", "2024-03-31T00:30:15.250123Z"),
    ("${iso:toInstant():formatInstant('HH:mm:ss.SSSSSS', 'Asia/Tokyo')}", "09:30:15.250123"),
    ("${erp:toInstant('dd.MM.yyyy HH:mm:ss', 'America/New_York'):toNumber()}", "1711870215000"),
    ("${stamp:formatInstant(\"yyyy-MM-dd'T'HH:mm:ss.SSSXXX\", 'Europe/Istanbul')}",
     "2024-03-31T03:30:15.250+03:00"),
    ("${missing:toInstant()}|${missing:formatInstant('yyyy', 'UTC')}", "|"),
])
def test_instants(text: str, expected: str) -> None:
    assert evaluate(text, ATTRS) == expected


def test_format_instant_needs_a_zone() -> None:
    with pytest.raises(ExpressionError, match="formatInstant takes 2"):
        evaluate("${stamp:formatInstant('yyyy')}", ATTRS)


def test_now_is_the_current_date() -> None:
    before = int(time.time() * 1000)
    stamp = int(evaluate("${now():toNumber()}", {}))
    assert before - 1 <= stamp <= time.time() * 1000
    assert evaluate("${now():format('yyyy', 'UTC')}", {}) == time.strftime("%Y", time.gmtime(stamp / 1000))
