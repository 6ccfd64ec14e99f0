"""Where the health records used to live: re-exported for code written against this path.

They are in :mod:`console.store.records` now; new code imports from there.
"""

from console.store.records import PROBLEM_STATUSES, AlarmEvent, AlarmState, RunSample
from console.store.sqlite_health import HealthQueries

__all__ = ["PROBLEM_STATUSES", "AlarmEvent", "AlarmState", "HealthQueries", "RunSample"]
