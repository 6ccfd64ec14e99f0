"""An execution run again after its first run stopped part-way (a host that died or was taken
over) logs each row once: the pages the first run recorded are sent again with the same batch
ids, so Omnitron applies each once, but their log lines are not written a second time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from console.flows import load
from console.runner import Runner
from console.runner.engine import Fenced
from console.sandbox import Sandbox
from console.store import open_store

ROWS = [{"product_sku": f"SKU-{n:06d}", "stock": 300 + n} for n in range(400, 430)]


def test_a_run_again_logs_each_row_once(store_location: str, demo_flows: Any,
                                        tmp_path: Path, sandbox: Sandbox) -> None:
    config = load(demo_flows(tmp_path, replace={
        "[flows.stock_push.write]\nstock_list = 3\nbatch_size = 5000":
        "[flows.stock_push.write]\nstock_list = 3\nbatch_size = 10"}))
    store = open_store(store_location)
    execution = store.admit("stock_push", "outbound", {}, "test", body=json.dumps(ROWS))

    def dies_after_the_first_page() -> None:
        found = store.execution(execution.id)
        if found is not None and found.records_read >= 10:
            raise Fenced("the host stopped")

    with Runner(config, store) as runner:
        with pytest.raises(Fenced):
            runner.execute_queued(execution, dies_after_the_first_page)
        first = [log.key for log in store.iter_logs(execution.id) if log.key]
        assert first and len(first) < len(ROWS)
        again = store.execution(execution.id)
        assert again is not None
        final = runner.execute_queued(again, lambda: None)
    assert (final.status, final.succeeded, final.total) == ("success", 30, 30)
    keys = [log.key for log in store.iter_logs(execution.id) if log.key]
    assert sorted(keys) == sorted(row["product_sku"] for row in ROWS)
    stocks = sandbox.stocks(stock_list=3)
    assert all(stocks[row["product_sku"]] == row["stock"] for row in ROWS)
    store.close()
