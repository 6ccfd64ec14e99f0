"""Property tests over what users type: flows.toml, expressions and Jolt specs. Whatever the
input, only the package's own error comes out, nothing hangs, and a flows file that loads is
one the runner can run."""

from __future__ import annotations

import contextlib
import json
import tomllib
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.commands.flows import _masked, _summary
from console.commands.init import demo_flows_text
from console.expression import ExpressionError
from console.expression import compile as compile_expression
from console.flows import FlowsError, loads
from console.mapping import MappingError, MappingSpecError
from console.mapping import compile as compile_mapping
from console.services.flows import summarize

BOUNDED = settings(max_examples=150, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

SCALARS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["0 0 30 2 *", "0 0 0 1 1 ? 2020", "*/5 * * * *", "Europe/Istanbul",
                     "A" * 300, "../etc", "${now()}", "inbound", "outbound", "stock", "jwt",
                     "offset", "seek", "next", "xml", "[]", "{}"]),
    st.booleans(),
)
TOML_VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8)


def _paths(value: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    return found


DEMO = tomllib.loads(demo_flows_text())
DEMO_PATHS = _paths(DEMO)


def _replaced(document: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(document))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


def _runnable(text: str) -> None:
    """What the runner and the CLI do with a loaded file: none of it may raise."""
    config = loads(text)
    now = datetime.now(UTC)
    timedelta(days=config.runner.log_retention_days)
    assert 0 < config.runner.port < 65536
    for flow in config.flows:
        ZoneInfo(flow.timezone)
        _summary(summarize(flow, now))
        json.dumps(_masked(flow), default=str)
        now + timedelta(hours=flow.fetch_missing.interval_hours,
                        days=flow.fetch_missing.productized_within_days)
        if flow.read is not None:
            assert 0 < flow.read.timeout_s < float("inf")


@BOUNDED
@given(st.sampled_from(DEMO_PATHS), TOML_VALUES)
def test_a_flows_file_with_any_one_value_changed_is_refused_or_runnable(
        path: tuple[str, ...], value: Any) -> None:
    text = tomli_w.dumps(_replaced(DEMO, path, value))
    with contextlib.suppress(FlowsError):
        _runnable(text)


@BOUNDED
@given(st.text(alphabet="[]{}=\"'.,#\n abc123-_+:nafit", max_size=120))
def test_any_text_as_a_flows_file_is_a_flows_error_at_worst(text: str) -> None:
    with contextlib.suppress(FlowsError):
        _runnable(text)


FUNCTION_NAMES = ["toUpper", "trim", "length", "urlEncode", "escapeJson", "base64Decode",
                  "hash", "find", "matches", "replaceAll", "replaceFirst", "substring",
                  "substringBefore", "getDelimitedField", "jsonPath", "padLeft", "toNumber",
                  "toDecimal", "plus", "divide", "mod", "format", "toDate", "toInstant",
                  "formatInstant", "ifElse", "equals", "in", "replaceNull", "append", "nope"]
ARGUMENTS = st.one_of(
    st.integers(min_value=-1000, max_value=1000).map(str),
    st.text(alphabet="ab$.*+?()[]{}|\\'\"^,:/ -09", max_size=12).map(lambda t: repr(t)),
    st.sampled_from(["'(a+)+$'", "'(a|aa)+$'", "'$[0]'", "'yyyy-MM-dd'", "'UTC'", "'A' "]),
)


@st.composite
def expressions(draw: st.DrawFn) -> str:
    subject = draw(st.sampled_from(["value", "now()", "literal('x')", "missing", "${", ""]))
    calls = draw(st.lists(st.tuples(st.sampled_from(FUNCTION_NAMES),
                                    st.lists(ARGUMENTS, max_size=2)), max_size=3))
    chain = "".join(f":{name}({', '.join(args)})" for name, args in calls)
    return draw(st.sampled_from(["", "x/"])) + "${" + subject + chain + "}" + \
        draw(st.text(alphabet="${}():'ab", max_size=6))


ATTRIBUTES = {"value": "a" * 40 + "b", "number": "12", "json": '{"a": [1, 2]}'}


@BOUNDED
@given(st.one_of(expressions(), st.text(alphabet="${}():'\",.abc01 \\", max_size=60)))
def test_any_expression_compiles_and_evaluates_or_raises_an_expression_error(text: str) -> None:
    try:
        compiled = compile_expression(text)
        compiled.evaluate(ATTRIBUTES)
    except ExpressionError:
        pass


def test_a_regex_that_backtracks_without_end_is_an_expression_error_not_a_hang(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from console.expression import jsonpath, text_functions

    for module in (text_functions, jsonpath):  # the same bound, shorter, to keep the test quick
        monkeypatch.setattr(module, "REGEX_TIMEOUT_S", 0.05)
    value = {"value": "a" * 5000 + "b"}
    try:  # the case once seen taking 9 s: now quick enough to answer, or stopped
        assert compile_expression("${value:matches('(a+)+$')}").evaluate(value) == "false"
    except ExpressionError as exc:
        assert "'(a+)+$' took over" in exc.message
    for function in ("matches", "find"):
        with pytest.raises(ExpressionError) as caught:
            compile_expression(f"${{value:{function}('(a|aa)+$')}}").evaluate(value)
        assert "'(a|aa)+$'" in caught.value.message
        assert "took over 0.05 s on a 5001-character value" in caught.value.message
    with pytest.raises(ExpressionError):
        compile_expression("${value:replaceAll('(a|aa)+$', 'x')}").evaluate(value)
    json_path = "${json:jsonPath('$[?(@.v =~ /(a|aa)+$/)]')}"
    rows = json.dumps([{"v": "a" * 5000 + "b"}])
    with pytest.raises(ExpressionError):
        compile_expression(json_path).evaluate({"json": rows})


KEYS = st.sampled_from(["*", "a", "b", "[0]", "[1]", "&", "&1", "@", "$", "#x", "a|b", "*-*",
                        "@(1,a)", "+a", "~b", "a?", "[]", "\\@"])
LEAVES = st.one_of(
    st.sampled_from(["a", "b.c", "[&1].x", "&", "&(1,0)", "@(1,a)", "@(1,)", "@(2,)", "@",
                     "=toInteger", "=concat(@(1,a),'x')", "=toList(@(1,))", "=split(',',@(1,a))",
                     "=substring(@(1,a),0,2)", "=size", "$", "#1", "^a", "=nope"]),
    st.integers(-3, 3), st.none(), st.booleans())
SPECS = st.recursive(LEAVES, lambda inner: st.one_of(
    st.dictionaries(KEYS, inner, max_size=3), st.lists(inner, max_size=2)), max_leaves=10)
DATA = st.recursive(st.one_of(st.integers(-5, 5), st.text(alphabet="ab,", max_size=4),
                              st.none(), st.booleans()),
                    lambda inner: st.one_of(st.lists(inner, max_size=3),
                                            st.dictionaries(st.sampled_from(["a", "b", "c"]),
                                                            inner, max_size=3)),
                    max_leaves=10)
OPERATIONS = st.sampled_from(["shift", "default", "remove", "sort", "cardinality",
                              "modify-overwrite-beta", "modify-default-beta",
                              "modify-define-beta", "unknown"])


@BOUNDED
@given(st.lists(st.fixed_dictionaries({"operation": OPERATIONS, "spec": SPECS}), min_size=1,
                max_size=2), DATA)
def test_any_jolt_spec_compiles_and_applies_or_raises_a_mapping_error(
        chain: list[dict[str, Any]], data: Any) -> None:
    try:
        mapping = compile_mapping(chain)
    except MappingSpecError:
        return
    try:
        output = mapping.apply(data)
    except MappingError:
        return
    json.dumps(output)  # a spec that compiles never makes an output that contains itself


@pytest.mark.parametrize("spec", [
    {"a": "@(1,)"}, {"rows": {"*": "@(2,)"}}, {"a": {"b": "@(2,a)"}}, {"a": ["@(1)", "x"]},
    {"a": "=toList(@(1,))"},
])
def test_a_modify_spec_whose_output_would_contain_itself_is_a_spec_error(spec: Any) -> None:
    with pytest.raises(MappingSpecError) as caught:
        compile_mapping([{"operation": "modify-overwrite-beta", "spec": spec}])
    assert "contain itself" in caught.value.message and caught.value.path.startswith("[0].spec.")


def test_references_to_siblings_and_to_a_value_itself_stay_valid() -> None:
    mapping = compile_mapping([{"operation": "modify-overwrite-beta",
                                "spec": {"a": "@(1,c)", "b": {"x": "@(2,c)"}, "c": "@(0)",
                                         "d": "=concat(@(1,c),'!')"}}])
    assert mapping.apply({"b": {}, "c": 2}) == {"a": 2, "b": {"x": 2}, "c": 2, "d": "2!"}
