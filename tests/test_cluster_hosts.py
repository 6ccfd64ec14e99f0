"""Several real ``console serve`` hosts sharing one PostgreSQL store and the sandbox: a killed
host's execution finishes on another with each batch applied once, the active cap holds across
hosts, and a schedule fires once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from console.flows import load
from console.runner.writers import batch_id
from console.sandbox import Sandbox
from console.store import open_store
from console.tui.runner_link import RunnerLink
from tests.waiting import wait_for

TOKEN = {"Authorization": "Bearer sandbox-token"}
ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}
QUIET_SCHEDULES = {'schedule = "*/5 * * * *"': 'schedule = "0 0 1 1 *"',
                   'schedule = "0 0/30 * * * ? *"': 'schedule = "0 0 1 1 *"',
                   'schedule = "*/10 * * * *"': 'schedule = "0 0 1 1 *"'}



def answers(address: str) -> bool:
    try:
        return httpx.get(f"http://{address}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


class Cluster:
    """Hosts, each its own flows file (own port) on one PostgreSQL database."""

    def __init__(self, demo_flows: Any, folder: Path, url: str, replace: dict[str, str]) -> None:
        self.url = url
        self.paths: list[Path] = []
        self.processes: dict[str, subprocess.Popen[str]] = {}
        self.demo_flows, self.folder, self.replace = demo_flows, folder, replace

    def add(self) -> str:
        folder = self.folder / f"host{len(self.paths)}"
        folder.mkdir()
        path = self.demo_flows(folder, replace={
            'store = ".console/console.db"': f'store = "{self.url}"\nheartbeat_s = 0.5\n'
                                             'stall_after_s = 3', **self.replace})
        self.paths.append(path)
        address = load(path).runner.listen
        self.processes[address] = subprocess.Popen(
            [sys.executable, "-m", "console.cli", "--flows", str(path), "serve"], env=ENV,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for(lambda: answers(address), what=f"host {address} answers")
        return address

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute(sql, args).fetchall()  # type: ignore[arg-type]

    def execution(self, execution_id: str) -> dict[str, Any]:
        rows = self.query("SELECT status, succeeded, failed FROM execution WHERE id = %s",
                          execution_id)
        return {"status": rows[0][0], "succeeded": rows[0][1], "failed": rows[0][2]} \
            if rows else {}

    def stop(self) -> list[str]:
        """Stop every host; what each printed on stderr."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        printed = []
        for process in self.processes.values():
            try:
                printed.append(process.communicate(timeout=30)[1])
            except subprocess.TimeoutExpired:
                process.kill()
                printed.append(process.communicate()[1])
        return printed


@pytest.fixture
def cluster(demo_flows: Any, tmp_path: Path, postgres_url: str,
            sandbox: Sandbox) -> Iterator[Callable[..., Cluster]]:
    made: list[Cluster] = []

    def make(hosts: int, replace: dict[str, str] | None = None) -> Cluster:
        found = Cluster(demo_flows, tmp_path, postgres_url, {**QUIET_SCHEDULES, **(replace or {})})
        made.append(found)
        for _ in range(hosts):
            found.add()
        return found

    yield make
    sandbox.clear_faults()
    for found in made:
        for printed in found.stop():
            assert "Traceback" not in printed, printed


def assert_hosts_are_shown(hosts: Cluster) -> None:
    """``/health``, ``console hosts`` and the console's header name the cluster's hosts."""
    healths = [httpx.get(f"http://{address}/health").json() for address in hosts.processes]
    assert [h["cluster"]["schedules"] for h in healths] == [True] * 3
    assert all(h["cluster"]["flows_problem"] is None for h in healths)
    wait_for(lambda: sum(httpx.get(f"http://{a}/health").json()["cluster"]["leader"]
                         for a in hosts.processes) == 1, what="one leader")
    listed = subprocess.run([sys.executable, "-m", "console.cli", "--flows", str(hosts.paths[0]),
                             "hosts"], env=ENV, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    for process in hosts.processes.values():
        assert f" pid {process.pid} heartbeat " in listed.stdout
    assert listed.stdout.count("[leader]") == 1
    link = RunnerLink(load(hosts.paths[1]), hosts.paths[1])
    line = link.connect(start=False)
    assert line.startswith("cluster of 3 hosts: ") and all(
        f"pid {process.pid}," in line for process in hosts.processes.values())
    assert link.address in hosts.processes


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGSTOP], ids=["killed", "paused"])
def test_a_dead_host_s_execution_finishes_on_another_and_each_batch_is_applied_once(
        cluster: Callable[..., Cluster], sandbox: Sandbox, stop: signal.Signals) -> None:
    """A killed host, or one paused long enough to be taken for dead (then resumed: it must
    not write on once another host has taken its execution over)."""
    hosts = cluster(3, {"batch_size = 5000": "batch_size = 10"})
    rows = [{"product_sku": f"SKU-{n:06d}", "stock": 700 + n} for n in range(100, 160)]
    sandbox.set_faults("omnitron", latency_s=0.6)
    answer = httpx.post(f"http://{next(iter(hosts.processes))}/flows/stock_push/outbound",
                        headers=TOKEN, json=rows, timeout=30)
    assert answer.status_code == 202, answer.text
    execution_id = answer.json()["execution_id"]
    wait_for(lambda: hosts.execution(execution_id).get("succeeded", 0) >= 10,
             what="the first batch is written")
    runner = hosts.query("SELECT host FROM execution_lease WHERE execution_id = %s",
                         execution_id)[0][0]
    victim = next(address for address in hosts.processes if runner.endswith(
        ":" + address.rpartition(":")[2]))
    hosts.processes[victim].send_signal(stop)
    if stop == signal.SIGKILL:
        hosts.processes[victim].wait(timeout=10)
    finished = wait_for(lambda: hosts.execution(execution_id)["status"] != "processing" and
                        hosts.execution(execution_id), timeout=90,
                        what="another host finishes the execution")
    if stop == signal.SIGSTOP:
        resumed_at = hosts.query("SELECT now()")[0][0]
        hosts.processes[victim].send_signal(signal.SIGCONT)
        wait_for(lambda: hosts.query("SELECT 1 FROM cluster_host WHERE name = %s AND NOT"
                                     " (%s = ANY(running)) AND heartbeat_at > %s", runner,
                                     execution_id, resumed_at),
                 what="the resumed host heartbeats again, without the execution")
        finished = hosts.execution(execution_id)
    assert finished == {"status": "success", "succeeded": 60, "failed": 0}
    seen = sandbox.batches()
    expected = [batch_id(execution_id, page, 0) for page in range(6)]
    assert [seen[b]["applied"] for b in expected] == [1] * 6
    stocks = sandbox.stocks(stock_list=3)
    assert {row["product_sku"]: stocks.get(row["product_sku"]) for row in rows} == \
        {row["product_sku"]: row["stock"] for row in rows}
    reruns = [message for (message,) in hosts.query(
        "SELECT message FROM row_log WHERE execution_id = %s AND message LIKE 'run again on %%'",
        execution_id)]
    assert len(reruns) == 1 and not reruns[0].startswith(f"run again on {runner} "), reruns
    store = open_store(hosts.url)  # written rows are kept in batch records: read as rows
    try:
        logged = [log.key for log in store.iter_logs(execution_id) if log.key is not None]
    finally:
        store.close()
    assert sorted(logged) == sorted(row["product_sku"] for row in rows)  # each row once


def test_a_burst_spread_over_hosts_never_admits_more_than_the_cap(
        cluster: Callable[..., Cluster], sandbox: Sandbox) -> None:
    hosts = cluster(3, {"max_active_executions = 5": "max_active_executions = 3"})
    sandbox.set_faults("omnitron", latency_s=2.0)
    addresses = list(hosts.processes)

    def post(n: int) -> int:
        return httpx.post(f"http://{addresses[n % 3]}/flows/stock_push/outbound", headers=TOKEN,
                          json=[{"product_sku": f"SKU-{200 + n:06d}", "stock": n}],
                          timeout=30).status_code

    with ThreadPoolExecutor(12) as pool:
        codes = list(pool.map(post, range(24)))
    assert set(codes) <= {202, 429}
    assert 1 <= codes.count(202) <= 3, codes
    assert_hosts_are_shown(hosts)
    active = hosts.query("SELECT COUNT(*) FROM execution WHERE flow_id = 'stock_push' AND"
                         " status = 'processing'")[0][0]
    assert active <= 3
    sandbox.clear_faults()
    wait_for(lambda: hosts.query("SELECT COUNT(*) FROM execution WHERE status ="
                                 " 'processing'")[0][0] == 0, what="the admitted ones finish")
    done = hosts.query("SELECT status, COUNT(*) FROM execution GROUP BY status")
    assert done == [("success", codes.count(202))]


def test_a_schedule_fires_once_across_hosts(cluster: Callable[..., Cluster]) -> None:
    # concurrent runs allowed: without the claim, every host's tick would start its own run
    hosts = cluster(3, {'schedule = "*/5 * * * *"': 'schedule = "0/2 * * * * ?"',
                        "[flows.stock]\n": "[flows.stock]\nallow_concurrent_runs = true\n"})
    wait_for(lambda: len(hosts.query("SELECT 1 FROM execution WHERE flow_id = 'stock' AND"
                                     " trigger = 'schedule'")) >= 3, timeout=60,
             what="three scheduled runs")
    claims = hosts.query("SELECT due, host FROM schedule_claim WHERE flow_id = 'stock'"
                         " ORDER BY due")
    dues = [due for due, _ in claims]
    assert len(dues) == len(set(dues)) >= 3
    started = [datetime.fromisoformat(str(row[0])) for row in hosts.query(
        "SELECT started_at FROM execution WHERE flow_id = 'stock' AND trigger = 'schedule'"
        " ORDER BY started_at")]
    assert len(started) <= len(claims)
    gaps = [(later - earlier) for earlier, later in zip(started, started[1:], strict=False)]
    assert all(gap.total_seconds() >= 1.0 for gap in gaps), started


def test_console_run_on_a_cluster_is_run_by_a_host_and_outlives_the_command(
        cluster: Callable[..., Cluster], sandbox: Sandbox) -> None:
    """`console run` queues the run for the hosts and follows it: killing the command leaves
    the run to the host (run in the command's own process, it stayed processing forever)."""
    hosts = cluster(1)
    sandbox.set_faults("omnitron", latency_s=1.5)
    command = subprocess.Popen([sys.executable, "-m", "console.cli", "--flows",
                                str(hosts.paths[0]), "run", "stock"], env=ENV,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        [(execution_id, triggered_by)] = wait_for(lambda: hosts.query(
            "SELECT id, triggered_by FROM execution WHERE flow_id = 'stock'"),
            what="the command admits the run")
        command.kill()
        command.wait(timeout=10)
    finally:
        if command.poll() is None:
            command.kill()
    assert triggered_by == "cli"
    sandbox.clear_faults()
    finished = wait_for(lambda: hosts.execution(execution_id)["status"] != "processing" and
                        hosts.execution(execution_id), timeout=90, what="a host finishes it")
    assert finished["status"] == "partial" and finished["succeeded"] > 0
    hosts.stop()
    refused = subprocess.run([sys.executable, "-m", "console.cli", "--flows", str(hosts.paths[0]),
                              "run", "stock"], env=ENV, capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 2 and "no host of this cluster is running" in refused.stderr
    assert len(hosts.query("SELECT 1 FROM execution WHERE flow_id = 'stock'")) == 1


def test_each_host_exports_the_metrics_of_what_it_runs(
        cluster: Callable[..., Cluster], sandbox: Sandbox) -> None:
    """Summed over the hosts, /metrics counts each execution once: a host's counters and its
    active executions are its own, not the shared store's."""
    from prometheus_client.parser import text_string_to_metric_families

    def scraped(address: str, name: str) -> float:
        text = httpx.get(f"http://{address}/metrics", headers=TOKEN, timeout=30).text
        return sum(sample.value for family in text_string_to_metric_families(text)
                   for sample in family.samples
                   if sample.name == name and sample.labels.get("flow") == "stock_push")

    hosts = cluster(2)
    sandbox.set_faults("omnitron", latency_s=1.5)
    answer = httpx.post(f"http://{next(iter(hosts.processes))}/flows/stock_push/outbound",
                        headers=TOKEN, json=[{"product_sku": "SKU-000300", "stock": 3}],
                        timeout=30)
    assert answer.status_code == 202, answer.text
    active = wait_for(lambda: [scraped(a, "console_active_executions") for a in hosts.processes]
                      if hosts.execution(answer.json()["execution_id"])["status"] == "processing"
                      and any(scraped(a, "console_active_executions") for a in hosts.processes)
                      else None, what="a host runs the execution")
    assert sorted(active) == [0, 1]
    sandbox.clear_faults()
    wait_for(lambda: hosts.execution(answer.json()["execution_id"])["status"] == "success",
             what="the execution finishes")
    wait_for(lambda: sum(scraped(a, "console_executions_total") for a in hosts.processes) == 1,
             what="the hosts count it once")
    assert [scraped(a, "console_active_executions") for a in hosts.processes] == [0, 0]
