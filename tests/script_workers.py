"""Script worker processes as the system lists them, for tests that count a pool's workers."""

from __future__ import annotations

import os


def script_workers_of(pid: int) -> list[int]:
    """Live ``console.script.worker`` children of ``pid`` (a zombie or a dead one is gone)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read()
        except OSError:
            continue
        if int(fields[1]) == pid and b"console.script.worker" in command and \
                fields[0] not in ("Z", "X"):
            found.append(int(entry))
    return found
