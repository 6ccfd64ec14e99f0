"""Script timeouts and worker settings in flows.toml, what a timed-out script does to its
execution and to ``console serve``, and saves that keep the file's mode."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from console.flows import FlowsError, load, loads, save
from console.flows.model import SCRIPT_TIMEOUT_S, ScriptWorkers
from console.runner import ExecutionStore, Runner
from console.sandbox import Sandbox
from tests.script_workers import script_workers_of

TOKEN = {"Authorization": "Bearer sandbox-token"}

BASE = '''
[omnitron]
url = "http://127.0.0.1:8801"
username = "integrator"
password = "x"
'''

FLOW = '''
[flows.push]
name = "Push"
type = "order_status"
direction = "outbound"
{extra}
'''


def test_timeouts_default_to_the_integrators_300_s(demo_flows: object, tmp_path: Path) -> None:
    config = load(demo_flows(tmp_path))  # type: ignore[operator]
    assert config.flow("stock").script is not None
    assert config.flow("stock").script.timeout_s == SCRIPT_TIMEOUT_S == 300.0
    assert config.flow("order_status").write.script_timeout_s == 300.0
    assert config.flow("oms_stock").oms is not None
    assert config.flow("oms_stock").oms.script_timeout_s == 300.0
    assert config.runner.scripts == ScriptWorkers()


def test_timeouts_and_worker_settings_are_read_and_round_trip(tmp_path: Path) -> None:
    text = BASE + '''
[runner.scripts]
workers = 3
user = "daemon"
memory_mb = 256
max_result_mb = 8
''' + FLOW.format(extra='''
[flows.push.script]
source = "def transform(d, a):\\n    return d\\n"
timeout_s = 12.5

[flows.push.write]
script = "def transform(d, a):\\n    return d\\n"
script_timeout_s = 20
''')
    config = loads(text)
    flow = config.flow("push")
    assert flow.script is not None and flow.script.timeout_s == 12.5
    assert flow.write.script_timeout_s == 20.0
    assert config.runner.scripts == ScriptWorkers(workers=3, user="daemon", memory_mb=256,
                                                  max_result_mb=8)
    path = tmp_path / "flows.toml"
    save(config, path)
    assert load(path) == config


@pytest.mark.parametrize(("extra", "where", "message"), [
    ('[flows.push.script]\nsource = "x = 1"\ntimeout_s = 0', "flows.push.script.timeout_s",
     "between 0.1 and 86400"),
    ('[flows.push.script]\nsource = "x = 1"\ntimeout_s = nan', "flows.push.script.timeout_s",
     "between 0.1 and 86400"),
    ('[flows.push.write]\nscript_timeout_s = "long"', "flows.push.write.script_timeout_s",
     "expected a number"),
    ('[flows.push.script]\nsource = "x = 1"\ntimeout_s = 1e9', "flows.push.script.timeout_s",
     "between 0.1 and 86400"),
])
def test_bad_timeouts_are_located_errors(extra: str, where: str, message: str) -> None:
    with pytest.raises(FlowsError) as caught:
        loads(BASE + FLOW.format(extra=extra))
    problems = [p for p in caught.value.problems if p.key_path == where]
    assert problems and message in problems[0].message


@pytest.mark.parametrize(("uids", "message"), [
    ('"nobody"', 'expected a range of uids such as "1000000000-1000099999", or "" for none'),
    ('"5-1"', "expected 0 < FIRST <= LAST < 4294967295"),
    ('"0-100"', "expected 0 < FIRST <= LAST < 4294967295"),
    ('"70000-70002"', "expected at least as many uids as workers (8), found 3"),
])
def test_a_bad_uid_range_is_a_located_error(uids: str, message: str) -> None:
    with pytest.raises(FlowsError) as caught:
        loads(BASE + f"[runner.scripts]\nuids = {uids}\n")
    problems = [p for p in caught.value.problems if p.key_path == "runner.scripts.uids"]
    assert problems and message in problems[0].message


def test_a_uid_range_or_none_is_read() -> None:
    from console.script.uids import DEFAULT_RANGE

    assert ScriptWorkers().uids == DEFAULT_RANGE
    assert loads(BASE + '[runner.scripts]\nuids = ""\n').runner.scripts.uids == ""
    assert loads(BASE + '[runner.scripts]\nworkers = 2\nuids = "70000-70001"\n'
                 ).runner.scripts == ScriptWorkers(workers=2, uids="70000-70001")


def test_bad_worker_settings_are_located_errors() -> None:
    with pytest.raises(FlowsError) as caught:
        loads(BASE + '[runner.scripts]\nworkers = 0\nuser = ""\nsandbox = true\n')
    paths = {p.key_path for p in caught.value.problems}
    assert {"runner.scripts.workers", "runner.scripts.user", "runner.scripts.sandbox"} <= paths


@pytest.mark.parametrize("mode", [0o644, 0o600, 0o640])
def test_a_save_keeps_the_files_mode(demo_flows: object, tmp_path: Path, mode: int) -> None:
    path = demo_flows(tmp_path)  # type: ignore[operator]
    path.chmod(mode)
    config = load(path)
    flow = config.flow("stock")
    import dataclasses

    save(config.with_flow(dataclasses.replace(flow, name="Stock renamed")))
    assert load(path).flow("stock").name == "Stock renamed"
    assert path.stat().st_mode & 0o7777 == mode


def test_a_new_file_gets_the_umask_mode(tmp_path: Path) -> None:
    path = tmp_path / "new" / "flows.toml"
    save(loads(BASE), path)
    umask = os.umask(0o022)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_timed_out_script_fails_its_execution_naming_the_setting(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path) -> None:
    path = demo_flows(tmp_path, replace={  # type: ignore[operator]
        '    return [row for row in data if row["qty"] >= 0]\n\'\'\'\n':
        '    while True:\n        pass\n\'\'\'\ntimeout_s = 0.5\n'})
    config = load(path)
    with Runner(config, ExecutionStore(tmp_path / "store.db")) as runner:
        execution = runner.run("stock")
        assert execution.status == "failed"
        assert execution.error is not None
        assert "ran longer than 0.5 s" in execution.error
        assert "[flows.stock.script] timeout_s" in execution.error
        assert runner.pool.workers() == {}  # its slot was given back at once


def test_serve_stops_on_sigterm_while_scripts_loop(sandbox: Sandbox, demo_flows: object,
                                                   tmp_path: Path) -> None:
    path = demo_flows(tmp_path, replace={  # type: ignore[operator]
        'sku_mode = "multiple"\n':
        'sku_mode = "multiple"\nscript_timeout_s = 120\n'
        "pre_script = '''\ndef transform(data, attributes):\n    while True:\n        pass\n'''\n"})
    listen = re.search(r'listen = "([^"]+)"', path.read_text())
    assert listen is not None
    serve = subprocess.Popen([sys.executable, "-m", "console.cli", "--flows", str(path), "serve"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONUNBUFFERED": "1"})
    answers: list[int] = []

    def ask() -> None:
        try:
            answers.append(httpx.get(f"http://{listen[1]}/flows/oms_stock/stock",
                                     params={"sku": "SKU-000005"}, headers=TOKEN,
                                     timeout=60).status_code)
        except httpx.HTTPError:
            answers.append(0)

    try:
        assert serve.stdout is not None and "serving on" in serve.stdout.readline()
        askers = [threading.Thread(target=ask) for _ in range(4)]
        for asker in askers:
            asker.start()
        deadline = time.monotonic() + 30
        while len(script_workers_of(serve.pid)) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = script_workers_of(serve.pid)
        assert len(workers) == 4
        serve.send_signal(signal.SIGTERM)
        code = serve.wait(timeout=20)
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
    assert code == 0, serve.stderr.read() if serve.stderr else ""  # why it did not stop cleanly
    for asker in askers:
        asker.join(30)
    assert len(answers) == 4 and 200 not in answers
    assert all(map(_gone, workers))


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def test_a_timed_out_order_script_fails_its_execution_instead_of_timing_out_every_order(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path) -> None:
    path = demo_flows(tmp_path, replace={  # type: ignore[operator]
        '[flows.order_status.write]\nscript = \'\'\'\ndef transform(order, attributes):\n':
        '[flows.order_status.write]\nscript_timeout_s = 0.5\nscript = \'\'\'\n'
        'def transform(order, attributes):\n    while True:\n        pass\n'})
    config = load(path)
    with Runner(config, ExecutionStore(tmp_path / "store.db")) as runner:
        execution = runner.run("order_status", {"modified_date__gt": "2000-01-01T00:00:00.000000"})
        errors = runner.store.logs(execution.id, level="error")
    assert execution.status == "failed" and execution.error is not None
    assert "ran longer than 0.5 s" in execution.error
    assert "[flows.order_status.write] script_timeout_s" in execution.error
    assert "the orders after it were not sent" in execution.error
    assert (execution.succeeded, execution.failed) == (0, 1)  # one order tried, not every one
    assert errors[0].key is not None and "ran longer than 0.5 s" in errors[0].message


@pytest.mark.parametrize("script", ["pre_script", "post_script"])
def test_a_timed_out_oms_script_answers_502_naming_the_setting(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path, script: str) -> None:
    from console.runner.service import RunnerService

    replace = {'sku_mode = "multiple"\n': 'sku_mode = "multiple"\nscript_timeout_s = 0.5\n'}
    if script == "pre_script":
        replace['sku_mode = "multiple"\n'] += \
            "pre_script = '''\ndef transform(data, attributes):\n    while True:\n        pass\n'''\n"
    else:
        replace['    """OMS expects one entry per SKU with its quantity."""\n'] = \
            "    while True:\n        pass\n"
    path = demo_flows(tmp_path, replace=replace)  # type: ignore[operator]
    service = RunnerService(load(path), tick_s=0.05)
    service.start()
    try:
        answer = httpx.get(f"http://{service.address}/flows/oms_stock/stock",
                           params={"sku": "SKU-000005"}, headers=TOKEN, timeout=60)
        workers = service.runner.pool.workers()
    finally:
        service.stop(drain_s=5)
    assert answer.status_code == 502
    error = answer.json()["error"]
    assert error.startswith(script.replace("_", "-"))
    assert "TimeoutError: the script ran longer than 0.5 s" in error
    assert "[flows.oms_stock.oms] script_timeout_s" in error
    assert workers == {}  # the looping worker was ended, its slot given back


async def test_the_script_test_panel_stops_a_looping_script_at_the_flows_limit(
        demo_flows: object, tmp_path: Path) -> None:
    from textual.widgets import Static

    from console.tui.app import ConsoleApp
    from console.tui.settings import Settings
    from tests.console_pilot import idle, open_card, ran, until

    path = demo_flows(tmp_path, replace={  # type: ignore[operator]
        '    return [row for row in data if row["qty"] >= 0]\n\'\'\'\n':
        '    while True:\n        pass\n\'\'\'\ntimeout_s = 0.5\n'})
    app = ConsoleApp(path, start_runner=False, settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_card(pilot, "tab-script")
        panel = screen.query_one("#script-test")
        await idle(pilot)
        panel.action_run()  # type: ignore[attr-defined]
        await until(pilot, lambda: ran(panel), turns=400)
        meta = str(panel.query_one(".meta", Static).render())
    assert "ran longer than 0.5 s" in meta, meta
