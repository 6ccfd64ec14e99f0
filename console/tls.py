"""One TLS context for the process's HTTP clients, made once.

httpx makes a new SSL context for every client, reading the whole CA bundle each time: 20 to
60 ms a client, which every execution paid twice (Omnitron and the ERP) before its first
request, and an OMS stock query once per query. The shared context is the one httpx would
make (``httpx.create_ssl_context()``: certifi's bundle, or ``SSL_CERT_FILE`` /
``SSL_CERT_DIR`` as they are when it is first asked for); one ``ssl.SSLContext`` serves any
number of connections and threads.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl

_lock = threading.Lock()
_shared: ssl.SSLContext | None = None


def context() -> ssl.SSLContext:
    """The process's TLS context for HTTP clients (``httpx.Client(verify=context())``)."""
    global _shared
    with _lock:
        if _shared is None:
            import httpx

            _shared = httpx.create_ssl_context()
        return _shared
