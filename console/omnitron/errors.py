"""Typed errors of the Omnitron client; each carries Omnitron's status and error body."""

from __future__ import annotations

from typing import Any


class OmnitronError(Exception):
    def __init__(self, message: str, status: int | None = None, body: Any = None) -> None:
        self.message = message
        self.status = status
        self.body = body
        super().__init__(message)


class OmnitronAuthError(OmnitronError):
    """Login refused, or a token Omnitron no longer accepts even after renewing it."""


class OmnitronValidationError(OmnitronError):
    """A 400 answer; ``field_errors`` maps field names to Omnitron's messages."""

    @property
    def field_errors(self) -> dict[str, list[str]]:
        if isinstance(self.body, dict):
            return {k: v if isinstance(v, list) else [str(v)] for k, v in self.body.items()}
        return {}


class OmnitronUnavailable(OmnitronError):
    """Omnitron could not be reached, or kept failing after the retries."""


def describe_body(body: Any) -> str:
    if isinstance(body, dict):
        parts = []
        for key, value in body.items():
            text = "; ".join(map(str, value)) if isinstance(value, list) else str(value)
            parts.append(text if key in ("detail", "non_field_errors") else f"{key}: {text}")
        return ", ".join(parts)
    text = str(body)
    if text.lstrip()[:15].lower().startswith(("<!doctype html", "<html")):
        return ("an HTML page, not Omnitron's API: is [omnitron] url in flows.toml the "
                "Omnitron you meant, and is nothing else listening there?")
    return text[:300]
