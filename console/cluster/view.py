"""The hosts of a cluster as the console and ``console hosts`` show them."""

from __future__ import annotations

from console.cluster.state import Host


def alive(host: Host, stall_after_s: float) -> bool:
    return host.stopped_at is None and host.seconds_since_heartbeat < stall_after_s


def describe_host(host: Host, stall_after_s: float) -> str:
    """One line: name, pid, last heartbeat, running executions, and what is special."""
    if host.stopped_at is not None:
        state = "stopped"
    else:
        state = f"heartbeat {host.seconds_since_heartbeat:.0f} s ago"
    marks = []
    if alive(host, stall_after_s):
        if host.leader:
            marks.append("leader")
    elif host.stopped_at is None:
        marks.append("taken for dead")
    if not host.schedules:
        marks.append("flows.toml differs: not scheduling")
    suffix = f" [{', '.join(marks)}]" if marks else ""
    return (f"{host.name} pid {host.pid} {state}, {len(host.running)} running{suffix}")


def cluster_line(hosts: list[Host], stall_after_s: float) -> str:
    """The console header's line for a cluster: the live hosts, each with its pid and runs."""
    up = [h for h in hosts if alive(h, stall_after_s)]
    if not up:
        return "cluster: no host is serving"
    parts = [f"{h.name} (pid {h.pid}, {len(h.running)} running"
             f"{', flows differ' if not h.schedules else ''})" for h in up]
    down = len(hosts) - len(up)
    gone = f"; {down} down" if down else ""
    return f"cluster of {len(up)} host{'s' if len(up) > 1 else ''}: {', '.join(parts)}{gone}"
