"""Where expressions sit in a text, and NiFi's ``$$`` escaping around them.

This follows NiFi's ``Query.prepare``: an expression starts at ``${`` after an odd run of dollar
signs and ends at its balancing ``}``, with quoted strings inside skipped. Text that never closes
is no expression at all and stays as typed, which is how NiFi renders ``${5`` or a lone ``${``.
Literal text between expressions loses one ``$`` of each ``$$`` before its first ``{``, and the
dollars just before a plain attribute reference are halved once more, as NiFi does.
"""

from __future__ import annotations

import re

Span = tuple[int, int]

_ESCAPED = re.compile(r"\$\$(?=\$*\{.*?\})")


def _end_quote(text: str, start: int) -> int:
    quote = text[start]
    backslashes = 0
    last = ""
    for index in range(start + 1, len(text)):
        char = text[index]
        if char == "\\":
            backslashes += 1
        elif char == quote and (backslashes % 2 == 0 or last != "\\"):
            return index
        last = char
    return -1


def expression_spans(text: str, escaped: bool = False) -> list[Span]:
    """Spans ``(start, end)`` with ``end`` inclusive, of expressions (or of ``$${...}`` escapes).

    A faithful port of NiFi's scanner, quirks included: the backslash count never resets and a
    ``}`` outside any expression leaves the previous character as the one before the next.
    """
    spans: list[Span] = []
    last = ""
    depth = 0
    start = -1
    dollars = 0
    backslashes = 0
    index = 0
    while index < len(text):
        char = text[index]
        if start > -1 and char in "'\"" and (last != "\\" or backslashes % 2 == 0):
            end = _end_quote(text, index)
            if end < 0:
                break
            index = end + 1
            continue
        if char == "{":
            if (dollars % 2 == 0) == escaped and last == "$" and depth == 0:
                start = index - (dollars if escaped else 1)
            if start > -1:
                depth += 1
        elif char == "}":
            if depth <= 0:
                index += 1
                continue
            depth -= 1
            if depth == 0:
                spans.append((start, index))
                start = -1
        elif char == "$":
            dollars += 1
        elif char == "\\":
            backslashes += 1
        else:
            dollars = 0
        last = char
        index += 1
    return spans


def unescape(text: str) -> str:
    """``$$`` before ``${...}`` becomes ``$``."""
    return _ESCAPED.sub("$", text)


def unescape_leading_dollars(text: str) -> str:
    brace = text.find("{")
    if brace < 0:
        return text.replace("$$", "$")
    return text[:brace].replace("$$", "$") + text[brace:]


def unescape_trailing_dollars(text: str, keep_if_all_dollars: bool) -> str:
    dollars = len(text) - len(text.rstrip("$"))
    if dollars == 0 or (keep_if_all_dollars and dollars == len(text)):
        return text
    return text[:len(text) - dollars // 2]


def escaped_text(text: str) -> str:
    """A text without expressions: only its ``$${...}`` escapes change."""
    spans = expression_spans(text, escaped=True)
    if not spans:
        return text
    out: list[str] = []
    last = 0
    for start, end in spans:
        if start > last:
            out.append(unescape_leading_dollars(text[last:start]))
        out.append(unescape_leading_dollars(text[start:end + 1]))
        last = end + 1
    if last < len(text):
        out.append(unescape_leading_dollars(text[last:]))
    return "".join(out)


def escaped_literal(text: str) -> str:
    """A string literal without expressions: its ``$${...}`` escapes lose one dollar."""
    spans = expression_spans(text, escaped=True)
    out: list[str] = []
    last = 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(unescape(text[start:end + 1]))
        last = end + 1
    out.append(text[last:])
    return "".join(out)
