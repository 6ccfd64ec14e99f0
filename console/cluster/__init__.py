"""Several ``console serve`` hosts sharing one PostgreSQL store.

The database is the source of truth: hosts register and heartbeat in it (``state``), outbound
and triggered executions are queued as procrastinate jobs in the transaction that admits them
and run by whichever host's worker takes them (``queue``), a schedule fires on the host that
claims its due time first, and the jobs only one host may do at a time (stalled-job recovery,
log pruning, fetch-missing) run on the host holding an advisory lock (``host``).
"""

from __future__ import annotations

from console.flows import FlowsConfig

_SCHEMES = ("postgresql://", "postgres://")


def cluster_url(config: FlowsConfig) -> str | None:
    """The PostgreSQL store the hosts of a cluster share, or None for the embedded runner."""
    store = config.runner.store
    return store if store.startswith(_SCHEMES) else None
