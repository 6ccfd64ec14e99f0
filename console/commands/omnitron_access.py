"""Opening an Omnitron client from the flows file, with errors a person can act on."""

from __future__ import annotations

from argparse import Namespace
from typing import Any

from console.commands.base import CommandError, load_config


def open_client(args: Namespace) -> Any:
    from console.omnitron import OmnitronClient, RetryPolicy

    config = load_config(args)
    try:
        return OmnitronClient.for_settings(config.omnitron,
                                           retry=RetryPolicy(attempts=3, max_total=15.0))
    except Exception as exc:  # noqa: BLE001 - a missing secret is explained, not raised
        raise CommandError(f"omnitron.password: {exc}") from None


def explain(exc: Exception) -> CommandError:
    from console.omnitron import OmnitronError

    if isinstance(exc, OmnitronError):
        return CommandError(exc.message, status=1)
    return CommandError(str(exc), status=1)
