"""Writing flows.toml from the console: in a worker thread, one save at a time."""

from __future__ import annotations

import threading

from console.flows import FlowsConfig, FlowsError, save

_ONE_AT_A_TIME = threading.Lock()


def save_or_explain(config: FlowsConfig) -> str | None:
    """Write ``config`` to its file; the reason it was not written, or None. Blocks: call it
    from a worker."""
    with _ONE_AT_A_TIME:
        try:
            save(config, config.source)
        except FlowsError as exc:
            return str(exc)
        except OSError as exc:
            return f"cannot write {config.source}: {exc.strerror or exc}"
    return None
