"""Stand-ins for the Java classes Integrator scripts import under Jython.

``install()`` registers them as the modules ``java.nio.charset``, ``org.apache.commons.io``
and ``org.apache.nifi.processor.io`` so ``from org.apache.commons.io import IOUtils`` works
unchanged on CPython.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class StandardCharsets:
    UTF_8 = "utf-8"
    ISO_8859_1 = "iso-8859-1"
    US_ASCII = "ascii"
    UTF_16 = "utf-16"


class IOUtils:
    @staticmethod
    def toString(stream: Any, charset: Any = "utf-8") -> str:  # noqa: N802 - Java's name
        return str(stream.read().decode(str(charset) if charset else "utf-8"))

    @staticmethod
    def toByteArray(stream: Any) -> bytes:  # noqa: N802
        return bytes(stream.read())

    @staticmethod
    def write(data: Any, stream: Any, charset: Any = "utf-8") -> None:
        stream.write(data.encode(str(charset)) if isinstance(data, str) else bytes(data))


class StreamCallback:
    def process(self, input_stream: Any, output_stream: Any) -> None:
        raise NotImplementedError


class InputStreamCallback:
    def process(self, input_stream: Any) -> None:
        raise NotImplementedError


class OutputStreamCallback:
    def process(self, output_stream: Any) -> None:
        raise NotImplementedError


def _module(name: str, **members: Any) -> None:
    parts = name.split(".")
    for depth in range(1, len(parts) + 1):
        prefix = ".".join(parts[:depth])
        if prefix not in sys.modules:
            sys.modules[prefix] = types.ModuleType(prefix)
        if depth > 1:
            setattr(sys.modules[".".join(parts[: depth - 1])], parts[depth - 1], sys.modules[prefix])
    for key, value in members.items():
        setattr(sys.modules[name], key, value)


def install() -> None:
    _module("java.nio.charset", StandardCharsets=StandardCharsets)
    _module("org.apache.commons.io", IOUtils=IOUtils)
    _module("org.apache.nifi.processor.io", StreamCallback=StreamCallback,
            InputStreamCallback=InputStreamCallback, OutputStreamCallback=OutputStreamCallback)
