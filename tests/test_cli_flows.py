"""The CLI's flows commands, init and version, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from console.cli import main


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
    assert {r["type"] for r in rows} == {"stock", "order_status", "oms_stock"}
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
    assert f"{broken}:7: flows.a.type: expected one of stock | order_status | oms_stock, found 'stok'" in lines
    assert f"{broken}:9: flows.a.shedule: unknown key, did you mean 'schedule'?" in lines
    assert lines[-1] == f"{broken}: 3 problem(s)"


def test_validate_valid_file(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--flows", str(demo), "flows", "validate")
    assert status == 0 and "valid, 5 flow(s)" in out


def test_missing_flows_file_is_one_clear_line(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "--flows", str(tmp_path / "none.toml"), "flows", "list")
    assert status == 2 and "console init" in err and "Traceback" not in err


def test_installed_entry_point_prints_version() -> None:
    exe = Path(sys.executable).with_name("console")
    result = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.startswith("integrator-console ")
