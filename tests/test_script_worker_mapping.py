"""A sync's mapping applied by the script worker to a native script's output: the runner gets
the mapping's rows, exactly those it would have made itself, or maps the output itself (the
same rows, or the same error) whenever the worker cannot."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from console.flows import load
from console.mapping import compile as compile_mapping
from console.runner.erp import StepError
from console.runner.pipeline import PageResult, Pipeline
from console.script import ScriptPool

ROWS = [{"sku": f"S{n}", "qty": n % 5 - 1, "unit": "kg" if n % 3 else "qty",
         "tags": ["a", {"b": n}], "price": n / 7} for n in range(2500)]
SHIFT = ('[{"operation": "shift", "spec": {"*": {"sku": "[&1].product_sku", "qty": "[&1].stock",'
         ' "unit": "[&1].unit_type"}}}]')
SPECS = [
    SHIFT,
    ('[{"operation": "shift", "spec": {"*": {"sku": "[&1].sku", "tags": {"1": {"b": "[&3].b"}},'
     ' "price": "[&1].price"}}}, {"operation": "default", "spec": {"*": {"stock_list": 1}}},'
     ' {"operation": "modify-overwrite-beta", "spec": {"*": {"b": "=toString", '
     '"price": "=divide(@(1,price),2)"}}}, {"operation": "remove", "spec": {"*": {"sku": ""}}}]'),
    '[{"operation": "modify-default-beta", "spec": {"*": {"note": "=concat(@(1,sku),\'-x\')"}}}]',
    '[{"operation": "cardinality", "spec": {"*": {"tags": "ONE"}}}, {"operation": "sort"}]',
]
NATIVE = "def transform(data, attributes):\n    return [row for row in data if row['qty'] >= 0]\n"


@pytest.fixture(scope="module")
def pool() -> Iterator[ScriptPool]:
    with ScriptPool(workers=1) as running:
        yield running


@pytest.mark.parametrize("spec", SPECS)
def test_the_worker_gives_the_rows_the_console_would_map(pool: ScriptPool, spec: str) -> None:
    plain = pool.run("flow", NATIVE, ROWS)
    mapped = pool.run("flow", NATIVE, ROWS, mapping=spec)
    assert plain.ok and not plain.mapped
    assert mapped.ok and mapped.mapped, mapped.error
    expected = compile_mapping(spec).apply(plain.result_json)
    assert json.dumps(mapped.result_json) == json.dumps(expected)
    assert (mapped.attributes, mapped.logs) == (plain.attributes, plain.logs)


TUPLES = "def transform(data, attributes):\n    return [(row['sku'], row['qty']) for row in data]\n"
AS_OBJECT = '[{"operation": "shift", "spec": {"*": {"sku": "&"}}}]'


@pytest.mark.parametrize(("source", "spec"), [
    (TUPLES, '[{"operation": "shift", "spec": {"*": {"0": "[&1].sku"}}}]'),  # output made JSON
    (NATIVE, AS_OBJECT),  # the mapping gives an object, not rows
    ("def transform(data, attributes):\n    return json_text\n"
     "import json\njson_text = json.dumps([{'sku': 'A'}])\n", SHIFT),  # text output
])
def test_what_the_worker_leaves_unmapped_is_the_output_as_without_a_mapping(
        pool: ScriptPool, source: str, spec: str) -> None:
    plain = pool.run("flow", source, ROWS)
    asked = pool.run("flow", source, ROWS, mapping=spec)
    assert asked.ok
    if source == TUPLES:
        assert asked.mapped
        assert asked.result_json == compile_mapping(spec).apply(plain.result_json)
    else:
        assert not asked.mapped and asked.result_json == plain.result_json


def test_a_failing_output_fails_as_it_does_without_a_mapping(pool: ScriptPool) -> None:
    source = "def transform(data, attributes):\n    return [{1, 2}]\n"
    plain = pool.run("flow", source, ROWS)
    asked = pool.run("flow", source, ROWS, mapping=SHIFT)
    assert not asked.ok and not asked.mapped
    assert (asked.error, asked.attributes) == (plain.error, plain.attributes)
    assert "not JSON serializable" in (asked.error or "")


def test_rows_over_the_size_limit_come_back_unmapped() -> None:
    small = ("def transform(data, attributes):\n"
             "    return [{'s': str(n) * (200 // len(str(n)))} for n in range(4000)]\n")
    growing = ('[{"operation": "modify-overwrite-beta", "spec": {"*": '
               '{"pad": "=concat(@(1,s),@(1,s))"}}}]')
    with ScriptPool(workers=1, max_result_mb=1) as pool:
        asked = pool.run("flow", small, None, mapping=growing)
        assert asked.ok and not asked.mapped
        assert asked.result_json == [{"s": str(n) * (200 // len(str(n)))} for n in range(4000)]
        bigger = pool.run("flow", small.replace("4000", "6000"), None, mapping=growing)
        assert "over the limit of 1 MB" in (bigger.error or "")


FLOWS = """
[omnitron]
url = "http://127.0.0.1:9"
username = "u"
password = "p"

[flows.mapped]
name = "Mapped"
type = "stock"
direction = "inbound"

[flows.mapped.read]
url = "http://127.0.0.1:9/stock"
records = "items"

[flows.mapped.script]
source = '''
def transform(data, attributes):
    return data
'''

[flows.mapped.mapping]
spec = '''{spec}'''

[flows.mapped.write]
stock_list = 1
"""


def _both(pool: ScriptPool, tmp_path: Path, spec: str, data: Any) -> list[Any]:
    path = tmp_path / "flows.toml"
    path.write_text(FLOWS.replace("{spec}", spec), encoding="utf-8")
    flow = load(path).flow("mapped")
    outcomes: list[Any] = []
    for in_worker in (False, True):
        pipeline = Pipeline(flow, pool, map_in_worker=in_worker)
        try:
            outcomes.append(pipeline.mapped(pipeline.scripted(data, {}, PageResult(rows=[]))))
        except StepError as exc:
            outcomes.append((exc.step, exc.message))
    return outcomes


def test_the_pipeline_gives_the_same_rows_either_way(pool: ScriptPool, tmp_path: Path) -> None:
    from_console, from_worker = _both(pool, tmp_path, SPECS[1], ROWS)
    assert from_console == from_worker and len(from_worker) == len(ROWS)


BREAKS_THE_WORKERS_MAPPING = """
def transform(data, attributes):
    from decimal import Decimal
    from console.mapping import MappingError
    from console.mapping.chain import Mapping

    def broken(self, data, context=None):
        if attributes["break"] == "raise":
            raise MappingError("broken in the worker")
        return [{"stock": Decimal("1.5")}]
    Mapping.apply = broken
    return data
"""


@pytest.mark.parametrize("how", ["raise", "a Decimal"])
def test_a_mapping_the_worker_fails_to_apply_is_applied_by_the_console(
        tmp_path: Path, how: str) -> None:
    path = tmp_path / "flows.toml"
    path.write_text(FLOWS.replace("{spec}", SHIFT).replace(
        "def transform(data, attributes):\n    return data\n", BREAKS_THE_WORKERS_MAPPING),
        encoding="utf-8")
    with ScriptPool(workers=1) as pool:
        unmapped = pool.run("mapped", BREAKS_THE_WORKERS_MAPPING, ROWS, {"break": how},
                            mapping=SHIFT)
        assert unmapped.ok and not unmapped.mapped and unmapped.result_json == ROWS
        pipeline = Pipeline(load(path).flow("mapped"), pool, map_in_worker=True)
        rows = pipeline.mapped(pipeline.scripted(ROWS, {"break": how}, PageResult(rows=[])))
    assert rows == compile_mapping(SHIFT).apply(ROWS)
