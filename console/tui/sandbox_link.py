"""``console ui --sandbox``: the demo's Omnitron and ERP, started beside the console."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

from console.flows import FlowsConfig

ERP_PORT = 8802
_NAMES = {"omnitron": "Omnitron", "erp": "ERP"}


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _sandbox_answers(port: int, server: str) -> bool:
    import httpx

    try:
        answer = httpx.get(f"http://127.0.0.1:{port}/_sandbox/ping", timeout=1.0)
        return answer.status_code == 200 and answer.json().get("sandbox") == server
    except (httpx.HTTPError, ValueError, AttributeError):
        return False


def start_sandbox(config: FlowsConfig, folder: Path) -> subprocess.Popen[bytes] | None:
    """Start the sandbox, or use the one already running; a port taken by another program
    is an error that says which port and what to do (the demo flows would fail against it)."""
    omnitron_port = urlparse(config.omnitron.url).port or 8801
    ports = {"omnitron": omnitron_port, "erp": ERP_PORT}
    taken = {server: port for server, port in ports.items() if _listening(port)}
    strangers = [f"{port} (the sandbox {_NAMES[server]})" for server, port in taken.items()
                 if not _sandbox_answers(port, server)]
    if strangers:
        raise RuntimeError(
            f"port {' and '.join(strangers)} is taken by another program, so the demo cannot "
            "run against the sandbox. Stop that program and run again, or start the console "
            "without --sandbox against your own Omnitron and ERP (set their URLs in "
            "flows.toml).")
    if len(taken) == len(ports):
        return None  # a sandbox is already running: use it
    process = subprocess.Popen(
        [sys.executable, "-m", "console.sandbox", "--omnitron-port", str(omnitron_port),
         "--erp-port", str(ERP_PORT), "--data", str(folder)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if _listening(omnitron_port):
            return process
        if process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"the sandbox did not start: {error.strip()[-300:]}")
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError("the sandbox did not start in 30 s")
