"""Progress of an execution as text: a bar when the row count is known, a count when not."""

from __future__ import annotations

from typing import Any

_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(done: int, expected: int, width: int = 10) -> str:
    """A bar of ``width`` cells, in eighths of a cell, for ``done`` out of ``expected``."""
    share = 1.0 if expected <= 0 else min(1.0, max(0.0, done / expected))
    eighths = round(share * width * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (_EIGHTHS[part] if part else "")
    return text + "░" * (width - len(text))


def progress_text(execution: Any, width: int = 10) -> str:
    """One table cell: ``███▌░░░░░░ 35% 1750/5000`` while running with a known total.

    A running execution's progress counts records read from the ERP (or the payload), since
    that is what the ERP's total counts; a finished one shows rows written of rows processed.
    """
    if execution.status != "processing":
        return f"{execution.succeeded}/{execution.total}"
    done, expected = execution.records_read, execution.expected
    if not expected:
        return f"{done} read…"
    percent = min(100, done * 100 // expected)
    return f"{bar(done, expected, width)} {percent:>3}% {done}/{expected}"


def progress_line(execution: Any, total_path: str | None = None) -> str | None:
    """The execution screen's line for a running execution (None once it has finished).

    ``total_path`` is the flow's pagination ``total_path``, if it has one: then an unknown
    total means the ERP has not said it yet (or said nothing there), not a missing setting."""
    if execution.status != "processing":
        return None
    if not execution.expected:
        if total_path:
            return (f"{execution.records_read} records read so far; the ERP has not given a "
                    f"total at {total_path!r} yet")
        return (f"{execution.records_read} records read so far; the total is unknown (set "
                "total_path in the flow's [read] pagination to see a progress bar)")
    return f"{progress_text(execution, width=30)} records read"
