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


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_sandbox(config: FlowsConfig, folder: Path) -> subprocess.Popen[bytes] | None:
    """Start the sandbox unless something already listens on its ports."""
    omnitron_port = urlparse(config.omnitron.url).port or 8801
    if _listening(omnitron_port):
        return None
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
