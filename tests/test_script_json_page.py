"""An ERP page read as JSON goes to the script worker as the ERP's answer itself: the worker
reads the bytes and finds the same records the ERP read found, so a script sees exactly the
data it saw when the console encoded the records for it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from console import fastjson
from console.flows import load
from console.records import records_of
from console.runner.erp import ErpPage
from console.runner.pipeline import PageResult, Pipeline
from console.script import ScriptPool, wire
from console.script.wire import JsonPage

SHOW = "def transform(data, attributes):\n    return repr([type(data).__name__, data])\n"
ECHO = "def transform(data, attributes):\n    return data\n"

BODIES = [
    (b'{"items": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": -1}], "next": null}', "items"),
    (b'{"data": {"rows": [{"n": 1.0}, {"n": 1e-05}, {"n": 12345678901234567890123}]}}',
     "data.rows"),
    (b'[{"sku": "\\u00e7", "tags": ["a", {"b": null}]}, {"sku": "\xc5\x9f"}]', ""),
    (b'{"items": {"sku": "only one"}}', "items"),
    (b'{"items": null}', "items"),
    (b'{"other": []}', "items"),
    (b'{"items": [NaN, Infinity, -Infinity, true, false, "\\ud800"]}', "items"),
    (b'\xef\xbb\xbf{"items": [{"sku": "after a byte order mark"}]}', "items"),
    (b'{"pages": [[1], [{"x": 2}]]}', "pages.1"),
]


@pytest.fixture(scope="module")
def pool() -> Iterator[ScriptPool]:
    with ScriptPool(workers=1) as running:
        yield running


@pytest.mark.parametrize(("body", "path"), BODIES)
def test_a_script_gets_the_records_the_erp_read_found(pool: ScriptPool, body: bytes,
                                                       path: str) -> None:
    parsed, as_read = fastjson.parse(body)
    found = records_of(parsed, path)
    sent = pool.run("flow", SHOW, JsonPage(body, path))
    assert sent.ok, sent.error
    assert sent.result_data == repr(["list", found])
    assert sent.result_data == pool.run("flow", SHOW, found).result_data
    assert pool.run("flow", SHOW, JsonPage(body, path, as_read)).result_data == sent.result_data


def test_only_a_page_orjson_read_goes_as_read() -> None:
    header = {"source": "", "attributes": {}, "cpu_s": 1.0}
    for body, path in BODIES:
        as_read = fastjson.parse(body)[1]
        first, _ = wire.request(header, JsonPage(body, path, as_read))
        assert wire.decode(first).get("page_as_read", False) is as_read
        assert JsonPage(body, path, as_read).records() == JsonPage(body, path).records() or \
            repr(JsonPage(body, path, as_read).records()) == repr(JsonPage(body, path).records())
    assert not fastjson.parse(BODIES[1][0])[1] and fastjson.parse(BODIES[0][0])[1]


def test_an_integrator_script_reads_the_records_as_json_text(pool: ScriptPool) -> None:
    source = ("from org.apache.commons.io import IOUtils\n"
              "class Echo:\n    def process(self, i, o):\n"
              "        o.write(IOUtils.toString(i, 'utf-8'))\n"
              "ff = session.get()\nff = session.write(ff, Echo())\n"
              "session.transfer(ff, REL_SUCCESS)\n")
    body = b'{"items": [{"sku": "\xc3\xa7", "qty": 2.5}]}'
    result = pool.run("flow", source, JsonPage(body, "items"))
    assert result.result_data == json.dumps([{"sku": "ç", "qty": 2.5}], ensure_ascii=False)


def test_a_big_page_comes_back_whole(pool: ScriptPool) -> None:
    rows = [{"id": n, "sku": f"S{n}", "qty": n % 7 - 1} for n in range(3 * wire.CHUNK_ROWS + 7)]
    body = json.dumps({"items": rows, "count": len(rows)}).encode()
    assert pool.run("flow", ECHO, JsonPage(body, "items")).result_json == rows


def test_the_page_goes_as_its_bytes_with_no_records_encoded() -> None:
    page = JsonPage(b'{"items": [1, 2]}', "items")
    first, chunks = wire.request({"source": "", "attributes": {}, "cpu_s": 1.0}, page)
    assert wire.decode(first)["page_path"] == "items"
    assert list(chunks) == [page.body]


FLOWS = """
[omnitron]
url = "http://127.0.0.1:9"
username = "u"
password = "p"

[flows.{name}]
name = "Page"
type = "stock"
direction = "inbound"

[flows.{name}.read]
url = "http://127.0.0.1:9/stock"
records = "items"
{script}
[flows.{name}.mapping]
spec = '''[{{"operation": "shift", "spec": {{"*": {{"sku": "[&1].product_sku",
  "qty": "[&1].stock"}}}}}}]'''

[flows.{name}.write]
stock_list = 1
"""
SCRIPT = """
[flows.{name}.script]
source = '''
def transform(data, attributes):
    attributes["seen"] = str(len(data))
    return [row for row in data if row["qty"] >= 0]
'''
"""


@pytest.mark.parametrize("scripted", [True, False])
def test_the_pipeline_gives_an_erp_page_the_rows_a_list_gets(
        pool: ScriptPool, tmp_path: Path, scripted: bool) -> None:
    name = "paged" if scripted else "plain"
    path = tmp_path / "flows.toml"
    path.write_text(FLOWS.format(name=name, script=SCRIPT.format(name=name) if scripted else ""),
                    encoding="utf-8")
    pipeline = Pipeline(load(path).flow(name), pool)
    body = b'{"items": [{"sku": "A", "qty": 3}, {"sku": "B", "qty": -1}], "count": 2}'
    records = records_of(fastjson.loads(body), "items")
    as_page, as_list = PageResult(rows=[]), PageResult(rows=[])
    from_page = pipeline.scripted(ErpPage(records, body, "items", True), {}, as_page)
    from_list = pipeline.scripted(list(records), {}, as_list)
    assert type(from_page) is list and from_page == from_list
    assert as_page.attributes == as_list.attributes
    assert pipeline.mapped(from_page) == pipeline.mapped(from_list)
    if scripted:
        assert as_page.attributes == {"seen": "2"}
        assert from_page == [{"sku": "A", "qty": 3}]


def test_the_erp_read_keeps_a_json_answer_up_to_its_limit(
        sandbox: object, demo_flows: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    from console.omnitron.retry import RetryPolicy
    from console.runner import erp
    from console.runner.attributes import trigger_attributes
    from console.store.records import now

    flow = load(demo_flows(tmp_path)).flow("stock")
    attrs = trigger_attributes(flow, {}, now(), "test")
    with httpx.Client(timeout=30) as client:
        session = erp.login(client, flow.login, RetryPolicy())

        def first_page(**keep: bool) -> list[Any]:
            return next(iter(erp.read_pages(client, flow, attrs, session, RetryPolicy(),
                                            **keep)))
        plain, kept = first_page(), first_page(keep_body=True)
        monkeypatch.setattr(erp, "KEPT_BODY_MAX", len(kept.body) - 1)  # type: ignore[attr-defined]
        over = first_page(keep_body=True)
    assert type(plain) is list and type(over) is list and type(kept) is ErpPage
    assert plain == kept == over and len(kept) > 1
    assert JsonPage(kept.body, kept.path).records() == kept
    assert kept.as_read and JsonPage(kept.body, kept.path, kept.as_read).records() == kept
