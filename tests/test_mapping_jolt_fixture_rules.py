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
