"""A SKU with a lone surrogate (an ERP's JSON spelling ``"\\ud800"`` with no pair) on both stores:
the row is skipped with a line naming it, escaped, every other row is written in the newest-wins
order, and nothing a store keeps (row logs, samples, payloads, errors, claims) or a search,
an export or a request body meets such a character unescaped."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from console.flows import load
from console.kinds.row_shapes import LONE_SKU, one_row
from console.runner import Runner
from console.sandbox import Sandbox
from console.store import Store, open_store
from console.store.log_batches import Sent, Written
from console.store.records import UnstorableKey
from console.surrogates import escaped, has_lone

LONE = json.loads('"\\ud800"')
"""The SKU as an ERP's JSON page gives it."""
SHOWN = "\\ud800"
"""The same SKU as the console writes it."""
SCRIPT_OLD = 'return [row for row in data if row["qty"] >= 0]'


def script(sku: str) -> str:
    """The demo stock flow's script, giving the ERP row of ``sku`` the SKU an ERP's JSON page
    could (a lone surrogate escape read by ``json.loads``)."""
    return (f"import json\n    for row in data:\n        if row['sku'] == {sku!r}:\n"
            "            row['sku'] = json.loads('\"\\\\ud800\"')\n    return data")


def erp_skus(sandbox: Sandbox, count: int) -> list[str]:
    from tests.sandbox_data import expected_written

    return sorted(expected_written(sandbox, 1))[1200:1200 + count]


def test_a_lone_surrogate_sku_is_skipped_by_name_and_the_claims_keep_their_order(
        store_location: str, demo_flows: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """A newer execution writes first; the older one run afterwards has its claim find the
    newer holder of every key (the lookup that failed): both skip the lone-surrogate row with
    a line naming it escaped, the newer value stays in Omnitron, and the row's line is found
    by a search for the SKU as typed or as shown."""
    skus = erp_skus(sandbox, 4)
    flows = demo_flows(tmp_path, replace={SCRIPT_OLD: script(skus[1])})
    config = load(flows)
    store = open_store(store_location)
    params = {"sku": ",".join(skus)}
    older = store.admit("stock", "manual", params, "test")
    newer = store.admit("stock", "manual", params, "test")
    with Runner(config, store) as runner:
        for sku in skus:
            sandbox.set_erp_stock(sku, 71)
        first = runner.execute_queued(newer, lambda: None)
        for sku in skus:
            sandbox.set_erp_stock(sku, 72)
        second = runner.execute_queued(older, lambda: None)
    written = [sku for sku in skus if sku != skus[1]]
    assert (first.status, first.succeeded, first.skipped) == ("partial", 3, 1), first.error
    assert (second.succeeded, second.skipped) == (0, 1), second.error
    for ended in (first, second):  # the summary of the skipped row, not a failure of the run
        assert (ended.error or "").startswith("1 of ") and LONE_SKU[5:] in (ended.error or "")
    assert [sandbox.stock(sku, 1)["stock"] for sku in written] == [71, 71, 71]
    superseded = store.logs(older.id, search="accepted later")
    assert sorted(log.key or "" for log in superseded) == written
    for execution in (newer, older):
        lines = store.logs(execution.id, level="warning", search="lone surrogate")
        assert [(log.key, log.message) for log in lines] == [(SHOWN, one_row(LONE_SKU))]
        assert json.loads(lines[0].payload or "")["product_sku"] == LONE
        assert [log.seq for log in store.logs(execution.id, search=LONE)] == [lines[0].seq]
        assert [log.seq for log in store.logs(execution.id, search=SHOWN)] == [lines[0].seq]
    store.close()


def test_a_payload_of_rows_with_lone_surrogates_writes_every_other_row(
        store_location: str, demo_flows: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """An outbound flow's rows (its sample kept too): the lone-surrogate SKU is skipped in a
    batch of usual rows and in a batch with a row that is not usual; a lone surrogate in a
    field other than the SKU goes to Omnitron escaped, and the row is written."""
    config = load(demo_flows(tmp_path, replace={
        "[flows.stock_push.write]\nstock_list = 3\nbatch_size = 5000":
        "[flows.stock_push.write]\nstock_list = 3\nbatch_size = 3"}))
    store = open_store(store_location)
    rows = [{"product_sku": "SKU-000031", "stock": 5}, {"product_sku": LONE, "stock": 6},
            {"product_sku": "SKU-000032", "stock": 7},
            {"product_sku": "SKU-000033", "stock": 8, "note": f"a{LONE}b"},
            {"product_sku": f"x{LONE}", "stock": 9}, {"product_sku": "SKU-000034", "stock": 10}]
    with Runner(config, store) as runner:
        execution_id = runner.accept_payload("stock_push", json.dumps(rows), "test")
        runner.wait(timeout=60)
    done = store.execution(execution_id)
    assert done is not None
    assert (done.status, done.succeeded, done.skipped) == ("partial", 4, 2), done.error
    assert [sandbox.stock(f"SKU-0000{n}", 3)["stock"] for n in (31, 32, 33, 34)] == [5, 7, 8, 10]
    skipped = store.logs(execution_id, level="warning")
    assert [log.key for log in skipped] == [SHOWN, f"x{SHOWN}"]
    sample = store.last_sample("stock_push")
    assert sample is not None and not has_lone(sample) and json.loads(sample) == rows[:3]
    store.close()


def test_a_claim_with_a_lone_surrogate_key_claims_nothing_on_either_store(
        any_store: Store) -> None:
    """The store's own contract, should a key reach it: a clear refusal naming the key
    escaped, no key of the claim recorded, and later claims unaffected."""
    older, newer = (any_store.admit("stock", "manual", {}, "test") for _ in range(2))
    assert any_store.claim_newest("stock", 2, newer.id, ["3\x1fA"]) == {}
    with pytest.raises(UnstorableKey, match=r'"3\x1f\\ud800" holds a lone surrogate'):
        any_store.claim_newest("stock", 1, older.id, ["3\x1fA", "3\x1fB", f"3\x1f{LONE}"])
    assert any_store.claim_newest("stock", 1, older.id, ["3\x1fA", "3\x1fB"]) == {
        "3\x1fA": newer.id}
    assert any_store.claim_newest("stock", 2, newer.id, ["3\x1fB"]) == {}


def test_row_logs_keep_lone_surrogates_escaped_and_searches_exports_find_them(
        any_store: Store, tmp_path: Path) -> None:
    """Full rows, compacted rows and rows of a sent body: keys and messages as shown
    (escaped), payloads as JSON that reads back as the row; a search for the text as typed
    or as shown finds them, and an export writes them to UTF-8 files."""
    execution = any_store.create("stock", "manual", {"sku": LONE}, "test")
    body = json.dumps([{"product_sku": f"A{LONE}", "stock": 1}], ensure_ascii=False)
    any_store.add_logs(execution.id, [
        ("warning", LONE, f"skipped {LONE}", {"product_sku": LONE}),
        ("info", f"B{LONE}", "written", {"product_sku": f"B{LONE}"}),
        ("info", f"C{LONE}", f"written {LONE}", {"product_sku": f"C{LONE}", "n": 1.5}),
        ("error", "D", f"refused: {LONE}", LONE),
        Written(body, [f"A{LONE}"], ["stock 1 written"], [0]),
        ("info", f"E{LONE}", "written", Sent(body, 0)),
    ])
    logs = any_store.logs(execution.id)
    assert [(log.key, log.message) for log in logs] == [
        (SHOWN, f"skipped {SHOWN}"), (f"B{SHOWN}", "written"), (f"C{SHOWN}", f"written {SHOWN}"),
        ("D", f"refused: {SHOWN}"), (f"A{SHOWN}", "stock 1 written"),
        (f"E{SHOWN}", "written")]
    assert [log.payload if log.seq == 4 else json.loads(log.payload or "")["product_sku"]
            for log in logs] == [LONE, f"B{LONE}", f"C{LONE}", SHOWN, f"A{LONE}", f"A{LONE}"]
    for search in (LONE, SHOWN, f"A{LONE}", f"B{SHOWN}"):
        found = [log.key for log in any_store.logs(execution.id, search=search)]
        shown = escaped(search)  # a key starting with it, or a warning or error holding it
        assert found == [log.key for log in logs if (log.key or "").startswith(shown) or
                         log.level != "info" and shown in (log.key or "") + log.message], search
        assert found
        assert any_store.count_logs(execution.id, search=search) == len(found)
    with (tmp_path / "rows.csv").open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([log.key, log.message, log.payload]
                                  for log in any_store.iter_logs(execution.id, search=LONE))
    assert SHOWN in (tmp_path / "rows.csv").read_text(encoding="utf-8")
    any_store.finish(execution.id, "failed", error=f"read: bad SKU {LONE}")
    ended = any_store.execution(execution.id)
    assert ended is not None and ended.error == f"read: bad SKU {SHOWN}"
    assert ended.params == {"sku": LONE}


def test_samples_and_payloads_with_lone_surrogates_are_kept_as_the_same_json(
        any_store: Store) -> None:
    records = [{"sku": LONE, "qty": 1}, {f"k{LONE}": [LONE, "é"]}]
    execution = any_store.create("stock", "manual", {}, "test")
    any_store.save_sample(execution.id, "stock", records)
    sample = any_store.last_sample("stock")
    assert sample is not None and json.loads(sample) == records
    body = json.dumps(records, ensure_ascii=False)
    payload = any_store.payload(any_store.save_payload("stock_push", body))
    assert payload is not None and json.loads(payload) == records


def test_the_log_views_row_detail_shows_a_lone_surrogate_escaped(any_store: Store) -> None:
    """The detail of a skipped row pretty-prints its payload: the SKU as stored, escaped, never
    the character itself (a terminal cannot be sent it)."""
    from console.tui.screens.execution_log import detail_text

    execution = any_store.create("stock", "manual", {}, "test")
    any_store.add_logs(execution.id, [("warning", LONE, one_row(LONE_SKU),
                                       {"product_sku": LONE, "stock": 1})])
    text = detail_text(any_store.logs(execution.id)[0], "UTC")
    assert not has_lone(text) and f'"product_sku": "{SHOWN}"' in text
    assert text.startswith(f"row 1 · warning · {SHOWN} · ")


def test_a_request_with_a_lone_surrogate_reaches_omnitron_escaped(sandbox: Sandbox) -> None:
    """A lone surrogate in a field other than a key is sent, escaped (JSON can carry it), by
    every request, not only a bulk batch's."""
    from console.omnitron import OmnitronClient

    with OmnitronClient(sandbox.omnitron_url, "integrator", "sandbox") as client:
        saved = client.upsert_stock({"product_sku": "SKU-000051", "stock_list": 2, "stock": 13,
                                     "unit_type": "qty", "note": f"a{LONE}"})
    assert saved["stock"] == 13 and sandbox.stock("SKU-000051", 2)["stock"] == 13


def test_a_lone_surrogate_sku_or_order_number_is_skipped_before_any_request() -> None:
    """The row check every writer, the dry run and the mapping panel share: a price row's SKU
    and an order number too (an order is sent on its own, so its check is all it meets)."""
    from console.kinds.row_shapes import LONE_ORDER, order_problem, price_problem, stock_problem

    assert stock_problem({"product_sku": f"A{LONE}", "stock": 1}, 1) == LONE_SKU
    assert price_problem({"product_sku": LONE, "price": 5}, 1) == LONE_SKU
    assert price_problem({"product_sku": "SKU-é", "price": 5}, 1) is None

    order = {"order": f"ORD-{LONE}", "orderitem_set": [{"id": 1, "status": 450}]}
    assert order_problem(order) == LONE_ORDER
    assert order_problem({**order, "order": "ORD-000001"}) is None
    assert one_row(LONE_ORDER).startswith("skipped: the row has an `order` with a lone")


def test_the_executions_command_shows_a_lone_surrogate_param_escaped(
        demo_flows: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A run triggered with such a parameter (``--param sku=`` given bytes that are not UTF-8
    reaches Python as one) is listed with it escaped, never a traceback on writing it."""
    from console.cli import main

    flows = demo_flows(tmp_path)
    store = open_store(str(load(flows).store_path()))
    execution = store.create("stock", "manual", {"sku": LONE}, "cli")
    store.finish(execution.id, "failed", error=f"read: no SKU {LONE}")
    store.close()
    assert main(["--flows", str(flows), "executions"]) == 0
    out = capsys.readouterr().out
    assert f"sku={SHOWN}" in next(line for line in out.splitlines()
                                   if line.startswith(execution.id))
    assert main(["--flows", str(flows), "executions", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["params"] == {"sku": LONE} and rows[0]["error"] == f"read: no SKU {SHOWN}"


def test_a_run_triggered_with_a_lone_surrogate_parameter_fails_naming_it(
        store_location: str, demo_flows: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """No URL can carry the parameter: the run fails before reading, saying which parameter
    and why, and its log line and error show it escaped."""
    config = load(demo_flows(tmp_path))
    store = open_store(store_location)
    with Runner(config, store) as runner:
        ended = runner.run("stock", {"sku": f"A{LONE}"}, triggered_by="test")
    expected = (f"read: the parameter sku holds a lone surrogate (A{SHOWN}), which no URL can"
                " carry: nothing was read")
    assert (ended.status, ended.error) == ("failed", expected)
    assert [log.message for log in store.logs(ended.id, level="error")] == [expected]
    store.close()
