"""A small typed reader over parsed TOML tables that collects problems instead of stopping."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from console.flows.errors import Problem
from console.flows.secrets import Secret

T = TypeVar("T")

_TYPE_NAMES = {str: "a string", bool: "true or false", int: "a whole number", float: "a number",
               dict: "a table", list: "a list"}


def _found(value: Any) -> str:
    kind = type(value).__name__
    names = {"str": "a string", "int": "a whole number", "float": "a number", "bool": "a boolean",
             "dict": "a table", "list": "a list"}
    text = repr(value) if not isinstance(value, dict | list) else names.get(kind, kind)
    if len(text) > 40:
        text = text[:37] + "..."
    return text


class TableReader:
    """Reads one TOML table at ``path``; every mistake becomes a :class:`Problem`."""

    def __init__(self, data: dict[str, Any], path: str, problems: list[Problem]) -> None:
        self.data = data
        self.path = path
        self.problems = problems
        self.read: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def problem(self, name: str, message: str) -> None:
        self.problems.append(Problem(self.key(name) if name else self.path, message))

    def has(self, name: str) -> bool:
        self.read.add(name)
        return name in self.data

    def get(self, name: str, kind: type[T] | tuple[type, ...], default: T, *,
            required: bool = False) -> T:
        self.read.add(name)
        if name not in self.data:
            if required:
                self.problem(name, f"missing; expected {self._expected(kind)}")
            return default
        value = self.data[name]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)  # type: ignore[return-value]
        if isinstance(value, bool) and kind is not bool and bool not in _as_tuple(kind):
            self.problem(name, f"expected {self._expected(kind)}, found {_found(value)}")
            return default
        if not isinstance(value, kind):
            self.problem(name, f"expected {self._expected(kind)}, found {_found(value)}")
            return default
        return value  # type: ignore[return-value]

    def choice(self, name: str, choices: Iterable[str], default: str, *,
               required: bool = False) -> str:
        options = tuple(choices)
        value = self.get(name, str, default, required=required)
        if value not in options:
            listed = " | ".join(options)
            self.problem(name, f"expected one of {listed}, found {value!r}")
            return default
        return value

    def integer(self, name: str, default: int, *, low: int | None = None,
                high: int | None = None) -> int:
        value = self.get(name, int, default)
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            self.problem(name, f"expected a whole number {bounds}, found {_found(value)}")
            return default
        return value

    def number(self, name: str, default: float, *, low: float, high: float) -> float:
        """A float within ``low..high``; NaN and infinity are never in range."""
        value = self.get(name, float, default)
        if not low <= value <= high:  # False for NaN too
            self.problem(name, f"expected a number between {low:g} and {high:g}, "
                               f"found {_found(value)}")
            return default
        return value

    def strings(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.get(name, list, list(default))
        if not all(isinstance(v, str) for v in value):
            self.problem(name, "expected a list of strings")
            return default
        return tuple(value)

    def string_table(self, name: str) -> dict[str, str]:
        value: dict[str, Any] | str = self.get(name, (dict, str), {})
        if isinstance(value, str):
            return _parse_query(value)
        out: dict[str, str] = {}
        for key, item in value.items():
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                self.problems.append(
                    Problem(f"{self.key(name)}.{key}", f"expected a string, found {_found(item)}")
                )
                continue
            out[key] = str(item)
        return out

    def secret(self, name: str, *, required: bool = False) -> Secret | None:
        self.read.add(name)
        if name not in self.data:
            if required:
                self.problem(name, 'missing; expected a string or { env = "NAME", default = "..." }')
            return None
        value = self.data[name]
        if isinstance(value, str):
            return Secret(value=value)
        if isinstance(value, dict):
            table = TableReader(value, self.key(name), self.problems)
            env = table.get("env", str, "", required=True)
            default = table.get("default", str, None) if table.has("default") else None
            table.finish(("env", "default"))
            return Secret(env=env, default=default) if env else None
        self.problem(name, f'expected a string or {{ env = "NAME" }}, found {_found(value)}')
        return None

    def table(self, name: str, *, missing: str | None = None) -> TableReader | None:
        """The sub-table ``name``, or None when it is absent or not a table (said as a
        problem); an absent one is a problem too when ``missing`` says what was expected."""
        self.read.add(name)
        if name not in self.data:
            if missing is not None:
                self.problem(name, f"missing table; {missing}")
            return None
        value = self.data[name]
        if not isinstance(value, dict):
            self.problem(name, f"expected a table, found {_found(value)}")
            return None
        return TableReader(value, self.key(name), self.problems)

    def finish(self, known: Iterable[str]) -> None:
        """Report keys nobody asked for, with the closest known key as a hint."""
        allowed = list(known)
        for name in self.data:
            if name in allowed or name in self.read:
                continue
            import difflib  # only when a name is unknown

            close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
            hint = f", did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(allowed)}"
            self.problem(name, f"unknown key{hint}")

    def check(self, name: str, validate: Callable[[Any], str | None]) -> None:
        """Run ``validate`` on a present value; a returned string is a problem."""
        if name in self.data:
            message = validate(self.data[name])
            if message:
                self.problem(name, message)

    @staticmethod
    def _expected(kind: type | tuple[type, ...]) -> str:
        return " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in _as_tuple(kind))


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _parse_query(text: str) -> dict[str, str]:
    """``channel=shop&transfer=1`` (the OMS flow's extra params form) as a table."""
    from urllib.parse import parse_qsl

    return dict(parse_qsl(text.lstrip("?&"), keep_blank_values=True))
