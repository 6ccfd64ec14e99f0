"""String, regex and encoding functions of the expression language."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from console.expression.errors import ExpressionError

_GROUP_REF = re.compile(r"\\(.)|\$(\d+)|\$\{(\w+)\}")


@lru_cache(maxsize=512)
def java_regex(pattern: str) -> re.Pattern[str]:
    """Compile a Java regular expression; the common syntax is shared with Python's ``re``."""
    translated = pattern.replace(r"\p{Alpha}", "[A-Za-z]").replace(r"\p{Digit}", r"\d") \
        .replace(r"\p{Alnum}", "[A-Za-z0-9]").replace(r"\p{Punct}", r"[!-/:-@\[-`{-~]") \
        .replace(r"\p{Upper}", "[A-Z]").replace(r"\p{Lower}", "[a-z]").replace(r"\p{Space}", r"\s")
    try:
        return re.compile(translated)
    except re.error as exc:
        raise ExpressionError(f"invalid regular expression {pattern!r}: {exc}") from None


@lru_cache(maxsize=512)
def java_replacement(replacement: str) -> str:
    """Java's ``$1``/``${name}`` group references and ``\\`` escapes, as a Python template."""
    def convert(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            char = match.group(1)
            return "\\\\" if char == "\\" else char
        return f"\\g<{match.group(2) or match.group(3)}>"

    out = []
    last = 0
    for match in _GROUP_REF.finditer(replacement):
        out.append(replacement[last:match.start()].replace("\\", "\\\\"))
        out.append(convert(match))
        last = match.end()
    out.append(replacement[last:].replace("\\", "\\\\"))
    return "".join(out)


def replace_regex(subject: str, pattern: str, replacement: str, count: int) -> str:
    regex = java_regex(pattern)
    try:
        return regex.sub(java_replacement(replacement), subject, count=count)
    except (re.error, IndexError) as exc:
        raise ExpressionError(f"invalid replacement {replacement!r}: {exc}") from None


def url_encode(text: str) -> str:
    """``java.net.URLEncoder.encode(text, "UTF-8")``: spaces become ``+``, ``~`` is encoded."""
    return quote_plus(text, safe="*").replace("~", "%7E")


def url_decode(text: str) -> str:
    return unquote_plus(text)


_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n",
                 "\r": "\\r", "\t": "\\t"}


def escape_json(text: str) -> str:
    """Apache Commons ``escapeJson``: quotes, backslash, slash, controls and non-ASCII."""
    out = []
    for char in text:
        if char in _JSON_ESCAPES:
            out.append(_JSON_ESCAPES[char])
        elif ord(char) < 32 or ord(char) > 0x7E:
            code = ord(char)
            if code > 0xFFFF:
                code -= 0x10000
                out.append(f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}")
            else:
                out.append(f"\\u{code:04X}")
        else:
            out.append(char)
    return "".join(out)


def unescape_json(text: str) -> str:
    try:
        return json.loads(f'"{text}"')
    except json.JSONDecodeError:
        return text.replace('\\"', '"').replace("\\/", "/").replace("\\\\", "\\")


def delimited_field(text: str, index: int, delimiter: str = ",", quote: str = '"',
                    escape: str = "\\", strip: bool = False) -> str:
    if index < 1:
        raise ExpressionError("getDelimitedField: the field index starts at 1")
    fields: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif escape and char == escape:
            escaped = True
            current.append(char)
        elif quote and char == quote:
            quoted = not quoted
            current.append(char)
        elif not quoted and char == delimiter:
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
    fields.append("".join(current))
    if index > len(fields):
        return ""
    field = fields[index - 1]
    if strip:
        field = field.strip()
        if quote and len(field) >= 2 and field[0] == quote and field[-1] == quote:
            field = field[1:-1]
    return field


def json_path(text: str, path: str) -> str:
    from console.expression.jsonpath import select

    try:
        document = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        raise ExpressionError("jsonPath: the subject is not valid JSON") from None
    found = select(document, path)
    if found is None:
        return ""
    if isinstance(found, dict | list):
        return json.dumps(found, separators=(",", ":"), ensure_ascii=False)
    if isinstance(found, bool):
        return "true" if found else "false"
    return str(found)


def pad(text: str, length: int, char: str, left: bool) -> str:
    if not char:
        raise ExpressionError("pad: the padding string must not be empty")
    missing = length - len(text)
    if missing <= 0:
        return text
    padding = (char * (missing // len(char) + 1))[:missing]
    return padding + text if left else text + padding


def as_text(value: Any) -> str:
    from console.expression.values import to_string

    return to_string(value) or ""
