"""A user of its own for every script worker of a root console, and the end of all it started.

The kernel lets a process signal or trace another only when both run as the same user (or it
is privileged). Workers of a root console therefore each get a uid of their own, drawn from
``[runner.scripts] uids`` and never shared by two live workers: a script cannot signal, trace
or read the memory of another flow's worker. When a worker ends, every process still running
as its uid is killed, however it got away (a grandchild in a session of its own, a process
adopted by init after its worker exited), before the uid is handed out again.

Without root no process can change user; there the worker is a child subreaper instead, so
what its script starts stays below it and ``kill_tree`` finds it (see the README's limits).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import threading
import time

DEFAULT_RANGE = "1000000000-1000099999"
"""Uids no usual system gives its users; a root console picks its workers' uids among them at
random, never one a live process has, so two consoles on one machine do not meet."""


def parse_range(text: str) -> tuple[int, int] | None:
    """``"FIRST-LAST"`` as two ints, ``None`` for ``""`` (workers share the ``user``).

    Raises ``ValueError`` with what was expected.
    """
    text = text.strip()
    if not text:
        return None
    first, dash, last = text.partition("-")
    if not dash or not first.strip().isdigit() or not last.strip().isdigit():
        raise ValueError(f'expected a range of uids such as "{DEFAULT_RANGE}", or "" for none; '
                         f"found {text!r}")
    low, high = int(first), int(last)
    if not 0 < low <= high < 2**32 - 1:
        raise ValueError(f"expected 0 < FIRST <= LAST < 4294967295, found {text!r}")
    return low, high


def unmapped(low: int, high: int) -> str | None:
    """Why this system cannot switch to the uids ``low..high`` (a user namespace that does not
    map them), or ``None`` when it can."""
    try:
        with open("/proc/self/uid_map", encoding="ascii") as handle:
            extents = [tuple(map(int, line.split())) for line in handle if line.strip()]
    except OSError:
        return None
    for inside, _outside, count in extents:
        if inside <= low and high < inside + count:
            return None
    return (f"the uids {low}-{high} are not mapped in this system's user namespace (see "
            "/proc/self/uid_map); set [runner.scripts] uids to a mapped range, or to \"\" to run "
            "every worker as the one user")


def _owner(pid: str) -> int | None:
    """The real uid of a process, ``None`` when it is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8", errors="replace") as handle:
            status = handle.read()
    except OSError:
        return None
    state = uid = None
    for line in status.splitlines():
        if line.startswith("State:"):
            state = line.split()[1]
        elif line.startswith("Uid:"):
            uid = int(line.split()[1])
            break
    return None if state in ("Z", "X") else uid


def _processes() -> list[str]:
    return [name for name in os.listdir("/proc") if name.isdigit()]


def used_uids() -> set[int]:
    """The real uids of every live process on the machine."""
    return {uid for pid in _processes() if (uid := _owner(pid)) is not None}


def kill_user(uid: int, patience: float = 5.0) -> None:
    """SIGKILL every process whose real uid is ``uid``, until none is left.

    Rounds repeat because a process may fork between the scan and its kill; a killed process
    cannot fork again, so they end. Never for root or the console's own user.
    """
    if uid in (0, os.getuid(), os.geteuid()):
        raise ValueError(f"refusing to kill every process of uid {uid}")
    deadline = time.monotonic() + patience
    while True:
        found = [int(pid) for pid in _processes() if _owner(pid) == uid]
        if not found or time.monotonic() > deadline:
            return
        for pid in found:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.005)


class UidLeases:
    """Uids of ``low..high`` lent to one worker each: none in use by a live process, none lent
    twice."""

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high
        self._lent: set[int] = set()
        self._lock = threading.Lock()
        self._random = random.SystemRandom()

    def take(self) -> int:
        busy = used_uids()
        with self._lock:
            for _ in range(1000):
                uid = self._random.randint(self.low, self.high)
                if uid not in self._lent and uid not in busy:
                    self._lent.add(uid)
                    return uid
            for uid in range(self.low, self.high + 1):  # a small range: look at every uid
                if uid not in self._lent and uid not in busy:
                    self._lent.add(uid)
                    return uid
        raise LookupError(f"every uid of [runner.scripts] uids ({self.low}-{self.high}) is "
                          "taken by a running process")

    def give_back(self, uid: int) -> None:
        """The uid's processes are killed first: nothing of this worker meets the next one."""
        try:
            kill_user(uid)
        finally:
            with self._lock:
                self._lent.discard(uid)


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children, their children, ...), zombies left out."""
    found: list[int] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children", encoding="ascii") as handle:
                    children = [int(c) for c in handle.read().split()]
            except OSError:
                continue
            for child in children:
                frontier.append(child)
                if _owner(str(child)) is not None:
                    found.append(child)
    return found


def kill_tree(pid: int, patience: float = 5.0) -> None:
    """SIGKILL everything below ``pid``, then ``pid`` itself.

    ``pid`` is stopped first, so its threads start nothing new; it is a child subreaper, so
    whatever left its session or lost its parent is still below it, until it dies.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGSTOP)
    deadline = time.monotonic() + patience
    while (below := descendants(pid)) and time.monotonic() < deadline:
        for child in below:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(child, signal.SIGKILL)
        time.sleep(0.002)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)
