"""Parse one ``${...}`` expression into closures, once.

The grammar follows NiFi's: an attribute name (bare, quoted, or itself an expression) or a
standalone function such as ``literal()`` or ``now()``, then ``:function(args)`` calls. Arguments
are quoted strings, numbers, ``true``/``false``/``null`` or nested expressions. White space and
``#`` comments (up to a new line) may sit between tokens. Quoted strings may embed expressions
of their own, as NiFi evaluates ``'${a}'`` inside a string literal.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from console.expression import template
from console.expression.errors import ExpressionError
from console.expression.functions import FUNCTIONS, KEYWORDS, STANDALONE, Function, Thunk
from console.expression.values import to_string

_NAME_STOP = frozenset("${}()[],:;/*' \t\r\n")
_WHOLE = re.compile(r"[-+]?\d+")
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+|\d+)")
_FUNCTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LEXER_ESCAPES = {'"': '"', "'": "'", "r": "\r", "n": "\n", "t": "\t", "\\": "\\\\"}


@dataclass
class Parsed:
    """A parsed expression; ``attribute`` is true for a plain attribute reference."""

    thunk: Thunk
    attribute: bool


def literal_value(raw: str) -> str:
    """NiFi's string literal unescaping after the lexer: ``\\\\`` becomes ``\\``, others stay.

    (NiFi's evaluator also maps backslash-n and -r, but its lexer never leaves those behind.)
    """
    out: list[str] = []
    escaped = False
    for char in raw:
        if escaped:
            out.append("\\" if char == "\\" else "\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            out.append(char)
    return "".join(out)


class Parser:
    """Parses ``text[start:end]`` as one expression; errors carry offsets into ``text``."""

    def __init__(self, text: str, start: int = 0, end: int | None = None,
                 references: list[str] | None = None) -> None:
        self.text = text
        self.pos = start
        self.end = len(text) if end is None else end
        self.references: list[str] = [] if references is None else references

    def error(self, message: str, offset: int | None = None) -> ExpressionError:
        return ExpressionError(message, self.text, self.pos if offset is None else offset)

    def at(self, token: str) -> bool:
        return self.text.startswith(token, self.pos) and self.pos + len(token) <= self.end

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < self.end else ""

    def parse(self) -> Parsed:
        parsed = self.expression()
        self.skip()
        if self.pos < self.end:
            raise self.error(f"unexpected {self.peek()!r} after the expression")
        return parsed

    def parse_nested(self, text: str, offset: int) -> Parsed:
        """Parse an expression found inside a string literal, reporting errors in ``text``."""
        try:
            return self.parse()
        except ExpressionError as exc:
            raise ExpressionError(exc.message, text, offset + exc.offset) from None

    def skip(self) -> None:
        while self.pos < self.end:
            char = self.text[self.pos]
            if char in " \t\r\n":
                self.pos += 1
            elif char == "#":
                newline = self.text.find("\n", self.pos, self.end)
                if newline < 0:
                    raise self.error("a '#' comment needs a new line to end it")
                self.pos = newline + 1
            else:
                return

    def expect(self, char: str, what: str) -> None:
        self.skip()
        if self.pos >= self.end:
            raise self.error(f"expected '{char}' {what}, found the end of the expression")
        if self.peek() != char:
            raise self.error(f"expected '{char}' {what}, found {self.peek()!r}")
        self.pos += 1

    def expression(self) -> Parsed:
        start = self.pos
        if not self.at("${"):
            raise self.error("expected '${'")
        self.pos += 2
        self.skip()
        if self.pos >= self.end:
            raise self.error("unclosed '${': expected an attribute name or function", start)
        parsed = self.subject()
        while True:
            self.skip()
            if self.peek() != ":":
                break
            self.pos += 1
            parsed = Parsed(self.call(parsed.thunk), attribute=False)
        if self.pos >= self.end:
            raise self.error("unclosed '${': expected '}'", start)
        self.expect("}", "to close the expression")
        return parsed

    def subject(self) -> Parsed:
        char = self.peek()
        if char in "'\"":
            name = self.string()
            if isinstance(name, str):
                self.references.append(name)
            return Parsed(_attribute(name), attribute=True)
        if self.at("${"):
            return Parsed(_attribute(self.expression().thunk), attribute=True)
        if char.isdigit():
            raise self.error("an attribute name cannot start with a digit; quote it: ${'1st'}")
        return self.name_or_function()

    def name_or_function(self) -> Parsed:
        begin = self.pos
        while self.pos < self.end and self.text[self.pos] not in _NAME_STOP:
            self.pos += 1
        name = self.text[begin:self.pos]
        if not name:
            raise self.error(f"expected an attribute name or function, found {self.peek()!r}")
        after = self.pos
        self.skip()
        if self.peek() == "(":
            function = STANDALONE.get(name)
            if function is None:
                hint = " (it needs a subject: ${attr:" + name + "(...)})" if name in FUNCTIONS else ""
                raise self.error(f"unknown function {name!r}{hint}", begin)
            args = self.arguments(name, function, begin)
            impl = function.impl
            return Parsed(_guarded(lambda attrs: impl(None, args, attrs), self.text, begin), False)
        if name in KEYWORDS:
            raise self.error(f"{name!r} is a reserved word; quote an attribute of that name: "
                             f"${{'{name}'}}", begin)
        self.pos = after
        self.references.append(name)
        return Parsed(_attribute(name), attribute=True)

    def call(self, subject: Thunk) -> Thunk:
        self.skip()
        match = _FUNCTION_NAME.match(self.text, self.pos, self.end)
        if match is None:
            raise self.error("expected a function name after ':'")
        name = match.group(0)
        begin = self.pos
        self.pos = match.end()
        function = FUNCTIONS.get(name)
        if function is None:
            hint = " (it takes no subject: write ${" + name + "()})" if name in STANDALONE else ""
            raise self.error(f"unknown function {name!r}{hint}", begin)
        self.skip()
        args = self.arguments(name, function, begin)
        impl = function.impl
        return _guarded(lambda attrs: impl(subject(attrs), args, attrs), self.text, begin)

    def arguments(self, name: str, function: Function, begin: int) -> list[Thunk]:
        self.expect("(", f"after {name}")
        args: list[Thunk] = []
        self.skip()
        if self.peek() == ")":
            self.pos += 1
        else:
            while True:
                args.append(self.argument())
                self.skip()
                if self.peek() == ",":
                    self.pos += 1
                    continue
                self.expect(")", f"to close the arguments of {name}")
                break
        high = function.high
        if len(args) < function.low or (high is not None and len(args) > high):
            wanted = (str(function.low) if function.low == high else
                      f"{function.low} or more" if high is None else f"{function.low} to {high}")
            raise self.error(f"{name} takes {wanted} argument(s), found {len(args)}", begin)
        return args

    def argument(self) -> Thunk:
        self.skip()
        if self.pos >= self.end:
            raise self.error("expected an argument, found the end of the expression")
        char = self.peek()
        if char in "'\"":
            value = self.string()
            return value if callable(value) else lambda attrs: value
        if self.at("${"):
            return self.expression().thunk
        number = self.number()
        if number is not None:
            return lambda attrs: number
        for word, constant in (("true", True), ("false", False), ("null", None)):
            if self.at(word):
                self.pos += len(word)
                return _constant(constant)
        raise self.error("expected a quoted string, number, true/false/null or ${...}, "
                         f"found {char!r}")

    def number(self) -> int | float | None:
        match = _NUMBER.match(self.text, self.pos, self.end)
        if match is None:
            return None
        self.pos = match.end()
        literal = match.group(0)
        if not _WHOLE.fullmatch(literal):
            return float(literal)
        value = int(literal)
        if not -(2**63) <= value < 2**63:
            raise self.error(f"{literal} is out of the range of a whole number", match.start())
        return value

    def string(self) -> str | Thunk | None:
        """A quoted string; a string embedding expressions becomes a thunk."""
        start = self.pos
        raw = self.lex_string()
        return string_value(raw, self.text, start + 1, self.references)

    def lex_string(self) -> str:
        """NiFi's lexer: quotes, \\r \\n \\t unescaped; ``\\\\`` and other escapes kept."""
        quote = self.peek()
        start = self.pos
        self.pos += 1
        out: list[str] = []
        while self.pos < self.end:
            char = self.text[self.pos]
            if char == quote:
                self.pos += 1
                return "".join(out)
            if char == "\\" and self.pos + 1 < self.end:
                following = self.text[self.pos + 1]
                out.append(_LEXER_ESCAPES.get(following, "\\" + following))
                self.pos += 2
                continue
            if char in "\r\n\t":
                raise self.error("a quoted string cannot hold a raw line break or tab; use \\n or \\t")
            out.append(char)
            self.pos += 1
        raise self.error(f"unclosed string starting with {quote}", start)


def string_value(raw: str, text: str, offset: int, references: list[str]) -> str | Thunk | None:
    """NiFi's string literal: embedded ``${...}`` are evaluated, ``$${...}`` unescaped."""
    if len(raw) < 2:
        return literal_value(raw)
    spans = template.expression_spans(raw)
    if not spans:
        return literal_value(template.escaped_literal(raw))
    parts: list[str | Thunk | None] = []
    last = 0
    for start, end in spans:
        parsed = Parser(raw, start, end + 1, references).parse_nested(text, offset)
        if start > last:
            before = raw[last:start]
            if parsed.attribute:
                before = template.unescape_trailing_dollars(before, keep_if_all_dollars=False)
            parts.append(string_value(before, text, offset + last, references))
        parts.append(parsed.thunk)
        last = end + 1
    if last < len(raw):
        parts.append(string_value(raw[last:], text, offset + last, references))
    return _joined(parts)


def _joined(parts: list[str | Thunk | None]) -> Thunk:
    if len(parts) == 1 and callable(parts[0]):
        single = parts[0]
        return lambda attrs: to_string(single(attrs))

    def run(attrs: dict[str, str]) -> str:
        out = []
        for part in parts:
            value = part(attrs) if callable(part) else part
            out.append(to_string(value) or "")
        return "".join(out)
    return run


def _attribute(name: str | Thunk | None) -> Thunk:
    if callable(name):
        dynamic = name

        def lookup(attrs: dict[str, str]) -> str | None:
            key = to_string(dynamic(attrs))
            return None if key is None else attrs.get(key)
        return lookup
    return lambda attrs: attrs.get(name) if name is not None else None


def _guarded(thunk: Thunk, text: str, offset: int) -> Callable[[dict[str, str]], Any]:
    """Attach the function's position to errors raised while it evaluates."""
    def run(attrs: dict[str, str]) -> Any:
        try:
            return thunk(attrs)
        except ExpressionError as exc:
            if exc.text:
                raise
            raise ExpressionError(exc.message, text, offset) from None
        except (ValueError, TypeError, ArithmeticError, LookupError, RecursionError) as exc:
            raise ExpressionError(f"{type(exc).__name__}: {exc}", text, offset) from None
    return run


def _constant(value: Any) -> Thunk:
    return lambda attrs: value
