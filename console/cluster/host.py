"""One ``console serve`` host of a cluster: registration, heartbeat, the leader's jobs and the
check that it runs the flows the cluster runs.

Each tick the host writes its heartbeat and the executions it is running. The host holding
the leader lock (a PostgreSQL advisory lock, released by PostgreSQL when the host's
connection goes, however the host ends) queues again the jobs of hosts whose worker stopped
heartbeating, prunes old logs and runs fetch-missing: one host at a time, always one.

The flows a cluster runs are named by a hash stored in the database: the ``[[flows]]``,
``[omnitron]`` and ``[alarms]`` of ``flows.toml`` (not ``[runner]``, which says where this
host listens). The first host stores it; a host whose file changes while it runs stores the
new one (the others then refuse until their file matches); a host that starts with another
file refuses to schedule and says so in ``/health`` and the console's header.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import tomllib
from collections.abc import Callable
from typing import Any

from console.cluster.queue import QueueDispatch
from console.cluster.state import (
    FLOWS_HASH,
    ClusterState,
    Host,
    Leadership,
    flows_hash,
    host_url,
)
from console.flows import FlowsConfig

log = logging.getLogger("console.cluster")
PRUNE_EVERY_S = 6 * 3600.0
FORGET_HOSTS_AFTER_S = 7 * 86400.0


def flows_signature(config: FlowsConfig) -> str:
    """The hash of what every host must agree on: the file without its ``[runner]`` table."""
    if config.source is None or not config.source.exists():
        return flows_hash(repr((config.omnitron, config.flows, config.alarms)).encode())
    document = tomllib.loads(config.source.read_text(encoding="utf-8"))
    document.pop("runner", None)
    return flows_hash(json.dumps(document, sort_keys=True, default=str).encode())


def host_name(config: FlowsConfig) -> str:
    return f"{socket.gethostname()}:{config.runner.port}"


class ClusterHost:
    def __init__(self, config: FlowsConfig, url: str, *, name: str | None = None) -> None:
        self.config = config
        self.name = name or host_name(config)
        self.url = host_url(url, self.name)
        """The store's connection string with this host's session name: the store, the queue
        and the cluster's state all connect with it."""
        self.state = ClusterState(self.url)
        self.leadership = Leadership(self.url)
        self.dispatch: QueueDispatch | None = None
        self.signature = flows_signature(config)
        self.cluster_signature = ""
        self.flows_by = ""
        self.leader = False
        self._pruned_at = 0.0
        self._requeued_at = 0.0
        self._snapshot: dict[str, Any] = {}

    @property
    def heartbeat_s(self) -> float:
        return float(self.config.runner.heartbeat_s)

    @property
    def stall_after_s(self) -> float:
        return float(self.config.runner.stall_after_s)

    def queue(self, runner: Any) -> QueueDispatch:
        """The runner's dispatch on this host (made once, when the runner is made)."""
        self.dispatch = QueueDispatch(runner, self.url, self.state, self.name,
                                      heartbeat_s=self.heartbeat_s,
                                      stall_after_s=self.stall_after_s)
        return self.dispatch

    def prepare(self) -> None:
        """The cluster's tables and the queue's, created by the first host."""
        assert self.dispatch is not None
        self.state.create_schema(("procrastinate_jobs", self.dispatch.schema()))

    # --- flows ---------------------------------------------------------------------------

    @property
    def schedules(self) -> bool:
        """Whether this host runs the flows the cluster runs (and so may schedule them)."""
        return self.signature == self.cluster_signature

    def flows_problem(self) -> str | None:
        if self.schedules:
            return None
        return (f"flows.toml on this host differs from the one the cluster runs (stored by "
                f"{self.flows_by or 'another host'}): this host does not schedule flows until"
                " its file matches (copy the cluster's file here, or change this one while it"
                " runs to make the whole cluster adopt it)")

    def _check_flows(self, *, adopt: bool) -> None:
        if adopt:
            self.state.adopt(FLOWS_HASH, self.signature, self.name)
        else:
            self.state.adopt(FLOWS_HASH, self.signature, self.name, only_if_unset=True)
        found = self.state.setting(FLOWS_HASH)
        self.cluster_signature, self.flows_by = found if found else ("", "")
        problem = self.flows_problem()
        if problem:
            log.warning("%s", problem)

    def reload(self, config: FlowsConfig) -> None:
        """A changed ``flows.toml`` that loaded: the cluster adopts it from this host."""
        self.config = config
        self.signature = flows_signature(config)
        self._check_flows(adopt=True)

    # --- life --------------------------------------------------------------------------

    def start(self, address: str) -> None:
        self._check_flows(adopt=False)
        self.state.register(self.name, os.getpid(), address, self.signature, self.schedules)
        self.leader = self.leadership.held()
        self._refresh([])

    def claim(self, flow_id: str, due: str) -> bool:
        """The scheduler's claim of one run: granted to one host only."""
        return self.schedules and self.state.claim_schedule(flow_id, due, self.name)

    def tick(self, running: list[str], leader_jobs: Callable[[bool], None]) -> None:
        """Heartbeat; re-read the cluster's flows hash; and, when leading, the leader's jobs."""
        found = self.state.setting(FLOWS_HASH)
        if found:
            self.cluster_signature, self.flows_by = found
        for name in self.state.fence_silent_hosts(self.name, self.stall_after_s):
            log.warning("host %s stopped heartbeating for %s s: its database sessions were"
                        " ended (its locks freed; its runs are queued again)", name,
                        self.stall_after_s)
        self.leader = self.leadership.held()
        self.state.heartbeat(self.name, running, flows=self.signature,
                             schedules=self.schedules, leader=self.leader)
        if self.leader:
            self._lead(leader_jobs)
        self._refresh(running)

    def _lead(self, leader_jobs: Callable[[bool], None]) -> None:
        """Queue stalled jobs again (every heartbeat), then the caller's jobs; ``True`` tells
        them to prune too (when leading begins, then every few hours)."""
        moment = time.monotonic()
        if self.dispatch is not None and moment - self._requeued_at >= self.heartbeat_s:
            self._requeued_at = moment
            try:
                self.dispatch.requeue_stalled()
            except Exception:  # noqa: BLE001 - tried again at the next heartbeat
                log.exception("queueing stalled executions again failed")
        prune = not self._pruned_at or moment - self._pruned_at >= PRUNE_EVERY_S
        if prune:
            self._pruned_at = moment
            days = self.config.runner.log_retention_days
            try:
                self.state.prune_claims(days)
                self.state.forget_hosts(FORGET_HOSTS_AFTER_S)
                if self.dispatch is not None:
                    self.dispatch.prune(days)
            except Exception:  # noqa: BLE001 - pruning waits for the next period
                log.exception("pruning the cluster's claims, hosts and jobs failed")
        leader_jobs(prune)

    def _refresh(self, running: list[str]) -> None:
        self._snapshot = {"host": self.name, "leader": self.leader,
                          "schedules": self.schedules, "flows_hash": self.signature,
                          "cluster_flows_hash": self.cluster_signature,
                          "flows_problem": self.flows_problem(), "running": running,
                          "heartbeat_s": self.heartbeat_s, "stall_after_s": self.stall_after_s}

    def status(self) -> dict[str, Any]:
        """What ``/health`` says of the cluster (kept from the last tick: no query)."""
        return dict(self._snapshot)

    def hosts(self) -> list[Host]:
        return self.state.hosts()

    def stop(self) -> None:
        try:
            self.state.stopped(self.name)
        finally:
            self.leadership.release()
            self.state.close()

