"""The CLI's flows commands, init and version, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from console.cli import main
from console.flows import load
from console.flows.model import FLOW_TYPES


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert run(capsys, "init", str(tmp_path))[0] == 0
    return tmp_path / "flows.toml"


def test_init_refuses_to_overwrite(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "init", str(demo.parent))
    assert status == 2 and "already exists" in err


def test_flows_list_plain_and_json(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--flows", str(demo), "flows", "list")
    assert status == 0 and "Order Status Flow" in out and out.startswith("ID")
    status, out, _ = run(capsys, "--flows", str(demo), "flows", "list", "--json")
    rows = json.loads(out)
    assert {r["type"] for r in rows} == set(FLOW_TYPES)
    stock = next(r for r in rows if r["id"] == "stock")
    assert stock["next_run"].endswith("+03:00")


def test_flows_show_masks_secrets(demo: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERP_PASSWORD", "do-not-print")
    status, out, _ = run(capsys, "--flows", str(demo), "flows", "show", "stock", "--json")
    assert status == 0
    assert json.loads(out)["login"]["password"] == "$ERP_PASSWORD (default set)"
    assert "do-not-print" not in out and "sandbox" not in out.split('"password"')[1][:40]


def test_unknown_flow_lists_the_known_ones(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "--flows", str(demo), "flows", "show", "nope")
    assert status == 2 and "no flow 'nope'" in err and "order_status" in err


def test_validate_reports_every_error_and_exits_2(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(
        '[omnitron]\nurl = "ftp://x"\nusername = "u"\npassword = "p"\n'
        '[flows.a]\nname = "A"\ntype = "stok"\ndirection = "outbound"\nshedule = "* * * * *"\n',
        encoding="utf-8",
    )
    status, out, err = run(capsys, "flows", "validate", str(broken))
    assert status == 2 and out == ""
    lines = err.strip().splitlines()
    assert f"{broken}:2: omnitron.url: expected an http:// or https:// URL, found 'ftp://x'" in lines
    assert (f"{broken}:7: flows.a.type: expected one of {' | '.join(FLOW_TYPES)}, "
            "found 'stok'") in lines
    assert f"{broken}:9: flows.a.shedule: unknown key, did you mean 'schedule'?" in lines
    assert lines[-1] == f"{broken}: 3 problem(s)"


def test_validate_valid_file(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--flows", str(demo), "flows", "validate")
    flows = len(load(demo).flows)
    assert status == 0 and flows >= 8 and f"valid, {flows} flow(s)" in out


def test_missing_flows_file_is_one_clear_line(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "--flows", str(tmp_path / "none.toml"), "flows", "list")
    assert status == 2 and "console init" in err and "Traceback" not in err


def test_installed_entry_point_prints_version() -> None:
    exe = Path(sys.executable).with_name("console")
    result = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.startswith("integrator-console ")


def test_flows_list_says_outbound_flows_run_on_request(demo: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--flows", str(demo), "flows", "list")
    push = next(line for line in out.splitlines() if line.startswith("stock_push"))
    assert push.rstrip().endswith("on request")
    stock = next(line for line in out.splitlines() if line.startswith("stock "))
    assert stock.rstrip().endswith("+03")  # the next run in the flow's zone, zone shown
    rows = json.loads(run(capsys, "--flows", str(demo), "flows", "list", "--json")[1])
    assert next(r for r in rows if r["id"] == "stock_push")["next_run_state"] == "on request"


def test_executions_show_times_in_the_flows_zone_with_duration_and_params(
        demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    from console.flows import load
    from console.store.sqlite import ExecutionStore

    path = load(demo).store_path()
    store = ExecutionStore(path)
    execution = store.create("stock", "manual", {"sku": "A1"}, "ops")
    store.finish(execution.id, "success")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE execution SET started_at = ?, finished_at = ? WHERE id = ?",
                     ("2026-11-24T09:00:00+00:00", "2026-11-24T09:01:05+00:00", execution.id))
    status, out, _ = run(capsys, "--flows", str(demo), "executions")
    line = next(line for line in out.splitlines() if line.startswith(execution.id))
    assert "2026-11-24 12:00:00 +03" in line and "1m 05s" in line and "sku=A1" in line
    rows = json.loads(run(capsys, "--flows", str(demo), "executions", "--json")[1])
    assert rows[0]["duration_s"] == 65.0 and rows[0]["started_at"].endswith("+00:00")


def test_flows_list_leaves_step_contents_to_validate(demo: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A listing shows no script, mapping or expression, so it does not compile them (nor
    load their compilers); validating, serving and the TUI still report each problem."""
    text = demo.read_text(encoding="utf-8")
    head, _, rest = text.partition("[flows.stock.mapping]\nspec = '''")
    demo.write_text(head + "[flows.stock.mapping]\nspec = '''[{\"operation\": \"nope\"}]"
                    + rest[rest.index("'''"):], encoding="utf-8")
    from console.flows import FlowsError, load

    with pytest.raises(FlowsError) as deep:
        load(demo)
    assert "flows.stock.mapping" in str(deep.value)
    status, out, _ = run(capsys, "--flows", str(demo), "flows", "list")
    assert status == 0 and "stock" in out
    status, _, err = run(capsys, "--flows", str(demo), "flows", "validate")
    assert status == 2 and "flows.stock.mapping" in err
    code = ("import sys\nfrom console.cli import main\nmain(['--flows', sys.argv[1], 'flows', "
            "'list'])\nprint(sorted(m for m in sys.modules if m.startswith(('console.mapping', "
            "'console.expression'))))")
    loaded = subprocess.run([sys.executable, "-c", code, str(demo)], capture_output=True,
                            text=True, check=True).stdout.strip().splitlines()[-1]
    assert loaded == "[]"
