"""Parse text with embedded ``${...}`` expressions into closures, once.

The grammar follows NiFi's: an attribute name (bare, or quoted for names with spaces) or a
standalone function such as ``literal()`` or ``now()``, then ``:function(args)`` calls. Arguments
are quoted strings, numbers, ``true``/``false`` or nested expressions. White space, new lines and
``#`` comments may appear between tokens. ``$$`` escapes: an even run of ``$`` before ``{`` is
literal text (half of the dollars kept), an odd run starts an expression.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from console.expression.errors import ExpressionError
from console.expression.functions import FUNCTIONS, STANDALONE, Function, Thunk

_NAME_STOP = set("${}()[],:;/*' \t\r\n\"")
_NUMBER = re.compile(r"-?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?")
_FUNCTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ESCAPES = {'"': '"', "'": "'", "r": "\r", "n": "\n", "t": "\t", "\\": "\\"}


class Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.references: list[str] = []

    def error(self, message: str, offset: int | None = None) -> ExpressionError:
        return ExpressionError(message, self.text, self.pos if offset is None else offset)

    def template(self) -> list[str | Thunk]:
        parts: list[str | Thunk] = []
        literal: list[str] = []
        text = self.text
        while self.pos < len(text):
            start = text.find("$", self.pos)
            if start == -1:
                literal.append(text[self.pos:])
                break
            literal.append(text[self.pos:start])
            run = start
            while run < len(text) and text[run] == "$":
                run += 1
            count = run - start
            if run < len(text) and text[run] == "{":
                literal.append("$" * (count // 2))
                if count % 2 == 0:
                    literal.append("{")
                    self.pos = run + 1
                    continue
                if literal:
                    parts.append("".join(literal))
                    literal = []
                self.pos = run + 1
                parts.append(self.expression(run - 1))
            else:
                literal.append("$" * count)
                self.pos = run
        if literal and "".join(literal):
            parts.append("".join(literal))
        return parts

    def skip(self) -> None:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char in " \t\r\n":
                self.pos += 1
            elif char == "#":
                end = text.find("\n", self.pos)
                self.pos = len(text) if end == -1 else end + 1
            else:
                return

    def expect(self, char: str, what: str) -> None:
        self.skip()
        if self.pos >= len(self.text):
            raise self.error(f"expected '{char}' {what}, found the end of the text")
        if self.text[self.pos] != char:
            raise self.error(f"expected '{char}' {what}, found {self.text[self.pos]!r}")
        self.pos += 1

    def expression(self, start: int) -> Thunk:
        """Parse after ``${``; ``start`` is the offset of ``$`` for unclosed-brace errors."""
        self.skip()
        if self.pos >= len(self.text):
            raise self.error("unclosed '${': expected an attribute name or function", start)
        subject = self.subject()
        while True:
            self.skip()
            if self.pos < len(self.text) and self.text[self.pos] == ":":
                self.pos += 1
                subject = self.call(subject)
                continue
            break
        if self.pos >= len(self.text):
            raise self.error("unclosed '${': expected '}'", start)
        self.expect("}", "to close the expression")
        return subject

    def subject(self) -> Thunk:
        text = self.text
        char = text[self.pos]
        if char in "'\"":
            name = self.string()
            self.references.append(name)
            return _attribute(name)
        begin = self.pos
        if char.isdigit():
            raise self.error("an attribute name cannot start with a digit; quote it: ${'1st'}")
        while self.pos < len(text) and text[self.pos] not in _NAME_STOP:
            self.pos += 1
        name = text[begin:self.pos]
        if not name:
            raise self.error(f"expected an attribute name or function, found {char!r}")
        after = self.pos
        self.skip()
        if self.pos < len(text) and text[self.pos] == "(":
            function = STANDALONE.get(name)
            if function is None:
                raise self.error(f"unknown function {name!r}", begin)
            args = self.arguments(name, function, begin)
            impl = function.impl
            return lambda attrs: impl(None, args, attrs)
        self.pos = after
        self.references.append(name)
        return _attribute(name)

    def call(self, subject: Thunk) -> Thunk:
        self.skip()
        match = _FUNCTION_NAME.match(self.text, self.pos)
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
        if self.pos < len(self.text) and self.text[self.pos] == ")":
            self.pos += 1
        else:
            while True:
                args.append(self.argument())
                self.skip()
                if self.pos < len(self.text) and self.text[self.pos] == ",":
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
        if self.pos >= len(self.text):
            raise self.error("expected an argument, found the end of the text")
        char = self.text[self.pos]
        if char in "'\"":
            value = self.string()
            return lambda attrs: value
        if self.text.startswith("${", self.pos):
            start = self.pos
            self.pos += 2
            return self.expression(start)
        match = _NUMBER.match(self.text, self.pos)
        if match:
            self.pos = match.end()
            literal = match.group(0)
            number: Any = float(literal) if any(c in literal for c in ".eE") else int(literal)
            return lambda attrs: number
        for word, value in (("true", True), ("false", False)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return lambda attrs, v=value: v
        raise self.error(f"expected a quoted string, number, true/false or ${{...}}, found {char!r}")

    def string(self) -> str:
        quote = self.text[self.pos]
        start = self.pos
        self.pos += 1
        out: list[str] = []
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char == quote:
                self.pos += 1
                return "".join(out)
            if char == "\\" and self.pos + 1 < len(text):
                nxt = text[self.pos + 1]
                out.append(_ESCAPES.get(nxt, "\\" + nxt))
                self.pos += 2
                continue
            if char in "\r\n\t":
                raise self.error("a quoted string cannot hold a raw line break or tab; use \\n or \\t")
            out.append(char)
            self.pos += 1
        raise self.error(f"unclosed string starting with {quote}", start)


def _attribute(name: str) -> Thunk:
    return lambda attrs: attrs.get(name)


def _guarded(thunk: Thunk, text: str, offset: int) -> Callable[[dict[str, str]], Any]:
    """Attach the function's position to errors raised while it evaluates."""
    def run(attrs: dict[str, str]) -> Any:
        try:
            return thunk(attrs)
        except ExpressionError as exc:
            if exc.text:
                raise
            raise ExpressionError(exc.message, text, offset) from None
        except (ValueError, TypeError, OverflowError, ZeroDivisionError, RecursionError) as exc:
            raise ExpressionError(f"{type(exc).__name__}: {exc}", text, offset) from None
    return run
