"""NiFi Expression Language: ``${attr:function(...)}`` in URLs, headers and parameters.

``compile(text)`` parses once into closures; ``.evaluate(attributes)`` is then cheap and can
run per request. ``ExpressionError`` carries the offset and a caret excerpt. As in NiFi, text
that never closes its ``${`` is not an expression and is kept as typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from console.expression import template
from console.expression.errors import ExpressionError
from console.expression.parser import Parser
from console.expression.registry import Thunk
from console.expression.values import to_string

__all__ = ["CompiledExpression", "ExpressionError", "compile", "evaluate"]


def _parts(text: str, references: list[str]) -> list[str | Thunk]:
    """NiFi's ``Query.prepare``: literal text and expressions, with its ``$$`` unescaping."""
    spans = template.expression_spans(text)
    if not spans:
        return [template.escaped_text(text)]
    parts: list[str | Thunk] = []
    last = 0
    for start, end in spans:
        parsed = Parser(text, start, end + 1, references).parse()
        if start > last:
            before = template.unescape_leading_dollars(text[last:start])
            if parsed.attribute:
                before = template.unescape_trailing_dollars(before, keep_if_all_dollars=True)
            parts.append(before)
        parts.append(parsed.thunk)
        last = end + 1
    if last < len(text):
        parts.append(template.unescape_leading_dollars(text[last:]))
    return parts


class CompiledExpression:
    def __init__(self, text: str) -> None:
        references: list[str] = []
        try:
            self._parts = _parts(text, references)
        except RecursionError:
            raise ExpressionError("the expression nests too deeply", text, 0) from None
        self.text = text
        self._references = list(dict.fromkeys(references))

    def references(self) -> list[str]:
        """Attribute names the expression reads, in order of first use."""
        return list(self._references)

    def warnings(self) -> list[str]:
        """Text that looks like an expression but is none, so NiFi sends it as typed: each
        ``${`` that never closes. Editors show these; evaluation keeps NiFi's behaviour."""
        spans = template.expression_spans(self.text)
        found = []
        for match in re.finditer(r"(\$+)\{", self.text):
            start = match.end() - 2
            if len(match[1]) % 2 and not any(s <= start <= e for s, e in spans):
                found.append(f"offset {start}: '${{' never closes, so it is sent as typed")
        return found

    def evaluate(self, attributes: Mapping[str, Any] | None = None) -> str:
        attrs = {str(k): str(v) for k, v in (attributes or {}).items() if v is not None}
        out: list[str] = []
        for part in self._parts:
            if isinstance(part, str):
                out.append(part)
            else:
                try:
                    value = part(attrs)
                except ExpressionError:
                    raise
                except RecursionError:
                    raise ExpressionError("the expression nests too deeply", self.text, 0) from None
                out.append(to_string(value) or "")
        return "".join(out)

    def __repr__(self) -> str:
        return f"CompiledExpression({self.text!r})"


def compile(text: str) -> CompiledExpression:  # noqa: A001 - the public name the API asks for
    return CompiledExpression(text)


def evaluate(text: str, attributes: Mapping[str, Any] | None = None) -> str:
    return CompiledExpression(text).evaluate(attributes)
