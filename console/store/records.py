"""What every store keeps and returns: executions, row logs, health samples, alarm states.

Plain frozen records shared by the SQLite and PostgreSQL stores, so the engine, the services and
the console read the same types whichever store they were given. Times are ISO 8601 text in UTC
(``stamp``), which sorts as it reads in both databases.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from console.surrogates import escaped, has_lone

SAMPLE_RECORDS = 500
"""Input records an execution keeps as a sample for the console's test runs."""

class UnstorableKey(ValueError):
    """A newest-wins key holding a lone surrogate: no store can keep it (UTF-8 cannot encode
    it), so a claim with one claims nothing. The writers never claim such a key: they skip its
    row (see ``console.kinds.row_shapes.LONE_SKU``)."""

    def __init__(self, key: str) -> None:
        super().__init__(f'the newest-wins key "{escaped(key)}" holds a lone surrogate, which no'
                         " store can keep: nothing was claimed")


def refuse_unstorable(keys: Iterable[str]) -> None:
    """Raise ``UnstorableKey`` for the first of ``keys`` with a lone surrogate."""
    for key in keys:
        if has_lone(key):
            raise UnstorableKey(key)


def compact_json() -> Callable[[Any], str]:
    """Compact JSON of one row, from one C encoder made once: ``json.dumps`` builds a new
    encoder for every call, which costs more than encoding a small row. Not thread-safe (the
    encoder's cycle markers are shared): each user keeps its own, used under a lock. A lone
    surrogate is written escaped, as ``json.dumps`` escapes it (see ``console.surrogates``)."""
    from json import encoder

    make = getattr(encoder, "c_make_encoder", None)
    if make is None:  # an interpreter without the C accelerator
        plain = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode
        return lambda value: escaped(plain(value))
    chunks = make({}, str, encoder.encode_basestring, None, ":", ",", False, False, True)
    return lambda value: escaped("".join(chunks(value, 0)))


ACTIVE = "processing"
FINISHED = ("success", "partial", "failed", "interrupted")


def now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime | None = None) -> str:
    return (moment or now()).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Execution:
    id: str
    flow_id: str
    trigger: str
    params: dict[str, str]
    triggered_by: str
    status: str
    total: int
    succeeded: int
    failed: int
    started_at: str
    finished_at: str | None
    error: str | None
    attributes: dict[str, str] = field(default_factory=dict)
    payload_id: str | None = None
    retry_of: str | None = None
    expected: int | None = None
    """Records the execution will read, when the ERP or the payload tells; None if unknown."""
    records_read: int = 0
    """Records read so far (before the script may drop or split some): progress is this
    against ``expected``."""
    skipped: int = 0
    """Rows not sent because they could change nothing in Omnitron (counted in ``total``)."""
    accepted_seq: int | None = None
    """The flow's admission order: writes of a later-accepted execution win over earlier ones.
    Retries and crash re-runs keep the sequence of the data they resend."""


@dataclass(frozen=True)
class RowLog:
    id: int
    execution_id: str
    seq: int
    level: str
    key: str | None
    message: str
    payload: str | None
    created_at: str




class AdmissionRefused(Exception):
    """The flow already has as many executions processing as it may."""

    def __init__(self, active: int) -> None:
        super().__init__(f"{active} executions processing")
        self.active = active


class StoreUnavailable(Exception):
    """The store named in the configuration cannot be opened or used; the message says why."""


PROBLEM_STATUSES = ("failed", "partial")


@dataclass(frozen=True)
class RunSample:
    """What health needs of one execution, without its params and attributes."""

    id: str
    flow_id: str
    status: str
    started_at: str
    finished_at: str | None
    total: int
    succeeded: int
    failed: int
    error: str | None = None


@dataclass(frozen=True)
class AlarmState:
    flow_id: str
    alarm: str
    firing: bool
    changed_at: str | None
    value: float | None
    message: str


@dataclass(frozen=True)
class AlarmEvent:
    id: int
    flow_id: str
    alarm: str
    event: str
    """``fired``, ``resolved`` or ``test``."""
    at: str
    value: float | None
    message: str
    delivery: str
    """How notifying went: ``sent to 2 targets``, ``no targets``, or what failed."""
