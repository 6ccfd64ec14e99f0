"""``console serve|run|executions|logs|retry``: the runner from the command line."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from console.commands.base import (
    CommandError,
    ProgressLine,
    load_config,
    print_json,
    print_table,
)

STORE_HELD = 3
"""Exit status of a runner command refused because another live runner holds the store."""


def register(commands: Any) -> None:
    serve = commands.add_parser("serve", help="run the scheduler, outbound server and "
                                              "fetch-missing headless (for ops boxes, systemd)")
    serve.set_defaults(handler=serve_command)
    run = commands.add_parser("run", help="run one flow now, in the foreground")
    run.add_argument("flow", metavar="FLOW")
    run.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                     help="a trigger parameter such as sku=123 (repeatable)")
    run.add_argument("--json", action="store_true")
    run.set_defaults(handler=run_command)
    executions = commands.add_parser("executions", help="recent executions, newest first")
    executions.add_argument("flow", nargs="?", metavar="FLOW")
    executions.add_argument("--limit", type=int, default=20)
    executions.add_argument("--json", action="store_true")
    executions.set_defaults(handler=executions_command)
    logs = commands.add_parser("logs", help="the per-row log of one execution")
    logs.add_argument("execution", metavar="EXECUTION_ID")
    logs.add_argument("--errors", action="store_true", help="only rows that failed")
    logs.add_argument("--json", action="store_true", help="one JSON object per line")
    logs.set_defaults(handler=logs_command)
    retry = commands.add_parser("retry", help="run again only the rows that failed")
    retry.add_argument("execution", metavar="EXECUTION_ID")
    retry.set_defaults(handler=retry_command)
    hosts = commands.add_parser("hosts", help="the console serve hosts of a cluster (PostgreSQL"
                                              " store): pid, last heartbeat, running executions")
    hosts.add_argument("--json", action="store_true")
    hosts.set_defaults(handler=hosts_command)


def _params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CommandError(f"--param expects KEY=VALUE, found {pair!r}")
        params[key] = value
    return params


def _summary(execution: Any) -> str:
    skipped = f", {execution.skipped} skipped" if execution.skipped else ""
    line = (f"{execution.id}  {execution.flow_id}  {execution.status}  {execution.total} rows: "
            f"{execution.succeeded} written, {execution.failed} failed{skipped}")
    label = "reason" if execution.status == "partial" and execution.skipped else "error"
    return line + (f"\n  {label}: {execution.error}" if execution.error else "")


def run_command(args: argparse.Namespace) -> int:
    config = load_config(args)
    flow = config.find(args.flow)
    if flow is None:
        raise CommandError(f"no flow {args.flow!r}; flows: {', '.join(f.id for f in config.flows)}")
    from console.runner import Runner

    line = ProgressLine()

    def progress(execution: Any) -> None:
        of = f"/{execution.expected}" if execution.expected else ""
        skipped = f", {execution.skipped} skipped" if execution.skipped else ""
        line.show(f"{execution.flow_id}: {execution.records_read}{of} read, "
                  f"{execution.succeeded} written, {execution.failed} failed{skipped}")

    from console.runner.runner import NotByHand

    params = _params(args.param)
    try:
        if on_cluster(config):
            execution = _on_cluster(config, lambda runner: runner.trigger(
                flow.id, params, triggered_by="cli"), progress)
        else:
            with _store_lock(config, "console run"), Runner(config) as runner:
                execution = runner.run(flow.id, params, triggered_by="cli", progress=progress)
    except NotByHand as exc:
        raise CommandError(str(exc)) from None
    line.end()
    if args.json:
        print_json(asdict(execution))
    else:
        print(_summary(execution))
    return 0 if execution.status == "success" else 1


def executions_command(args: argparse.Namespace) -> int:
    """Times in each flow's own zone, with the zone shown, as the console shows them."""
    from console.services import ServiceError
    from console.services.executions import (
        ExecutionsReader,
        duration,
        duration_text,
        params_text,
    )
    from console.services.times import full_stamp

    config = load_config(args)
    try:
        rows = ExecutionsReader.for_config(config).executions(args.flow, limit=args.limit)
    except ServiceError as exc:
        raise CommandError(exc.message, status=1) from None
    if args.json:
        print_json([{**asdict(e), "duration_s": duration(e)} for e in rows])
        return 0

    def zone(flow_id: str) -> str:
        flow = config.find(flow_id)
        return flow.timezone if flow is not None else "UTC"

    print_table(["ID", "FLOW", "TRIGGER", "STATUS", "ROWS", "OK", "FAILED", "STARTED", "TOOK",
                 "PARAMS"],
                [[e.id, e.flow_id, e.trigger, e.status, str(e.total), str(e.succeeded),
                  str(e.failed), full_stamp(e.started_at, zone(e.flow_id)), duration_text(e),
                  params_text(e)] for e in rows])
    return 0


def logs_command(args: argparse.Namespace) -> int:
    config = load_config(args)
    from console.services import ServiceError
    from console.services.executions import ExecutionsReader

    reader = ExecutionsReader.for_config(config)
    try:
        if reader.execution(args.execution) is None:
            raise CommandError(f"no execution {args.execution!r} in {reader.store().location}")
        for log in reader.logs(args.execution, level="error" if args.errors else None):
            if args.json:
                sys.stdout.write(json.dumps(asdict(log), ensure_ascii=False) + "\n")
            else:
                sys.stdout.write(
                    f"{log.seq:>6}  {log.level:<7}  {log.key or '-':<14}  {log.message}\n")
    except ServiceError as exc:
        raise CommandError(exc.message, status=1) from None
    return 0


def retry_command(args: argparse.Namespace) -> int:
    config = load_config(args)
    from console.runner import Runner
    from console.runner.runner import NothingToRetry

    def known(runner: Any) -> None:
        if runner.store.execution(args.execution) is None:
            raise CommandError(f"no execution {args.execution!r}")

    try:
        if on_cluster(config):
            def queued(runner: Any) -> str:
                known(runner)
                return str(runner.retry(args.execution))
            execution = _on_cluster(config, queued)
        else:
            with _store_lock(config, "console retry"), Runner(config) as runner:
                known(runner)
                execution = runner.store.execution(runner.retry(args.execution, wait=True))
    except NothingToRetry as exc:
        raise CommandError(str(exc), status=1) from None
    assert execution is not None
    print(_summary(execution))
    return 0 if execution.status == "success" else 1


def on_cluster(config: Any) -> bool:
    from console.cluster import cluster_url

    return cluster_url(config) is not None


def _on_cluster(config: Any, start: Callable[[Any], str],
                progress: Callable[[Any], None] | None = None) -> Any:
    """Admit a run with its job for the cluster's hosts (see ``console.cluster.handoff``) and
    follow it until a host has ended it."""
    from console.cluster import cluster_url
    from console.cluster.handoff import NoHost, follow, queueing_runner

    url = cluster_url(config)
    assert url is not None
    try:
        with queueing_runner(config, url) as runner:
            execution_id = start(runner)
            try:
                return follow(runner, execution_id, progress)
            except KeyboardInterrupt:
                raise CommandError(f"stopped following {execution_id}: a host of the cluster "
                                   "runs it to its end (see `console executions`)",
                                   status=130) from None
    except NoHost as exc:
        raise CommandError(str(exc)) from None


def _store_lock(config: Any, command: str) -> Any:
    """The store's runner lock for a command that writes to Omnitron, or a clear refusal
    naming the runner that holds it. A cluster's store has no such lock: every host runs."""
    import contextlib

    from console.cluster import cluster_url
    from console.runner.lock import RunnerLock, StoreHeld

    if cluster_url(config) is not None:
        return contextlib.nullcontext()
    try:
        return RunnerLock(config.store_path(), command).acquire()
    except StoreHeld as exc:
        address = exc.holder.get("address")
        hint = (f"; trigger it there instead (POST http://{address}/flows/ID/trigger or "
                "/executions/ID/retry)") if address else ""
        raise CommandError(f"{exc}{hint}", status=STORE_HELD) from None


def _serve_lock(config: Any) -> Any:
    """The embedded store's runner lock, taken, or a refusal naming its holder (exit 3); None
    for a cluster's store, which every host serves."""
    from console.cluster import cluster_url
    from console.runner.lock import RunnerLock, StoreHeld

    if cluster_url(config) is not None:
        return None
    try:
        return RunnerLock(config.store_path()).acquire()
    except StoreHeld as exc:
        raise CommandError(str(exc), status=STORE_HELD) from None


def serve_command(args: argparse.Namespace) -> int:
    config = load_config(args)
    from console.runner.heap import keep_heap_small
    from console.runner.lock import StoreHeld
    from console.runner.service import RunnerService
    from console.store import StoreUnavailable

    keep_heap_small()  # before the runner's threads start: they share the capped arenas
    lock = _serve_lock(config)  # before the store is opened: a held store is left untouched
    try:
        service = RunnerService(config, lock=lock)
    except StoreUnavailable as exc:
        if lock is not None:
            lock.release()
        raise CommandError(f"cannot open the store {config.runner.store}: {exc}") from None

    def stop(signum: int, frame: Any) -> None:
        if service._stop.is_set():  # a second signal: stop waiting
            os.write(2, b"console: a second signal: stopping now, without waiting for running "
                        b"executions (they run again at the next start)\n")
            os._exit(1)
        service._stop.set()

    # before starting: a signal during recovery must still stop cleanly
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        service.start()
    except StoreHeld as exc:
        raise CommandError(str(exc), status=STORE_HELD) from None
    except OSError as exc:
        raise CommandError(f"cannot listen on {config.runner.listen}: {exc.strerror}") from None
    print(f"runner serving on http://{service.address} (store {service.runner.store.location})",
          flush=True)
    service.serve_forever()
    finished = service.stop()
    print("runner stopped", flush=True)
    if not finished:
        # An execution thread is still inside a long script or request; its execution is
        # already marked interrupted and runs again at the next start, so do not wait for it.
        sys.stderr.flush()
        os._exit(0)
    return 0


def hosts_command(args: argparse.Namespace) -> int:
    config = load_config(args)
    from console.cluster import cluster_url

    url = cluster_url(config)
    if url is None:
        raise CommandError(f"{config.runner.store} is an embedded (SQLite) store: one runner, no"
                           " cluster; set [runner] store to a postgresql:// connection string to"
                           " run several hosts")
    import psycopg

    from console.cluster.state import hosts_at
    from console.cluster.view import alive, describe_host

    try:
        hosts = hosts_at(url)
    except psycopg.Error as exc:
        raise CommandError(f"cannot read the cluster's hosts: {exc}") from None
    stall = config.runner.stall_after_s
    if args.json:
        print_json([{**asdict(h), "alive": alive(h, stall)} for h in hosts])
        return 0
    if not hosts:
        print("no host has joined this cluster yet (start console serve on one)")
    for host in hosts:
        print(describe_host(host, stall))
        for execution_id in host.running:
            print(f"    running {execution_id}")
    return 0
