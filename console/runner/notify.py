"""Alarm notifications through apprise URLs (Slack, Teams, e-mail, Telegram, JSON webhooks...).

The URLs carry tokens, so they are secrets: resolved only when sending, never logged or shown.
A target is described by its scheme, or by the environment variable that holds it.
"""

from __future__ import annotations

from console.flows import Secret
from console.flows.errors import SecretMissingError
from console.flows.model import AlarmSettings
from console.store.records import AlarmEvent

_LABELS = {"error_rate": "error rate", "avg_flow_time": "average flow time",
           "no_success": "no success", "stalled": "stalled execution", "test": "test"}


def describe_target(target: Secret) -> str:
    """``$SLACK_URL`` or ``json://…``: enough to tell targets apart, nothing secret."""
    if target.env:
        return f"${target.env}"
    scheme, sep, _ = (target.value or "").partition("://")
    return f"{scheme}://…" if sep else "(not a URL)"


def title_of(event: AlarmEvent) -> str:
    label = _LABELS.get(event.alarm, event.alarm)
    return f"[{event.event}] {event.flow_id}: {label}"


def send(targets: tuple[Secret, ...], title: str, body: str, *, kind: str = "failure") -> str:
    """Deliver to every target; the answer says how it went, per target when some failed."""
    if not targets:
        return "no notification targets in [alarms] notify"
    import apprise

    failures = []
    for number, target in enumerate(targets, start=1):
        where = f"target {number} ({describe_target(target)})"
        try:
            url = target.resolve()
        except SecretMissingError as exc:
            failures.append(f"{where}: {exc}")
            continue
        channel = apprise.Apprise()
        if not channel.add(url):
            failures.append(f"{where}: apprise does not understand this URL")
            continue
        if not channel.notify(title=title, body=body, notify_type=kind):
            failures.append(f"{where}: not delivered")
    if not failures:
        return f"sent to {len(targets)} target{'s' if len(targets) > 1 else ''}"
    return "; ".join(failures)


def notify_event(event: AlarmEvent, settings: AlarmSettings) -> str:
    kind = {"fired": "failure", "resolved": "success"}.get(event.event, "info")
    return send(settings.notify, title_of(event), event.message, kind=kind)
