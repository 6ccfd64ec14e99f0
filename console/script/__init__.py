"""Run Integrator (NiFi ExecuteScript, Jython-style) and native Python scripts, isolated.

The runner keeps a ``ScriptPool`` whose workers each serve one flow; ``run()`` is for one-off
runs such as the console's test panel, on a shared pool of its own. Either way the script runs
in another process, as an unprivileged user when the console runs as root.

``ScriptPool`` and ``ScriptResult`` are imported on first use: reading flows.toml only needs
``console.script.uids``, and ``console flows list`` must not pay for the pool's process and
asyncio machinery.
"""

from __future__ import annotations

import atexit
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from console.script.pool import ScriptPool
    from console.script.result import ScriptResult

__all__ = ["DEFAULT_TIMEOUT_S", "TEST_TIMEOUT_S", "ScriptPool", "ScriptResult", "configure",
           "run"]

DEFAULT_TIMEOUT_S = 300.0
"""What the Integrator gives a script in a real run."""
TEST_TIMEOUT_S = 30.0
"""The interactive test panel's limit: someone is waiting at the keyboard."""

_shared: ScriptPool | None = None
_shared_settings: dict[str, Any] = {"workers": 2, "idle_s": 120.0}
_shared_lock = threading.Lock()


def configure(**settings: Any) -> None:
    """Settings of the shared pool (``ScriptPool``'s keywords, e.g. from ``[runner.scripts]``);
    a pool running with other settings is ended and the next run starts a new one."""
    global _shared
    wanted = {**settings, "workers": min(int(settings.get("workers", 2)), 2)}
    with _shared_lock:
        if wanted == _shared_settings:
            return
        _shared_settings.clear()
        _shared_settings.update(wanted)
        old, _shared = _shared, None
    if old is not None:
        old.close()


def __getattr__(name: str) -> Any:
    if name == "ScriptPool":
        from console.script.pool import ScriptPool

        return ScriptPool
    if name == "ScriptResult":
        from console.script.result import ScriptResult

        return ScriptResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _pool() -> ScriptPool:
    from console.script.pool import ScriptPool

    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ScriptPool(**_shared_settings)
            atexit.register(_shared.close)
        return _shared


def run(source: str, input_text: str, attributes: dict[str, Any] | None = None, *,
        flow: str = "test", timeout: float = TEST_TIMEOUT_S) -> ScriptResult:
    """Run ``source`` on ``input_text`` for ``flow`` in a worker process of the shared pool."""
    return _pool().run(flow, source, attributes=attributes, text=input_text, timeout=timeout)
