"""How the console reaches the runner: attach to a ``console serve`` already answering on
``runner.listen`` or holding the store (wherever it listens), or start one as a child process. Triggers go over its HTTP API; executions
and logs are read straight from the store (SQLite WAL, so reading never blocks the runner).

Nothing here touches widgets; screens call it from workers.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.flows import FlowsConfig


class RunnerUnavailable(Exception):
    pass


HEALTH_TIMEOUT_S = 5.0
"""How long the runner may take to answer ``/health``. A refused connection is known at once,
so this only matters for a runner that is up but busy: on a loaded ops box one that runs a big
sync can take well over a second, and giving up early would call a working runner absent."""


@dataclass
class RunnerLink:
    config: FlowsConfig
    flows_path: Path
    mode: str = "not started"
    process: subprocess.Popen[bytes] | None = None
    address: str = ""
    """Where the attached runner listens, when not on ``runner.listen``."""
    problem: str | None = None
    """Why there is no runner to talk to, once connecting found out."""
    closed: bool = False
    """The console is going away: no runner is started any more, and one started is stopped."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def base_url(self) -> str:
        return f"http://{self.address or self.config.runner.listen}"

    def _holder(self) -> dict[str, Any] | None:
        from console.cluster import cluster_url
        from console.runner.lock import holder

        if cluster_url(self.config) is not None:
            return None  # hosts of a cluster hold no lock: they all serve

        return holder(self.config.store_path())

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.config.runner.outbound_token.resolve()}"}

    def health(self) -> dict[str, Any] | None:
        """Who serves on the runner's address, if anyone. Asked over a plain socket: this
        runs as the console starts, and importing an HTTP client would slow that down."""
        host, _, port = self.base_url.removeprefix("http://").rpartition(":")
        try:
            with socket.create_connection((host, int(port)), timeout=HEALTH_TIMEOUT_S) as sock:
                sock.sendall(f"GET /health HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
                answer = b""
                while len(answer) < 1_000_000 and (chunk := sock.recv(65536)):
                    answer += chunk
        except (OSError, ValueError):
            return None
        head, _, body = answer.partition(b"\r\n\r\n")
        if head.split(b" ", 2)[1:2] != [b"200"]:
            return None
        try:
            found = json.loads(body)
        except ValueError:
            return None
        return found if isinstance(found, dict) else None

    def cluster_line(self) -> str | None:
        """With a PostgreSQL store: the header's line naming the cluster's live hosts, and
        attach to one of them (this machine's own when it serves); None for the embedded
        runner."""
        from console.cluster import cluster_url

        url = cluster_url(self.config)
        if url is None:
            return None
        from console.cluster.state import hosts_at
        from console.cluster.view import alive, cluster_line

        try:
            hosts = hosts_at(url)
        except Exception as exc:  # noqa: BLE001 - psycopg's errors: the database is away
            self.problem = f"cannot read the cluster's hosts from its database: {exc}"
            raise RunnerUnavailable(self.problem) from None
        stall = self.config.runner.stall_after_s
        up = [h for h in hosts if alive(h, stall)]
        if up and not any(h.address == self.address for h in up):
            mine = [h for h in up if h.address == self.config.runner.listen]
            self.address = (mine or up)[0].address
        self.problem = None
        self.mode = cluster_line(hosts, stall)
        return self.mode

    def connect(self, *, start: bool = True, timeout: float = 15.0) -> str:
        """Attach or start; returns a line for the header saying which."""
        line = self.cluster_line()
        if line is not None and (self.address or not start):
            return line
        found = self.health()
        if found is None:
            held = self._holder()
            if held is not None and held.get("address"):
                self.address = str(held["address"])
                found = self.health()
                if found is None:
                    self.address = ""
            if found is None and held is not None:
                from console.runner.lock import describe

                self.mode = "runner unreachable"
                self.problem = (f"the store is held by {describe(held)}, which does not answer; "
                                "stop it or wait for it")
                raise RunnerUnavailable(self.problem)
        if found is not None:
            where = f" at {self.address}" if self.address else ""
            self.mode = f"attached to console serve (pid {found['pid']}){where}"
            return self.mode
        if not start:
            self.mode = "no runner"
            return self.mode
        if _taken(self.config.runner.listen):
            self.mode = "runner address taken"
            self.problem = (
                f"{self.config.runner.listen} ([runner] listen in flows.toml) is taken by a "
                "program that is not a console runner, so the console could not start one. "
                "Stop that program, or set listen to a free port; triggers need the runner.")
            raise RunnerUnavailable(self.problem)
        with self._lock:  # close() either sees the child or stops this from starting one
            if self.closed:
                raise RunnerUnavailable("the console is closing")
            self.process = subprocess.Popen(
                [sys.executable, "-m", "console.cli", "--flows", str(self.flows_path), "serve"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.closed:
                raise RunnerUnavailable("the console is closing")
            if self.process.poll() is not None:
                self.mode = "runner failed to start"
                held = self._holder()
                if held is not None:
                    from console.runner.lock import describe

                    self.problem = f"the store is held by {describe(held)}"
                    raise RunnerUnavailable(self.problem)
                raise RunnerUnavailable(f"console serve exited with {self.process.returncode}; "
                                        f"is {self.config.runner.listen} in use?")
            if self.health() is not None:
                self.mode = f"embedded runner (pid {self.process.pid})"
                return self.cluster_line() or self.mode
            time.sleep(0.1)
        raise RunnerUnavailable("the runner did not answer in time")

    def _post(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        if self.problem is not None:
            raise RunnerUnavailable(self.problem)  # said at once, not after a timeout
        import httpx

        try:
            answer = httpx.post(f"{self.base_url}{path}", params=params, headers=self._headers(),
                                timeout=10)
        except httpx.HTTPError as exc:
            raise RunnerUnavailable(f"cannot reach the runner at {self.base_url}: {exc}") from None
        try:
            body = answer.json()
        except ValueError:
            raise RunnerUnavailable(
                f"{self.base_url} answered {answer.status_code} with something that is not the "
                "console runner's API: another program is listening on [runner] listen"
                ) from None
        if answer.status_code >= 400:
            raise RunnerUnavailable(body.get("error", f"HTTP {answer.status_code}"))
        return body

    def trigger(self, flow_id: str, params: dict[str, str] | None = None) -> str:
        return str(self._post(f"/flows/{flow_id}/trigger", params or {})["execution_id"])

    def retry(self, execution_id: str) -> str:
        return str(self._post(f"/executions/{execution_id}/retry")["execution_id"])

    def close(self) -> None:
        """Stop the runner this console started, even one still starting in a worker."""
        with self._lock:
            self.closed = True
            process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _taken(listen: str) -> bool:
    """Something accepts connections on ``host:port``."""
    import socket

    host, _, port = listen.rpartition(":")
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host or "127.0.0.1", int(port))) == 0
