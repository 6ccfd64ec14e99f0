"""The Omnitron API client shared by the runner, the stock browser, OMS setup and the CLI."""

from console.omnitron.calls import BulkUpsertResult
from console.omnitron.client import OmnitronClient
from console.omnitron.client_async import AsyncOmnitronClient
from console.omnitron.errors import (
    OmnitronAuthError,
    OmnitronError,
    OmnitronUnavailable,
    OmnitronValidationError,
)
from console.omnitron.retry import RetryAttempt, RetryPolicy, retry_async, retry_call

__all__ = [
    "AsyncOmnitronClient", "BulkUpsertResult", "OmnitronAuthError", "OmnitronClient",
    "OmnitronError", "OmnitronUnavailable", "OmnitronValidationError", "RetryAttempt",
    "RetryPolicy", "retry_async", "retry_call",
]
