"""The function tables: name -> (argument counts, implementation).

An implementation gets the evaluated subject, the argument thunks and the attributes, so
``ifElse``, ``and`` and ``or`` evaluate only what they need, as NiFi does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from console.expression.values import to_string

Thunk = Callable[[dict[str, str]], Any]
Impl = Callable[[Any, list[Thunk], dict[str, str]], Any]


@dataclass(frozen=True)
class Function:
    low: int
    high: int | None
    impl: Impl


FUNCTIONS: dict[str, Function] = {}
STANDALONE: dict[str, Function] = {}

# NiFi's lexer reserves every function name (and true/false/null): a bare attribute reference
# of that name is a syntax error there. Names NiFi has but this console does not implement
# stay reserved too, so an expression that fails in NiFi fails here.
_NIFI_ONLY = ("anyAttribute", "anyMatchingAttribute", "allAttributes", "allMatchingAttributes",
              "anyDelineatedValue", "allDelineatedValues", "count", "join", "toRadix", "fromRadix",
              "math", "escapeXml", "escapeCsv", "escapeHtml3", "escapeHtml4", "unescapeXml",
              "unescapeCsv", "unescapeHtml3", "unescapeHtml4", "getStateValue", "repeat", "UUID3",
              "UUID5", "toMicros", "toNanos", "isJson", "jsonPathDelete", "jsonPathAdd",
              "jsonPathSet", "jsonPathPut", "evaluateELString", "getUri")
RESERVED = frozenset({"true", "false", "null", *_NIFI_ONLY})


def register(table: dict[str, Function], name: str, low: int,
             high: int | None = -1) -> Callable[[Impl], Impl]:
    def wrap(impl: Impl) -> Impl:
        table[name] = Function(low, low if high == -1 else high, impl)
        return impl
    return wrap


def fn(name: str, low: int = 0, high: int | None = -1) -> Callable[[Impl], Impl]:
    """A function called on a subject: ``${attr:name(...)}``."""
    return register(FUNCTIONS, name, low, high)


def standalone(name: str, low: int = 0, high: int | None = -1) -> Callable[[Impl], Impl]:
    """A function without a subject: ``${name(...)}``."""
    return register(STANDALONE, name, low, high)


def strings(name: str, low: int = 0, high: int | None = -1, *,
            null: Any = None) -> Callable[[Callable[..., Any]], Impl]:
    """A function of a string subject and string arguments; a null subject gives ``null``."""
    def wrap(impl: Callable[..., Any]) -> Impl:
        def run(subject: Any, args: list[Thunk], attrs: dict[str, str]) -> Any:
            text = to_string(subject)
            if text is None:
                return null
            return impl(text, *(to_string(a(attrs)) for a in args))
        FUNCTIONS[name] = Function(low, low if high == -1 else high, run)
        return run
    return wrap


def keywords() -> frozenset[str]:
    return RESERVED | FUNCTIONS.keys() | STANDALONE.keys()
