"""The Omnitron API client shared by the runner, the stock browser, OMS setup and the CLI."""

from console.omnitron.client import BulkUpsertResult, OmnitronClient
from console.omnitron.errors import (
    OmnitronAuthError,
    OmnitronError,
    OmnitronUnavailable,
    OmnitronValidationError,
)
from console.omnitron.retry import RetryAttempt, RetryPolicy, retry_call

__all__ = [
    "BulkUpsertResult", "OmnitronAuthError", "OmnitronClient", "OmnitronError",
    "OmnitronUnavailable", "OmnitronValidationError", "RetryAttempt", "RetryPolicy", "retry_call",
]
