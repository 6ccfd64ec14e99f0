"""Where the store used to live: its names, re-exported for code written against this path.

The stores are in :mod:`console.store` now; new code imports from there.
"""

from console.store.records import (
    ACTIVE,
    FINISHED,
    SAMPLE_RECORDS,
    AdmissionRefused,
    Execution,
    RowLog,
    now,
    stamp,
)
from console.store.sqlite import ExecutionStore, SQLiteStore

__all__ = ["ACTIVE", "FINISHED", "SAMPLE_RECORDS", "AdmissionRefused", "Execution",
           "ExecutionStore", "RowLog", "SQLiteStore", "now", "stamp"]
