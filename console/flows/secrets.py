"""Secrets in flows.toml: an environment reference with an optional default, or an inline value."""

from __future__ import annotations

import os

from console.flows.errors import SecretMissingError
from console.frozen import dataclass


@dataclass(frozen=True, slots=True)
class Secret:
    """A password or token.

    Resolution happens when a flow runs, never when the file loads, so a missing variable does
    not stop the console from opening. ``repr`` never shows the value.
    """

    env: str | None = None
    default: str | None = None
    value: str | None = None

    def resolve(self) -> str:
        if self.env:
            found = os.environ.get(self.env)
            if found is not None:
                return found
            if self.default is not None:
                return self.default
            raise SecretMissingError(
                f"environment variable {self.env} is not set and has no default"
            )
        if self.value is not None:
            return self.value
        raise SecretMissingError("secret has neither an environment variable nor a value")

    def describe(self) -> str:
        """A safe description for screens: names the variable, never the value."""
        if self.env:
            suffix = " (default set)" if self.default is not None else ""
            return f"${self.env}{suffix}"
        return "(inline value)"

    def to_toml(self) -> str | dict[str, str]:
        if self.env is None:
            return self.value or ""
        out = {"env": self.env}
        if self.default is not None:
            out["default"] = self.default
        return out

    def __repr__(self) -> str:
        return f"Secret({self.describe()})"
