"""The mapping compiler: each construct it covers gives exactly what the interpreter gives
(values, key order, list padding, errors), and what it does not cover runs interpreted."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.mapping import MappingError, compile

STOCK = [{"operation": "shift", "spec": {"*": {
    "sku": "[&1].product_sku", "stock": "[&1].stock", "stock_list": "[&1].stock_list",
    "unit_type": "[&1].unit_type", "updated_date": "[&1].updated_date"}}}]
ORDERS = [{"operation": "shift", "spec": {"*": {
    "order": "[&1].order",
    "orderitems": {"*": {"id": "[&3].orderitem_set[&1].id",
                         "status": "[&3].orderitem_set[&1].status"}}}}}]
MODIFY = [{"operation": "modify-overwrite-beta", "spec": {"*": {
    "stock": "=toInteger", "unit_type": "=toLower",
    "label": "=concat(@(1,sku),'-',@(1,stock_list))"}}}]


def outcome(run: Any, data: Any) -> str:
    """What a run gives, as text that also records key order (or the error it raised)."""
    try:
        return json.dumps(run(data))
    except MappingError as error:
        return f"error: {error}"


def same_both_ways(chain: Any, data: Any, compiled: bool | None = True) -> Any:
    """Apply ``chain`` compiled and interpreted; both must agree and leave ``data`` alone."""
    mapping = compile(chain)
    if compiled is not None:
        assert mapping.compiled is compiled, mapping.interpreted_because
    before = copy.deepcopy(data)
    fast = outcome(mapping.apply, data)
    assert data == before, "the compiled path changed its input"
    slow = outcome(mapping.interpret, copy.deepcopy(data))
    assert fast == slow
    return json.loads(fast) if not fast.startswith("error") else fast


def stock_row(n: int) -> dict[str, Any]:
    return {"sku": f"S{n}", "stock": n, "stock_list": "1", "unit_type": "qty",
            "updated_date": "2024-07-01"}


def test_stock_shift_is_compiled_and_keeps_spec_key_order() -> None:
    rows = [{"updated_date": "d", "unit_type": "qty", "stock_list": "1", "stock": 5, "sku": "A"}]
    out = same_both_ways(STOCK, rows)
    assert list(out[0]) == ["product_sku", "stock", "stock_list", "unit_type", "updated_date"]


@pytest.mark.parametrize("odd", [None, 7, "sku", [1, 2], {"sku": "only"}, {}, {"stock": None}])
def test_a_row_of_another_shape_runs_interpreted_with_the_same_padding(odd: Any) -> None:
    rows = [stock_row(0), odd, stock_row(2)]
    out = same_both_ways(STOCK, rows)
    assert out[0]["product_sku"] == "S0" and out[-1]["product_sku"] == "S2"


def test_trailing_rows_that_write_nothing_leave_no_padding() -> None:
    assert same_both_ways(STOCK, [stock_row(0), None, 3]) == [same_both_ways(STOCK, [stock_row(0)])[0]]


@pytest.mark.parametrize("data", [[], {}, None, "text", {"0": stock_row(0)}, [None, None]])
def test_inputs_that_are_not_lists_of_rows_give_the_interpreters_answer(data: Any) -> None:
    same_both_ways(STOCK, data)


def test_nested_star_over_lists_builds_the_inner_list() -> None:
    rows = [{"order": "o1", "orderitems": [{"id": 1, "status": "500"}, {"id": 2, "status": "550"}]}]
    assert same_both_ways(ORDERS, rows) == [{"order": "o1", "orderitem_set": [
        {"id": 1, "status": "500"}, {"id": 2, "status": "550"}]}]


@pytest.mark.parametrize("items", [[], {}, None, {"0": {"id": 1, "status": 2}}, [{"id": 1}, None],
                                   [{"id": 1, "status": 2}, "x", {"status": 3}], "abc"])
def test_nested_star_over_other_shapes_matches_the_interpreter(items: Any) -> None:
    rows = [{"order": "o1", "orderitems": [{"id": 1, "status": 2}]},
            {"order": "o2", "orderitems": items}]
    same_both_ways(ORDERS, rows)


def test_references_to_literal_levels_and_escaped_keys_are_compiled() -> None:
    chain = [{"operation": "shift", "spec": {"*": {
        "sku": "[&1].&", "price": {"net": "[&2].&1_&0", "gross": "[&2].totals.&"},
        "\\@id": "[&1].\\@key"}}}]
    rows = [{"sku": "A", "price": {"net": 1, "gross": 2}, "@id": 9}]
    assert same_both_ways(chain, rows) == [
        {"sku": "A", "price_net": 1, "totals": {"gross": 2}, "@key": 9}]


def test_one_key_written_to_several_places_and_dropped_keys() -> None:
    chain = [{"operation": "shift", "spec": {"*": {"sku": ["[&1].a", "[&1].b.c"], "x": None}}}]
    assert same_both_ways(chain, [{"sku": [1, 2], "x": 5}]) == [{"a": [1, 2], "b": {"c": [1, 2]}}]


def test_a_single_object_spec_is_compiled_and_falls_back_per_page() -> None:
    chain = [{"operation": "shift", "spec": {"rating": {"primary": {"value": "Rating"},
                                                        "quality": {"value": "Quality"}}}}]
    assert same_both_ways(chain, {"rating": {"primary": {"value": 3}, "quality": {"value": 4}}}) \
        == {"Rating": 3, "Quality": 4}
    same_both_ways(chain, {"rating": {"primary": {"value": 3}}})
    same_both_ways(chain, {"rating": [1, 2]})


def test_default_after_shift_fills_missing_and_null_values() -> None:
    chain = [STOCK[0],
             {"operation": "default", "spec": {"*": {"unit_type": "qty", "extra": {"a": [1]},
                                                     "*": "was null", "list[]": {"0": 1}}}}]
    rows = [{**stock_row(1), "unit_type": None, "stock": None}, stock_row(2)]
    out = same_both_ways(chain, rows)
    assert out[0]["unit_type"] == "qty" and out[0]["stock"] == "was null"
    assert out[1]["extra"] == {"a": [1]} and out[0]["extra"] is not out[1]["extra"]


def test_remove_after_shift_leaves_keys_out() -> None:
    chain = [STOCK[0], {"operation": "remove", "spec": {"*": {"updated_*|stock": ""}}}]
    assert same_both_ways(chain, [stock_row(1)]) == [
        {"product_sku": "S1", "stock_list": "1", "unit_type": "qty"}]
    same_both_ways(chain, [{"sku": "x"}, {"updated_date": "only"}, stock_row(3)])


def test_shift_default_remove_on_rows_of_other_shapes() -> None:
    chain = [STOCK[0], {"operation": "default", "spec": {"*": {"stock_list": "1"}}},
             {"operation": "remove", "spec": {"*": {"updated_date": ""}}}]
    for rows in ([stock_row(1), {"sku": "x"}], [None], [], {"a": 1}, [stock_row(1), 5]):
        same_both_ways(chain, rows)


def test_a_remove_that_would_leave_an_empty_object_runs_interpreted() -> None:
    chain = [{"operation": "shift", "spec": {"*": {"a": "[&1].box.a"}}},
             {"operation": "remove", "spec": {"*": {"box": {"a": ""}}}}]
    same_both_ways(chain, [{"a": 1}, {"b": 2}], compiled=False)


def test_modify_spec_is_compiled_with_inlined_functions() -> None:
    rows = [{"sku": "A", "stock": "12", "stock_list": "1", "unit_type": "QTY"}]
    assert same_both_ways(MODIFY, rows) == [
        {"sku": "A", "stock": 12, "stock_list": "1", "unit_type": "qty", "label": "A-1"}]


@pytest.mark.parametrize("stock", ["12", " 7 ", "2.5", "1e3", "abc", "", None, True, 3, 2.9,
                                   "nan", "1" * 5000, [1, "2", "x"], {"a": 1}])
@pytest.mark.parametrize("unit", ["QTY", None, 5, ["A", 1], "İ"])
def test_modify_type_coercions_match_the_interpreter(stock: Any, unit: Any) -> None:
    rows = [{"sku": "A", "stock": stock, "stock_list": 1, "unit_type": unit}, {"sku": None}, {}]
    same_both_ways(MODIFY, rows)


def test_modify_modes_checks_alternatives_and_constants() -> None:
    spec = {"*": {"~stock": 0, "_created": "now", "+label": "=toUpper(@(1,sku))",
                  "sku?": "=trim", "maybe?": "=toInteger", "fallback": ["=toInteger(@(1,x))", 7],
                  "nested": "@(1,deep.er)", "bad": "=noSuchFunction", "empty": [],
                  "joined": "=join('-', @(1,sku), @(1,deep.er))", "size": "=size(@(1,sku))",
                  "lone": "=concat(@(1,missing))"}}
    rows = [{"sku": " a ", "stock": None, "x": "5", "deep": {"er": "E"}},
            {"stock": 3, "created": None, "x": "no"}, {"created": 1, "deep": [1]}]
    for mode in ("modify-overwrite-beta", "modify-default-beta", "modify-define-beta"):
        same_both_ways([{"operation": mode, "spec": spec}], rows)


@pytest.mark.parametrize("rows", [[None, {"a": 1}], [[1]], {"a": {"stock": "1"}}, [], "x"])
def test_modify_over_other_shapes_runs_interpreted(rows: Any) -> None:
    same_both_ways(MODIFY, rows)


@pytest.mark.parametrize("chain", [
    [{"operation": "shift", "spec": {"*": {"@(1,sku)": "[&1].copy"}}}],
    [{"operation": "shift", "spec": {"*": {"$": "[&1].key"}}}],
    [{"operation": "shift", "spec": {"*": {"sku": "[#2].sku"}}}],
    [{"operation": "shift", "spec": {"*": {"sku": "out"}}}],
    [{"operation": "shift", "spec": {"*": {"sku": "[&1].x", "*": "[&1].rest.&"}}}],
    [{"operation": "shift", "spec": {"*": {"sku": "[&1].x", "stock": "[&1].x"}}}],
    [{"operation": "shift", "spec": {"*": {"sku": "[&1].@(1,code)"}}}],
    [{"operation": "cardinality", "spec": {"*": "ONE"}}],
    [{"operation": "sort"}],
    [{"operation": "modify-overwrite-beta", "spec": {"*": {"a": "=concat(^ctx, 'x')"}}}],
])
def test_constructs_not_covered_run_interpreted_and_say_why(chain: list[Any]) -> None:
    mapping = compile(chain)
    assert not mapping.compiled and mapping.interpreted_because
    same_both_ways(chain, [{"sku": "a", "code": "c", "stock": 1}, {"sku": "b"}], compiled=False)


def test_compiled_functions_are_cached_by_spec() -> None:
    assert compile(STOCK)._run is compile(json.dumps(STOCK))._run
    reordered = [{"operation": "shift", "spec": dict(reversed(STOCK[0]["spec"]["*"].items()))}]
    assert compile([{"operation": "shift", "spec": {"*": reordered[0]["spec"]}}])._run \
        is not compile(STOCK)._run


def test_apply_traced_says_whether_the_generated_code_made_the_result() -> None:
    mapping = compile(STOCK)
    assert mapping.apply_traced([stock_row(1)]) == (mapping.interpret([stock_row(1)]), True)
    assert mapping.apply_traced([stock_row(1), None]) == \
        (mapping.interpret([stock_row(1), None]), True)  # one row interpreted, the page not
    assert mapping.apply_traced({"0": stock_row(1)}) == \
        (mapping.interpret({"0": stock_row(1)}), False)
    assert compile([{"operation": "sort"}]).apply_traced({"b": 1, "a": 2}) == \
        ({"a": 2, "b": 1}, False)


@pytest.mark.parametrize("chain", [STOCK, ORDERS, MODIFY,
                                   [STOCK[0], {"operation": "default",
                                               "spec": {"*": {"unit_type": "qty"}}}]])
def test_each_apply_builds_its_result_afresh_from_the_input_it_gets(chain: list[Any]) -> None:
    mapping = compile(chain)
    assert mapping.compiled
    rows = [{**stock_row(1), "order": "o1", "orderitems": [{"id": 1, "status": "500"}]}]
    first, second = mapping.apply(rows), mapping.apply(rows)
    assert first == second and first is not second and first[0] is not second[0]
    rows[0]["sku"], rows[0]["stock"], rows[0]["order"] = "changed", "7", "o2"
    assert json.dumps(mapping.apply(rows)) == json.dumps(mapping.interpret(rows)) != \
        json.dumps(first)


def test_errors_are_the_interpreters() -> None:
    deep: Any = {"sku": 1}
    for _ in range(5000):
        deep = [deep]
    mapping = compile([STOCK[0], {"operation": "default", "spec": {"*": {"x": 1}}}])
    assert mapping.compiled
    with pytest.raises(MappingError) as compiled_error:
        mapping.apply(deep)
    with pytest.raises(MappingError) as interpreted_error:
        mapping.interpret(deep)
    assert str(compiled_error.value) == str(interpreted_error.value)


# Generated specs and inputs: the compiler's constructs and their neighbours.
_KEYS = st.sampled_from(["a", "b", "c"])
_OUT = st.sampled_from(["[&1].x", "[&1].y.z", "[&1].&", "[&1].&0", "[&1].y.&", "[&1].a", "[&1].b",
                        "out", "[&1].x.&1"])
_INNER_OUT = st.sampled_from(["[&3].list[&1].&", "[&3].list[&1].v", "[&3].&2[&1].x",
                              "[&1].x", "list[&1]"])
_leaf = st.one_of(_OUT, st.lists(_OUT, min_size=1, max_size=2), st.none())
_inner = st.one_of(
    st.dictionaries(_KEYS, st.one_of(_INNER_OUT, st.none()), min_size=1, max_size=2),
    st.builds(lambda fields: {**fields, "*": "[&3].list[&1].&"},
              st.dictionaries(_KEYS, st.one_of(_INNER_OUT, st.none()), max_size=2)))
_star_leaf = st.one_of(st.none(), st.none(), st.sampled_from(
    ["[&1].&", "[&1].&0", "[&1].k.&", "[&1].&1", "[&1].x"]))
_row_spec = st.builds(
    lambda fields, star: {**fields, **({"*": star} if star else {})},
    st.dictionaries(_KEYS, st.one_of(_leaf, _leaf, st.fixed_dictionaries({"*": _inner})),
                    min_size=1, max_size=3), _star_leaf)
_shift = st.builds(lambda row: {"operation": "shift", "spec": {"*": row}}, _row_spec)
_MAP_OUT = st.sampled_from(["out.&1.a", "out.&1.k", "out.&1.&", "out.&1", "out.&0.x",
                            "flat.&", "[&1].a"])
_map_leaves = st.dictionaries(st.sampled_from(["a", "b", "$", "#x", "@", "*"]),
                              st.one_of(_MAP_OUT, st.lists(_MAP_OUT, min_size=1, max_size=2)),
                              min_size=1, max_size=3)
_object_shift = st.builds(
    lambda leaves, top: {"operation": "shift", "spec": {"r": {"*": leaves}, **top}},
    _map_leaves, st.dictionaries(st.sampled_from(["#t", "$", "@"]),
                                 st.sampled_from(["top.&", "whole", "top.x"]), max_size=1))
_scalar = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.sampled_from(
    ["", "7", " 8 ", "2.5", "x", "A-b", "nan"]))
_default = st.builds(lambda row: {"operation": "default", "spec": {"*": row}},
                     st.dictionaries(st.sampled_from(["a", "x", "y", "*", "x|a", "new"]),
                                     st.one_of(_scalar, st.just({"k": 1})), min_size=1,
                                     max_size=3))
_remove = st.builds(lambda row: {"operation": "remove", "spec": {"*": row}},
                    st.dictionaries(st.sampled_from(["a", "x", "y", "*", "x|a", "l*"]),
                                    st.one_of(st.just(""), st.just({"z": ""})), min_size=1,
                                    max_size=2))
_value_spec = st.one_of(
    st.sampled_from(["=toInteger", "=toLower", "=toUpper", "=trim", "=toString",
                     "=concat(@(1,a),'-',@(1,b))", "=concat(@(1,c))", "=toInteger(@(1,b))",
                     "=join(',', @(1,a), @(1,b))", "@(1,a)", "@(1,c.a)", "=nope"]),
    _scalar, st.lists(st.sampled_from(["=toInteger", "=toLower", 0]), min_size=1, max_size=2))
_nested_fields = st.dictionaries(st.sampled_from(["a", "b", "v", "~x", "d"]), _value_spec,
                                 min_size=1, max_size=2)
_nested_modify = st.one_of(_nested_fields, st.builds(lambda f: {"*": f}, _nested_fields))
_modify = st.builds(
    lambda mode, row: {"operation": mode, "spec": {"*": row}},
    st.sampled_from(["modify-overwrite-beta", "modify-default-beta", "modify-define-beta"]),
    st.dictionaries(st.sampled_from(["a", "b", "c", "~a", "_b", "a?", "d"]),
                    st.one_of(_value_spec, _value_spec, _nested_modify), min_size=1, max_size=3))
_row_default = st.builds(lambda row: {"operation": "default", "spec": {"*": row}},
                         st.dictionaries(st.sampled_from(["a", "x", "c"]),
                                         st.one_of(_scalar, st.just([1, {"k": None}])),
                                         min_size=1, max_size=2))
_row_remove = st.builds(lambda keys: {"operation": "remove", "spec": {"*": dict.fromkeys(keys, "")}},
                        st.lists(st.sampled_from(["a", "b", "x"]), min_size=1, max_size=2))
_object_modify = st.builds(
    lambda mode, fields: {"operation": mode, "spec": fields},
    st.sampled_from(["modify-overwrite-beta", "modify-default-beta", "modify-define-beta"]),
    st.dictionaries(st.sampled_from(["a", "b", "c", "~a", "d"]), _value_spec, min_size=1,
                    max_size=3))
_aliasing_modify = st.builds(
    lambda mode, lookup, fields, star: {"operation": mode, "spec": {"*": {
        "c": lookup, **({"a": {"*": fields}} if star else {"a": fields})}}},
    st.sampled_from(["modify-overwrite-beta", "modify-default-beta", "modify-define-beta"]),
    st.sampled_from(["@(1,a)", "=firstElement(@(1,a))", "=lastElement(@(1,a))"]),
    _nested_fields, st.booleans())
_chains = st.one_of(
    st.tuples(_aliasing_modify).map(list),
    st.tuples(_shift, _aliasing_modify).map(list),
    st.tuples(_shift).map(list),
    st.tuples(_shift, st.one_of(_default, _remove)).map(list),
    st.tuples(_shift, _default, _remove).map(list),
    st.tuples(_modify).map(list),
    st.tuples(_shift, _modify).map(list),
    st.tuples(_modify, _shift).map(list),
    st.tuples(_shift, _remove, _modify, _modify).map(list),
    st.tuples(_object_shift).map(list),
    st.tuples(_modify, _row_default, _row_remove).map(list),
    st.tuples(_shift, _modify, _row_default).map(list),
    st.tuples(_object_modify).map(list))
_value = st.recursive(_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=2), st.dictionaries(_KEYS, inner, max_size=2)), max_leaves=4)
_row = st.one_of(st.dictionaries(_KEYS, _value, max_size=3),
                 st.fixed_dictionaries({"a": _value, "b": _value, "c": _value}), _scalar)
_item = st.fixed_dictionaries({"a": _scalar, "b": _scalar, "c": _scalar, "v": _scalar,
                               "x": _scalar})
_shaped_value = st.one_of(_scalar, _scalar, st.lists(_item, min_size=1, max_size=2),
                          st.fixed_dictionaries({"a": _scalar}))
_shaped_row = st.fixed_dictionaries({"a": _shaped_value, "b": _shaped_value,
                                     "c": _shaped_value})
_data = st.one_of(st.lists(_shaped_row, min_size=1, max_size=3),
                  st.fixed_dictionaries({"r": st.dictionaries(_KEYS, _shaped_row, max_size=3)}),
                  st.fixed_dictionaries({"r": st.one_of(_row, _value)}),
                  st.lists(st.one_of(_shaped_row, _row), min_size=1, max_size=3),
                  st.lists(_row, max_size=4), st.dictionaries(_KEYS, _row, max_size=2), _scalar)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_chains, _data)
def test_generated_specs_give_the_same_result_compiled_and_interpreted(chain: list[Any],
                                                                       data: Any) -> None:
    same_both_ways(chain, data, compiled=None)


def test_the_generated_specs_mostly_reach_the_compiler() -> None:
    shapes = [
        [{"operation": "shift", "spec": {"*": {"a": "[&1].x", "b": {"*": {"c": "[&3].list[&1].v"}}}}}],
        [{"operation": "shift", "spec": {"*": {"a": ["[&1].&", "[&1].y.z"]}}},
         {"operation": "default", "spec": {"*": {"x|a": 1, "*": "n"}}},
         {"operation": "remove", "spec": {"*": {"l*": ""}}}],
        [{"operation": "modify-define-beta", "spec": {"*": {"~a": "=toLower", "d": ["=toInteger", 0]}}}],
    ]
    for chain in shapes:
        mapping = compile(chain)
        assert mapping.compiled, mapping.interpreted_because


@pytest.mark.parametrize(("chain", "path"), [(STOCK, "  compiled, "),
                                             ([{"operation": "sort"}],
                                              "  interpreted (a sort step), ")])
def test_the_designers_mapping_test_says_which_path_ran_and_the_time_per_1000_rows(
        chain: list[Any], path: str) -> None:
    from console.tui.widgets.test_panel import TestPanel

    meta, result, _ = TestPanel._run_mapping(json.dumps(chain), json.dumps([stock_row(1)]))
    assert path in meta.plain and "ms per 1,000 rows" in meta.plain
    assert json.loads(result) == compile(chain).interpret([stock_row(1)])


def test_renaming_a_few_keys_and_keeping_the_rest_follows_the_input_order() -> None:
    chain = [{"operation": "shift", "spec": {"*": {"sku": "[&1].product_sku", "secret": None,
                                                   "*": "[&1].&"}}}]
    rows = [{"qty": 1, "sku": "A", "secret": "x", "unit": "kg"}]
    out = same_both_ways(chain, rows)
    assert list(out[0]) == ["qty", "product_sku", "unit"]
    for odd in ({"product_sku": 1, "sku": 2}, {}, {"secret": 1}, [1], None, "x"):
        same_both_ways(chain, [rows[0], odd, rows[0]])


def test_a_value_written_as_the_row_itself() -> None:
    chain = [{"operation": "shift", "spec": {"*": {"sku": "[&1]"}}}]
    assert same_both_ways(chain, [{"sku": "A"}, {"sku": None}]) == ["A", None]
    assert same_both_ways(chain, [{"x": 1}, {"sku": "B"}]) == [None, "B"]


def test_star_over_an_object_keys_the_output_and_special_keys_write_what_they_name() -> None:
    chain = [{"operation": "shift", "spec": {"ratings": {"*": {
        "value": "out.&1.v", "$": "out.&1.name", "#yes": "out.&1.flag", "@": "copies.&1"}}}}]
    data = {"ratings": {"quality": {"value": 4}, "price": {"value": 2, "x": 1}}}
    assert same_both_ways(chain, data) == {
        "out": {"quality": {"name": "quality", "flag": "yes", "v": 4},
                "price": {"name": "price", "flag": "yes", "v": 2}},
        "copies": {"quality": {"value": 4}, "price": {"value": 2, "x": 1}}}
    for odd in ({}, [], {"a": None}, {"a": [1]}, {"a": {"x": 1}}, None):
        same_both_ways(chain, {"ratings": odd})
    rows = [{"@": "[&1].whole", "sku": "[&1].sku"}]
    same_both_ways([{"operation": "shift", "spec": {"*": rows[0]}}], [{"sku": 1}, None, 3])


def test_default_and_remove_after_a_modify_edit_the_rows_it_made() -> None:
    chain = [MODIFY[0], {"operation": "default", "spec": {"*": {"unit_type": "qty",
                                                                "tags": ["new"]}}},
             {"operation": "remove", "spec": {"*": {"stock_list": ""}}}]
    rows = [{"sku": "A", "stock": "3", "stock_list": "1", "unit_type": None}, {"sku": "B"}]
    out = same_both_ways(chain, rows)
    assert out[0]["unit_type"] == "qty" and "stock_list" not in out[0]
    assert out[0]["tags"] == ["new"] and out[0]["tags"] is not out[1]["tags"]
    for odd in ([None], [[1]], {"a": 1}, []):
        same_both_ways(chain, odd)


@pytest.mark.parametrize("spec", [
    {"*": {"copy": "@(1,item)", "item": {"v": "=toUpper"}}},
    {"*": {"copy": "@(1,items)", "items": {"*": {"v": "=toUpper"}}}},
    {"*": {"first": "=firstElement(@(1,items))", "items": {"*": {"v": "=toUpper"}}}},
    {"*": {"copy": "@(1,item)", "item": {"v": "=concat(@(1,v),'x')"},
           "copy2": "@(1,item)", "item2": {"w": 1}}},
])
def test_an_object_a_row_holds_twice_is_edited_once_for_both(spec: dict[str, Any]) -> None:
    """Jolt edits nested objects in place: a key that took another's object by lookup shows
    the later edit too (as in the interpreter), and the input stays as it was."""
    chain = [{"operation": "modify-overwrite-beta", "spec": spec}]
    rows = [{"item": {"v": "a"}, "items": [{"v": "b"}, {"v": "c"}]}, {"item": None}, {}]
    out = same_both_ways(chain, rows)
    if "copy" in spec["*"]:
        assert out[0]["copy"] == out[0]["item" if "item" in spec["*"] else "items"]
    object_spec = [{"operation": "modify-overwrite-beta", "spec": spec["*"]}]
    same_both_ways(object_spec, rows[0])


def test_a_value_a_shift_wrote_to_two_places_is_edited_through_both() -> None:
    chain = [{"operation": "shift", "spec": {"*": {"d": ["[&1].a", "[&1].b"],
                                                   "@": "[&1].whole", "e": "[&1].e"}}},
             {"operation": "modify-overwrite-beta", "spec": {"*": {
                 "a": {"v": "=concat(@(1,v),'x')"}, "b": {"v": "=concat(@(1,v),'x')"},
                 "whole": {"e": {"n": "=toInteger"}}, "e": {"n": "=concat(@(1,n),'0')"}}}}]
    rows = [{"d": {"v": "1"}, "e": {"n": "7"}}]
    out = same_both_ways(chain, rows)
    assert out[0]["a"] == out[0]["b"] == {"v": "1xx"}
    assert out[0]["e"] == out[0]["whole"]["e"] == {"n": "70"}  # toInteger, then concat


@pytest.mark.parametrize("spec", [
    {"*": {"b": "=concat(@(1,b),'x')"}},
    {"*": {"i": {"b": "=concat(@(1,b),'x')"}}},
    {"*": {"i": {"b": "=concat(@(1,b),'x')"}, "b": "=concat(@(1,b),'y')"}},
])
def test_a_list_built_in_python_holding_one_object_twice_is_edited_as_jolt_edits_it(
        spec: dict[str, Any]) -> None:
    """Parsed JSON never shares, but data built in Python may: Jolt then edits the one object
    once per place it is met, and so do both paths."""
    inner = {"b": "1"}
    row = {"b": "1", "i": inner}
    for rows in ([row, row], [{"b": "1", "i": inner}, {"b": "2", "i": inner}]):
        out = same_both_ways([{"operation": "modify-overwrite-beta", "spec": spec}], rows)
        assert out[0] == out[1] or out[0]["i"] == out[1]["i"]


def test_a_modify_of_one_object_is_compiled() -> None:
    chain = [{"operation": "modify-overwrite-beta", "spec": {"name": "=toUpper",
                                                             "code": "=concat(@(1,name),'-1')"}}]
    assert same_both_ways(chain, {"name": "ab"}) == {"name": "AB", "code": "AB-1"}
    for odd in ([{"name": "x"}], None, "x", {}):
        same_both_ways(chain, odd)


def test_nested_modify_specs_edit_copies_of_inner_objects_and_lists() -> None:
    chain = [{"operation": "modify-overwrite-beta", "spec": {"*": {
        "orderitems": {"*": {"status": "=toString", "id": "=toInteger"}},
        "price": {"amount": "=toDouble", "currency": "TRY"}}}}]
    rows = [{"orderitems": [{"id": "1", "status": 500}], "price": {"amount": "2.5"}},
            {"orderitems": None, "price": None}, {}]
    out = same_both_ways(chain, rows)
    assert out[0] == {"orderitems": [{"id": 1, "status": "500"}],
                      "price": {"amount": 2.5, "currency": "TRY"}}
    assert out[2] == {"price": {"currency": "TRY"}}
    for odd in ([{"orderitems": {"a": {}}}], [{"orderitems": [None, 1]}], [{"price": [1]}]):
        same_both_ways(chain, odd)
