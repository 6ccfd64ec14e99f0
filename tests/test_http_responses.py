"""The runner's HTTP answers are freed as soon as they are let go of, without the cycle
collector: httpx links a response and its stream both ways, and with the collector seldom
running a sync's ERP pages and Omnitron answers piled up in memory."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import httpx
import pytest

from console.omnitron import OmnitronClient, RetryPolicy
from console.omnitron.calls import STOCK_LIST_PATH
from console.runner import erp
from console.sandbox import Sandbox


@pytest.fixture
def no_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_an_erp_answer_is_freed_when_let_go_and_reads_as_before(
        sandbox: Sandbox, no_collector: None) -> None:
    with httpx.Client(timeout=10) as http:
        response = erp._send(http, RetryPolicy(), "POST", f"{sandbox.erp_url}/auth/login",
                             step="login", json={"username": "erp", "password": "sandbox"})
        assert response.status_code == 200
        assert response.json()["token"]
        assert response.elapsed.total_seconds() > 0
        assert list(response.iter_bytes()) == [response.content]
        gone = weakref.ref(response)
        del response
        assert gone() is None


def test_an_omnitron_answer_is_freed_when_let_go_and_reads_as_before(
        sandbox: Sandbox, no_collector: None) -> None:
    with OmnitronClient(sandbox.omnitron_url, "integrator", "sandbox") as client:
        client.login()
        response = client._send("GET", STOCK_LIST_PATH)
        assert response.status_code == 200
        assert response.text and response.json() == httpx.Response(
            200, content=response.content).json()
        gone = weakref.ref(response)
        del response
        assert gone() is None
        assert [found["id"] for found in client.stock_lists()] == [1, 2, 3]


def test_a_plain_httpx_answer_needs_the_collector(sandbox: Sandbox, no_collector: None) -> None:
    """Why ``released`` exists: without it the answer outlives its last reference."""
    with httpx.Client(timeout=10) as http:
        response = http.post(f"{sandbox.erp_url}/auth/login",
                             json={"username": "erp", "password": "sandbox"})
        gone = weakref.ref(response)
        del response
        assert gone() is not None
        gc.collect()
        assert gone() is None
