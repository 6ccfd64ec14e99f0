"""The SQLite store gives each thread its own connection and closes it once the thread has ended:
a runner starts threads for every execution, and a connection kept for each would hold its
files and page cache for the life of the process."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from console.store.sqlite import ExecutionStore


def _open_files(folder: Path) -> int:
    found = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        found += target.startswith(str(folder))
    return found


def test_a_thread_that_ends_closes_its_connection(tmp_path: Path) -> None:
    store = ExecutionStore(tmp_path / "store.db")
    execution = store.create("f", "manual", {}, "test")
    store.log(execution.id, "info", "opened by the main thread")
    before = _open_files(tmp_path)
    for number in range(30):
        thread = threading.Thread(target=store.log, args=(execution.id, "info", f"row {number}"))
        thread.start()
        thread.join()
    # an ended thread's connection is closed when the next one opens: at most the last
    # thread's files (database, write-ahead log, shared memory) are still open
    assert _open_files(tmp_path) <= before + 3
    assert store.count_logs(execution.id) == 31
    store.close()
    assert _open_files(tmp_path) == 0
