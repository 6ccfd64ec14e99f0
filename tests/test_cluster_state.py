"""What the hosts of a cluster agree on in PostgreSQL: schedule claims, leases (fencing), the
leader's advisory lock, the flows hash, and the hosts view; on a real PostgreSQL server."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
import pytest

from console.cluster.host import ClusterHost, flows_signature
from console.cluster.state import ClusterState, Leadership, hosts_at
from console.cluster.view import cluster_line, describe_host
from console.flows import load


@pytest.fixture
def state(postgres_url: str) -> Any:
    made = ClusterState(postgres_url, max_size=8)
    made.create_schema()
    yield made
    made.close()


def test_a_due_time_is_claimed_by_one_host_however_many_race_for_it(state: ClusterState) -> None:
    winners: Counter[str] = Counter()
    start = threading.Barrier(6)

    def host(name: str) -> None:
        start.wait()
        for second in range(20):
            if state.claim_schedule("stock", f"2026-11-30T06:00:{second:02d}+00:00", name):
                winners[name] += 1

    threads = [threading.Thread(target=host, args=(f"host-{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(winners.values()) == 20
    assert not state.claim_schedule("stock", "2026-11-30T06:00:05+00:00", "late-host")
    assert state.claim_schedule("order", "2026-11-30T06:00:05+00:00", "late-host")


def test_taking_an_execution_over_fences_the_host_that_ran_it(state: ClusterState) -> None:
    first = state.take_lease("e1", "host-a")
    assert state.holds(first) and first.attempt == 1
    second = state.take_lease("e1", "host-b")
    assert second.attempt == 2
    assert not state.holds(first) and state.holds(second)
    state.drop_lease(first)  # the fenced host cannot drop the new owner's lease
    assert state.holds(second)
    state.drop_lease(second)
    assert state.lease("e1") is None


def test_one_leader_at_a_time_and_the_next_takes_over_when_its_connection_goes(
        postgres_url: str) -> None:
    first, second = Leadership(postgres_url), Leadership(postgres_url)
    try:
        assert first.held()
        assert not second.held()
        assert first.held()  # still held, asked again
        assert first._conn is not None
        with psycopg.connect(postgres_url, autocommit=True) as admin:  # the leader's host dies
            admin.execute("SELECT pg_terminate_backend(%s)", (first._conn.info.backend_pid,))
        assert second.held()
        assert not first.held()
    finally:
        first.release()
        second.release()


def test_the_first_host_sets_the_flows_the_cluster_runs_and_a_differing_host_refuses(
        demo_flows: Any, tmp_path: Path, postgres_url: str) -> None:
    for folder in "abc":
        (tmp_path / folder).mkdir()
    one = load(demo_flows(tmp_path / "a", replace={'store = ".console/console.db"':
                                                   f'store = "{postgres_url}"'}))
    two = load(demo_flows(tmp_path / "b", replace={'store = ".console/console.db"':
                                                   f'store = "{postgres_url}"'}))
    other = load(demo_flows(tmp_path / "c", replace={
        'store = ".console/console.db"': f'store = "{postgres_url}"',
        'name = "Stock Flow"': 'name = "Stock Flow (edited)"'}))
    assert one.runner.listen != two.runner.listen
    assert flows_signature(one) == flows_signature(two), "[runner] is each host's own"
    assert flows_signature(one) != flows_signature(other)
    hosts = [ClusterHost(config, postgres_url) for config in (one, two, other)]
    try:
        for host, config in zip(hosts, (one, two, other), strict=True):
            host.state.create_schema()
            host.start(config.runner.listen)
        assert hosts[0].schedules and hosts[1].schedules
        assert not hosts[2].schedules
        problem = hosts[2].flows_problem()
        assert problem is not None and "differs from the one the cluster runs" in problem
        assert hosts[2].status()["flows_problem"] == problem
        assert not hosts[2].claim("stock", "2026-11-30T06:05:00+00:00")
        assert hosts[1].claim("stock", "2026-11-30T06:05:00+00:00")
        hosts[2].reload(other)  # its file changed while it ran: the cluster adopts it
        hosts[0].tick([], lambda prune: None)
        assert hosts[2].schedules and not hosts[0].schedules
        listed = hosts_at(postgres_url)
        assert [h.name for h in listed] == sorted(h.name for h in hosts)
        assert sum(h.leader for h in listed) == 1
        line = cluster_line(listed, 30.0)
        assert line.startswith("cluster of 3 hosts: ") and "flows differ" in line
        assert any("not scheduling" in describe_host(h, 30.0) for h in listed)
    finally:
        for host in hosts:
            host.stop()
    assert all(h.stopped_at is not None for h in hosts_at(postgres_url))
    assert cluster_line(hosts_at(postgres_url), 30.0) == "cluster: no host is serving"


def test_a_host_that_stops_heartbeating_loses_its_sessions_and_its_leadership(
        demo_flows: Any, tmp_path: Path, postgres_url: str) -> None:
    configs = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        configs.append(load(demo_flows(tmp_path / folder, replace={
            'store = ".console/console.db"': f'store = "{postgres_url}"'})))
    first, second = (ClusterHost(config, postgres_url) for config in configs)
    try:
        for host, config in ((first, configs[0]), (second, configs[1])):
            host.state.create_schema()
            host.start(config.runner.listen)
            host.tick([], lambda prune: None)
        assert first.leader and not second.leader
        second.tick([], lambda prune: None)
        assert not second.leader, "a leader heartbeating in time keeps its lock"
        with psycopg.connect(first.url) as held:  # a session of the first host's, in a write
            held.execute("SELECT pg_advisory_lock(42)")
            with psycopg.connect(postgres_url, autocommit=True) as admin:  # first is paused
                admin.execute("UPDATE cluster_host SET heartbeat_at = now() - interval '1 hour'"
                              " WHERE name = %s", (first.name,))
            second.tick([], lambda prune: None)
            assert second.leader
            with pytest.raises(psycopg.OperationalError):
                held.execute("SELECT 1")  # ended: its locks and transaction are gone
        with psycopg.connect(postgres_url, autocommit=True) as other:
            assert other.execute("SELECT pg_try_advisory_lock(42)").fetchone() == (True,)
        first.tick([], lambda prune: None)  # back from its pause
        assert not first.leader
        assert [h.name for h in hosts_at(postgres_url) if h.leader] == [second.name]
    finally:
        first.stop()
        second.stop()
