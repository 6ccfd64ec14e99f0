"""What a script run produced, and how the console reads a worker's reply safely."""

from __future__ import annotations

import io
import json
import pickle
from typing import Any

from console import fastjson

_UNSET = object()


class PlainUnpickler(pickle.Unpickler):
    """Builds plain data only: a reply that names any class or function is refused.

    A worker runs code the console does not trust, so its replies must never be able to make
    the console import or call anything.
    """

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"a script worker's reply may not refer to {module}.{name}")


def plain_loads(body: bytes, start: int = 0) -> Any:
    """The pickle in ``body`` from ``start`` on, as plain data (no copy of ``body``)."""
    stream = io.BytesIO(body)
    stream.seek(start)
    return PlainUnpickler(stream).load()


class ScriptResult:
    """A script run in the Integrator's terms: ``result_data``, attributes, relationship.

    A native script's output arrives as data and its JSON text is made only when asked for;
    an Integrator-style script's output arrives as text and is parsed only when asked for.
    """

    __slots__ = ("_json", "_text", "attributes", "duration_s", "error", "logs", "mapped",
                 "relationship", "written")

    def __init__(self, *, attributes: dict[str, str], written: list[str], relationship: str,
                 error: str | None, logs: list[dict[str, str]] | None = None,
                 duration_s: float = 0.0, text: str | None = None,
                 output: Any = _UNSET, mapped: bool = False) -> None:
        self.attributes = attributes
        self.written = written
        self.relationship = relationship
        self.error = error
        self.logs = logs or []
        self.duration_s = duration_s
        self._text = text
        self._json = output
        self.mapped = mapped
        """The output is the rows of the mapping the call asked the worker to apply."""

    @property
    def ok(self) -> bool:
        return self.relationship == "success" and self.error is None

    @property
    def result_data(self) -> str:
        if self._text is None:
            self._text = "" if self._json is _UNSET else json.dumps(self._json,
                                                                    ensure_ascii=False)
        return self._text

    @property
    def result_json(self) -> Any:
        """The output as data; ``None`` when it is not JSON."""
        if self._json is _UNSET:
            try:
                self._json = fastjson.loads(self._text or "")
            except (ValueError, TypeError):
                self._json = None
        return self._json

    def __repr__(self) -> str:
        return (f"ScriptResult(relationship={self.relationship!r}, error={self.error!r}, "
                f"written={self.written!r})")


def from_reply(raw: dict[str, Any], duration_s: float) -> ScriptResult:
    return ScriptResult(attributes=raw["attributes"], written=raw["written"],
                        relationship=raw["relationship"], error=raw["error"], logs=raw["logs"],
                        duration_s=duration_s,
                        text=None if "output" in raw else raw["result_data"],
                        output=raw.get("output", _UNSET), mapped=raw.get("mapped", False))


def failed(message: str, attributes: dict[str, str], duration_s: float) -> ScriptResult:
    attrs = {**attributes, "log.script.error": message}
    return ScriptResult(attributes=attrs, written=["log.script.error"], relationship="failure",
                        error=message, duration_s=duration_s, text="")
