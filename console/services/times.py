"""Times as people read them: in the flow's time zone (like its schedule), with the zone shown."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


def _zone(name: str) -> tzinfo:
    """UTC without the time zone database (``zoneinfo`` and ``sysconfig`` cost a start)."""
    if name == "UTC":
        return UTC
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def local(stamp: str, timezone: str) -> datetime:
    """A stored UTC ISO timestamp in ``timezone`` (naive stamps are taken as UTC)."""
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_zone(timezone))


def short_zone(timezone: str, at: datetime | None = None) -> str:
    """The zone as a short marker: ``UTC``, ``+03``, ``CET``."""
    return (at or datetime.now(UTC)).astimezone(_zone(timezone)).strftime("%Z")


def full_stamp(stamp: str | None, timezone: str) -> str:
    """``2026-11-24 15:05:00 +03``: for lists and logs, where there is room for the zone."""
    if not stamp:
        return "-"
    return f"{local(stamp, timezone):%Y-%m-%d %H:%M:%S %Z}"
