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


def test_a_store_another_process_is_creating_opens_once_it_is_made(tmp_path: Path) -> None:
    """A console and the runner it starts create one new store at once: switching the new
    file to WAL failed at once with "database is locked" while the other held it (SQLite does
    not wait for that lock), and the console showed the error instead of its flows' health."""
    import sqlite3

    path = tmp_path / "store.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE made_by_the_other (x)")
    release = threading.Timer(0.2, lambda: other.execute("COMMIT"))
    release.start()
    try:
        store = ExecutionStore(path)
        assert store.processing() == []
        assert store._conn().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        store.close()
    finally:
        release.join()
        other.close()
