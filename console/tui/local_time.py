"""Execution times as people read them: in the flow's time zone, like its schedule."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def local(stamp: str, timezone: str) -> datetime:
    """A stored UTC ISO timestamp in ``timezone`` (naive stamps are taken as UTC)."""
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone))
