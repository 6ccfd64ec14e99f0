"""String, regex and encoding helpers of the expression language, with Java's semantics."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from console.expression.errors import ExpressionError

if TYPE_CHECKING:
    import regex

# The regex engine, hashing, base64 and URL quoting are imported by the functions that use
# them: loading flows.toml compiles expressions but seldom evaluates these, and every command
# and the console's first screen would otherwise pay for them at start.

REGEX_TIMEOUT_S = 0.5
"""How long one regular expression may work on one value (the engine checks its clock as it
goes, so on a loaded machine the stop can come a little later). Java backtracks without end on
patterns such as ``(a|aa)+$`` against a long value; here the evaluation fails instead, with an
ExpressionError that names the pattern."""

_POSIX_CLASSES = {"Alpha": "[A-Za-z]", "Digit": r"\d", "Alnum": "[A-Za-z0-9]", "Upper": "[A-Z]",
                  "Lower": "[a-z]", "Punct": r"[!-/:-@\[-`{-~]", "Space": r"\s", "XDigit": "[0-9A-Fa-f]",
                  "Blank": r"[ \t]", "Cntrl": r"[\x00-\x1f\x7f]", "ASCII": r"[\x00-\x7f]",
                  "Graph": r"[!-~]", "Print": r"[ -~]"}
_ESCAPE = re.compile(r"(?P<assertion>\\[bB])(?P<quantifier>[?*+]\??|\{\d+(?:,\d*)?\}\??)"
                     r"|\\(?:Q(?P<quoted>.*?)(?:\\E|$)|p\{(?P<posix>\w+)\}|k<(?P<backref>\w+)>|(?P<other>.))"
                     r"|\(\?<(?P<group>[A-Za-z]\w*)>", re.DOTALL)


def _translate(match: re.Match[str]) -> str:
    if match.group("assertion"):
        return f"(?:{match.group('assertion')}){match.group('quantifier')}"
    if match.group("group"):
        return f"(?P<{match.group('group')}>"
    if match.group("quoted") is not None:
        return re.escape(match.group("quoted"))
    if match.group("posix"):
        name = match.group("posix")
        if name not in _POSIX_CLASSES:
            raise ExpressionError(f"unsupported character class \\p{{{name}}}")
        return _POSIX_CLASSES[name]
    if match.group("backref"):
        return f"(?P={match.group('backref')})"
    other = match.group("other")
    return {"z": r"\Z", "Z": r"(?=\n?\Z)", "h": r"[ \t\xa0]"}.get(other, "\\" + other)


@lru_cache(maxsize=512)
def java_regex(pattern: str) -> regex.Pattern[str]:
    """Compile a Java regular expression.

    Java's ``\\w``, ``\\d``, ``\\s`` and ``(?i)`` are ASCII-only, hence ``ASCII``; the syntax
    Python lacks (``\\p{Alpha}``, ``\\Q..\\E``, ``(?<name>)``, ``\\z``, a quantified ``\\b``)
    is rewritten. The ``regex`` engine (``re``'s syntax, plus a time limit) runs it.
    """
    import regex

    try:
        return regex.compile(_ESCAPE.sub(_translate, pattern), regex.ASCII | regex.VERSION0)
    except (regex.error, OverflowError, RecursionError) as exc:
        raise ExpressionError(f"invalid regular expression {pattern!r}: {exc}") from None


def _too_slow(pattern: str, subject: str) -> ExpressionError:
    return ExpressionError(f"regular expression {pattern!r} took over {REGEX_TIMEOUT_S:g} s on a "
                           f"{len(subject)}-character value; nested repeats such as (a|aa)+ "
                           "backtrack without end: simplify it")


def regex_search(pattern: str, subject: str) -> bool:
    """Java's ``Matcher.find``, bounded by REGEX_TIMEOUT_S."""
    try:
        return java_regex(pattern).search(subject, timeout=REGEX_TIMEOUT_S) is not None
    except TimeoutError:
        raise _too_slow(pattern, subject) from None


def regex_matches(pattern: str, subject: str) -> bool:
    """Java's ``String.matches`` (the whole value), bounded by REGEX_TIMEOUT_S."""
    try:
        return java_regex(pattern).fullmatch(subject, timeout=REGEX_TIMEOUT_S) is not None
    except TimeoutError:
        raise _too_slow(pattern, subject) from None


def _group_reference(replacement: str, index: int, match: regex.Match[str]) -> tuple[str, int]:
    """Java's ``$n`` takes digits while the group number stays valid; ``${name}`` by name."""
    if index < len(replacement) and replacement[index] == "{":
        close = replacement.find("}", index)
        if close < 0:
            raise ExpressionError("named group reference is missing its '}'")
        name = replacement[index + 1:close]
        if name not in match.re.groupindex:
            raise ExpressionError(f"no group named {name!r}")
        return match.group(name) or "", close + 1
    if index >= len(replacement) or not replacement[index].isdigit():
        raise ExpressionError("illegal group reference: '$' needs a group number or {name}; "
                              "write \\$ for a dollar sign")
    number = int(replacement[index])
    if number > match.re.groups:
        raise ExpressionError(f"no group {number}")
    index += 1
    while index < len(replacement) and replacement[index].isdigit():
        longer = number * 10 + int(replacement[index])
        if longer > match.re.groups:
            break
        number = longer
        index += 1
    return match.group(number) or "", index


def _expand(replacement: str, match: regex.Match[str]) -> str:
    out: list[str] = []
    index = 0
    while index < len(replacement):
        char = replacement[index]
        if char == "\\":
            if index + 1 >= len(replacement):
                raise ExpressionError("character to be escaped is missing at the end of the replacement")
            out.append(replacement[index + 1])
            index += 2
        elif char == "$":
            text, index = _group_reference(replacement, index + 1, match)
            out.append(text)
        else:
            out.append(char)
            index += 1
    return "".join(out)


def replace_regex(subject: str, pattern: str, replacement: str, count: int) -> str:
    """Java's ``String.replaceAll``/``replaceFirst``, bounded by REGEX_TIMEOUT_S."""
    try:
        return java_regex(pattern).sub(lambda m: _expand(replacement, m), subject, count=count,
                                       timeout=REGEX_TIMEOUT_S)
    except TimeoutError:
        raise _too_slow(pattern, subject) from None


def url_encode(text: str) -> str:
    """``java.net.URLEncoder.encode(text, "UTF-8")``: spaces become ``+``, ``~`` is encoded."""
    from urllib.parse import quote_plus

    return quote_plus(text, safe="*").replace("~", "%7E")


def url_decode(text: str) -> str:
    """``java.net.URLDecoder.decode``: ``+`` is a space; a broken ``%`` escape is an error."""
    out = bytearray()
    index = 0
    while index < len(text):
        char = text[index]
        if char == "%":
            pair = text[index + 1:index + 3]
            if len(pair) < 2 or not all(c in "0123456789abcdefABCDEF" for c in pair):
                raise ExpressionError(f"urlDecode: illegal escape {text[index:index + 3]!r}")
            out.append(int(pair, 16))
            index += 3
            continue
        out.extend(b" " if char == "+" else char.encode())
        index += 1
    return out.decode("utf-8", errors="replace")


_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n",
                 "\r": "\\r", "\t": "\\t"}
_JSON_UNESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def escape_json(text: str) -> str:
    """Commons Text ``escapeJson``: quotes, backslash, slash, controls and non-ASCII."""
    out = []
    for char in text:
        code = ord(char)
        if char in _JSON_ESCAPES:
            out.append(_JSON_ESCAPES[char])
        elif code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}")
        elif code < 32 or code > 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(char)
    return "".join(out)


def _unicode_escape(text: str, index: int) -> tuple[str, int]:
    end = index + 1
    while end < len(text) and text[end] == "u":
        end += 1
    digits = text[end:end + 4]
    if len(digits) < 4 or not all(c in "0123456789abcdefABCDEF" for c in digits):
        raise ExpressionError(f"unescapeJson: broken unicode escape {text[index - 1:end + 4]!r}")
    return chr(int(digits, 16)), end + 4


def _octal_escape(text: str, index: int) -> tuple[str, int]:
    end = index
    limit = index + (3 if text[index] in "0123" else 2)
    while end < min(limit, len(text)) and text[end] in "01234567":
        end += 1
    return chr(int(text[index:end], 8)), end


def unescape_json(text: str) -> str:
    """Commons Text ``unescapeJson`` (Java unescaping): a backslash before anything else is dropped."""
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char != "\\" or index + 1 >= len(text):
            out.append(char)
            index += 1
            continue
        following = text[index + 1]
        if following == "u":
            decoded, index = _unicode_escape(text, index + 1)
        elif following in "01234567":
            decoded, index = _octal_escape(text, index + 1)
        else:
            decoded, index = _JSON_UNESCAPES.get(following, following), index + 2
        out.append(decoded)
    return "".join(out)


def _single_char(value: str | None, what: str) -> str:
    if not value:
        raise ExpressionError(f"getDelimitedField: the {what} was not specified")
    if len(value) > 1:
        raise ExpressionError(f"getDelimitedField: the {what} is {value!r}, but only a single "
                              "character is allowed")
    return value


def delimited_field(text: str, index: int, delimiter: str | None, quote: str | None,
                    escape: str | None, strip: bool) -> str:
    """NiFi's ``getDelimitedField``: field ``index`` (from 1) of a CSV-like line."""
    if index < 1:
        return ""
    delimiter = _single_char(delimiter, "delimiter")
    quote = _single_char(quote, "quote character")
    escape = _single_char(escape, "escape character")
    if len({delimiter, quote, escape}) < 3:
        raise ExpressionError("getDelimitedField: the delimiter, quote and escape characters must differ")
    field: list[str] = []
    quoted = escaped = False
    current = 1
    for char in text:
        if char == quote and not escaped:
            quoted = not quoted
            if not strip and current == index:
                field.append(char)
        elif char == delimiter and not escaped and not quoted:
            if current == index:
                return "".join(field)
            current += 1
        elif current == index and (char != escape or not strip):
            field.append(char)
        escaped = char == escape and not escaped
    return "".join(field) if current == index else ""


def pad(text: str, length: int, padding: str, left: bool) -> str:
    missing = length - len(text)
    if missing <= 0:
        return text
    fill = (padding * (missing // len(padding) + 1))[:missing]
    return fill + text if left else text + fill


def base64_encode(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode("ascii")


def base64_decode(text: str) -> str:
    import base64
    import binascii

    try:
        return base64.b64decode(text, validate=True).decode("utf-8", errors="replace")
    except binascii.Error as exc:
        raise ExpressionError(f"base64Decode: {exc}") from None


_DIGESTS = {"MD2": None, "MD5": "md5", "SHA": "sha1", "SHA-1": "sha1", "SHA-224": "sha224",
            "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512", "SHA-512/224": "sha512_224",
            "SHA-512/256": "sha512_256", "SHA3-224": "sha3_224", "SHA3-256": "sha3_256",
            "SHA3-384": "sha3_384", "SHA3-512": "sha3_512"}


def digest(text: str, algorithm: str) -> str:
    """``hash(algorithm)``: the hex digest of the UTF-8 text, by Java's algorithm names."""
    name = _DIGESTS.get(algorithm.upper())
    if name is None:
        raise ExpressionError(f"hash: unsupported algorithm {algorithm!r}")
    import hashlib

    return hashlib.new(name, text.encode()).hexdigest()
