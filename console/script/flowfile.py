"""NiFi-like FlowFiles and process session for Integrator-style scripts.

FlowFiles are immutable: ``putAttribute`` returns a new version. Scripts written for the
Integrator sometimes drop that return value and keep using the old reference (the base script
of the order-status flow does), so the session tracks FlowFiles by id and always acts on the
newest version, which is what those scripts rely on.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

_ids = itertools.count(1)


class AttributeMap(dict[str, str]):
    """A dict that also answers the Python 2 spellings Jython scripts use."""

    def iteritems(self) -> Iterator[tuple[str, str]]:
        return iter(self.items())

    def iterkeys(self) -> Iterator[str]:
        return iter(self.keys())

    def itervalues(self) -> Iterator[str]:
        return iter(self.values())

    def has_key(self, key: str) -> bool:
        return key in self


@dataclass(frozen=True)
class FlowFile:
    id: int
    content: bytes
    attributes: dict[str, str]

    def getAttribute(self, name: str) -> str | None:  # noqa: N802 - NiFi's API
        return self.attributes.get(name)

    def getAttributes(self) -> AttributeMap:  # noqa: N802
        return AttributeMap(self.attributes)

    def getSize(self) -> int:  # noqa: N802
        return len(self.content)

    def getId(self) -> int:  # noqa: N802
        return self.id

    def __str__(self) -> str:
        return f"FlowFile[id={self.id}, size={len(self.content)}]"


@dataclass(frozen=True)
class Relationship:
    name: str

    def getName(self) -> str:  # noqa: N802
        return self.name


REL_SUCCESS = Relationship("success")
REL_FAILURE = Relationship("failure")


class ScriptSessionError(Exception):
    """Misuse of the session, reported to the script like NiFi's FlowFileHandlingException."""


class OutputStream(io.BytesIO):
    def write(self, data: Any) -> int:
        if isinstance(data, str):
            data = data.encode("utf-8")
        return super().write(bytes(data))


@dataclass
class ProcessSession:
    incoming: list[FlowFile]
    latest: dict[int, FlowFile] = field(default_factory=dict)
    fate: dict[int, str] = field(default_factory=dict)
    committed: bool = False

    def __post_init__(self) -> None:
        for flow_file in self.incoming:
            self.latest[flow_file.id] = flow_file

    def _current(self, flow_file: Any) -> FlowFile:
        if not isinstance(flow_file, FlowFile):
            raise ScriptSessionError(f"expected a FlowFile, got {type(flow_file).__name__}")
        if flow_file.id not in self.latest:
            raise ScriptSessionError(f"{flow_file} is not known in this session")
        if self.fate.get(flow_file.id) == "removed":
            raise ScriptSessionError(f"{flow_file} was already removed")
        return self.latest[flow_file.id]

    def _replace(self, old: FlowFile, **changes: Any) -> FlowFile:
        new = FlowFile(old.id, changes.get("content", old.content),
                       changes.get("attributes", old.attributes))
        self.latest[old.id] = new
        return new

    def get(self, count: int | None = None) -> Any:
        if count is None:
            return self.incoming.pop(0) if self.incoming else None
        taken, self.incoming = self.incoming[:count], self.incoming[count:]
        return taken

    def create(self, parent: FlowFile | None = None) -> FlowFile:
        attributes = dict(self._current(parent).attributes) if parent is not None else {}
        flow_file = FlowFile(next(_ids), b"", attributes)
        self.latest[flow_file.id] = flow_file
        return flow_file

    def putAttribute(self, flow_file: FlowFile, name: str, value: Any) -> FlowFile:  # noqa: N802
        current = self._current(flow_file)
        return self._replace(current, attributes={**current.attributes, str(name): str(value)})

    def putAllAttributes(self, flow_file: FlowFile, values: dict[str, Any]) -> FlowFile:  # noqa: N802
        current = self._current(flow_file)
        merged = {**current.attributes, **{str(k): str(v) for k, v in values.items()}}
        return self._replace(current, attributes=merged)

    def removeAttribute(self, flow_file: FlowFile, name: str) -> FlowFile:  # noqa: N802
        current = self._current(flow_file)
        return self._replace(current, attributes={k: v for k, v in current.attributes.items()
                                                  if k != name})

    def read(self, flow_file: FlowFile, callback: Any) -> None:
        current = self._current(flow_file)
        callback.process(io.BytesIO(current.content))

    def write(self, flow_file: FlowFile, callback: Any) -> FlowFile:
        current = self._current(flow_file)
        out = OutputStream()
        if _takes_two(callback):
            callback.process(io.BytesIO(current.content), out)
        else:
            callback.process(out)
        return self._replace(current, content=out.getvalue())

    def transfer(self, flow_file: FlowFile, relationship: Relationship) -> None:
        current = self._current(flow_file)
        if not isinstance(relationship, Relationship):
            raise ScriptSessionError("transfer needs REL_SUCCESS or REL_FAILURE")
        self.fate[current.id] = relationship.name

    def remove(self, flow_file: FlowFile) -> None:
        self.fate[self._current(flow_file).id] = "removed"

    def commit(self) -> None:
        self.committed = True

    def rollback(self, penalize: bool = False) -> None:
        self.fate.clear()

    def outcome(self) -> list[tuple[str, FlowFile]]:
        """(relationship, FlowFile) for every FlowFile, or raise if one was left without a fate."""
        left = [ff for ff_id, ff in self.latest.items() if ff_id not in self.fate]
        if left:
            raise ScriptSessionError(
                f"{left[0]} was neither transferred nor removed; call session.transfer(flowFile, "
                "REL_SUCCESS) or session.remove(flowFile)")
        return [(self.fate[i], ff) for i, ff in self.latest.items() if self.fate[i] != "removed"]


def _takes_two(callback: Any) -> bool:
    from console.script.shims import OutputStreamCallback, StreamCallback

    if isinstance(callback, StreamCallback):
        return True
    if isinstance(callback, OutputStreamCallback):
        return False
    code = getattr(getattr(callback, "process", None), "__code__", None)
    return code is None or code.co_argcount >= 3


def attributes_json(attributes: dict[str, str]) -> str:
    return json.dumps(attributes, ensure_ascii=False)
