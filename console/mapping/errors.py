"""Errors of the mapping engine: a bad spec, or a failure while applying one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class MappingSpecError(Exception):
    """The spec is not valid. ``path`` is where inside the chain, e.g. ``[0].spec.*.sku``."""

    def __init__(self, message: str, path: str = "", index: int | None = None) -> None:
        self.message = message
        self.path = path
        self.index = index
        where = f"{path}: " if path else ""
        super().__init__(f"{where}{message}")


class MappingError(Exception):
    """Applying a valid spec failed on this input."""

    def __init__(self, message: str, index: int | None = None) -> None:
        self.message = message
        self.index = index
        where = f"step [{index}]: " if index is not None else ""
        super().__init__(f"{where}{message}")



@contextmanager
def located(where: str) -> Iterator[None]:
    """Give a spec error raised inside, that has no path yet, the path ``where``."""
    try:
        yield
    except MappingSpecError as error:
        if error.path:
            raise
        raise MappingSpecError(error.message, where, error.index) from None
