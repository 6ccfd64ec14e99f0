"""Jolt transforms, compiled once and applied many times, with Java Jolt's semantics."""

from __future__ import annotations

from typing import Any

from console.mapping.chain import Mapping
from console.mapping.errors import MappingError, MappingSpecError

__all__ = ["Mapping", "MappingError", "MappingSpecError", "compile", "transform"]


def compile(spec: Any) -> Mapping:  # noqa: A001 - the public name the API asks for
    """Parse and validate a chain spec (a list, or its JSON text)."""
    try:
        return Mapping(spec)
    except MappingSpecError:
        raise
    except RecursionError:
        raise MappingSpecError("the spec nests too deeply") from None
    except Exception as exc:  # noqa: BLE001
        raise MappingSpecError(f"{type(exc).__name__}: {exc}") from None


def transform(spec: Any, data: Any, context: dict[str, Any] | None = None) -> Any:
    return compile(spec).apply(data, context)
