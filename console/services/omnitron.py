"""Opening the Omnitron client from the ``[omnitron]`` table, for every command and screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.flows import OmnitronSettings
from console.flows.errors import SecretMissingError
from console.services.errors import ServiceError

if TYPE_CHECKING:
    from console.omnitron import OmnitronClient, RetryPolicy


def open_client(settings: OmnitronSettings, *, retry: RetryPolicy | None = None
                ) -> OmnitronClient:
    """A client with the password resolved now; a missing secret is a ``ServiceError``."""
    from console.omnitron import OmnitronClient

    try:
        password = settings.password.resolve()
    except SecretMissingError as exc:
        raise ServiceError(f"omnitron.password: {exc}") from None
    return OmnitronClient(settings.url, settings.username, password, retry=retry)


def explain(exc: Exception) -> str:
    """What went wrong talking to Omnitron, in one line for a person."""
    from console.omnitron import OmnitronError, OmnitronValidationError

    if isinstance(exc, OmnitronValidationError) and exc.field_errors:
        problems = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in exc.field_errors.items())
        return f"Omnitron rejected it: {problems}"
    if isinstance(exc, OmnitronError):
        return exc.message
    if isinstance(exc, ServiceError):
        return exc.message
    return str(exc) or type(exc).__name__
