"""The HTTP clients of a run share one TLS context, as strict as the one httpx makes."""

from __future__ import annotations

import ssl

import httpx

from console import tls


def test_one_context_is_made_and_it_checks_certificates_as_httpx_does() -> None:
    shared = tls.context()
    assert tls.context() is shared
    own = httpx.create_ssl_context()
    assert (shared.verify_mode, shared.check_hostname, shared.minimum_version) == \
        (ssl.CERT_REQUIRED, True, own.minimum_version)
    assert shared.cert_store_stats() == own.cert_store_stats()  # the same CA bundle
