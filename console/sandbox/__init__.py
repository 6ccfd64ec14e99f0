"""Local stand-ins for Omnitron and an ERP: real HTTP servers with SQLite state.

``start(folder)`` runs both in a child process on free loopback ports (tests, benchmarks);
``serve(...)`` runs them in the foreground (``console sandbox``, ``make run``). The names are
imported on first use so the CLI does not pay for the web stack when it does not need it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Sandbox", "dump_state", "serve", "start"]


def __getattr__(name: str) -> Any:
    if name in ("Sandbox", "start"):
        from console.sandbox import launcher

        return getattr(launcher, name)
    if name in ("serve", "dump_state"):
        from console.sandbox import server

        return getattr(server, name)
    raise AttributeError(name)
