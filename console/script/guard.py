"""Keeping the console's own secrets out of a script's reach.

Scripts run in worker processes, but a process can read another's ``/proc/<pid>/environ``
and memory when both run as the same user and the target is dumpable. So: when the console
runs as root, its workers drop to an unprivileged user; otherwise the console marks itself
non-dumpable, which puts its ``/proc`` files out of reach of same-user processes (debuggers
and core dumps of the console itself go with it).
"""

from __future__ import annotations

import ctypes
import os
import pwd
import sys

_PR_SET_DUMPABLE = 4
_PR_GET_DUMPABLE = 3


def worker_user(name: str) -> tuple[int, int]:
    """The uid and gid of the user script workers run as when the console is root."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise LookupError(f"script workers run as user {name!r}, which does not exist on this "
                          "machine (set [runner.scripts] user)") from None
    if entry.pw_uid == 0:
        raise LookupError(f"script workers may not run as {name!r}: it is root, and a script "
                          "would reach the console's secrets (set [runner.scripts] user)")
    return entry.pw_uid, entry.pw_gid


def _prctl(option: int, value: int = 0) -> int:
    if not sys.platform.startswith("linux"):
        return -1
    try:
        return int(ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0))
    except (OSError, AttributeError):
        return -1


def protect_console() -> None:
    """Mark this process non-dumpable unless it runs as root (whose workers change user)."""
    if os.geteuid() != 0:
        _prctl(_PR_SET_DUMPABLE, 0)


def is_dumpable() -> bool:
    return _prctl(_PR_GET_DUMPABLE) == 1
