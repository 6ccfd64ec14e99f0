"""HTTP responses freed as soon as their caller lets go of them, not at the next full collection.

httpx links a response and the stream it was read from both ways (the stream notes on the
response how long it took), so a response is only freed by Python's cycle collector, body and
all. The runner raises the collector's thresholds (see ``console.runner.runner``), and its
steps allocate so few long-lived objects that a full collection comes rarely: in a
1,000,000-row sync the ERP pages read and the Omnitron answers piled up, 0.5 MB a page, until
one came, and the runner's memory rose by up to 100 MB between two of them.
"""

from __future__ import annotations

import httpx

_READ = httpx.ByteStream(b"")


def released(response: httpx.Response) -> httpx.Response:
    """``response`` (read whole, as ``Client.request`` reads it) with the stream it was read
    from let go: its status, headers, body, ``elapsed`` and methods stay as they were."""
    if response.is_closed and response.is_stream_consumed:
        response.stream = _READ
    return response
