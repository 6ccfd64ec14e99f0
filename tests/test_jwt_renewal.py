"""A JWT token the ERP stops accepting is renewed once and the refused request sent again,
over loopback with the sandbox ERP forgetting its tokens in the middle of a read."""

from __future__ import annotations

from pathlib import Path

from sandbox_data import expected_written

from console.flows import load
from console.runner import ExecutionStore, Runner
from console.sandbox import Sandbox
from console.store.records import Execution


def test_a_token_expired_mid_read_is_renewed_once_and_the_read_goes_on(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path) -> None:
    path = demo_flows(tmp_path, replace={"page_size = 500": "page_size = 100"})  # type: ignore[operator]
    store = ExecutionStore(tmp_path / "store.db")
    before = sandbox.erp_tokens()["logins"]
    expired: list[str] = []

    def expire_once(execution: Execution) -> None:
        if not expired and execution.records_read:
            sandbox.erp_tokens(expire=True)  # later pages carry a token the ERP forgot
            expired.append(execution.id)

    with Runner(load(path), store) as runner:
        execution = runner.run("stock", progress=expire_once)
    logins = sandbox.erp_tokens()["logins"] - before
    wanted = expected_written(sandbox, 1)
    assert expired and execution.status == "partial"  # the ERP's unknown products fail
    assert execution.succeeded == len(wanted)
    assert logins == 2  # the login, then one renewal
    stocks = sandbox.stocks(1)  # once: each call reads the whole stock list over HTTP
    assert all(stocks[sku] == qty for sku, qty in wanted.items())
    messages = [line.message for line in store.iter_logs(execution.id)]
    assert not any("ERP answered" in m or "token" in m for m in messages)


def test_a_token_refused_again_after_renewal_fails_the_read_without_a_loop(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path) -> None:
    # the token is read from the wrong key of the login answer: the ERP refuses it each time
    path = demo_flows(tmp_path, replace={'token_path = "token"': 'token_path = "expires_in"'})  # type: ignore[operator]
    before = sandbox.erp_tokens()["logins"]
    with Runner(load(path), ExecutionStore(tmp_path / "store.db")) as runner:
        execution = runner.run("stock", {"sku": "SKU-000001"})
    assert execution.status == "failed"
    assert execution.error is not None and execution.error.startswith("read: the ERP answered 401")
    assert sandbox.erp_tokens()["logins"] == before + 2  # renewed once, not again and again
