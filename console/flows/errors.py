"""Errors raised while reading or writing a flows file."""

from __future__ import annotations

from pathlib import Path

from console.frozen import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a flows file: where it is and what was expected."""

    key_path: str
    message: str
    line: int | None = None
    column: int | None = None

    def render(self, file: Path | str | None = None) -> str:
        where = str(file) if file is not None else ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else str(self.line)
            if self.column is not None:
                where = f"{where}:{self.column}"
        head = f"{where}: " if where else ""
        key = f"{self.key_path}: " if self.key_path else ""
        return f"{head}{key}{self.message}"


class FlowsError(Exception):
    """A flows file could not be used; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem], file: Path | str | None = None) -> None:
        self.problems = list(problems)
        self.file = file
        super().__init__("\n".join(p.render(file) for p in self.problems))


class SecretMissingError(Exception):
    """A secret refers to an environment variable that is not set and has no default."""
