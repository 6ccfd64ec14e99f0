"""Jolt rules found by running Bazaarvoice's own fixture suite against the engine.

Each test uses small inputs of its own; together they pin the semantics where the engine
once disagreed with Java Jolt.
"""

from __future__ import annotations

import pytest

from console.mapping import MappingSpecError, compile, transform
from tests.jolt_paths import mapping_path  # noqa: F401 - every case, both paths


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


def test_index_of_and_later_keys_see_earlier_results() -> None:
    spec = {"at": "=indexOf(@(1,mail), '@')", "size": "=size(@(1,mail))",
            "domain": "=substring(@(1,mail), @(1,at), @(1,size))", "none": "=indexOf('abc', 'z')"}
    out = run("modify-overwrite-beta", spec, {"mail": "ops@shop.io"})
    assert out == {"mail": "ops@shop.io", "at": 3, "size": 11, "domain": "@shop.io", "none": -1}


def test_epoch_millis_convert_both_ways_in_a_zone() -> None:
    spec = {"iso": "=fromEpochMilli(@(1,ms))",
            "local": "=fromEpochMilli(@(1,ms), 'dd.MM.yyyy HH:mm', 'Europe/Istanbul')",
            "back": "=toEpochMilli(@(1,local), 'dd.MM.yyyy HH:mm', 'Europe/Istanbul')",
            "offset": "=toEpochMilli('2024-07-01T01:30:00+02:00', yyyy-MM-dd'T'HH:mm:ssXXX)"}
    out = run("modify-overwrite-beta", spec, {"ms": 1719797400000})
    assert out["iso"] == "2024-07-01T01:30:00Z" and out["local"] == "01.07.2024 04:30"
    assert out["back"] == 1719797400000 and out["offset"] == 1719790200000


def test_date_add_and_subtract_use_calendar_months() -> None:
    spec = {"next": "=dateAdd(@(1,day), 'yyyy-MM-dd', 'P1M', 'UTC')",
            "mixed": "=dateAdd(@(1,day), 'yyyy-MM-dd', 'P1Y1M1D')",
            "earlier": "=dateSubstract(@(1,stamp), 'yyyy-MM-dd HH:mm', 'PT90M')"}
    out = run("modify-overwrite-beta", spec, {"day": "2024-01-31", "stamp": "2024-03-01 00:30"})
    assert out["next"] == "2024-02-29" and out["mixed"] == "2025-03-01"
    assert out["earlier"] == "2024-02-29 23:00"


def test_format_date_moves_between_zones() -> None:
    spec = {"paris": "=formatDate(@(1,at), 'yyyy-MM-dd HH:mm', 'HH:mmXXX', 'UTC', 'Europe/Paris')",
            "same": "=formatDate(@(1,at), 'yyyy-MM-dd HH:mm', 'dd/MM/yy')"}
    out = run("modify-overwrite-beta", spec, {"at": "2024-07-01 10:00"})
    assert out["paris"] == "12:00+02:00" and out["same"] == "01/07/24"


@pytest.mark.parametrize("call", [
    "=fromEpochMilli('soon', 'yyyy', 'UTC')", "=fromEpochMilli(0, 'yyyy', 'Mars/Base')",
    "=toEpochMilli(5, 'yyyy', 'UTC')", "=toEpochMilli('2024', 'QQQ', 'UTC')",
    "=dateAdd('2024-01-01', 'yyyy-MM-dd', 'one day', 'UTC')",
    "=dateSubstract('2024-01-01', 'yyyy-MM-dd', 'P1D', 7)",
    "=formatDate('2024-01-01', 'yyyy-MM-dd', 'INVALID', 'UTC')",
    "=formatDate('01/2024', 'yyyy-MM-dd', 'yyyy')"])
def test_date_functions_write_nothing_for_bad_arguments(call: str) -> None:
    assert run("modify-overwrite-beta", {"out": call}, {}) == {}


@pytest.mark.parametrize("output", ["item.@.name", "a@", "@code@name", "@(row.@id).x",
                                    "@(row.*.id)", "@(row.$1.id)", "out.$.id", "list[-1]"])
def test_shift_rejects_output_paths_jolt_cannot_parse(output: str) -> None:
    with pytest.raises(MappingSpecError) as caught:
        compile([{"operation": "shift", "spec": {"rows": {"*": {"sku": output}}}}])
    assert caught.value.path == "[0].spec.rows.*.sku"


def test_lookup_errors_point_at_the_key_in_shift_and_modify() -> None:
    with pytest.raises(MappingSpecError) as shift_error:
        compile([{"operation": "shift", "spec": {"a": {"@(1,b.*)": "x"}}}])
    with pytest.raises(MappingSpecError) as modify_error:
        compile([{"operation": "modify-overwrite-beta", "spec": {"a": {"b": "=concat(@(1,x)"}}}])
    assert shift_error.value.path == "[0].spec.a.@(1,b.*)"
    assert modify_error.value.path == "[0].spec.a.b"


def test_output_lookups_may_still_use_references_and_indexes() -> None:
    spec = {"rows": {"*": {"qty": "stock.@(1,codes[0]).&1", "id": "ids[@(1,slot)]"}}}
    data = {"rows": [{"qty": 4, "codes": ["A1"], "id": "x", "slot": "1"}]}
    assert run("shift", spec, data) == {"stock": {"A1": {"0": 4}}, "ids": [None, "x"]}
