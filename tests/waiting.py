"""Waiting, in tests that drive real processes, for a condition to hold."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_for(predicate: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    """What ``predicate`` gives once it is true; an assertion failure naming ``what`` after
    ``timeout`` seconds. Polling, because the processes under test post nothing to wait on."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{what} not met in {timeout} s")
