"""Scripts in both styles run in worker processes with NiFi-like semantics and clear errors."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator

import pytest

from console.script import ScriptPool, run

STOCK_SHAPED = '''
import json
import traceback
from java.nio.charset import StandardCharsets
from org.apache.commons.io import IOUtils
from org.apache.nifi.processor.io import StreamCallback


class Rename(StreamCallback):
    def __init__(self, flow_file):
        self.token = flow_file.getAttribute("token.omnitron")

    def process(self, input_stream, output_stream):
        rows = json.loads(IOUtils.toString(input_stream, StandardCharsets.UTF_8))
        out = [{"product_sku": r["code"], "stock": r["amount"]} for r in rows]
        output_stream.write(bytearray(json.dumps(out).encode("utf-8")))


flow_file = session.get()
if flow_file != None:
    try:
        flow_file = session.write(flow_file, Rename(flow_file))
        flow_file = session.putAttribute(flow_file, "rows.count", str(3))
        session.transfer(flow_file, REL_SUCCESS)
    except:
        session.putAttribute(flow_file, "log.error.script_error", traceback.format_exc())
        session.transfer(flow_file, REL_FAILURE)
    session.commit()
'''

ORDER_SHAPED = '''
import json
from org.apache.nifi.processor.io import StreamCallback
from org.apache.commons.io import IOUtils
from java.nio.charset import StandardCharsets


def get_attribute(flow_file, name):
    everything = flow_file.getAttribute("allVar")
    if everything:
        return json.loads(everything).get(name)
    return flow_file.getAttribute(name)


class Stamp(StreamCallback):
    def __init__(self, flow_file):
        self.erp_token = get_attribute(flow_file, "token.erp")

    def process(self, inp, out):
        order = json.loads(IOUtils.toString(inp, StandardCharsets.UTF_8))
        order["seen_with"] = self.erp_token
        log.info("order {} has {} items", order["order"], len(order["orderitem_set"]))
        out.write(json.dumps(order))


ff = session.get()
ff = session.write(ff, Stamp(ff))
session.transfer(ff, REL_SUCCESS)
session.commit()
'''


def test_integrator_stock_shape_transforms_and_sets_attributes() -> None:
    rows = [{"code": "A", "amount": 1}, {"code": "B", "amount": 0}, {"code": "C", "amount": 9}]
    result = run(STOCK_SHAPED, json.dumps(rows), {"token.omnitron": "t-1"})
    assert result.error is None and result.relationship == "success"
    assert result.result_json == [{"product_sku": "A", "stock": 1}, {"product_sku": "B", "stock": 0},
                                  {"product_sku": "C", "stock": 9}]
    assert result.attributes["rows.count"] == "3" and result.written == ["rows.count"]
    assert "allVar" not in result.attributes


def test_integrator_failure_branch_keeps_the_error_attribute() -> None:
    result = run(STOCK_SHAPED, json.dumps([{"wrong": 1}]))
    assert result.relationship == "failure"
    assert "KeyError: 'code'" in result.attributes["log.error.script_error"]
    assert "KeyError" in (result.error or "") and "log.script.error" in result.attributes


def test_order_status_shape_reads_all_var_and_logs() -> None:
    order = {"order": "ORD-1", "orderitem_set": [{"id": 1}, {"id": 2}]}
    result = run(ORDER_SHAPED, json.dumps(order), {"token.erp": "erp-token"})
    assert result.result_json == {**order, "seen_with": "erp-token"}
    assert result.logs == [{"level": "info", "message": "order ORD-1 has 2 items"}]


def test_uncaught_error_is_failure_with_script_line_numbers() -> None:
    source = "x = 1\n\ndef transform(data, attributes):\n    return data['missing']\n"
    result = run(source, "{}")
    assert result.relationship == "failure"
    assert 'File "script", line 4, in transform' in (result.error or "")
    assert "console/script" not in (result.error or "")
    assert result.attributes["log.script.error"] == result.error


def test_native_style_writes_attributes_and_prints_are_logged() -> None:
    source = ("def transform(data, attributes):\n"
              "    attributes['log.count'] = len(data)\n"
              "    print('counted', len(data))\n"
              "    return {'rows': data}\n")
    result = run(source, "[1, 2]", {"keep": "me"})
    assert result.result_json == {"rows": [1, 2]}
    assert result.written == ["log.count"] and result.attributes["keep"] == "me"
    assert result.logs == [{"level": "print", "message": "counted 2"}]


def test_flow_file_left_without_a_fate_is_an_error() -> None:
    result = run("ff = session.get()\nff = session.putAttribute(ff, 'a', 'b')\n", "{}")
    assert result.relationship == "failure"
    assert "neither transferred nor removed" in (result.error or "")


def test_runaway_loop_is_killed_at_the_timeout() -> None:
    began = time.monotonic()
    result = run("while True:\n    pass\n", "[]", timeout=1.0)
    assert time.monotonic() - began < 2.0
    assert result.relationship == "failure" and "longer than 1 s" in (result.error or "")
    assert run("def transform(d, a):\n    return 1\n", "[]").result_json == 1


def test_unbounded_allocation_is_stopped_and_the_pool_recovers() -> None:
    source = "chunks = []\nwhile True:\n    chunks.append(bytearray(50 * 1024 * 1024))\n"
    with ScriptPool(workers=1, memory_mb=300) as pool:
        result = pool.run("flow", source, text="[]", timeout=20)
        assert result.relationship == "failure" and "memory" in (result.error or "").lower()
        again = pool.run("flow", "def transform(d, a):\n    return 'ok'\n", text="[]")
        assert again.result_data == "ok"


def test_exit_and_crash_do_not_take_the_console_down() -> None:
    assert "exited" in (run("import os\nos._exit(3)\n", "[]").error or "")
    assert "SystemExit" in (run("import sys\nsys.exit(2)\n", "[]").error or "")
    assert run("def transform(d, a):\n    return d\n", "[5]").result_json == [5]


def test_scripts_do_not_see_the_console_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNITRON_PASSWORD", "secret-value")
    with ScriptPool(size=1) as pool:
        source = "import os\ndef transform(d, a):\n    return dict(os.environ)\n"
        assert "OMNITRON_PASSWORD" not in (pool.run("flow", source, {}).result_json or {})
    assert os.environ["OMNITRON_PASSWORD"] == "secret-value"


@pytest.mark.parametrize(("source", "expected"), [
    ('print "hello"\n', "line 1, column 1: Python 2 print statement; in Python 3 write print(...)"),
    ("try:\n    pass\nexcept ValueError, e:\n    pass\n",
     "line 3, column 8: Python 2 'except E, e:'; in Python 3 write 'except E as e:'"),
    ("def transform(d, a):\n    return unicode(d)\n", "Hint: use str in Python 3"),
    ("def transform(d, a):\n    return {}.iteritems()\n", "Hint: use .items() in Python 3"),
    ("def transform(d, a):\n  return 1\n return 2\n", "SyntaxError at line 3"),
])
def test_python2_leftovers_name_the_line_and_the_python3_form(source: str, expected: str) -> None:
    assert expected in (run(source, "[]").error or "")


def test_attribute_maps_accept_iteritems() -> None:
    source = ("ff = session.get()\n"
              "names = sorted(k for k, v in ff.getAttributes().iteritems())\n"
              "ff = session.putAttribute(ff, 'names', ','.join(names))\n"
              "session.transfer(ff, REL_SUCCESS)\n")
    result = run(source, "{}", {"b": "1", "a": "2"})
    assert result.attributes["names"] == "a,allVar,b"


def test_non_json_input_to_a_native_script_is_explained() -> None:
    result = run("def transform(d, a):\n    return d\n", "<xml>" + "x" * 300)
    assert "input is not JSON" in (result.error or "")
    assert len((result.error or "").split("input is not JSON")[1]) < 320


@pytest.fixture
def pool() -> Iterator[ScriptPool]:
    with ScriptPool(size=2) as running:
        yield running


async def test_pool_runs_concurrently_from_asyncio(pool: ScriptPool) -> None:
    import asyncio

    source = "def transform(d, a):\n    return d * 2\n"
    results = await asyncio.gather(*(pool.run_async(f"flow-{n % 3}", source, n)
                                     for n in range(6)))
    assert [r.result_json for r in results] == [n * 2 for n in range(6)]


def test_a_worker_started_from_a_finished_thread_keeps_serving() -> None:
    """The console runs each test from a short-lived thread; the warm worker must outlive it."""
    import threading

    native = "def transform(data, attributes):\n    return data\n"
    with ScriptPool(size=1) as pool:
        first: list[object] = []
        thread = threading.Thread(target=lambda: first.append(pool.run("f", native, [1])))
        thread.start()
        thread.join()
        time.sleep(0.3)  # room for a parent-death signal, were one to be sent
        again = pool.run("f", native, [2])
    assert [r.ok for r in first] == [True]  # type: ignore[attr-defined]
    assert again.ok and again.result_json == [2]


def test_the_shared_pool_takes_the_files_script_settings() -> None:
    from console.script import configure

    source = ("import resource\ndef transform(d, a):\n"
              "    return resource.getrlimit(resource.RLIMIT_AS)[0] >> 20\n")
    try:
        configure(memory_mb=200)
        assert run(source, "null").result_json == 200
        configure(memory_mb=300, workers=8)
        assert run(source, "null").result_json == 300
    finally:
        configure(workers=2, idle_s=120.0)
