"""Where the core reports what it measures (HTTP calls, retries, script time) to listeners.

``console serve`` listens to export Prometheus metrics; with nobody listening a report costs a
function call and a loop over an empty list, so the core reports unconditionally. Listeners run
in the reporting thread and must be quick.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

Listener = Callable[[str, float, dict[str, str]], None]
"""Called with the measurement's name, its value and its labels."""

HTTP_REQUEST = "http_request"
"""Seconds one HTTP attempt took; labels ``system`` (erp, omnitron) and ``status``."""
HTTP_RETRY = "http_retry"
"""One more attempt after a transient failure; label ``system``."""
SCRIPT = "script"
"""Seconds one script run took; label ``flow``."""

_listeners: list[Listener] = []
_lock = threading.Lock()


def listen(listener: Listener) -> Callable[[], None]:
    """Start sending reports to ``listener``; call the answer to stop."""
    with _lock:
        _listeners.append(listener)

    def stop() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)
    return stop


def report(name: str, value: float, **labels: str) -> None:
    for listener in tuple(_listeners):
        listener(name, value, labels)
