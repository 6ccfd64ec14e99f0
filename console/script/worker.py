"""The worker process: receives (source, input, attributes, memory) and sends back results.

It lowers its own address-space limit per call, clears the environment it inherited, and
exits when the console goes away (pipe closed, or the parent-death signal on Linux).
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys
from multiprocessing.connection import Connection
from typing import Any

_MB = 1024 * 1024


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:
            pass


def _limit_memory(memory_mb: int) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = memory_mb * _MB
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


def serve(conn: Connection) -> None:
    _die_with_parent()
    os.environ.clear()
    os.environ["PYTHONIOENCODING"] = "utf-8"
    from console.script.execute import execute

    while True:
        try:
            request: dict[str, Any] = conn.recv()
        except (EOFError, OSError):
            return
        _limit_memory(int(request["memory_mb"]))
        result = execute(request["source"], request["input_text"], request["attributes"])
        resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY,
                                                resource.getrlimit(resource.RLIMIT_AS)[1]))
        try:
            conn.send(result)
        except (EOFError, OSError):
            return


def main() -> None:
    serve(Connection(int(sys.argv[1])))


if __name__ == "__main__":
    main()
