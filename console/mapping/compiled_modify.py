"""Generated code for a modify step over a list of rows, ``{"*": {"key": value, ...}}``.

Each row becomes a new object (a shallow copy: values the spec does not write are shared with
the input), and each key of the spec is one statement: the value computed (function calls of
the common functions inlined, the rest called), then written when the mode allows it, in spec
order so a later key sees what an earlier one wrote, as in the interpreter.

A spec with nested objects edits them in place, as Jolt does, on a copy of the whole row that
keeps the row's sharing: where the row holds one object twice (``"copy": "@(1,item)"``, or a
shift that wrote one value to two places) an edit shows in both, as in the interpreter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from console.mapping.functions import FUNCTIONS, JAVA_BLANKS
from console.mapping.keys import KeyMatcher
from console.mapping.modify import Modify, _split_args
from console.mapping.refs import ABSENT, MISSING
from console.mapping.simple_ops import Default, Remove
from console.mapping.template import Unsupported, literal_source

_FAILURES = (ArithmeticError, TypeError, ValueError, IndexError, KeyError, AttributeError,
             OverflowError, RecursionError)
_LOOKUP = re.compile(r"@\(1,([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\)")
_PLAIN_ARG = re.compile(r"'[^']*'|-?\d{1,9}|true|false")


def _call(function: Callable[[list[Any]], Any], args: list[Any]) -> Any:
    """A function as the interpreter calls it: any failure means no value."""
    try:
        return function(args)
    except _FAILURES:
        return ABSENT


def _lone(function: Callable[[list[Any]], Any], value: Any) -> Any:
    """A call with one lookup argument: one that finds nothing means no argument at all."""
    return _call(function, [] if value is MISSING else [value])


def _walk(data: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if isinstance(data, dict):
            data = data.get(key, MISSING)
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return MISSING
        if data is MISSING:
            return MISSING
    return data


def _tree(value: Any, copies: dict[int, Any]) -> Any:
    """A copy of the objects and lists under ``value``, one copy for an object met twice."""
    if isinstance(value, dict):
        made = copies.get(id(value))
        if made is None:
            made = copies[id(value)] = {}
            for key, item in value.items():
                made[key] = _tree(item, copies)
        return made
    if isinstance(value, list):
        made = copies.get(id(value))
        if made is None:
            made = copies[id(value)] = []
            made.extend(_tree(item, copies) for item in value)
        return made
    return value


def _to_integer(value: Any) -> Any:
    if type(value) is int and -2147483648 <= value <= 2147483647:
        return value
    if type(value) is str and len(value) < 10 and value.isascii() and value.isdigit():
        return int(value)
    return _call(FUNCTIONS["toInteger"], [value])


_ROWS = """
def run(data, context):
    if type(data) is not list:
        return FALLBACK
{shared}    out = []
    append = out.append
    for row in data:
        if type(row) is not dict:
            return FALLBACK
        n = {copy}
{body}
        append(n)
    return out
"""


class _Writer:
    """Source for the statements editing one object, named ``var``; constants it needs go
    into ``names``."""

    def __init__(self, var: str = "n", names: dict[str, Any] | None = None) -> None:
        self.var = var
        self.names: dict[str, Any] = names if names is not None else {
            "ABSENT": ABSENT, "MISSING": MISSING, "_call": _call, "_lone": _lone,
            "_walk": _walk, "_to_integer": _to_integer, "JAVA_BLANKS": JAVA_BLANKS}
        self.lines: list[str] = []

    def name(self, value: Any) -> str:
        ident = f"c{len(self.names)}"
        self.names[ident] = value
        return ident

    def child(self, child: Any) -> None:
        n = self.var
        key = repr(child.literal)
        present = f"{key} in {n}"
        guard = {"overwrite": "True", "default": f"{n}.get({key}) is None",
                 "define": f"{key} not in {n}"}[child.mode]
        if isinstance(child.body, Modify):
            self._nested(child, key, present, guard)
            return
        if child.check:
            guard = present if guard == "True" else f"{present} and {guard}"
        options = child.source if isinstance(child.source, list) and child.source else \
            [child.source]
        statements = [*self._options(options, key, present),
                      "if r is not ABSENT:", f"    {n}[{key}] = r"]
        if guard == "True":
            self.lines.extend(statements)
        else:
            self.lines.append(f"if {guard}:")
            self.lines.extend(f"    {line}" for line in statements)

    def _nested(self, child: Any, key: str, present: str, creatable: str) -> None:
        """A nested spec under ``key``: an object edited on a copy (made when missing and the
        mode allows, as the interpreter does), or with a bare ``*``, a list of objects."""
        n, body = self.var, child.body
        depth = int(n[1:] or 0) + 1
        inner, found = f"n{depth}", f"x{depth}"
        self.names["_tree"] = _tree  # the row is copied whole first: nested edits are in place
        sub = _Writer(inner, self.names)
        lines = [f"{found} = {n}.get({key})"]
        if body.kind == "map" and not body.computed:
            _modify_lines(body, sub)
            if child.check:
                creatable = present if creatable == "True" else f"{present} and {creatable}"
            lines += [f"if type({found}) is dict:", f"    {inner} = {found}",
                      f"elif {found} is None and {creatable}:", f"    {inner} = {n}[{key}] = {{}}",
                      "else:", f"    {inner} = None", f"if {inner} is not None:",
                      *(f"    {line}" for line in sub.lines)]
        elif body.kind == "runtime" and not body.literals and len(body.computed) == 1:
            star = body.computed[0]
            if star.raw != "*" or star.check or not isinstance(star.body, Modify):
                raise Unsupported("a nested '*' without a nested spec")
            _modify_lines(star.body, sub)
            lines += [f"if type({found}) is list:",
                      f"    for {inner} in {found}:",
                      f"        if type({inner}) is not dict:", "            return FALLBACK",
                      *(f"        {line}" for line in sub.lines),
                      f"elif type({found}) is dict:", "    return FALLBACK"]
        else:
            raise Unsupported("nested modify specs other than objects or '*' over lists")
        if child.check:
            self.lines.append(f"if {present}:")
            self.lines.extend(f"    {line}" for line in lines)
        else:
            self.lines.extend(lines)

    def _options(self, options: list[Any], key: str, present: str) -> list[str]:
        """``r = `` the first option that gives a value (``ABSENT`` if none does)."""
        lines: list[str] = []
        indent = ""
        for position, option in enumerate(options):
            if position:
                lines.append(f"{indent}if r is ABSENT:")
                indent += "    "
            lines.append(f"{indent}r = {self._value(option, key, present)}")
        return lines

    def _value(self, raw: Any, key: str, present: str) -> str:
        if isinstance(raw, str) and raw.startswith("="):
            return self._call(raw, key, present)
        if isinstance(raw, str) and raw.startswith("^"):
            raise Unsupported("context lookups")
        if isinstance(raw, str) and raw.startswith("@"):
            keys = self._lookup(raw)
            if len(keys) == 1:
                return f"{self.var}.get({keys[0]!r}, ABSENT)"
            return f"(ABSENT if (w := _walk({self.var}, {keys!r})) is MISSING else w)"
        if isinstance(raw, list) and raw:
            raise Unsupported("nested lists of alternatives")
        return literal_source(raw)

    @staticmethod
    def _lookup(raw: str) -> tuple[str, ...]:
        match = _LOOKUP.fullmatch(raw)
        if match is None:
            raise Unsupported(f"the lookup {raw!r}")
        return tuple(match.group(1).split("."))

    def _call(self, raw: str, key: str, present: str) -> str:
        name, paren, rest = raw[1:].partition("(")
        function = FUNCTIONS.get(name.strip())
        if function is None:
            return "ABSENT"
        if not paren:
            current = f"{self.var}[{key}]"
            fast = {"toInteger": f"_to_integer({current})",
                    "toLower": f"(v.lower() if type(v := {current}) is str else "
                               f"_call({self.name(function)}, [v]))",
                    "toUpper": f"(v.upper() if type(v := {current}) is str else "
                               f"_call({self.name(function)}, [v]))",
                    "trim": f"(v.strip(JAVA_BLANKS) if type(v := {current}) is str else "
                            f"_call({self.name(function)}, [v]))"}
            call = fast.get(name.strip(), f"_call({self.name(function)}, [{current}])")
            return f"({call} if {present} else ABSENT)"
        if not rest.endswith(")"):
            raise Unsupported("a malformed call")
        args = [self._argument(text) for text in _split_args(rest[:-1], "")]
        lookups = [a for a in args if a[0] == "lookup"]
        if len(args) == 1 and lookups:
            keys = lookups[0][1]
            return f"_lone({self.name(function)}, {self._fetch(keys, 'MISSING')})"
        values = [self._fetch(a[1], "None") if a[0] == "lookup" else a[1] for a in args]
        if name.strip() == "concat" and len(args) > 1:
            return self._concat(function, args, values)
        return f"_call({self.name(function)}, [{', '.join(values)}])"

    def _concat(self, function: Callable[[list[Any]], Any], args: list[tuple[Any, ...]],
                values: list[str]) -> str:
        """``concat`` of texts is ``+``; anything else goes to the function."""
        general = f"_call({self.name(function)}, [{', '.join(values)}])"
        if any(a[0] == "plain" and not isinstance(a[2], str) for a in args):
            return general
        binds, checks, pieces = [], [], []
        for position, (arg, value) in enumerate(zip(args, values, strict=True)):
            if arg[0] == "lookup":
                temp = f"a{position}"
                binds.append(f"({temp} := {value})")
                checks.append(f"type({temp}) is str")
                pieces.append(temp)
            else:
                pieces.append(value)
        if not binds:
            return general
        return (f"({' + '.join(pieces)} if ({', '.join(binds)},) and {' and '.join(checks)} "
                f"else _call({self.name(function)}, [{', '.join(pieces)}]))")

    def _argument(self, text: str) -> tuple[Any, ...]:
        if text.startswith("@"):
            return ("lookup", self._lookup(text))
        if not _PLAIN_ARG.fullmatch(text):
            raise Unsupported(f"the argument {text!r}")
        if text.startswith("'"):
            return ("plain", repr(text[1:-1]), text[1:-1])
        if text in ("true", "false"):
            return ("plain", repr(text == "true"), text == "true")
        return ("plain", repr(int(text)), int(text))

    def _fetch(self, keys: tuple[str, ...], missing: str) -> str:
        if len(keys) == 1:
            return f"{self.var}.get({keys[0]!r}, {missing})"
        walked = f"_walk({self.var}, {keys!r})"
        return walked if missing == "MISSING" else f"(None if (w := {walked}) is MISSING else w)"


_OBJECT = """
def run(data, context):
    if type(data) is not dict:
        return FALLBACK
    n = {copy}
{body}
    return n
"""


def row_statements(step: Modify | Default | Remove, fresh: str | None = None
                   ) -> tuple[str, dict[str, Any], str]:
    """Source and names of ``run``, and what it makes (``rows`` or ``object``), for a step whose spec is ``{"*": {literal keys}}`` over a
    list of rows, or (a modify) ``{literal keys}`` over one object. ``fresh`` says what the
    step before made itself, ``rows`` or ``object``: those are edited in place, anything else
    is copied first so the input never changes."""
    writer = _Writer()
    if isinstance(step, Modify) and not step.computed and step.kind == "map":
        _modify_lines(step, writer)
        body = "\n".join(f"    {line}" for line in writer.lines)
        copy = "_tree(data, {})" if "_tree" in writer.names else \
            "data" if fresh == "object" else "data.copy()"
        return _OBJECT.format(body=body, copy=copy), writer.names, "object"
    if isinstance(step, Modify):
        _modify_lines(_row_spec(step), writer)
    elif isinstance(step, Default):
        _default_lines(step, writer)
    else:
        _remove_lines(step, writer)
    body = "\n".join(f"        {line}" for line in writer.lines)
    copy = "_tree(row, copies)" if "_tree" in writer.names else \
        "row" if fresh == "rows" else "row.copy()"
    return _ROWS.format(body=body, copy=copy, shared=_shared(step, writer)), writer.names, "rows"


def _shared(step: Modify | Default | Remove, writer: _Writer) -> str:
    """Lines that keep the interpreter's answer where the input list holds one row twice
    (data built in Python, not parsed): Jolt edits that object twice, one copy per row would
    edit each once. Nested edits copy all rows with one memo, so rows sharing an inner object
    still share it; a modify of top-level keys leaves such a list to the interpreter."""
    if "_tree" in writer.names:
        return "    copies = {}\n"
    if isinstance(step, Modify):
        return "    if len(set(map(id, data))) != len(data):\n        return FALLBACK\n"
    return ""


def _row_spec(step: Modify) -> Modify:
    if step.literals or len(step.computed) != 1:
        raise Unsupported("a modify spec other than one '*' over rows")
    star = step.computed[0]
    if star.raw != "*" or star.check or not isinstance(star.body, Modify):
        raise Unsupported("a modify '*' without a nested spec")
    return star.body


def _modify_lines(row: Modify, writer: _Writer) -> None:
    if row.computed or row.kind != "map":
        raise Unsupported("wildcards or list indexes inside a row")
    for child in row.literals.values():
        writer.child(child)


def _only_star(children: list[tuple[KeyMatcher, Any]]) -> Any:
    if len(children) != 1 or children[0][0].raw != "*":
        raise Unsupported("a spec other than one '*' over rows")
    return children[0][1]


def _default_lines(step: Default, writer: _Writer) -> None:
    row = _only_star(step.compiled)
    if not isinstance(row, Default):
        raise Unsupported("a default '*' without a nested spec")
    for matcher, value in row.compiled:
        if matcher.literal is None or matcher.wants_list or isinstance(value, Default):
            raise Unsupported("default keys other than literals with values")
        key = repr(matcher.literal)
        writer.lines.append(f"if n.get({key}) is None:")
        writer.lines.append(f"    n[{key}] = {literal_source(value)}")


def _remove_lines(step: Remove, writer: _Writer) -> None:
    row = _only_star(step.compiled)
    if not isinstance(row, Remove):
        raise Unsupported("a remove '*' without a nested spec")
    for matcher, child in row.compiled:
        if matcher.literal is None or matcher.wants_list or child is not None:
            raise Unsupported("remove keys other than literals")
        writer.lines.append(f"n.pop({matcher.literal!r}, None)")
