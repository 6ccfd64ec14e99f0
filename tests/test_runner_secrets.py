"""Secrets never reach execution errors, row logs or the runner's log records."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest

from console.flows import load
from console.omnitron import RetryPolicy
from console.runner import ExecutionStore, Runner
from console.runner.redact import config_redactor
from console.sandbox import Sandbox

LIVE_KEY = "live-erp-key-7d1f0a"


def with_stock_read(path: Path, login: str, url: str) -> Path:
    text = path.read_text()
    text = re.sub(r"\[flows\.stock\.login\]\n.*?\n\n", lambda _: f"[flows.stock.login]\n{login}\n\n",
                  text, count=1, flags=re.S)
    text = re.sub(r'(\[flows\.stock\.read\]\n)url = "[^"]*"', lambda m: f'{m[1]}url = "{url}"', text,
                  count=1)
    path.write_text(text)
    return path


def every_text(store: ExecutionStore, execution_id: str) -> str:
    execution = store.execution(execution_id)
    assert execution is not None
    logs = " ".join(f"{log.message} {log.payload}" for log in store.iter_logs(execution_id))
    return f"{execution.error} {execution.attributes} {logs}"


def test_a_configured_key_in_a_failing_url_is_masked(demo_flows: Any, tmp_path: Path) -> None:
    path = with_stock_read(demo_flows(tmp_path),
                           f'type = "header"\ntoken = "{LIVE_KEY}"\nheader = "X-Api-Key"\nprefix = ""',
                           "http://127.0.0.1:9/stock?api_key=${token.erp}")
    with Runner(load(path), ExecutionStore(tmp_path / "s.db"),
                retry=RetryPolicy(attempts=1, base_delay=0.01)) as runner:
        execution = runner.run("stock")
        text = every_text(runner.store, execution.id)
    assert execution.status == "failed" and "api_key=***" in (execution.error or "")
    assert LIVE_KEY not in text


def test_a_token_obtained_at_login_is_masked(demo_flows: Any, tmp_path: Path,
                                            sandbox: Sandbox) -> None:
    path = with_stock_read(demo_flows(tmp_path),
                           f'type = "jwt"\nurl = "{sandbox.erp_url}/auth/login"\nusername = "erp"\n'
                           'password = "sandbox"',
                           "http://127.0.0.1:9/stock?session=${token.erp}")
    with Runner(load(path), ExecutionStore(tmp_path / "s.db"),
                retry=RetryPolicy(attempts=1, base_delay=0.01)) as runner:
        execution = runner.run("stock")
        text = every_text(runner.store, execution.id)
    assert execution.status == "failed" and "session=***" in (execution.error or "")
    assert not re.search(r"session=(?!\*\*\*)", text)


def test_runner_log_records_are_masked(demo_flows: Any, tmp_path: Path,
                                       caplog: pytest.LogCaptureFixture) -> None:
    from console.runner.service import RunnerService

    service = RunnerService(load(demo_flows(tmp_path)))
    service.start()
    try:
        with caplog.at_level(logging.WARNING, logger="console.runner"):
            logging.getLogger("console.runner").warning("fetch failed: %s",
                                                        "http://erp/?token=sandbox-token")
    finally:
        service.stop()
    assert "token=***" in caplog.text and "sandbox-token" not in caplog.text


def test_encoded_and_basic_auth_forms_are_masked(demo_flows: Any, tmp_path: Path) -> None:
    import base64

    path = with_stock_read(demo_flows(tmp_path),
                           'type = "basic"\nusername = "erp"\npassword = "p@ss word/1"',
                           "http://127.0.0.1:9/stock")
    redact = config_redactor(load(path))
    basic = base64.b64encode(b"erp:p@ss word/1").decode()
    assert redact(f"x p@ss word/1 p%40ss%20word%2F1 p%40ss+word%2F1 Basic {basic}") == \
        "x *** *** *** Basic ***"


def test_a_page_of_messages_is_masked_row_by_row_only_where_a_secret_is() -> None:
    from console.runner.redact import Redactor

    redact = Redactor(["s3cret-token", "s3cret"])
    clean = ["stock 5 written to stock list 1", "stock 6 written to stock list 1"]
    assert redact.many(clean) is clean
    assert redact.many([*clean, "answered 400 for s3cret-token and s3cret"]) == \
        [*clean, "answered 400 for *** and ***"]
