"""A running `console serve` that reloads a flows file it cannot run keeps its last good flows
and says why on stderr, instead of crashing or half-applying the file."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from tests.conftest import free_port

HEAD = '[omnitron]\nurl = "http://127.0.0.1:1"\nusername = "u"\npassword = "p"\n'


def flows(port: int, flow_id: str) -> str:
    return (f'{HEAD}[runner]\nlisten = "127.0.0.1:{port}"\noutbound_token = "t"\n'
            f'[flows.{flow_id}]\nname = "{flow_id}"\ntype = "stock"\ndirection = "outbound"\n')


def lines(stream: object) -> queue.Queue[str]:
    found: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:  # type: ignore[attr-defined]
            found.put(line)
        found.put("")  # the process closed the stream
    threading.Thread(target=pump, daemon=True).start()
    return found


def next_line(found: queue.Queue[str], wanted: str) -> str:
    while True:
        line = found.get(timeout=60)
        assert line, f"the runner ended before saying {wanted!r}"
        if wanted in line:
            return line


def test_serve_keeps_its_last_good_flows_when_the_file_turns_bad(tmp_path: Path) -> None:
    port = free_port()
    path = tmp_path / "flows.toml"
    path.write_text(flows(port, "push"), encoding="utf-8")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    serve = subprocess.Popen([sys.executable, "-m", "console.cli", "--flows", str(path), "serve"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = lines(serve.stdout), lines(serve.stderr)
    try:
        next_line(out, "runner serving on")
        bad = flows(port, "renamed").replace('"outbound"', '"inbound"\nschedule = "0 0 30 2 *"')
        path.write_text(bad + '[flows.renamed.read]\nurl = "http://127.0.0.1:1/stock"\n',
                        encoding="utf-8")
        os.utime(path, (1, 1))  # a new mtime even within the file system's time resolution
        why = next_line(err, "flows.renamed.schedule")
        assert "never fires" in why
        answer = httpx.post(f"http://127.0.0.1:{port}/flows/push/outbound",
                            json=[{"product_sku": "A", "stock": 1}],
                            headers={"Authorization": "Bearer t"}, timeout=10)
        assert answer.status_code == 202, answer.text
        assert serve.poll() is None
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)
    assert serve.returncode == 0
