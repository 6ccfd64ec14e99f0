"""The Jolt engine: each operation's semantics, key order, errors with spec paths, robustness."""

from __future__ import annotations

import contextlib
import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.mapping import MappingError, MappingSpecError, compile, transform
from tests.jolt_paths import mapping_path  # noqa: F401 - every case, both paths

STOCK_SHIFT = [{"operation": "shift", "spec": {"*": {
    "sku": "[&1].product_sku", "stock": "[&1].stock", "stock_list": "[&1].stock_list",
    "unit_type": "[&1].unit_type", "updated_date": "[&1].updated_date"}}}]


def shift(spec: dict, data: object) -> object:
    return transform([{"operation": "shift", "spec": spec}], data)


def test_stock_shift_renames_per_row_in_spec_key_order() -> None:
    rows = [{"unit_type": "qty", "stock_list": "1", "stock": 123, "sku": "12345"},
            {"sku": "12346", "stock": 0, "stock_list": "1", "unit_type": "qty"}]
    out = transform(STOCK_SHIFT, rows)
    assert out == [{"product_sku": "12345", "stock": 123, "stock_list": "1", "unit_type": "qty"},
                   {"product_sku": "12346", "stock": 0, "stock_list": "1", "unit_type": "qty"}]
    assert list(out[0]) == list(out[1]) == ["product_sku", "stock", "stock_list", "unit_type"]


def test_literal_keys_apply_in_spec_order_and_computed_keys_by_precedence() -> None:
    spec = {"b-v|a-v": "lit", "c-*|d-*": "star", "*-*-*": "three", "*-x": "one"}
    data = {"a-v": 1, "b-v": 2, "d-w": 3, "c-w": 4, "q-r-s": 5, "z-x": 6}
    assert shift(spec, data) == {"lit": [2, 1], "star": [3, 4], "three": 5, "one": 6}
    conflict = {"b-v|a-v": "lit", "a-*": "star"}
    assert shift(conflict, {"a-v": 1, "b-v": 2, "a-w": 3}) == {"lit": [1, 2], "star": 3}
    at_levels = {"tag-*": {"@": "t.&(0,1).v", "$(0,1)": ["t.&.id", "t.&(1,1).up"]}}
    assert shift(at_levels, {"tag-Pro": 1}) == {"t": {"Pro": {"v": 1, "id": "Pro", "up": "Pro"}}}
    assert shift({"a": {"b": {"@2": "planet"}}, "c": None}, {"a": {"b": {}}, "c": 1}) == \
        {"planet": {"a": {"b": {}}, "c": 1}}
    assert shift({"d": {"@v": "x.@k", "#(yes)": "flag"}}, {"d": {"v": None, "k": "K"}}) == \
        {"x": {"K": None}, "flag": "yes"}


def test_order_status_shift_moves_nested_lists() -> None:
    spec = {"*": {"orderitems": "[&1].orderitem_set", "order": "[&1].order"}}
    data = [{"orderitems": [{"id": 1, "status": 450}], "order": "o1"},
            {"orderitems": [{"id": 3}, {"id": 4}], "order": "o3"}]
    assert shift(spec, data) == [{"orderitem_set": [{"id": 1, "status": 450}], "order": "o1"},
                                 {"orderitem_set": [{"id": 3}, {"id": 4}], "order": "o3"}]


def test_wildcards_references_and_dollar() -> None:
    spec = {"rating": {"primary": {"value": "Rating"},
                       "*": {"value": "Secondary.&1.Value", "$": "Secondary.&1.Id"}}}
    data = {"rating": {"primary": {"value": 3}, "quality": {"value": 4}}}
    assert shift(spec, data) == {"Rating": 3, "Secondary": {"quality": {"Id": "quality", "Value": 4}}}


def test_star_captures_and_or_keys() -> None:
    spec = {"tag-*-*": "tags.&(0,1).&(0,2)", "a|b": "ab[]"}
    data = {"tag-x-y": 1, "a": 2, "b": 3, "tag-": 9}
    assert shift(spec, data) == {"tags": {"x": {"y": 1}}, "ab": [2, 3]}


def test_same_output_path_accumulates_into_a_list() -> None:
    assert shift({"*": "all"}, {"a": 1, "b": 2, "c": 3}) == {"all": [1, 2, 3]}


def test_literals_win_over_wildcards() -> None:
    spec = {"id": "identifier", "*": "rest.&"}
    assert shift(spec, {"id": 1, "x": 2}) == {"identifier": 1, "rest": {"x": 2}}


def test_hash_literals_match_scalars_and_transpose() -> None:
    spec = {"data": {"*": {"hidden": {"true": {"#off": "clients.@(3,clientId)"},
                                      "false": {"#on": "clients.@(3,clientId)"}}}}}
    data = {"data": {"1": {"clientId": "12", "hidden": True},
                     "2": {"clientId": "35", "hidden": False}}}
    assert shift(spec, data) == {"clients": {"12": "off", "35": "on"}}


def test_hash_count_builds_arrays_in_match_order() -> None:
    spec = {"photos": {"*": {"url": "images[#2].url", "@(2,id)": "images[#2].owner"}}}
    data = {"id": "X", "photos": [{"url": "a"}, {"url": "b"}]}
    assert shift(spec, data) == {"images": [{"owner": "X", "url": "a"}, {"owner": "X", "url": "b"}]}


def test_escaped_keys_and_identity() -> None:
    assert shift({"\\@type": "kind", "\\$x": "dollar"}, {"@type": "t", "$x": 1}) == \
        {"kind": "t", "dollar": 1}
    assert shift({"@": ""}, {"a": [1]}) == {"a": [1]}


def test_default_fills_missing_and_null_only() -> None:
    spec = [{"operation": "default", "spec": {"unit_type": "qty", "stock": 0, "meta": {"src": "erp"}}}]
    assert transform(spec, {"stock": 5, "unit_type": None}) == \
        {"stock": 5, "unit_type": "qty", "meta": {"src": "erp"}}
    star = [{"operation": "default", "spec": {"*": {"unit_type": "qty"}}}]
    assert transform(star, [{"unit_type": "kg"}, {}]) == [{"unit_type": "kg"}, {"unit_type": "qty"}]


def test_remove_cardinality_and_sort() -> None:
    assert transform([{"operation": "remove", "spec": {"*": {"secret": "", "tmp*": ""}}}],
                     [{"a": 1, "secret": 2, "tmp1": 3}]) == [{"a": 1}]
    assert transform([{"operation": "cardinality", "spec": {"one": "ONE", "many": "MANY"}}],
                     {"one": [1, 2], "many": 3}) == {"one": 1, "many": [3]}
    out = transform([{"operation": "sort"}], {"b": 1, "~a": 0, "a": {"z": 1, "c": 2}})
    assert list(out) == ["~a", "a", "b"] and list(out["a"]) == ["c", "z"]


def test_modify_functions_and_modes() -> None:
    spec = {"*": {"stock": "=toInteger", "name": "=toUpper", "full": "=concat(@(1,first),' ',@(1,last))",
                  "n": ["=toInteger(@(1,bad))", 0], "count": "=size(@(1,items))",
                  "first_item": "=firstElement(@(1,items))", "joined": "=join('-',@(1,items))"}}
    data = [{"stock": "5", "name": "ab", "first": "A", "last": "B", "bad": "x", "items": [3, 4]}]
    out = transform([{"operation": "modify-overwrite-beta", "spec": spec}], data)[0]
    assert out["stock"] == 5 and out["name"] == "AB" and out["full"] == "A B" and out["n"] == 0
    assert out["count"] == 2 and out["first_item"] == 3 and out["joined"] == "3-4"
    keep = transform([{"operation": "modify-default-beta", "spec": {"a": 1, "b": 2}}], {"a": None, "b": 5})
    assert keep == {"a": 1, "b": 5}
    define = transform([{"operation": "modify-define-beta", "spec": {"a": 1, "b": 2}}], {"a": None})
    assert define == {"a": None, "b": 2}
    math = transform([{"operation": "modify-overwrite-beta", "spec": {
        "sum": "=intSum(@(1,v))", "avg": "=avg(@(1,v))", "max": "=max(@(1,v))", "d": "=divide(7,2)",
        "r": "=divideAndRound(2,10,3)"}}], {"v": [1, 2, 6]})
    assert (math["sum"], math["avg"], math["max"], math["d"], math["r"]) == (9, 3.0, 6, 3.5, 3.33)


@pytest.mark.parametrize(("value", "integer", "long", "double"), [
    ("12", 12, 12, 12.0),
    (" 12", 12, 12, 12.0),  # parseInt refuses the blank, parseDouble trims it
    ("\u00a012", None, None, None),  # a no-break space is not one Java trims
    ("1_000", None, None, None),
    ("+7", 7, 7, 7.0),
    ("99999999999", 1215752191, 99999999999, 99999999999.0),  # intValue keeps the low bits
    ("9223372036854775808", 2147483647, 9223372036854775807, 9.223372036854776e18),
    ("NaN", 0, 0, "NaN"),
    ("nan", None, None, None),
    ("Infinity", 2147483647, 9223372036854775807, float("inf")),
    ("-Infinity", -2147483648, -9223372036854775808, float("-inf")),
    ("inf", None, None, None),
    ("2.9", 2, 2, 2.9),
    ("-2.9", -2, -2, -2.9),
    ("1.5d", 1, 1, 1.5),
    ("0x1p4", 16, 16, 16.0),
    ("1e3", 1000, 1000, 1000.0),
    (3000000000, -1294967296, 3000000000, 3000000000.0),
    (2.5e10, 2147483647, 25000000000, 2.5e10),
])
def test_to_integer_long_and_double_read_numbers_as_java_does(
        value: object, integer: int | None, long: int | None, double: float | str | None) -> None:
    """Jolt reads a string with ``parseInt``, ``parseLong``, then ``parseDouble``, and narrows
    with Java's ``intValue``/``longValue``: a value an ERP sends in an odd spelling must give
    what the Integrator gave, not what Python's ``int()`` would."""
    spec = {"i": "=toInteger(@(1,v))", "l": "=toLong(@(1,v))", "d": "=toDouble(@(1,v))"}
    out = transform([{"operation": "modify-overwrite-beta", "spec": spec}], {"v": value})
    assert (out.get("i"), out.get("l")) == (integer, long)
    if double == "NaN":
        assert out["d"] != out["d"]
    else:
        assert out.get("d") == double


def test_trim_and_to_boolean_follow_java() -> None:
    spec = {"t": "=trim(@(1,s))", "b": "=toBoolean(@(1,s))", "c": "=toBoolean(@(1,c))"}
    out = transform([{"operation": "modify-overwrite-beta", "spec": spec},
                     {"operation": "modify-overwrite-beta", "spec": {"u": "=trim"}}],
                    {"s": "\x01 true\u00a0\t", "c": "TRUE", "u": "\u2003x\n"})
    assert out["t"] == "true\u00a0" and "b" not in out and out["c"] is True
    assert out["u"] == "\u2003x"


def test_java_class_names_and_json_text_are_accepted() -> None:
    text = json.dumps([{"operation": "com.bazaarvoice.jolt.Shiftr", "spec": {"a": "b"}},
                       {"operation": "com.bazaarvoice.jolt.Defaultr", "spec": {"c": 1}}])
    assert compile(text).apply({"a": 1}) == {"b": 1, "c": 1}


@pytest.mark.parametrize(("spec", "path", "message"), [
    ('[{"operation": "shift", "spec": {"*": {"sku": 5}}}]', "[0].spec.*.sku", "output path"),
    ('[{"operation": "shift", "spec": {"*": {"sku": "a.*"}}}]', "[0].spec.*.sku", "'*' is not allowed"),
    ('[{"operation": "default", "spec": {}}, {"operation": "nope"}]', "[1].operation", "unknown operation"),
    ('[{"operation": "remove", "spec": {"a": 1}}]', "[0].spec.a", 'expected ""'),
    ('[{"operation": "cardinality", "spec": {"a": "SOME"}}]', "[0].spec.a", '"ONE", "MANY"'),
    ('[{"operation": "shift"}]', "[0].spec", "missing spec"),
])
def test_spec_errors_point_to_the_offending_key(spec: str, path: str, message: str) -> None:
    with pytest.raises(MappingSpecError) as caught:
        compile(spec)
    assert caught.value.path == path and message in caught.value.message
    assert caught.value.index == int(path[1])


def test_bad_json_text_is_a_spec_error() -> None:
    with pytest.raises(MappingSpecError, match="not valid JSON"):
        compile("[{")


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text("ab*&$@#.[]|01", max_size=4),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text("ab*&$@#.[]|01()", max_size=5), children, max_size=3),
    max_leaves=12,
)
_ops = st.sampled_from(["shift", "default", "remove", "cardinality", "sort",
                        "modify-overwrite-beta", "modify-default-beta", "modify-define-beta"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.fixed_dictionaries({"operation": _ops, "spec": _json}), max_size=3), _json)
def test_random_specs_and_data_only_raise_mapping_errors(chain: list, data: object) -> None:
    before = copy.deepcopy(data)
    try:
        mapping = compile(chain)
    except MappingSpecError:
        return
    with contextlib.suppress(MappingError):
        mapping.apply(data)
    assert data == before


_row_value = st.none() | st.integers(-3, 3) | st.text("ab", max_size=2) | st.lists(st.integers(0, 2), max_size=2)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["sku", "qty", "x", "unit"]), _row_value, max_size=4),
                max_size=5),
       st.dictionaries(st.sampled_from(["sku", "qty", "unit"]),
                       st.sampled_from(["[&1].a", "[&1].b.c", "[&1].&", "[&1].a.&0", "[&1].b"]),
                       min_size=1, max_size=3))
def test_row_fast_path_gives_the_same_result_as_the_general_walk(rows: list, fields: dict) -> None:
    from console.mapping.refs import WalkedPath
    from console.mapping.shift import Shift

    shift_op = Shift({"*": fields}, "")
    written = [tuple(key if part in ("&", "&0") else part for part in path.split(".")[1:])
               for key, path in fields.items()]
    nested = any(long[:len(short)] == short for short in written for long in written
                 if len(long) > len(short))
    assert (shift_op.rows is None) == nested  # a write inside another is left to the walk
    holder: dict = {}
    shift_op.root.apply("root", copy.deepcopy(rows), WalkedPath(), holder)
    assert shift_op.apply(copy.deepcopy(rows)) == holder.get("root")


def test_modify_context_lookups_and_list_math() -> None:
    spec = [{"operation": "modify-overwrite-beta", "spec": {
        "a": {"max": "=max(@(1,value), ^limit, 0)", "value": "=abs", "sum": "=intSum"},
        "b": {"abs": "=abs(@(1,value))", "total": "=doubleSum(@(1,value))",
              "half": "=div(@(1,pair))"},
        "words": "=split('\\s+', @(1,text))",
        "joined": "=join('-', @(1,first), , @(1,second))"}}]
    data = {"a": {"value": -2}, "b": {"value": [-1, 2, 3.0], "pair": [5, 2]},
            "text": "one  two", "first": "x", "second": "y"}
    out = transform(spec, data, {"limit": 1.0})
    assert out["a"] == {"value": 2, "max": 1.0}
    assert out["b"]["abs"] == [1, 2, 3.0] and out["b"]["total"] == 4.0 and out["b"]["half"] == 2.5
    assert out["words"] == ["one", "two"] and out["joined"] == "x-y"


def test_default_or_keys_prefer_fewer_alternatives_then_alphabetical() -> None:
    spec = [{"operation": "default", "spec": {"foo|z": "third", "foo|x": "wins", "x|bar|y": "loses",
                                              "z|bar": "more specific"}}]
    assert transform(spec, {"foo": None, "bar": None}) == {"foo": "wins", "bar": "more specific"}


def test_default_fills_arrays_by_index_or_and_star() -> None:
    spec = [{"operation": "default", "spec": {"items[]": {
        "*": {"unit": "qty", "note": "none"}, "0|3": {"note": "first or fourth"},
        "3": {"unit": "kg"}}}}]
    out = transform(spec, {"items": [{"unit": "pcs"}, {"note": "kept"}]})
    assert out == {"items": [{"unit": "pcs", "note": "first or fourth"},
                             {"note": "kept", "unit": "qty"},
                             {"unit": "qty", "note": "none"},
                             {"unit": "kg", "note": "first or fourth"}]}


def test_modify_transpose_paths_index_lists_with_references() -> None:
    spec = [{"operation": "modify-overwrite-beta", "spec": {"*": {
        "double": "=toDouble(@(2,[&1].value))", "max": "=max(@(2,[&1].value), ^floor, 0)"}}}]
    assert transform(spec, [{"value": 2}, {"value": -3}], {"floor": -1.0}) == [
        {"value": 2, "double": 2.0, "max": 2}, {"value": -3, "double": -3.0, "max": 0}]


def test_cardinality_literals_win_over_stars_and_null_becomes_empty_list() -> None:
    spec = [{"operation": "cardinality", "spec": {
        "photos": {"@": "MANY", "*": {"url": "ONE"}}, "gone": {"@": "MANY"},
        "zion": {"neo": "ONE", "*": "MANY"}}}]
    out = transform(spec, {"photos": {"url": ["a", "b"]}, "gone": None,
                           "zion": {"neo": "anderson", "matrix": "sweet"}})
    assert out == {"photos": [{"url": "a"}], "gone": [],
                   "zion": {"neo": "anderson", "matrix": ["sweet"]}}


def test_remove_takes_blank_markers_and_array_indexes() -> None:
    spec = [{"operation": "remove", "spec": {"absent": " ", "list": {"0": "", "2": "", "4": ""},
                                            "nested": {"a": {"b": ""}}, "scalar": {"*": ""}}}]
    data = {"list": ["a", "b", "c", "d", "e"], "nested": {"x": 1}, "scalar": "", "keep": 1}
    assert transform(spec, data) == {"list": ["b", "d"], "nested": {"x": 1}, "scalar": "",
                                     "keep": 1}


def test_transposes_with_array_indexes_and_lhs_references() -> None:
    data = {"photos": {"captions": ["Hi!", "Sunny"], "files": ["hola.jpg", "sunny.jpg"]}}
    spec = {"photos": {"@(files[0])": "out.@(captions[0])", "@(files[1])": "out.@(captions[1])"}}
    assert shift(spec, data) == {"out": {"Hi!": "hola.jpg", "Sunny": "sunny.jpg"}}
    ratings = {"rating": {"primary": {"value": 3, "primary": "Label"}}}
    amp = {"rating": {"*": {"*": "ratings.&1.&0", "&0": "ratings.&1.label"}}}
    assert shift(amp, ratings) == {"ratings": {"primary": {"value": 3, "label": "Label"}}}


def test_nulls_pass_through_and_index_keys_reference_themselves() -> None:
    assert shift({"key": "value", "many": {"*": "values.&"}}, {"key": None, "many": {"a": None}}) \
        == {"value": None, "values": {"a": None}}
    assert shift({"Photos": {"1": "photo-&-url"}}, {"Photos": ["A.jpg", "B.jpg"]}) == \
        {"photo-1-url": "B.jpg"}
    assert shift({"*": {"sku": "[&1].s"}}, [{"sku": None}, {"sku": "x"}]) == [{"s": None}, {"s": "x"}]


def test_append_in_the_middle_of_an_output_path_makes_a_new_element_each_time() -> None:
    spec = {"tuna-*": {"@": "values[]", "$(0,1)": ["ids[]", "objects[].id"]}}
    assert shift(spec, {"tuna-a": "A", "tuna-b": "B"}) == {
        "values": ["A", "B"], "ids": ["a", "b"], "objects": [{"id": "a"}, {"id": "b"}]}
    coerce = {"data": {"names": {"name": "data.@(2,ids.id).name"}}}
    assert shift(coerce, {"data": {"ids": {"id": 1234}, "names": {"name": "Acme"}}}) == \
        {"data": {"1234": {"name": "Acme"}}}


def test_default_skips_a_subtree_whose_container_type_differs_from_the_spec() -> None:
    spec = [{"operation": "default", "spec": {"photos": {"*": {"caption": "none"}}}}]
    rows = {"photos": [{"url": "a"}]}
    assert transform(spec, rows) == {"photos": [{"url": "a"}]}
    listed = [{"operation": "default", "spec": {"photos[]": {"1": {"caption": "none"}}}}]
    assert transform(listed, {"photos": {}}) == {"photos": {}}
    assert transform(listed, {}) == {"photos": [None, {"caption": "none"}]}


def test_a_lookup_one_level_above_the_top_reaches_the_input() -> None:
    spec = {"map": {"foo": {"Y": {"@(4,ref.yes)": "answer"}, "N": {"@(4,ref.no)": "answer"}}}}
    data = {"ref": {"yes": True, "no": False}, "map": {"foo": "Y"}}
    assert shift(spec, data) == {"answer": True}
    assert shift({"a": {"@(3,b)": "x"}}, {"a": 1, "b": 2}) is None


def modify(mode: str, spec: dict, data: object, context: dict | None = None) -> object:
    return transform([{"operation": f"modify-{mode}-beta", "spec": spec}], data, context)


def test_modify_list_indexes_grow_the_list_and_each_mode_writes_its_own_slots() -> None:
    spec = {"a": {"*": 0, "[4]": 1, "[6]": None}}
    assert modify("overwrite", spec, {"a": [7, None]}) == {"a": [0] * 7}
    assert modify("default", spec, {"a": [7, None]}) == {"a": [7, 0, 0, 0, 1, 0, 0]}
    assert modify("define", spec, {"a": [7, None]}) == {"a": [7, None, 0, 0, 1, 0, None]}
    assert modify("define", spec, {"a": None}) == {"a": None}
    assert modify("overwrite", {"a": {"b": 1}}, {"a": [1]}) == {"a": [1]}


def test_modify_empty_literals_prefixes_and_optional_keys() -> None:
    assert modify("overwrite", {"m": {}, "l": []}, {}) == {"m": {}, "l": []}
    spec = {"~x": "default", "+y": "over", "+z?": "only-if-there"}
    assert modify("define", spec, {"x": None, "y": 1}) == {"x": "default", "y": "over"}
    assert modify("define", spec, {"z": 0}) == {"z": "only-if-there", "x": "default",
                                                "y": "over"}


def test_context_paths_use_references_and_lookups() -> None:
    context = {"labels": {"Age": {"65": "65 or over"}}}
    spec = {"dims": {"*": {"label": "^labels.&1.@(1,value)"}}, "all": "^"}
    out = modify("overwrite", spec, {"dims": {"Age": {"value": "65"}}}, context)
    assert out == {"dims": {"Age": {"value": "65", "label": "65 or over"}}, "all": context}


def test_an_unknown_function_writes_nothing_as_in_jolt_and_is_reported_as_a_warning() -> None:
    spec = [{"operation": "modify-overwrite-beta",
             "spec": {"a": {"b": "=nope"}, "c": ["=nothere", "=min(1, 2, 3)"]}}]
    mapping = compile(spec)
    assert mapping.apply({"a": {"b": 1}}) == {"a": {"b": 1}, "c": 1}
    assert mapping.warnings == [
        "[0].spec.a.b: unknown function '=nope' (Jolt writes nothing for it)",
        "[0].spec.c[0]: unknown function '=nothere' (Jolt writes nothing for it)"]


def test_string_functions_reject_empty_ranges_and_silly_pad_widths() -> None:
    spec = {"empty": "=substring('abc', 1, 1)", "ok": "=substring('abc', 0, 2)",
            "pad": "=leftPad('ab', 4, '0')", "zero": "=leftPad('ab', 0, '0')",
            "huge": "=rightPad('ab', 501, '0')", "two": "=rightPad('ab', 4, '00')"}
    assert modify("overwrite", spec, {}) == {"ok": "ab", "pad": "00ab"}


def test_a_write_inside_a_value_taken_from_the_input_leaves_the_input_alone() -> None:
    data = [{"a": {"k": 1}, "b": 2, "l": {"items": [1]}, "m": 3}]
    spec = {"*": {"a": "[&1].x", "b": "[&1].x.b", "l": "[&1].l", "m": "[&1].l.items"}}
    before = copy.deepcopy(data)
    assert shift(spec, data) == [{"x": {"k": 1, "b": 2}, "l": {"items": [1, 3]}}]
    assert data == before
    assert shift({"a": "x", "b": "x.b"}, {"a": {"k": 1}, "b": 2}) == {"x": {"k": 1, "b": 2}}


def test_a_row_key_mapped_to_null_writes_nothing() -> None:
    assert shift({"*": {"c": None}}, [{"c": 1}]) is None
    assert shift({"*": {"c": None, "d": "[&1].d"}}, [{"c": 1}, {"d": 2}]) == [None, {"d": 2}]


@pytest.mark.parametrize(("values", "largest", "smallest"), [
    ([1, 2, 6], 6, 1),
    ([1, 1.5], 1, 1),  # Jolt compares the Integer with the Double's longValue, Integer first
    ([2.0, 2], 2, 2),
    ([0.5, 1], 1, 0.5),
    (["3", "4.5", 4], 4, 3),
    ([-5.0], -5.0, -5.0),
    ([-3e9], -2147483648, -3e9),  # no Integer given: its starting value still wins the max
    ([5000000000, 7], 5000000000, 7),
    (["a", None, True], None, None),
])
def test_max_and_min_choose_among_integers_longs_and_doubles_as_jolt_does(
        values: list[object], largest: object, smallest: object) -> None:
    spec = {"max": "=max(@(1,v))", "min": "=min(@(1,v))"}
    out = transform([{"operation": "modify-overwrite-beta", "spec": spec}], {"v": values})
    assert (out.get("max"), out.get("min")) == (largest, smallest)
    for key, expected in (("max", largest), ("min", smallest)):
        assert type(out.get(key)) is type(expected)
