"""Writing flows.toml from the console: off the event loop, one change at a time, in the
order the user made them."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from console.flows import Flow, FlowsConfig, FlowsError, save_flow

Done = Callable[[FlowsConfig | None, str | None], None]

# One writer thread: changes made in quick succession (two presses of `e`) land in order.
_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="flows-writer")


def write_flow(path: Path, before: Flow | None, after: Flow, done: Done) -> None:
    """Queue one flow's change; ``done(saved_config, None)`` or ``done(None, reason)`` is
    called from the writer thread once the file is written or refused."""

    def write() -> None:
        try:
            saved = save_flow(path, before, after)
        except FlowsError as exc:
            done(None, str(exc))
        except OSError as exc:
            done(None, f"cannot write {path}: {exc.strerror or exc}")
        else:
            done(saved, None)

    _WRITER.submit(write)


def flush() -> None:
    """Wait until every queued change is written (or refused)."""
    _WRITER.submit(lambda: None).result()
