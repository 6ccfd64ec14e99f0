"""A pool of warm worker processes; scripts never run in the console's own process."""

from __future__ import annotations

import asyncio
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any


@dataclass(frozen=True)
class ScriptResult:
    """What a script run produced, in the Integrator's terms."""

    result_data: str
    result_json: Any
    attributes: dict[str, str]
    written: list[str]
    relationship: str
    error: str | None
    logs: list[dict[str, str]] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.relationship == "success" and self.error is None


def _worker_env() -> dict[str, str]:
    """Only what Python needs to start; none of the console's secrets."""
    keep = ("PATH", "PYTHONPATH", "LANG", "LC_ALL", "SYSTEMROOT")
    return {k: v for k, v in os.environ.items() if k in keep}


# Workers are started from this one long-lived thread: Linux delivers a worker's parent-death
# signal when the *thread* that started it ends, and callers such as the console's test panel
# run scripts from short-lived threads.
_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="script-spawner")


class _Worker:
    """A ``python -m console.script.worker`` child talking over a socket pair."""

    def __init__(self) -> None:
        parent, child = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "console.script.worker", str(child.fileno())],
            pass_fds=(child.fileno(),), env=_worker_env(), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        child.close()
        self.conn: Connection = Connection(parent.detach())

    @property
    def exitcode(self) -> int | None:
        return self.process.poll()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=5)
        self.conn.close()


def _parse(text: str) -> Any:
    import json

    try:
        return json.loads(text)
    except (ValueError, TypeError):
        return None


def _result(raw: dict[str, Any]) -> ScriptResult:
    return ScriptResult(result_data=raw["result_data"], result_json=_parse(raw["result_data"]),
                        attributes=raw["attributes"], written=raw["written"],
                        relationship=raw["relationship"], error=raw["error"], logs=raw["logs"],
                        duration_s=raw["duration_s"])


def _failed(message: str, attributes: dict[str, str], began: float) -> ScriptResult:
    attrs = {**attributes, "log.script.error": message}
    return ScriptResult("", None, attrs, ["log.script.error"], "failure", message, [],
                        time.perf_counter() - began)


class ScriptPool:
    """Runs scripts on up to ``size`` warm workers; thread-safe, usable from asyncio too.

    A script that runs past its timeout or dies (memory, ``os._exit``, a crash) takes only its
    worker with it; the pool starts a fresh one for the next call.
    """

    def __init__(self, size: int | None = None) -> None:
        self.size = size or max(1, min(4, os.cpu_count() or 1))
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._started = 0
        self._closed = False

    def _acquire(self) -> _Worker:
        """An idle live worker, or a new one; a worker that died while idle is replaced."""
        while True:
            item = self._take()
            if item.exitcode is None:
                return item
            self._release(item, healthy=False)

    def _take(self) -> _Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._started < self.size:
                self._started += 1
                try:
                    return _SPAWNER.submit(_Worker).result()
                except OSError:
                    self._started -= 1
                    raise
        return self._idle.get()

    def _release(self, item: _Worker, healthy: bool) -> None:
        if healthy and not self._closed:
            self._idle.put(item)
            return
        item.kill()
        with self._lock:
            self._started -= 1

    def run(self, source: str, input_text: str, attributes: dict[str, Any] | None = None, *,
            timeout: float = 10.0, memory_mb: int = 512) -> ScriptResult:
        if self._closed:
            raise RuntimeError("the script pool is closed")
        attrs = {str(k): str(v) for k, v in (attributes or {}).items()}
        began = time.perf_counter()
        item = self._acquire()
        try:
            item.conn.send({"source": source, "input_text": input_text, "attributes": attrs,
                            "memory_mb": memory_mb})
            if not item.conn.poll(timeout):
                self._release(item, healthy=False)
                return _failed(f"TimeoutError: the script ran longer than {timeout:g} s and was "
                               "stopped", attrs, began)
            raw = item.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            try:
                code = item.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                code = None
            self._release(item, healthy=False)
            reason = "was killed (memory limit?)" if code in (-9, 137) else f"exited (code {code})"
            return _failed(f"WorkerError: the script's process {reason}", attrs, began)
        self._release(item, healthy=True)
        return _result(raw)

    async def run_async(self, source: str, input_text: str,
                        attributes: dict[str, Any] | None = None, *, timeout: float = 10.0,
                        memory_mb: int = 512) -> ScriptResult:
        return await asyncio.to_thread(self.run, source, input_text, attributes, timeout=timeout,
                                       memory_mb=memory_mb)

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                break

    def __enter__(self) -> ScriptPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
