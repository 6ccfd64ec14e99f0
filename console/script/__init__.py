"""Run Integrator (NiFi ExecuteScript, Jython-style) and native Python scripts, isolated.

``run()`` is for one-off runs such as the console's test panel; the runner keeps a
``ScriptPool`` of warm workers. Either way the script runs in another process.
"""

from __future__ import annotations

import atexit
import threading
from typing import Any

from console.script.pool import ScriptPool, ScriptResult

__all__ = ["ScriptPool", "ScriptResult", "run"]

_shared: ScriptPool | None = None
_shared_lock = threading.Lock()


def _pool() -> ScriptPool:
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ScriptPool(size=2)
            atexit.register(_shared.close)
        return _shared


def run(source: str, input_text: str, attributes: dict[str, Any] | None = None, *,
        timeout: float = 10.0, memory_mb: int = 512) -> ScriptResult:
    """Run ``source`` on ``input_text`` in a worker process and return what it produced."""
    return _pool().run(source, input_text, attributes, timeout=timeout, memory_mb=memory_mb)
