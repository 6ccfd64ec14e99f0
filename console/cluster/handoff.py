"""Runs started from the command line against a cluster's store: queued for the hosts, followed
from here.

``console run`` and ``console retry`` do not run the execution in their own process on a
cluster: that process holds no lease and sends no heartbeat, so if it died the execution would
stay processing with no host to take it over. They admit it with its job, as a triggered run is
admitted, so a host runs it under a lease (fenced, and queued again if that host dies), and the
command follows it in the store until it ends. Stopping the command leaves the run to the hosts.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from console.cluster.state import ClusterState, hosts_at
from console.cluster.view import alive
from console.flows import FlowsConfig
from console.runner.runner import Runner
from console.store import open_store
from console.store.records import ACTIVE, Execution

POLL_S = 0.2


class NoHost(Exception):
    """No host of the cluster is running: a queued run would wait for one to start."""


@contextmanager
def queueing_runner(config: FlowsConfig, url: str) -> Iterator[Runner]:
    """A runner whose admissions queue their executions for the cluster's hosts; it runs
    nothing itself. Raises ``NoHost`` when no host is alive to take them."""
    from console.cluster.queue import QueueDispatch

    if not any(alive(host, config.runner.stall_after_s) for host in hosts_at(url)):
        raise NoHost("no host of this cluster is running (see `console hosts`): start "
                     "`console serve` on one, then run again")
    state = ClusterState(url, max_size=1)
    store = open_store(url)

    def queue(made: Runner) -> Any:  # a Dispatch (its enqueue is a method, not a field)
        return QueueDispatch(made, url, state, f"cli-{os.getpid()}")

    runner = Runner(config, store, dispatch=queue)
    try:
        yield runner
    finally:
        runner.close(wait=False)
        store.close()
        state.close()


def follow(runner: Runner, execution_id: str,
           progress: Callable[[Execution], None] | None = None) -> Execution:
    """The execution once a host has ended it, ``progress`` called with it as it goes."""
    while True:
        execution = runner.store.execution(execution_id)
        if execution is None:
            raise KeyError(execution_id)
        if execution.status != ACTIVE:
            return execution
        if progress is not None:
            progress(execution)
        time.sleep(POLL_S)
