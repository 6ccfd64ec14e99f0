"""Durations as people write them in flows.toml: ``"90s"``, ``"15m"``, ``"2h"``, ``"1d"``."""

from __future__ import annotations

import re

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_SECONDS = 3650 * 86400
"""Ten years: longer durations overflow the date arithmetic the runner does with them."""
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")


def parse_duration(text: str, *, allow_zero: bool = False) -> float:
    """Seconds in ``text``; ValueError saying what is expected when it is not a duration."""
    match = _DURATION.match(text)
    if match is None or (float(match[1]) <= 0 and not (allow_zero and float(match[1]) == 0)):
        raise ValueError(f'expected a duration such as "90s", "15m", "2h" or "1d", found {text!r}')
    seconds = float(match[1]) * _UNITS[match[2]]
    if seconds > MAX_SECONDS:
        raise ValueError(f"expected a duration of at most 3650d, found {text!r}")
    return seconds


def describe_duration(seconds: float) -> str:
    """Seconds as people read them: ``7200`` -> ``"2h"``, ``12000`` -> ``"3h20m"``."""
    if seconds < 60:
        return f"{seconds:g}s"
    left, parts = int(round(seconds)), []
    for unit in ("d", "h", "m", "s"):
        count, left = divmod(left, _UNITS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
