"""How a flow is doing, computed from a sample of its recent executions.

Pure functions over :class:`RunSample` rows, shared by the alarm evaluator in ``console serve``
and the health view, so both always agree on what a rate or a duration means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from console.store.records import PROBLEM_STATUSES, RunSample

FINISHED = ("success", "partial", "failed", "interrupted")


def duration_s(run: RunSample) -> float | None:
    if run.finished_at is None:
        return None
    return (datetime.fromisoformat(run.finished_at)
            - datetime.fromisoformat(run.started_at)).total_seconds()


def age_s(started_at: str, now: datetime) -> float:
    return (now - datetime.fromisoformat(started_at)).total_seconds()


def p95(values: Sequence[float]) -> float | None:
    """The nearest-rank 95th percentile: a value that really occurred."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-95 * len(ordered) // 100))
    return ordered[rank - 1]


@dataclass(frozen=True)
class FlowStats:
    """Figures over the finished executions of a sample; None where there is nothing to say."""

    finished: int
    problems: int
    """Failed or partial executions among ``finished``."""
    success_rate: float | None
    error_rate: float | None
    avg_s: float | None
    p95_s: float | None
    rows_per_s: float | None
    durations: tuple[float, ...]
    """Oldest first, for a sparkline."""


def stats(runs: Sequence[RunSample]) -> FlowStats:
    done = [r for r in runs if r.status in FINISHED]
    durations = [d for d in (duration_s(r) for r in reversed(done)) if d is not None]
    problems = sum(1 for r in done if r.status in PROBLEM_STATUSES)
    successes = sum(1 for r in done if r.status == "success")
    spent = sum(durations)
    rows = sum(r.total for r in done)
    return FlowStats(
        finished=len(done),
        problems=problems,
        success_rate=100.0 * successes / len(done) if done else None,
        error_rate=100.0 * problems / len(done) if done else None,
        avg_s=spent / len(durations) if durations else None,
        p95_s=p95(durations),
        rows_per_s=rows / spent if spent > 0 else None,
        durations=tuple(durations),
    )
