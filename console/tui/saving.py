"""Writing flows.toml from the console: off the event loop, one change at a time, in the
order the user made them, with the outcome posted back as a message."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from textual.message_pump import MessagePump

from console.flows import Flow, FlowsError
from console.tui.messages import FlowWritten, VersionRestored

Clock = Callable[[], datetime]
"""The app's clock: versions kept by a save are stamped with it (tests fix it)."""

# One writer thread: changes made in quick succession (two presses of `e`) land in order.
_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="flows-writer")


def write_flow(path: Path, before: Flow | None, after: Flow, reply_to: MessagePump,
               context: Any = None, clock: Clock | None = None) -> None:
    """Queue one flow's change; ``reply_to`` gets a FlowWritten carrying ``context``.
    Each save is kept as a version of the file (see ``console.services.history``).

    Posting never waits on the event loop, so a console quitting mid-write cannot hang."""

    def write() -> None:
        from console.services.history import History

        try:
            saved = History(path, clock).save_flow(before, after)
        except FlowsError as exc:
            reply_to.post_message(FlowWritten(None, str(exc), context))
        except OSError as exc:
            reply_to.post_message(FlowWritten(None, f"cannot write {path}: "
                                                    f"{exc.strerror or exc}", context))
        else:
            reply_to.post_message(FlowWritten(saved.config, None, context, saved.warning))

    _WRITER.submit(write)


def restore_version(path: Path, version_id: str, reply_to: MessagePump,
                    clock: Clock | None = None) -> None:
    """Queue a restore behind any save under way; ``reply_to`` gets a VersionRestored."""

    def restore() -> None:
        from console.services import ServiceError
        from console.services.history import History

        try:
            config, version = History(path, clock).restore(version_id)
        except ServiceError as exc:
            reply_to.post_message(VersionRestored(version_id, None, None, exc.message))
        else:
            reply_to.post_message(VersionRestored(version_id, config, version, None))

    _WRITER.submit(restore)


def flush() -> None:
    """Wait until every queued change is written (or refused)."""
    _WRITER.submit(lambda: None).result()
