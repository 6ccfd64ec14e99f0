"""Omnitron order item status codes and the transitions the sandbox allows.

Forward moves follow an order's life: waiting/payment -> approved -> preparing -> shipped ->
shipped_and_informed / ready_for_pickup / attempted_delivery -> delivered. Cancellation
(100, or 50 while waiting for it) is allowed only before shipping, i.e. from 450 or lower.
"""

from __future__ import annotations

STATUSES: dict[int, str] = {
    50: "cancellation_waiting",
    100: "canceled",
    200: "waiting",
    300: "payment_waiting",
    350: "confirmation_waiting",
    400: "approved",
    450: "preparing",
    500: "shipped",
    510: "shipped_and_informed",
    520: "ready_for_pickup",
    540: "attempted_delivery",
    550: "delivered",
}

_FORWARD: dict[int, set[int]] = {
    200: {300, 350, 400},
    300: {350, 400},
    350: {400},
    400: {450},
    450: {500},
    500: {510, 520, 540, 550},
    510: {520, 540, 550},
    520: {550},
    540: {520, 550},
    50: {100},
}


def allowed(current: int, target: int) -> bool:
    """True if an item in ``current`` may move to ``target`` (staying put is always allowed)."""
    if current == target:
        return True
    if target in (50, 100):
        return current <= 450 and current not in (100,)
    return target in _FORWARD.get(current, set())
