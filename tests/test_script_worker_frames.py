"""The script worker's end of its socket frames messages exactly as the console's end
(``multiprocessing.connection.Connection``) does, both ways, at every size boundary, and
tells the console closing between two messages from closing in the middle of one."""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import threading
from collections.abc import Iterator
from multiprocessing.connection import Connection as ConsoleEnd

import pytest

from console.script.worker import Connection as WorkerEnd

SIZES = [0, 1, 16383, 16384, 16385, 65536 + 3, 3 * 1024 * 1024 + 7]


@pytest.fixture
def ends() -> Iterator[tuple[ConsoleEnd, WorkerEnd]]:
    console, worker = socket.socketpair()
    console_end = ConsoleEnd(console.detach())
    worker_end = WorkerEnd(worker.detach())
    yield console_end, worker_end
    console_end.close()
    with contextlib.suppress(OSError):
        os.close(worker_end.fd)


def _message(size: int) -> bytes:
    return bytes(range(256)) * (size // 256) + bytes(size % 256)


def _sent_from(send: object, messages: list[bytes]) -> threading.Thread:
    """Sends from another thread: a message bigger than the socket's buffer waits for the
    reader."""
    thread = threading.Thread(target=lambda: [send(m) for m in messages])  # type: ignore[operator]
    thread.start()
    return thread


def test_the_worker_reads_what_the_console_sends(ends: tuple[ConsoleEnd, WorkerEnd]) -> None:
    console, worker = ends
    messages = [_message(size) for size in SIZES]
    thread = _sent_from(console.send_bytes, messages)
    assert [worker.recv_bytes() for _ in messages] == messages
    thread.join()


def test_the_console_reads_what_the_worker_sends(ends: tuple[ConsoleEnd, WorkerEnd]) -> None:
    console, worker = ends
    messages = [_message(size) for size in SIZES]
    thread = _sent_from(worker.send_bytes, messages)
    assert [console.recv_bytes() for _ in messages] == messages
    thread.join()


def test_a_length_past_two_gib_is_read_from_its_long_header(
        ends: tuple[ConsoleEnd, WorkerEnd]) -> None:
    """The long header (-1, then 8 bytes) is only written past 2 GiB; both ends read it for
    any length, so a short message shows the worker reads it as the console does."""
    console, worker = ends
    frame = struct.pack("!iQ", -1, 5) + b"hello"
    os.write(console.fileno(), frame)
    assert worker.recv_bytes() == b"hello"
    os.write(worker.fd, frame)
    assert console.recv_bytes() == b"hello"


def test_the_console_closing_between_messages_ends_the_worker_quietly(
        ends: tuple[ConsoleEnd, WorkerEnd]) -> None:
    console, worker = ends
    console.send_bytes(b"last")
    console.close()
    assert worker.recv_bytes() == b"last"
    with pytest.raises(EOFError):
        worker.recv_bytes()


def test_the_console_closing_inside_a_message_is_an_error(
        ends: tuple[ConsoleEnd, WorkerEnd]) -> None:
    console, worker = ends
    os.write(console.fileno(), struct.pack("!i", 10) + b"cut")
    console.close()
    with pytest.raises(OSError):
        worker.recv_bytes()
