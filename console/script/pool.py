"""Worker processes per flow; scripts never run in the console's own process.

A worker only ever runs the scripts of one flow, so nothing a script leaves behind (a patched
module, a global, a thread) can meet another flow's data or attributes. Workers start when a
flow needs one, stay warm for that flow's next call, and retire after ``idle_s`` unused; at
most ``workers`` exist at once, and a flow that needs one while all are taken gets the slot of
another flow's idle worker, or waits within its call's deadline.

Every wait is bounded by the call's deadline, every slot given up (a script finished, timed
out or died) wakes whoever waits, and ``close`` ends every worker and returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from console.script import wire
from console.script.guard import protect_console, worker_user
from console.script.result import ScriptResult, failed, from_reply, plain_loads
from console.script.uids import DEFAULT_RANGE, UidLeases, kill_tree, parse_range, unmapped

_NO_DATA = object()
_REPLY_MARGIN = 1024 * 1024


def _worker_env() -> dict[str, str]:
    """Only what Python needs to start; none of the console's secrets."""
    keep = ("PATH", "PYTHONPATH", "LANG", "LC_ALL", "SYSTEMROOT")
    return {k: v for k, v in os.environ.items() if k in keep}


# Workers are started from this one long-lived thread: Linux delivers a worker's parent-death
# signal when the *thread* that started it ends, and callers such as the console's test panel
# run scripts from short-lived threads.
_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="script-spawner")


class WorkerError(Exception):
    """A worker could not be started or broke its protocol."""


class _Worker:
    """A ``python -m console.script.worker`` child of one flow, in its own session; with
    ``leases``, running as a uid no other live process has.

    The child starts first and its settings (with its uid) follow on its socket: the uid is
    drawn from a scan of every process on the machine, which took 2 to 15 ms (more while the
    run's other threads kept the interpreter busy), and the child's interpreter starts in
    that time instead of after it. The child reads them before it runs anything of a
    script's, and drops to that uid first, as before."""

    def __init__(self, flow: str, settings: dict[str, Any], leases: UidLeases | None) -> None:
        import socket

        self.flow = flow
        self.last_used = time.monotonic()
        self.leases = leases
        self.uid: int | None = None
        parent, child = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-P", "-m", "console.script.worker", str(child.fileno())],
                pass_fds=(child.fileno(),), env=_worker_env(), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        except BaseException:
            parent.close()
            raise
        finally:
            child.close()
        self.conn: Connection = Connection(parent.detach())
        self.ready = False
        self._ending = threading.Lock()
        self._ended = False
        try:
            if leases is not None:
                self.uid = leases.take()
                settings = {**settings, "uid": self.uid, "gid": self.uid}
            with contextlib.suppress(OSError):  # a child already gone: the handshake says so
                self.conn.send_bytes(json.dumps({**settings, "parent": os.getpid()}).encode())
        except BaseException:
            self.kill()
            raise

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """End the worker and everything it started: its process group, every process below
        it (it is their subreaper), and with a uid of its own every process of that uid.

        Once: a closing pool and the thread whose call it ends may both get here, and a
        second pass would signal a process group, or kill the processes of a uid, that the
        system may have handed to someone else since."""
        with self._ending:
            if self._ended:
                return
            self._ended = True
            if self.process.poll() is None:
                kill_tree(self.process.pid)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
            self.conn.close()
            if self.leases is not None and self.uid is not None:
                uid, self.uid = self.uid, None
                self.leases.give_back(uid)


@dataclass(frozen=True)
class _Call:
    flow: str
    deadline: float
    timeout: float
    began: float


class ScriptPool:
    """Runs scripts on per-flow warm workers; thread-safe, usable from asyncio too.

    A script that runs past its timeout or dies (memory, CPU time, ``os._exit``, a crash)
    takes only its worker with it; the next call of that flow gets a fresh one.
    """

    def __init__(self, size: int | None = None, *, workers: int | None = None,
                 user: str = "nobody", uids: str = DEFAULT_RANGE, memory_mb: int = 512,
                 idle_s: float = 60.0, max_output_kb: int = 256,
                 max_result_mb: int = 32) -> None:
        self.size = workers or size or 8
        self.memory_mb = memory_mb
        self.idle_s = idle_s
        self.max_result_mb = max_result_mb
        self._settings: dict[str, Any] = {"memory_mb": memory_mb, "max_output_kb": max_output_kb,
                                          "max_result_mb": max_result_mb}
        self._user_problem: str | None = None
        self._leases: UidLeases | None = None
        if os.geteuid() == 0:
            self._as_others(user, uids)
        protect_console()
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._starting = 0
        self._early: dict[str, int] = {}
        """Workers being started ahead of a flow's first call (``prestart``), per flow."""
        self._closed = False
        self._reaper: threading.Thread | None = None

    def _as_others(self, user: str, uids: str) -> None:
        """A root console's workers: each its own uid of ``uids``, or all ``user`` (which
        must exist either way: it is what ``uids = ""`` falls back to)."""
        try:
            uid, gid = worker_user(user)
            span = parse_range(uids)
        except LookupError as exc:
            self._user_problem = str(exc)
            return
        except ValueError as exc:
            self._user_problem = f"[runner.scripts] uids: {exc}"
            return
        if span is None:
            self._settings.update(uid=uid, gid=gid)
        else:
            self._user_problem = unmapped(*span)
            self._leases = UidLeases(*span)

    # -- slots ---------------------------------------------------------------------------

    def _count(self) -> int:
        return len(self._idle) + len(self._busy) + self._starting

    def _take(self, call: _Call) -> tuple[_Worker | None, list[_Worker]]:
        """An idle worker of the flow, or (None, workers to end) when one may be started."""
        doomed: list[_Worker] = []
        with self._cond:
            while True:
                if self._closed:
                    raise WorkerError("the script pool is shut down")
                for item in reversed(self._idle):
                    if item.flow == call.flow:
                        self._idle.remove(item)
                        if item.alive():
                            self._busy.add(item)
                            return item, doomed
                        doomed.append(item)
                        break
                else:
                    if self._early.get(call.flow):  # its worker is on its way: wait for it
                        self._wait(call)
                        continue
                    if self._count() >= self.size and self._idle:
                        doomed.append(self._idle.pop(0))  # another flow's oldest idle worker
                    if self._count() < self.size:
                        self._starting += 1
                        return None, doomed
                    self._wait(call)

    def _wait(self, call: _Call) -> None:
        """Wait (holding the condition) for a slot to change, within the call's deadline."""
        left = call.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(
                f"no script worker became free within the {call.timeout:g} s "
                f"timeout (all {self.size} workers busy)")
        self._cond.wait(left)

    def prestart(self, flow: str) -> None:
        """Start a worker for ``flow`` in the background when it has none and a slot is free.
        An execution asks before it logs in and reads its first page, so the worker's start
        (an interpreter and its imports) overlaps them instead of delaying the first call."""
        if self._user_problem:
            return
        with self._cond:
            if self._closed or self._count() >= self.size or self._early.get(flow) or \
                    any(item.flow == flow for item in (*self._idle, *self._busy)):
                return
            self._starting += 1
            self._early[flow] = 1
        _SPAWNER.submit(_Worker, flow, self._settings, self._leases).add_done_callback(
            lambda started: self._prestarted(flow, started))

    def _prestarted(self, flow: str, started: Future[_Worker]) -> None:
        error = started.exception()
        item = None if error is not None else started.result()
        with self._cond:
            self._starting -= 1
            self._early.pop(flow, None)
            closed = self._closed
            if item is not None and not closed:
                self._idle.append(item)
            self._cond.notify_all()
        if item is not None and closed:
            item.kill()
        elif item is not None:
            self._ensure_reaper()

    def _start(self, call: _Call) -> _Worker:
        try:
            item = _SPAWNER.submit(_Worker, call.flow, self._settings, self._leases).result()
        except BaseException:
            with self._cond:
                self._starting -= 1
                self._cond.notify_all()
            raise
        with self._cond:
            self._starting -= 1
            self._busy.add(item)
            closed = self._closed
        if closed:
            self._give_back(item, healthy=False)
            raise WorkerError("the script pool is shut down")
        return item

    def _acquire(self, call: _Call) -> _Worker:
        item, doomed = self._take(call)
        for old in doomed:
            old.kill()
        if item is None:
            item = self._start(call)
        self._ensure_reaper()
        return item

    def _give_back(self, item: _Worker, healthy: bool) -> None:
        with self._cond:
            self._busy.discard(item)
            keep = healthy and not self._closed and item.alive()
            if keep:
                item.last_used = time.monotonic()
                self._idle.append(item)
            self._cond.notify_all()
        if not keep:
            item.kill()

    # -- calls ---------------------------------------------------------------------------

    def run(self, flow: str, source: str, data: Any = _NO_DATA,
            attributes: dict[str, Any] | None = None, *, text: str | None = None,
            timeout: float = 300.0, mapping: str | None = None) -> ScriptResult:
        """Run ``source`` for ``flow`` on ``data`` (parsed) or ``text`` (JSON text).

        ``timeout`` covers waiting for a worker, starting it and the script itself. With
        ``mapping`` (a Jolt spec) the worker may map a native script's output itself: the
        result's ``mapped`` says whether its output is the mapping's rows.
        """
        attrs = {str(k): str(v) for k, v in (attributes or {}).items()}
        began = time.monotonic()
        call = _Call(flow, began + timeout, timeout, began)
        if self._user_problem:
            return failed(f"WorkerError: {self._user_problem}", attrs, 0.0)
        header: dict[str, Any] = {"source": source, "attributes": attrs, "cpu_s": timeout}
        if mapping is not None:
            header["mapping"] = mapping
        if data is _NO_DATA:
            header["text"], data = text or "", None
        try:
            first, chunks = wire.request(header, data)
        except (pickle.PicklingError, TypeError) as exc:
            return _unsendable(exc, attrs)
        try:
            item = self._acquire(call)
        except (TimeoutError, WorkerError, OSError, LookupError) as exc:
            return failed(f"{type(exc).__name__}: {exc}", attrs, time.monotonic() - began)
        return self._call(item, call, first, chunks, attrs)

    def _call(self, item: _Worker, call: _Call, first: bytes, chunks: Iterator[bytes],
              attrs: dict[str, str]) -> ScriptResult:
        healthy = False
        try:
            if not item.ready:
                self._handshake(item, call)
            item.conn.send_bytes(first)
            try:
                for chunk in chunks:  # encoded while the worker decodes the one before
                    item.conn.send_bytes(chunk)
            except (pickle.PicklingError, TypeError) as exc:  # the worker waits for the rest
                return _unsendable(exc, attrs)
            raw = self._reply(item, call)
            if raw is None:
                return failed(f"TimeoutError: the script ran longer than {call.timeout:g} s and "
                              "was stopped", attrs, time.monotonic() - call.began)
            healthy = not raw.pop("retire", True)
            return from_reply(raw, float(raw["duration_s"]))
        except (EOFError, OSError) as exc:
            return failed(self._death(item, exc), attrs, time.monotonic() - call.began)
        except (WorkerError, pickle.UnpicklingError, ValueError, TypeError, KeyError) as exc:
            return failed(f"WorkerError: {exc}", attrs, time.monotonic() - call.began)
        finally:
            self._give_back(item, healthy)

    def _reply(self, item: _Worker, call: _Call) -> dict[str, Any] | None:
        """The worker's output chunks and result (``None``: the deadline passed first),
        decoded as they arrive, within the result size limit."""
        budget = self.max_result_mb * 1024 * 1024 + _REPLY_MARGIN
        rows: list[Any] = []
        while True:
            if not item.conn.poll(max(0.0, call.deadline - time.monotonic())):
                return None
            try:
                body = item.conn.recv_bytes(budget)
            except OSError as exc:
                if "bad message length" not in str(exc):
                    raise
                raise WorkerError(f"the script's result is over the limit of "
                                  f"{self.max_result_mb} MB") from None
            budget -= len(body)
            kind, value = body[:1], plain_loads(body, 1)
            del body
            if kind == wire.RESULT:
                raw = _checked(value)
                if raw.pop("output_chunks", False) and raw["error"] is None:
                    raw["output"] = rows
                return raw
            if kind != wire.OUTPUT_CHUNK or type(value) is not list:
                raise WorkerError("the script worker sent a malformed reply")
            rows += value

    def _handshake(self, item: _Worker, call: _Call) -> None:
        if not item.conn.poll(max(0.0, call.deadline - time.monotonic())):
            raise WorkerError(f"the script worker did not start within the {call.timeout:g} s "
                              "timeout")
        hello = plain_loads(item.conn.recv_bytes(64 * 1024))
        if not isinstance(hello, dict) or not hello.get("ready"):
            problem = hello.get("error") if isinstance(hello, dict) else None
            raise WorkerError(f"the script worker could not start: {problem}")
        item.ready = True

    def _death(self, item: _Worker, exc: BaseException) -> str:
        if self._closed:
            return "WorkerError: the script was stopped because the console is shutting down"
        if isinstance(exc, OSError) and "message too long" in str(exc).lower():
            return (f"WorkerError: the script's result is over the limit of "
                    f"{self.max_result_mb} MB")
        try:
            code = item.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        if code == -signal.SIGXCPU:
            return "WorkerError: the script used more CPU time than its timeout allows"
        if code in (-9, 137):
            return "WorkerError: the script's process was killed (memory limit?)"
        if not item.ready:
            return (f"WorkerError: the script worker exited before it was ready (code {code}); "
                    "can the worker's user read the interpreter and the console's files?")
        return f"WorkerError: the script's process exited (code {code})"

    async def run_async(self, flow: str, source: str, data: Any = _NO_DATA,
                        attributes: dict[str, Any] | None = None, *, text: str | None = None,
                        timeout: float = 300.0) -> ScriptResult:
        return await asyncio.to_thread(self.run, flow, source, data, attributes, text=text,
                                       timeout=timeout)

    # -- housekeeping --------------------------------------------------------------------

    def _ensure_reaper(self) -> None:
        with self._cond:
            if self._reaper is not None or self._closed:
                return
            self._reaper = threading.Thread(target=self._reap, name="script-reaper",
                                            daemon=True)
            self._reaper.start()

    def _reap(self) -> None:
        """Retire workers idle longer than ``idle_s`` (and ones that died while idle)."""
        while True:
            with self._cond:
                if self._closed:
                    return
                now = time.monotonic()
                doomed = [w for w in self._idle
                          if now - w.last_used >= self.idle_s or not w.alive()]
                for item in doomed:
                    self._idle.remove(item)
                if doomed:
                    self._cond.notify_all()
                else:
                    self._cond.wait(min(max(self.idle_s / 4, 0.05), 5.0))
            for item in doomed:
                item.kill()

    def workers(self) -> dict[str, int]:
        """How many workers each flow has now (busy and idle)."""
        counts: dict[str, int] = {}
        with self._cond:
            for item in (*self._idle, *self._busy):
                counts[item.flow] = counts.get(item.flow, 0) + 1
        return counts

    def close(self) -> None:
        """End every worker, idle or busy; calls in progress return a failure at once."""
        with self._cond:
            self._closed = True
            doomed = [*self._idle, *self._busy]
            self._idle.clear()
            self._cond.notify_all()
        for item in doomed:
            item.kill()

    def __enter__(self) -> ScriptPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _unsendable(exc: BaseException, attrs: dict[str, str]) -> ScriptResult:
    return failed(f"TypeError: the script's input cannot be sent to it: {exc}", attrs, 0.0)


def _checked(raw: Any) -> dict[str, Any]:
    """The reply's shape, checked: a worker is not trusted to send what it should."""
    if not isinstance(raw, dict):
        raise WorkerError("the script worker sent a malformed reply")
    attributes = raw.get("attributes")
    if not isinstance(attributes, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in attributes.items()):
        raise WorkerError("the script worker sent malformed attributes")
    logs = raw.get("logs")
    if not isinstance(logs, list) or not all(isinstance(e, dict) for e in logs):
        raise WorkerError("the script worker sent malformed logs")
    if raw.get("relationship") not in ("success", "failure") or not isinstance(
            raw.get("result_data", ""), str) or not isinstance(raw.get("written"), list):
        raise WorkerError("the script worker sent a malformed reply")
    if not isinstance(raw.get("error"), str | None) or not isinstance(raw.get("duration_s"),
                                                                     float | int):
        raise WorkerError("the script worker sent a malformed reply")
    if not isinstance(raw.get("mapped", False), bool):
        raise WorkerError("the script worker sent a malformed reply")
    return raw

