"""Store reads that overlap: a screen polls while an earlier read may still be running, and a
slower, older read can answer last. Each read notes when it began; a screen shows an answer
only when no read begun later has been shown, so fresh data is never replaced by older."""

from __future__ import annotations

import time


def began() -> int:
    """When a read begins (monotonic ns): take it before reading."""
    return time.monotonic_ns()


class Latest:
    """The newest read a screen has shown."""

    def __init__(self) -> None:
        self.shown = 0

    def newer(self, read_at: int) -> bool:
        """Whether the answer of a read begun at ``read_at`` is to be shown (and is, from now)."""
        if read_at < self.shown:
            return False
        self.shown = read_at
        return True
