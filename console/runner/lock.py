"""One runner per store: an OS lock on a file beside the SQLite store.

The lock (``flock``) belongs to the open file of the process holding it, so it goes away with
that process however it ends, SIGKILL included: a crashed runner never blocks the next start.
The holder writes its pid, host, address and start time into the file, so a refused start can
say who holds the store.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path
from typing import Any

from console.store.records import stamp


class StoreHeld(Exception):
    """Another live runner holds the store."""

    def __init__(self, store: Path, holder: dict[str, Any]) -> None:
        self.store = store
        self.holder = holder
        super().__init__(f"the store {store} is already held by {describe(holder)}: one runner "
                         "per store")


def describe(holder: dict[str, Any]) -> str:
    what = holder.get("command") or "a runner"
    parts = [f"pid {holder.get('pid', '?')}"]
    if holder.get("host") and holder.get("host") != socket.gethostname():
        parts.append(f"on {holder['host']}")
    if holder.get("address"):
        parts.append(f"serving http://{holder['address']}")
    if holder.get("started_at"):
        parts.append(f"since {str(holder['started_at'])[:19].replace('T', ' ')}")
    return f"{what} ({', '.join(parts)})"


def lock_path(store: Path) -> Path:
    return store.with_name(store.name + ".runner-lock")


def _read(fd: int) -> dict[str, Any]:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = os.read(fd, 4096)
    try:
        found = json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeDecodeError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


class RunnerLock:
    """Held from ``acquire`` until ``release`` or the end of the process."""

    def __init__(self, store: Path | str, command: str = "console serve") -> None:
        self.store = Path(store)
        self.path = lock_path(self.store)
        self.command = command
        self._fd: int | None = None
        self.info: dict[str, Any] = {}

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> RunnerLock:
        """Take the lock or raise ``StoreHeld`` naming the holder, at once (never waits)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        for attempt in range(3):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if attempt < 2:  # ``holder`` may be taking a look for an instant
                    time.sleep(0.02)
                    continue
                holder = _read(fd)
                os.close(fd)
                raise StoreHeld(self.store, holder) from None
        self._fd = fd
        self.info = {"pid": os.getpid(), "host": socket.gethostname(), "command": self.command,
                     "started_at": stamp(), "address": ""}
        self._write()
        return self

    def announce(self, address: str) -> None:
        """Record the address the holder serves on, for a console to attach to."""
        self.info["address"] = address
        self._write()

    def _write(self) -> None:
        assert self._fd is not None
        body = json.dumps(self.info).encode()
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, body, 0)

    def release(self) -> None:
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> RunnerLock:
        return self if self._fd is not None else self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder(store: Path | str) -> dict[str, Any] | None:
    """Who holds the store now, or None when no live runner does."""
    path = lock_path(Path(store))
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
