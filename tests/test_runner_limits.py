"""Limits a public endpoint needs: body size decided while streaming, read timeouts, a bound on
open connections; over loopback against a real runner."""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from console.flows import load
from console.runner.http_limits import HttpLimits
from console.runner.service import RunnerService

LIMITS = HttpLimits(max_connections=40, header_timeout_s=1.0, body_idle_timeout_s=1.0)


@pytest.fixture
def service(demo_flows: Any, tmp_path: Path) -> Iterator[RunnerService]:
    running = RunnerService(load(demo_flows(tmp_path, replace={
        'outbound_token = { env': 'outbound_max_rows = 1000\noutbound_token = { env'})),
        tick_s=0.05, limits=LIMITS)
    running.start()
    yield running
    running.stop(drain_s=20)


def connect(service: RunnerService) -> socket.socket:
    host, port = service.address.split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def read_answer(sock: socket.socket, timeout: float = 10.0) -> bytes:
    sock.settimeout(timeout)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return data


HEAD = (b"POST /flows/stock_push/outbound HTTP/1.1\r\nHost: x\r\n"
        b"Authorization: Bearer sandbox-token\r\nContent-Type: application/json\r\n")


def test_a_chunked_body_is_refused_413_once_past_the_limit_not_after_buffering_it(
        service: RunnerService) -> None:
    limit = LIMITS.max_body_bytes(1000)
    sock = connect(service)
    sock.sendall(HEAD + b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"[" + b" " * (1024 * 1024 - 2) + b"\n"
    sent = 0
    answered = False
    while sent < 200 * 1024 * 1024:
        try:
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            break
        sent += len(chunk)
        if select.select([sock], [], [], 0)[0]:
            answered = True
            break
    answer = read_answer(sock)
    sock.close()
    assert answered or answer
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"limit of 1,048,576 bytes" in answer
    assert sent < limit + 8 * 1024 * 1024
    assert service.runner.store.executions() == []


def test_a_declared_length_above_the_limit_is_refused_before_reading(
        service: RunnerService) -> None:
    sock = connect(service)
    sock.sendall(HEAD + b"Content-Length: 999999999\r\n\r\n[")
    answer = read_answer(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 413") and b"999,999,999 bytes" in answer


def test_a_stalled_body_is_answered_408(service: RunnerService) -> None:
    sock = connect(service)
    sock.sendall(HEAD + b"Content-Length: 100\r\n\r\n[{")
    answer = read_answer(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert service.runner.store.executions() == []


def test_half_sent_requests_are_bounded_and_timed_out(service: RunnerService) -> None:
    idle = []
    for _ in range(LIMITS.max_connections + 30):
        sock = connect(service)
        sock.sendall(b"POST /flows/stock_push/outbound HTTP/1.1\r\nHost: x\r\n")
        idle.append(sock)
    refused = [s for s in idle[LIMITS.max_connections:] if read_answer(s, 5.0).startswith(
        b"HTTP/1.1 503")]
    assert len(refused) >= 25
    timed_out = [read_answer(s, 10.0) for s in idle[:LIMITS.max_connections]]
    assert all(answer.startswith(b"HTTP/1.1 408") for answer in timed_out)
    for sock in idle:
        sock.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            health = httpx.get(f"http://{service.address}/health", timeout=2)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    assert health.status_code == 200


def test_oversized_headers_are_refused(service: RunnerService) -> None:
    sock = connect(service)
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
    time.sleep(0.1)
    sock.sendall(b"X-Big: " + b"a" * 64 * 1024)
    answer = read_answer(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]


def test_a_keep_alive_connection_is_not_answered_twice(service: RunnerService) -> None:
    sock = connect(service)
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    answer = read_answer(sock, 3.0)
    sock.close()
    assert answer.count(b"HTTP/1.1") == 1 and answer.startswith(b"HTTP/1.1 200")
