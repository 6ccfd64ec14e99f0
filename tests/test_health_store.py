"""The store's health queries: right answers, and every one served by an index."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.runner.flow_health import p95, stats
from console.store.records import stamp
from console.store.sqlite import ExecutionStore

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> ExecutionStore:
    store = ExecutionStore(tmp_path / "console.db")
    plan = [("a", "success", 4.0), ("a", "failed", 1.0), ("b", "partial", 10.0),
            ("a", "success", 2.0), ("b", "success", 6.0), ("a", "processing", 0.0)]
    for minute, (flow, status, seconds) in enumerate(plan):
        execution = store.create(flow, "manual", {}, "test")
        store.progress(execution.id, 10, 10, 0)
        started = T0 + timedelta(minutes=minute)
        finished = None
        if status != "processing":
            store.finish(execution.id, status)
            finished = stamp(started + timedelta(seconds=seconds))
        store._conn().execute("UPDATE execution SET id = ?, started_at = ?, finished_at = ?"
                              " WHERE id = ?", (f"run{minute}", stamp(started), finished,
                                                execution.id))
    return store


def test_health_queries_answer(store: ExecutionStore) -> None:
    assert [r.id for r in store.recent_runs("a", 3)] == ["run5", "run3", "run1"]
    assert [r.id for r in store.recent_problems(5)] == ["run2", "run1"]
    assert [r.id for r in store.processing()] == ["run5"]
    last = store.last_success("a")
    assert last is not None and last.id == "run3"
    assert store.first_run_at("b") == stamp(T0 + timedelta(minutes=2))
    assert [r.id for r in store.runs_since("a", stamp(T0 + timedelta(minutes=1)))] == \
        ["run5", "run3", "run1"]
    figures = stats(store.recent_runs("a", 10))
    assert (figures.finished, figures.problems) == (3, 1)
    assert figures.durations == (4.0, 1.0, 2.0)
    assert figures.success_rate == pytest.approx(200 / 3)
    assert figures.avg_s == pytest.approx(7 / 3) and figures.p95_s == 4.0
    assert figures.rows_per_s == pytest.approx(30 / 7)
    assert p95([float(n) for n in range(1, 101)]) == 95.0


@pytest.mark.parametrize("query", [
    "SELECT * FROM execution WHERE flow_id = 'a' ORDER BY started_at DESC LIMIT 20",
    "SELECT * FROM execution WHERE flow_id = 'a' AND started_at >= '2026' ORDER BY started_at"
    " DESC LIMIT 20",
    "SELECT * FROM execution WHERE flow_id = 'a' AND status = 'success'"
    " ORDER BY started_at DESC LIMIT 1",
    "SELECT MIN(started_at) FROM execution WHERE flow_id = 'a'",
    "SELECT * FROM execution WHERE status = 'processing' ORDER BY started_at",
    "SELECT * FROM execution WHERE status = 'failed' ORDER BY started_at DESC LIMIT 20",
    "SELECT * FROM alarm_event ORDER BY at DESC, id DESC LIMIT 50",
    "SELECT * FROM alarm_event WHERE flow_id = 'a' ORDER BY at DESC, id DESC LIMIT 50",
])
def test_health_queries_use_an_index_without_sorting(store: ExecutionStore, query: str) -> None:
    conn = sqlite3.connect(store.path)
    plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {query}")]
    assert all(" USING INDEX " in step or " USING COVERING INDEX " in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan
