"""Jolt rules found by running Bazaarvoice's own fixture suite against the engine.

Each test uses small inputs of its own; together they pin the semantics where the engine
once disagreed with Java Jolt.
"""

from __future__ import annotations

import pytest

from console.mapping import MappingSpecError, compile, transform


def run(operation: str, spec: object, data: object, context: dict | None = None) -> object:
    return transform([{"operation": operation, "spec": spec}], data, context)


@pytest.mark.parametrize("marker", ["x", "delete me", 0, None, True, []])
def test_remove_rejects_anything_but_blank_text_or_an_object(marker: object) -> None:
    with pytest.raises(MappingSpecError) as caught:
        compile([{"operation": "remove", "spec": {"keep": {"drop": marker}}}])
    assert caught.value.path == "[0].spec.keep.drop"


def test_remove_star_patterns_do_not_match_list_indexes_but_bare_star_does() -> None:
    codes = [f"c{n}" for n in range(12)]
    data = {"rows": [{"a": 1, "b": 2}, {"a": 3}], "codes": codes}
    out = run("remove", {"rows": {"*": {"b": ""}}, "codes": {"1*": ""}}, data)
    assert out == {"rows": [{"a": 1}, {"a": 3}], "codes": codes}


def test_remove_or_keys_may_mix_literals_and_stars() -> None:
    data = {"tmp-1": 1, "tmp-2": 2, "id": 3, "name": 4}
    assert run("remove", {"tmp-*|id": ""}, data) == {"name": 4}


@pytest.mark.parametrize("key", ["tuna*", "a|*", "*x[]"])
def test_default_allows_no_star_patterns(key: str) -> None:
    with pytest.raises(MappingSpecError) as caught:
        compile([{"operation": "default", "spec": {"outer": {key: "marlin"}}}])
    assert caught.value.path == f"[0].spec.outer.{key}"


def test_default_bare_star_still_fills_every_entry() -> None:
    out = run("default", {"items[]": {"*": {"unit": "qty"}}}, {"items": [{}, {"unit": "kg"}]})
    assert out == {"items": [{"unit": "qty"}, {"unit": "kg"}]}


def test_quoted_function_arguments_keep_backslashes_for_regexes() -> None:
    out = run("modify-overwrite-beta", {"words": "=split('\\s+', @(1,text))",
                                        "digits": "=split('\\d', @(1,code))"},
              {"text": "a  b\tc", "code": "x1y22z"})
    assert out["words"] == ["a", "b", "c"] and out["digits"] == ["x", "y", "", "z"]


def test_explicit_arguments_never_take_the_current_value() -> None:
    data = {"code": "7", "name": "abcdef"}
    spec = {"code": "=leftPad(3, '0')", "name": "=substring(0, 2)"}
    assert run("modify-overwrite-beta", spec, dict(data)) == data


def test_bare_arguments_are_parsed_as_jolt_literals() -> None:
    spec = {"flag": "=toString(TRUE)", "big": "=toString(12)", "real": "=toString(2.50)",
            "word": "=toUpper(bazinga)", "empty": "=concat(a, , b)"}
    out = run("modify-overwrite-beta", spec, {})
    assert out == {"flag": "true", "big": "12", "real": "2.5", "word": "BAZINGA", "empty": "ab"}


def test_a_lone_argument_that_finds_nothing_means_no_argument() -> None:
    spec = {"missing": "=isNull(@(1,nothing))", "present": "=isNull(@(1,there))"}
    out = run("modify-overwrite-beta", spec, {"there": None})
    assert out == {"there": None, "present": None}


def test_join_skips_nulls_and_blanks_but_keeps_a_separator_after_each_item() -> None:
    spec = {"middle": "=join('-', @(1,a), , @(1,b))", "trailing": "=join('-', @(1,a), @(1,b), )",
            "list": "=join(',', @(1,items))", "nested": "=join('|', @(1,a), @(1,items))"}
    out = run("modify-overwrite-beta", spec, {"a": "x", "b": "y", "items": [1, "", 2.5]})
    assert out["middle"] == "x-y" and out["trailing"] == "x-y-"
    assert out["list"] == "1,2.5" and out["nested"] == "x|[1, , 2.5]"


@pytest.mark.parametrize("chain", [[], "[]", " [ ] "])
def test_an_empty_chain_is_a_spec_error(chain: object) -> None:
    with pytest.raises(MappingSpecError, match="chain is empty"):
        compile(chain)
