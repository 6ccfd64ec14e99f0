"""An outbound body checked completely before it is answered: what a 202 promises.

The rules, each refused with a 400 that says where the problem is (nothing is stored):

- the body is UTF-8 (a leading UTF-8 byte-order mark is accepted and dropped; UTF-16 and UTF-32
  are refused), strict JSON, an array of objects;
- no ``NaN``, ``Infinity`` or ``-Infinity`` (JSON has no such numbers);
- no lone UTF-16 surrogate escape such as ``"\\ud800"`` (it cannot be stored or sent as UTF-8);
- no key twice in one object (which value was meant is unknowable);
- nesting at most ``MAX_DEPTH`` levels.

The stored payload is the checked rows re-serialised, so the execution reads exactly what was
checked. A body is checked and re-serialised a slice of rows at a time (``checked_payload``),
so 50,000 rows never sit in memory as objects all at once; a body with any problem is then
read whole once more, so every refusal says what the whole-body reading says.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32
BOM = b"\xef\xbb\xbf"


class PayloadError(ValueError):
    """Why a body is refused; the message names the row and path where it can."""


class _Constant:
    def __init__(self, name: str) -> None:
        self.name = name


class _Duplicated(dict[str, Any]):
    duplicate: str = ""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            marked = _Duplicated(pairs)
            marked.duplicate = key
            return marked
        found[key] = value
    return found


def _encoding_problem(raw: bytes) -> str | None:
    if raw[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        return "the body is UTF-32; send UTF-8"
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:64]:
        return "the body looks like UTF-16; send UTF-8"
    return None


def parse_rows(raw: bytes) -> list[dict[str, Any]]:
    """The rows of an outbound body, or ``PayloadError``."""
    if raw.startswith(BOM):
        raw = raw[len(BOM):]
    problem = _encoding_problem(raw)
    if problem:
        raise PayloadError(problem)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError(f"the body is not UTF-8: byte {exc.start} "
                           f"({raw[exc.start:exc.start + 1]!r})") from None
    try:
        rows = json.loads(text, object_pairs_hook=_object, parse_constant=_Constant)
    except json.JSONDecodeError as exc:
        raise PayloadError(f"the body is not JSON: {exc.msg} at line {exc.lineno} column "
                           f"{exc.colno}") from None
    except RecursionError:
        raise PayloadError(f"the body nests deeper than {MAX_DEPTH} levels") from None
    if not isinstance(rows, list):
        raise PayloadError(f"expected a JSON array of rows, found {_kind(rows)}")
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise PayloadError(f"row {index} is {_kind(row)}, not an object")
        where = _check(row, f"$[{index}]", 1)
        if where:
            raise PayloadError(f"row {index}: {where}")
    return rows


class _Unusual(Exception):
    """The row-by-row reading met something it leaves to the whole-body reading."""


_SPACE = " \t\n\r"
SLICE = 1000


def checked_payload(raw: bytes) -> tuple[int, str]:
    """How many rows an outbound body holds and the text to store (``serialise`` of them),
    or ``PayloadError`` exactly as ``parse_rows`` raises it."""
    try:
        return _checked_by_slices(raw)
    except _Unusual:
        rows = parse_rows(raw)
        return len(rows), serialise(rows)


def _checked_by_slices(raw: bytes) -> tuple[int, str]:
    if raw.startswith(BOM):
        raw = raw[len(BOM):]
    if _encoding_problem(raw):
        raise _Unusual
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _Unusual from None
    decode = json.JSONDecoder(object_pairs_hook=_object, parse_constant=_Constant).raw_decode
    position = _skip_space(text, 0)
    if not text.startswith("[", position):
        raise _Unusual
    position = _skip_space(text, position + 1)
    parts: list[str] = []
    count = 0
    rows: list[dict[str, Any]] = []
    if text.startswith("]", position):
        if _skip_space(text, position + 1) != len(text):
            raise _Unusual
        return 0, serialise([])
    while True:
        try:
            row, position = decode(text, position)
        except (json.JSONDecodeError, RecursionError):
            raise _Unusual from None
        if not isinstance(row, dict) or _check(row, f"$[{count}]", 1):
            raise _Unusual
        rows.append(row)
        count += 1
        if len(rows) == SLICE:
            parts.append(serialise(rows)[1:-1])
            rows = []
        position = _skip_space(text, position)
        if text.startswith(",", position):
            position = _skip_space(text, position + 1)
        elif text.startswith("]", position) and _skip_space(text, position + 1) == len(text):
            break
        else:
            raise _Unusual
    if rows:
        parts.append(serialise(rows)[1:-1])
    return count, "[" + ",".join(parts) + "]"


def _skip_space(text: str, position: int) -> int:
    length = len(text)
    while position < length and text[position] in _SPACE:
        position += 1
    return position


def _kind(value: Any) -> str:
    if isinstance(value, _Constant):
        return value.name
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
            type(None): "null", int: "a number", float: "a number"}.get(type(value), "a value")


def _text_problem(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check(value: Any, path: str, depth: int) -> str | None:
    """The first problem inside ``value`` (at JSON ``path``), or None."""
    if depth > MAX_DEPTH:
        return f"{path} nests deeper than {MAX_DEPTH} levels"
    if isinstance(value, _Constant):
        return f"{path} is {value.name}, which JSON does not allow"
    if isinstance(value, str):
        return f"{path} holds a lone surrogate (a \\ud800-\\udfff escape without its pair)" \
            if _text_problem(value) else None
    if isinstance(value, dict):
        if isinstance(value, _Duplicated):
            return f"{path} has the key {value.duplicate!r} twice"
        for key, item in value.items():
            inner = f"{path}.{key}" if key.isidentifier() else f"{path}[{json.dumps(key)}]"
            if _text_problem(key):
                return f"a key in {path} holds a lone surrogate"
            problem = _check(item, inner, depth + 1)
            if problem:
                return problem
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problem = _check(item, f"{path}[{index}]", depth + 1)
            if problem:
                return problem
    return None


def serialise(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
