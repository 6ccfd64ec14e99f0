"""``jsonPath()``: the common part of Jayway JsonPath, with NiFi's way of printing results.

Supported: ``$``, ``.name``, ``['name']``, ``..name``, ``*``, indexes (also negative), index
lists ``[0,2]``, slices ``[1:3]`` and filters ``[?(@.a == 'x' && @.b > 2)]`` with ``== != < <=
> >= =~`` and existence tests. A path that finds nothing gives an empty string; a result list
of exactly one item prints that item; objects and lists print as compact JSON.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.expression.errors import ExpressionError
from console.expression.text_functions import REGEX_TIMEOUT_S
from console.expression.values import java_double

if TYPE_CHECKING:
    import regex

_NAME = re.compile(r"[^.\[\]()\s'\"]+")
_MISSING = object()


@dataclass(frozen=True)
class Step:
    kind: str  # key, keys, index, indexes, slice, all, deep, filter
    arg: Any = None


class _Path:
    """A tiny recursive-descent reader of one path."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, why: str) -> ExpressionError:
        return ExpressionError(f"jsonPath: invalid path {self.text!r}: {why}")

    def steps(self) -> list[Step]:
        if not self.text.startswith("$"):
            raise self.fail("a path starts with '$'")
        self.pos = 1
        steps: list[Step] = []
        while self.pos < len(self.text):
            steps.append(self.step())
        return steps

    def step(self) -> Step:
        text = self.text
        if text.startswith("..", self.pos):
            self.pos += 2
            if self.pos < len(text) and text[self.pos] == "[":
                return Step("deep", self.bracket())
            return Step("deep", self.name_or_star())
        if text[self.pos] == ".":
            self.pos += 1
            return self.name_or_star()
        if text[self.pos] == "[":
            return self.bracket()
        raise self.fail(f"unexpected {text[self.pos]!r}")

    def name_or_star(self) -> Step:
        if self.text.startswith("*", self.pos):
            self.pos += 1
            return Step("all")
        match = _NAME.match(self.text, self.pos)
        if match is None:
            raise self.fail("a name is missing")
        self.pos = match.end()
        return Step("key", match.group(0))

    def bracket(self) -> Step:
        close = self._closing_bracket()
        inner = self.text[self.pos + 1:close].strip()
        self.pos = close + 1
        if inner == "*":
            return Step("all")
        if inner.startswith("?"):
            return Step("filter", _Filter(inner[1:].strip(), self.text).parse())
        if inner[:1] in "'\"":
            names = [_unquote(part.strip(), self.text) for part in _split(inner)]
            return Step("key", names[0]) if len(names) == 1 else Step("keys", names)
        if ":" in inner:
            return Step("slice", _slice(inner, self.text))
        try:
            indexes = [int(part) for part in inner.split(",")]
        except ValueError:
            raise self.fail(f"cannot read [{inner}]") from None
        return Step("index", indexes[0]) if len(indexes) == 1 else Step("indexes", indexes)

    def _closing_bracket(self) -> int:
        depth = 0
        quote = ""
        for index in range(self.pos, len(self.text)):
            char = self.text[index]
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "[":
                depth += 1
            elif char == "]":
                depth -= 1
                if depth == 0:
                    return index
        raise self.fail("a '[' is not closed")


def _split(inner: str) -> list[str]:
    return re.findall(r"'[^']*'|\"[^\"]*\"", inner)


def _unquote(part: str, path: str) -> str:
    if len(part) < 2 or part[0] != part[-1]:
        raise ExpressionError(f"jsonPath: invalid path {path!r}: unclosed quote")
    return part[1:-1]


def _slice(inner: str, path: str) -> slice:
    try:
        bounds = [int(p) if p.strip() else None for p in inner.split(":")]
    except ValueError:
        raise ExpressionError(f"jsonPath: invalid path {path!r}: cannot read [{inner}]") from None
    return slice(*bounds[:3])


class _Filter:
    """``?(...)``: comparisons of ``@``-relative values joined by ``&&`` and ``||``."""

    _TOKEN = re.compile(r"\s*(&&|\|\||==|!=|<=|>=|=~|<|>|!|\(|\)|'[^']*'|\"[^\"]*\"|/(?:\\.|[^/])*/i?"
                        r"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|[@$][^\s=!<>&|()]*)")

    def __init__(self, text: str, path: str) -> None:
        if not (text.startswith("(") and text.endswith(")")):
            raise ExpressionError(f"jsonPath: invalid path {path!r}: a filter is ?(...)")
        self.tokens = self._lex(text, path)
        self.path = path
        self.index = 0

    def _lex(self, text: str, path: str) -> list[str]:
        tokens: list[str] = []
        pos = 0
        while pos < len(text.rstrip()):
            match = self._TOKEN.match(text, pos)
            if match is None:
                raise ExpressionError(f"jsonPath: invalid filter in {path!r} at {text[pos:]!r}")
            tokens.append(match.group(1))
            pos = match.end()
        return tokens

    def peek(self) -> str:
        return self.tokens[self.index] if self.index < len(self.tokens) else ""

    def take(self) -> str:
        token = self.peek()
        if not token:
            raise ExpressionError(f"jsonPath: incomplete filter in {self.path!r}")
        self.index += 1
        return token

    def parse(self) -> Any:
        tree = self.disjunction()
        if self.index != len(self.tokens):
            raise ExpressionError(f"jsonPath: invalid filter in {self.path!r}")
        return tree

    def disjunction(self) -> Any:
        left = self.conjunction()
        while self.peek() == "||":
            self.take()
            left = ("or", left, self.conjunction())
        return left

    def conjunction(self) -> Any:
        left = self.unary()
        while self.peek() == "&&":
            self.take()
            left = ("and", left, self.unary())
        return left

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return ("not", self.unary())
        if self.peek() == "(":
            self.take()
            inner = self.disjunction()
            if self.take() != ")":
                raise ExpressionError(f"jsonPath: unbalanced filter in {self.path!r}")
            return inner
        left = self.operand()
        if self.peek() in ("==", "!=", "<", "<=", ">", ">=", "=~"):
            operator = self.take()
            return ("compare", operator, left, self.operand())
        return ("exists", left)

    def operand(self) -> Any:
        token = self.take()
        if token[0] in "@$":
            return ("path", token[0], _Path("$" + token[1:]).steps())
        if token[0] in "'\"":
            return ("value", token[1:-1])
        if token.startswith("/"):
            import regex  # only paths with a regex filter need the engine

            flags = regex.IGNORECASE if token.endswith("i") else 0
            try:
                return ("value", regex.compile(token[1:token.rindex("/")], flags | regex.VERSION0))
            except (regex.error, OverflowError, RecursionError) as exc:
                raise ExpressionError(f"jsonPath: invalid path {self.path!r}: bad regular "
                                      f"expression {token}: {exc}") from None
        return ("value", json.loads(token))


def _children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return list(value.values())
    return list(value) if isinstance(value, list) else []


def _descendants(value: Any) -> list[Any]:
    found = [value]
    for child in _children(value):
        found.extend(_descendants(child))
    return found


def _apply(step: Step, value: Any, root: Any) -> list[Any]:
    kind, arg = step.kind, step.arg
    if kind == "key":
        return [value[arg]] if isinstance(value, dict) and arg in value else []
    if kind == "keys":
        return [{k: value[k] for k in arg if k in value}] if isinstance(value, dict) else []
    if kind == "all":
        return _children(value)
    if not isinstance(value, list):
        return [item for item in [value] if kind == "filter" and _test(arg, item, root)]
    if kind in ("index", "indexes"):
        wanted = [arg] if kind == "index" else arg
        return [value[i] for i in wanted if -len(value) <= i < len(value)]
    if kind == "slice":
        return list(value[arg])
    return [item for item in value if _test(arg, item, root)]


def _select(steps: list[Step], value: Any, root: Any) -> list[Any]:
    current = [value]
    for step in steps:
        following: list[Any] = []
        for item in current:
            if step.kind == "deep":
                for node in _descendants(item):
                    following.extend(_apply(step.arg, node, root))
            else:
                following.extend(_apply(step, item, root))
        current = following
    return current


def _resolve(operand: Any, item: Any, root: Any) -> Any:
    if operand[0] == "value":
        return operand[1]
    found = _select(operand[2], item if operand[1] == "@" else root, root)
    return found[0] if found else _MISSING


def _matches(pattern: regex.Pattern[str], text: str) -> bool:
    try:
        return pattern.fullmatch(text, timeout=REGEX_TIMEOUT_S) is not None
    except TimeoutError:
        raise ExpressionError(f"jsonPath: regular expression /{pattern.pattern}/ took over "
                              f"{REGEX_TIMEOUT_S:g} s on a {len(text)}-character value") from None


def _compare(operator: str, left: Any, right: Any) -> bool:
    if left is _MISSING or right is _MISSING:
        return operator == "!=" and left is not right
    if operator == "=~":
        import regex

        return isinstance(left, str) and isinstance(right, regex.Pattern) and _matches(right, left)
    if operator in ("==", "!="):
        same = left == right and isinstance(left, str) == isinstance(right, str)
        return same if operator == "==" else not same
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right))
    if not numbers and not (isinstance(left, str) and isinstance(right, str)):
        return False
    return bool({"<": left < right, "<=": left <= right, ">": left > right,
                 ">=": left >= right}[operator])


def _test(tree: Any, item: Any, root: Any) -> bool:
    kind = tree[0]
    if kind == "and":
        return _test(tree[1], item, root) and _test(tree[2], item, root)
    if kind == "or":
        return _test(tree[1], item, root) or _test(tree[2], item, root)
    if kind == "not":
        return not _test(tree[1], item, root)
    if kind == "exists":
        return _resolve(tree[1], item, root) is not _MISSING
    return _compare(tree[1], _resolve(tree[2], item, root), _resolve(tree[3], item, root))


def _definite(steps: list[Step]) -> bool:
    return all(step.kind in ("key", "index") for step in steps)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _to_json(value: Any) -> str:
    """Jackson's compact JSON: decimals as Java prints them, other text as ``json`` does."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{_to_json(str(k))}:{_to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_to_json(v) for v in value) + "]"
    if isinstance(value, float):
        return java_double(value)
    return re.sub(r"\\u00([0-9a-f]{2})", lambda m: "\\u00" + m.group(1).upper(),
                  json.dumps(value, ensure_ascii=False))


def _represent(value: Any) -> str:
    if isinstance(value, list) and len(value) == 1:
        return _represent(value[0])
    if isinstance(value, dict | list):
        return _to_json(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return java_double(value) if isinstance(value, float) else str(value)


def json_path(text: str, path: str) -> str:
    steps = _Path(path).steps()
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        raise ExpressionError(f"jsonPath: the subject is not valid JSON: {text[:80]!r}") from None
    found = _select(steps, document, document)
    if _definite(steps):
        return _represent(found[0]) if found else ""
    return _represent(found)
