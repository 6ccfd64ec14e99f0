"""Writing flows.toml from the console: off the event loop, one change at a time, in the
order the user made them, with the outcome posted back as a message."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from textual.message_pump import MessagePump

from console.flows import Flow, FlowsError, save_flow
from console.tui.messages import FlowWritten

# One writer thread: changes made in quick succession (two presses of `e`) land in order.
_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="flows-writer")


def write_flow(path: Path, before: Flow | None, after: Flow, reply_to: MessagePump,
               context: Any = None) -> None:
    """Queue one flow's change; ``reply_to`` gets a FlowWritten carrying ``context``.

    Posting never waits on the event loop, so a console quitting mid-write cannot hang."""

    def write() -> None:
        try:
            saved = save_flow(path, before, after)
        except FlowsError as exc:
            reply_to.post_message(FlowWritten(None, str(exc), context))
        except OSError as exc:
            reply_to.post_message(FlowWritten(None, f"cannot write {path}: "
                                                    f"{exc.strerror or exc}", context))
        else:
            reply_to.post_message(FlowWritten(saved, None, context))

    _WRITER.submit(write)


def flush() -> None:
    """Wait until every queued change is written (or refused)."""
    _WRITER.submit(lambda: None).result()
