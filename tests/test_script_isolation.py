"""Real scripts through the real pool: one flow's script cannot reach another flow or the
console's secrets, limits hold for a worker's whole life, and no caller is ever stranded."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.script import ScriptPool, ScriptResult

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def pool() -> Iterator[ScriptPool]:
    with ScriptPool() as running:
        yield running


def gone(pid: int) -> bool:
    """The process has ended (a zombie nobody reaped yet counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


SPY = '''
import builtins
import json

def transform(data, attributes):
    seen = getattr(builtins, "spy_seen", None)
    if seen is None:
        seen = builtins.spy_seen = []
        real = json.dumps
        def spying(obj, *args, **kwargs):
            seen.append(repr(obj))
            return real(obj, *args, **kwargs)
        json.dumps = spying
    seen.append(repr(attributes))
    return {"seen": list(seen)}
'''

VICTIM = '''
import json

flow_file = session.get()
flow_file = session.putAttribute(flow_file, "echo", json.dumps({"token": flow_file.getAttribute("token.erp")}))
session.transfer(flow_file, REL_SUCCESS)
'''


def test_a_spy_in_flow_a_learns_nothing_of_flow_b(pool: ScriptPool) -> None:
    first = pool.run("flow_a", SPY, [], {"token.erp": "a-token"})
    victim = pool.run("flow_b", VICTIM, [{"sku": "B-1"}],
                      {"token.erp": "b-secret", "token.omnitron": "b-omnitron"})
    again = pool.run("flow_a", SPY, [], {"token.erp": "a-token"})
    assert first.ok and victim.ok and again.ok
    assert json.loads(victim.attributes["echo"]) == {"token": "b-secret"}
    seen = " ".join(again.result_json["seen"])
    assert "a-token" in seen and len(again.result_json["seen"]) == 2  # it kept its own state
    assert "b-secret" not in seen and "b-omnitron" not in seen and "B-1" not in seen


def test_workers_serve_one_flow_and_stay_warm(pool: ScriptPool) -> None:
    source = "import os\ndef transform(data, attributes):\n    return os.getpid()\n"
    a1, b1, a2 = (pool.run(flow, source, None).result_json for flow in ("a", "b", "a"))
    assert a1 == a2 and a1 != b1
    assert pool.workers() == {"a": 1, "b": 1}


def test_idle_workers_retire_and_the_total_is_bounded() -> None:
    source = "import os\ndef transform(data, attributes):\n    return os.getpid()\n"
    with ScriptPool(workers=2, idle_s=0.3) as pool:
        pids = [pool.run(f"flow-{n}", source, None).result_json for n in range(5)]
        assert len(set(pids)) == 5 and sum(pool.workers().values()) <= 2
        deadline = time.monotonic() + 10
        while (pool.workers() or not all(map(gone, pids))) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pool.workers() == {}
        assert all(gone(pid) for pid in pids)


def test_a_worker_started_ahead_serves_the_flows_first_call() -> None:
    """An execution asks for its flow's worker before it logs in: the first call uses that
    worker (still starting, or ready) instead of starting another, and a full pool or a flow
    that has one starts nothing more."""
    source = "import os\ndef transform(data, attributes):\n    return os.getpid()\n"
    with ScriptPool(workers=2) as pool:
        pool.prestart("a")
        pool.prestart("a")
        first = pool.run("a", source, None).result_json  # whether or not it was ready yet
        assert pool.workers() == {"a": 1}
        pool.prestart("b")
        deadline = time.monotonic() + 30
        while pool.workers() != {"a": 1, "b": 1} and time.monotonic() < deadline:
            time.sleep(0.02)
        assert pool.workers() == {"a": 1, "b": 1}  # started with no call waiting for it
        pool.prestart("c")  # no free slot: nothing
        assert pool.run("a", source, None).result_json == first
        second = pool.run("b", source, None).result_json
        assert second != first and pool.workers() == {"a": 1, "b": 1}
    assert gone(first) and gone(second)


def _secret() -> str:
    """A password no other process on the machine has: a console of a test run at the same
    time (as nobody, for a moment dumpable while it starts) must not count as a leak."""
    import uuid

    return f"hunter2-{uuid.uuid4().hex}"


def _environ_probe(console_pid: int, secret: str) -> str:
    return f'''
import glob, os
def transform(data, attributes):
    found = {{}}
    for path in [f"/proc/{console_pid}/environ", f"/proc/{console_pid}/mem",
                 *glob.glob("/proc/[0-9]*/environ")]:
        try:
            with open(path, "rb") as handle:
                text = handle.read(1 << 20)
        except OSError as exc:
            found[path] = type(exc).__name__
            continue
        if {secret.encode()!r} in text:
            found[path] = "LEAKED"
    return found
'''


def test_reading_the_consoles_environ_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = _secret()
    monkeypatch.setenv("OMNITRON_PASSWORD", secret)
    with ScriptPool(workers=1) as pool:
        result = pool.run("flow", _environ_probe(os.getpid(), secret), None, timeout=30)
    assert result.ok, result.error
    found = result.result_json
    assert found[f"/proc/{os.getpid()}/environ"] == "PermissionError"
    assert "LEAKED" not in found.values()


NON_ROOT_CONSOLE = '''
import json, os, sys
from console.script import ScriptPool
from console.script.guard import is_dumpable
probe = sys.argv[1]
with ScriptPool(workers=1) as pool:
    result = pool.run("flow", probe.replace("CONSOLE_PID", str(os.getpid())), None)
print(json.dumps({"pid": os.getpid(), "uid": os.geteuid(), "dumpable": is_dumpable(), "error": result.error,
                  "found": result.result_json}))
'''


def _unprivileged_console() -> tuple[list[str], dict[str, object]]:
    """How to start a console process that does not run as root."""
    if os.geteuid() != 0:
        return [sys.executable], {}
    for name in ("python3.13", "python3.12", "python3.11", "python3"):  # reachable by nobody
        found = shutil.which(name, path="/usr/local/bin:/usr/bin")
        if found and os.access(found, os.X_OK):
            return [found], {"user": "nobody", "group": "nogroup" if _has_group("nogroup")
                             else "nobody", "extra_groups": []}
    raise AssertionError("no interpreter outside root's home to run an unprivileged console")


def _has_group(name: str) -> bool:
    import grp

    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


def test_a_console_not_running_as_root_hides_its_proc_files(tmp_path: Path) -> None:
    command, privileges = _unprivileged_console()
    secret = _secret()
    probe = _environ_probe(0, secret).replace("/proc/0/", "/proc/CONSOLE_PID/")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "OMNITRON_PASSWORD": secret}
    done = subprocess.run([*command, "-c", NON_ROOT_CONSOLE, probe], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60,
                          **privileges)  # type: ignore[call-overload]
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["uid"] != 0 and report["dumpable"] is False and report["error"] is None
    found = report["found"]
    assert found[f"/proc/{report['pid']}/environ"] == "PermissionError"
    assert "LEAKED" not in found.values()


def test_workers_of_a_root_console_run_unprivileged(pool: ScriptPool) -> None:
    source = ("import os, resource\ndef transform(data, attributes):\n"
              "    try:\n        open('/proc/1/environ').read()\n        denied = False\n"
              "    except OSError:\n        denied = True\n"
              "    return [os.getuid(), os.geteuid(), os.getgid(), os.getgroups(), denied]\n")
    import pwd

    ruid, uid, gid, groups, denied = pool.run("flow", source, None).result_json
    if os.geteuid() == 0:  # a uid of its own from the default range, its own group, no others
        assert 1_000_000_000 <= uid <= 1_000_099_999 and ruid == uid == gid and groups == []
    else:
        assert uid == os.geteuid()
    assert denied
    with ScriptPool(workers=1, uids="") as shared:  # no range: every worker runs as `user`
        ruid, uid, gid, groups, denied = shared.run("flow", source, None).result_json
    expected = pwd.getpwnam("nobody").pw_uid if os.geteuid() == 0 else os.geteuid()
    assert ruid == uid == expected and denied


LEFTOVERS = '''
import os, threading, time

def transform(data, attributes):
    threading.Thread(target=lambda: time.sleep(3600), daemon=True).start()
    child = os.fork()
    if child == 0:
        time.sleep(3600)
        os._exit(0)
    attributes["worker.pid"] = str(os.getpid())
    attributes["child.pid"] = str(child)
    return "ok"
'''


def test_a_leftover_thread_and_fork_are_killed_with_the_worker(pool: ScriptPool) -> None:
    result = pool.run("flow", LEFTOVERS, None)
    assert result.ok, result.error
    worker, child = int(result.attributes["worker.pid"]), int(result.attributes["child.pid"])
    deadline = time.monotonic() + 10
    while not (gone(worker) and gone(child)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(worker) and gone(child)
    assert pool.run("flow", "def transform(d, a):\n    return 2\n", None).result_json == 2


def test_a_timeout_kills_the_whole_process_group(pool: ScriptPool) -> None:
    import tempfile

    shared = Path(tempfile.mkdtemp())  # a folder the worker's unprivileged user can reach
    shared.chmod(0o777)
    marker = shared / "child.pid"
    source = (f"import os, time\nchild = os.fork()\nif child == 0:\n    time.sleep(3600)\n"
              f"    os._exit(0)\nopen({str(marker)!r}, 'w').write(str(child))\n"
              "while True:\n    pass\n")
    result = pool.run("flow", source, text="", timeout=2)
    assert "longer than 2 s" in (result.error or "")
    child = int(marker.read_text())
    shutil.rmtree(shared)
    deadline = time.monotonic() + 10
    while not gone(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(child)


def test_the_memory_limit_holds_for_the_workers_whole_life() -> None:
    source = ("import resource\ndef transform(data, attributes):\n"
              "    soft, hard = resource.getrlimit(resource.RLIMIT_AS)\n"
              "    try:\n        resource.setrlimit(resource.RLIMIT_AS, (hard * 2, hard * 2))\n"
              "        raised = True\n    except (ValueError, OSError):\n        raised = False\n"
              "    return [soft, hard, raised]\n")
    grow = ("import threading, time\nkeep = []\ndef grow():\n    while True:\n"
            "        keep.append(bytearray(20 * 1024 * 1024))\n        time.sleep(0.01)\n"
            "def transform(data, attributes):\n    import os\n"
            "    threading.Thread(target=grow, daemon=True).start()\n    time.sleep(1)\n"
            "    return os.getpid()\n")
    with ScriptPool(workers=1, memory_mb=256) as pool:
        for _ in range(2):
            assert pool.run("flow", source, None).result_json == [256 << 20, 256 << 20, False]
        grown = pool.run("flow", grow, None, timeout=20)
        assert grown.ok or "memory" in (grown.error or "").lower()
        assert pool.run("flow", source, None).result_json == [256 << 20, 256 << 20, False]


def test_four_looping_scripts_time_out_while_another_flow_answers(pool: ScriptPool) -> None:
    loop = "def transform(data, attributes):\n    while True:\n        pass\n"
    results: dict[str, ScriptResult] = {}

    def looping(flow: str) -> None:
        results[flow] = pool.run(flow, loop, [], timeout=4)

    threads = [threading.Thread(target=looping, args=(f"loop-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    while len(pool.workers()) < 4 and all(t.is_alive() for t in threads):
        time.sleep(0.02)
    normal = pool.run("normal", "def transform(data, attributes):\n    return data + [1]\n",
                      [0], timeout=30)
    still_looping = sum(t.is_alive() for t in threads)
    for thread in threads:
        thread.join(30)
    assert normal.ok and normal.result_json == [0, 1]
    assert still_looping == 4
    assert sorted(results) == [f"loop-{n}" for n in range(4)]
    assert all("longer than 4 s" in (r.error or "") for r in results.values())
    assert pool.run("loop-0", "def transform(d, a):\n    return 'free'\n", None).ok


def test_a_waiter_is_woken_when_a_timed_out_worker_frees_its_slot() -> None:
    loop = "while True:\n    pass\n"
    with ScriptPool(workers=1) as pool:
        looping = threading.Thread(target=pool.run, args=("a", loop),
                                   kwargs={"text": "", "timeout": 1.5})
        looping.start()
        while not pool.workers():
            time.sleep(0.02)
        waited = pool.run("b", "def transform(d, a):\n    return 'b'\n", None, timeout=30)
        looping.join(10)
        assert waited.ok and waited.result_data == "b"


def test_the_deadline_covers_waiting_for_a_worker() -> None:
    loop = "while True:\n    pass\n"
    with ScriptPool(workers=1) as pool:
        looping = threading.Thread(target=pool.run, args=("a", loop),
                                   kwargs={"text": "", "timeout": 30})
        looping.start()
        while not pool.workers():
            time.sleep(0.02)
        waited = pool.run("b", "def transform(d, a):\n    return 'b'\n", None, timeout=0.5)
        assert "no script worker became free within the 0.5 s timeout" in (waited.error or "")
        pool.close()
        looping.join(10)
        assert not looping.is_alive()


def test_close_ends_busy_workers_and_returns() -> None:
    pool = ScriptPool(workers=2)
    results: list[ScriptResult] = []
    runs = [threading.Thread(target=lambda f=f: results.append(
        pool.run(f, "while True:\n    pass\n", text="", timeout=300))) for f in ("a", "b")]
    for thread in runs:
        thread.start()
    while len(pool.workers()) < 2:
        time.sleep(0.02)
    pool.close()
    for thread in runs:
        thread.join(10)
    assert not any(t.is_alive() for t in runs)
    assert all("shutting down" in (r.error or "") for r in results)
    after = pool.run("a", "def transform(d, a):\n    return 1\n", None)
    assert "shut down" in (after.error or "")


def test_prints_are_cut_with_a_note_and_a_huge_result_is_an_error() -> None:
    with ScriptPool(workers=1, max_output_kb=16, max_result_mb=1) as pool:
        noisy = pool.run("flow", "def transform(d, a):\n    for _ in range(100000):\n"
                                 "        print('x' * 100)\n    return 1\n", None)
        assert noisy.ok and noisy.result_json == 1
        kept = sum(len(e["message"]) for e in noisy.logs)
        assert kept < 20 * 1024 and "output truncated" in noisy.logs[-1]["message"]
        huge = pool.run("flow", "def transform(d, a):\n    return 'x' * (5 * 1024 * 1024)\n",
                        None)
        assert huge.relationship == "failure"
        assert "over the limit of 1 MB" in (huge.error or "")
        assert pool.run("flow", "def transform(d, a):\n    return 3\n", None).result_json == 3


def test_results_must_be_json_data() -> None:
    with ScriptPool(workers=1) as pool:
        tupled = pool.run("f", "def transform(d, a):\n    return {1: (2, 3)}\n", None)
        assert tupled.ok and tupled.result_json == {"1": [2, 3]}
        bad = pool.run("f", "def transform(d, a):\n    return {1, 2}\n", None)
        assert "not JSON serializable" in (bad.error or "")


def test_native_scripts_get_data_and_integrator_scripts_get_json_text(pool: ScriptPool) -> None:
    rows = [{"sku": "A", "qty": 1}]
    native = pool.run("f", "def transform(data, attributes):\n    return [type(data).__name__]\n",
                      rows)
    integrator = pool.run("f", (
        "from org.apache.commons.io import IOUtils\n"
        "class Echo:\n    def process(self, i, o):\n"
        "        o.write(IOUtils.toString(i, 'utf-8'))\n"
        "ff = session.get()\nff = session.write(ff, Echo())\n"
        "session.transfer(ff, REL_SUCCESS)\n"), rows)
    assert native.result_json == ["list"]
    assert integrator.result_data == json.dumps(rows) and integrator.result_json == rows


def test_an_unknown_worker_user_is_a_clear_error() -> None:
    with ScriptPool(workers=1, user="no-such-user-here") as pool:
        result = pool.run("flow", "def transform(d, a):\n    return 1\n", None)
    if os.geteuid() == 0:
        assert "user 'no-such-user-here', which does not exist" in (result.error or "")
    else:  # only a root console changes user
        assert result.ok and result.result_json == 1


def test_data_beyond_plain_json_still_reaches_a_native_script(pool: ScriptPool) -> None:
    from datetime import date
    from decimal import Decimal

    source = "def transform(data, attributes):\n    return [type(v).__name__ for v in data]\n"
    result = pool.run("flow", source, [Decimal("1.5"), date(2026, 1, 2), (1, 2)])
    assert result.result_json == ["Decimal", "date", "tuple"]


CROSS_FLOW = '''
import ctypes, os, signal

def transform(data, attributes):
    target = int(attributes["target"])
    found = {}
    for name, attempt in [("signal 0", lambda: os.kill(target, 0)),
                          ("SIGKILL", lambda: os.kill(target, signal.SIGKILL)),
                          ("environ", lambda: open(f"/proc/{target}/environ", "rb").read()),
                          ("mem", lambda: open(f"/proc/{target}/mem", "rb").read(1))]:
        if name == "SIGKILL" and found["signal 0"] == "allowed":
            found[name] = "not tried"  # the same user: the documented limit, see the README
            continue
        try:
            attempt()
            found[name] = "allowed"
        except OSError as exc:
            found[name] = type(exc).__name__
    libc = ctypes.CDLL(None, use_errno=True)
    attached = libc.ptrace(16, target, 0, 0)  # PTRACE_ATTACH
    found["ptrace"] = "allowed" if attached == 0 else os.strerror(ctypes.get_errno())
    return found
'''
WHO = "import os\ndef transform(data, attributes):\n    return [os.getpid(), os.getuid()]\n"


def test_a_script_cannot_signal_or_trace_another_flows_worker(pool: ScriptPool) -> None:
    victim, victim_uid = pool.run("flow_b", WHO, None).result_json
    result = pool.run("flow_a", CROSS_FLOW, None, {"target": str(victim)})
    assert result.ok, result.error
    found = result.result_json
    assert found["environ"] == found["mem"] == "PermissionError"
    assert found["ptrace"] == "Operation not permitted"
    spy_uid = pool.run("flow_a", WHO, None).result_json[1]
    if os.geteuid() == 0:  # every worker has a uid of its own: no signal crosses
        assert found["signal 0"] == found["SIGKILL"] == "PermissionError"
        assert spy_uid != victim_uid
    else:  # the documented limit: workers share the console's user and may signal
        assert found["signal 0"] == "allowed" and spy_uid == victim_uid == os.getuid()
    assert pool.run("flow_b", WHO, None).result_json == [victim, victim_uid]


def test_two_workers_of_one_flow_have_uids_of_their_own() -> None:
    slow = "import os, time\ndef transform(d, a):\n    time.sleep(0.5)\n    return os.getuid()\n"
    with ScriptPool(workers=2) as pool:
        uids: list[int] = []
        runs = [threading.Thread(target=lambda: uids.append(
            pool.run("flow", slow, None).result_json)) for _ in range(2)]
        for thread in runs:
            thread.start()
        for thread in runs:
            thread.join(30)
        assert pool.workers() == {"flow": 2}
    if os.geteuid() == 0:
        assert len(set(uids)) == 2 and 0 not in uids
    else:
        assert uids == [os.getuid()] * 2


ESCAPE = '''
import os, subprocess

def transform(data, attributes):
    # sh starts a sleep in a session of its own and exits: the sleep loses its parent and is
    # in neither the worker's process group nor session; started without Python's fork hooks,
    # it has no parent-death signal either
    started = subprocess.run(["/bin/sh", "-c", "setsid sleep 3600 >/dev/null 2>&1 & echo $!"],
                             capture_output=True, text=True, check=True)
    escaped = int(started.stdout)
    attributes["escaped.pid"] = str(escaped)
    attributes["worker.pid"] = str(os.getpid())
    if attributes.get("then") == "exit":
        open(attributes["report"], "w").write(str(escaped))
        os._exit(3)
    return "ok"
'''


def _wait_gone(*pids: int) -> bool:
    deadline = time.monotonic() + 10
    while not all(map(gone, pids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return all(map(gone, pids))


@pytest.mark.parametrize("uids", ["1000000000-1000099999", ""])
def test_a_grandchild_that_left_its_session_dies_with_the_worker(uids: str) -> None:
    with ScriptPool(workers=1, uids=uids) as pool:
        result = pool.run("flow", ESCAPE, None)
        assert result.ok, result.error
        escaped, worker = (int(result.attributes[k]) for k in ("escaped.pid", "worker.pid"))
        assert _wait_gone(escaped, worker)
        assert pool.run("flow", "def transform(d, a):\n    return 2\n", None).result_json == 2


def test_what_a_worker_leaves_when_it_exits_itself_is_killed_by_its_uid() -> None:
    import tempfile

    shared = Path(tempfile.mkdtemp())  # a folder the worker's unprivileged user can reach
    shared.chmod(0o777)
    report = shared / "escaped.pid"
    with ScriptPool(workers=1) as pool:
        result = pool.run("flow", ESCAPE, None, {"then": "exit", "report": str(report)})
        assert "exited (code 3)" in (result.error or "")
        escaped = int(report.read_text())
        shutil.rmtree(shared)
        if os.geteuid() == 0:
            assert _wait_gone(escaped)
        else:  # the documented limit: without root, nothing but its uid marks it
            assert not gone(escaped)
            os.kill(escaped, 9)


def test_a_page_goes_in_chunks_and_comes_back_whole() -> None:
    from decimal import Decimal

    from console.script.wire import CHUNK_ROWS

    echo = "def transform(data, attributes):\n    return data\n"
    with ScriptPool(workers=1) as pool:
        for size in (0, 1, CHUNK_ROWS, CHUNK_ROWS + 1, 3 * CHUNK_ROWS + 7):
            rows = [{"n": n, "sku": f"S{n}", "tags": ["a", {"b": None}]} for n in range(size)]
            assert pool.run("flow", echo, rows).result_json == rows
        mixed = [{"n": n} for n in range(2 * CHUNK_ROWS)]
        mixed[CHUNK_ROWS + 5] = {"n": Decimal("1.5")}  # one chunk goes as a pickle
        kinds = pool.run("flow", "def transform(data, attributes):\n"
                                 "    return sorted({type(r['n']).__name__ for r in data})\n",
                         mixed)
        assert kinds.result_json == ["Decimal", "int"]


def test_a_late_chunk_that_is_not_json_data_fails_the_whole_output() -> None:
    from console.script.wire import CHUNK_ROWS

    source = (f"def transform(data, attributes):\n"
              f"    rows = [{{'n': n}} for n in range({3 * CHUNK_ROWS})]\n"
              f"    rows[-1] = attributes['last'] == 'set' and {{1, 2}} or (1, 2)\n"
              f"    attributes['seen'] = 'yes'\n"
              f"    return rows\n")
    with ScriptPool(workers=1) as pool:
        tupled = pool.run("flow", source, None, {"last": "tuple"})
        assert tupled.ok and len(tupled.result_json) == 3 * CHUNK_ROWS
        assert tupled.result_json[-1] == [1, 2] and tupled.attributes["seen"] == "yes"
        bad = pool.run("flow", source, None, {"last": "set"})
        assert bad.relationship == "failure" and bad.result_data == ""
        assert "not JSON serializable" in (bad.error or "")
        assert bad.attributes["log.script.error"] == bad.error
        assert pool.run("flow", "def transform(d, a):\n    return [1]\n", None).result_json == [1]


def test_a_chunked_output_over_the_size_limit_is_an_error() -> None:
    source = "def transform(d, a):\n    return [str(n) * 300 for n in range(5000)]\n"
    with ScriptPool(workers=1, max_result_mb=1) as pool:
        huge = pool.run("flow", source, None)
        assert huge.relationship == "failure" and "over the limit of 1 MB" in (huge.error or "")
        assert pool.run("flow", "def transform(d, a):\n    return [2]\n", None).result_json == [2]
