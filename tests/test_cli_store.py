"""The commands that read executions open the store through the executions service: one place
chooses the store from `[runner] store`, and a store that cannot be opened is one clear line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from console.cli import main
from console.commands.init import demo_flows_text


def flows_with_store(tmp_path: Path, store: str) -> Path:
    path = tmp_path / "flows.toml"
    text, count = re.subn(r'(?m)^store = ".*"$', f'store = "{store}"', demo_flows_text())
    assert count == 1
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [["logs", "no-such-execution"], ["alarms"],
                                     ["executions"]])
def test_a_store_that_cannot_open_is_one_line_naming_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    (tmp_path / "blocked").write_text("a file where the store's folder should be\n")
    flows = flows_with_store(tmp_path, "blocked/console.db")
    status = main(["--flows", str(flows), *command])
    out, err = capsys.readouterr()
    assert status == 1
    assert "Traceback" not in err
    assert f"cannot open the execution store {tmp_path / 'blocked' / 'console.db'}" in err
    assert "[runner] store" in err


@pytest.mark.parametrize("command", [["logs", "no-such-execution"], ["alarms"]])
def test_the_store_is_chosen_from_the_runner_setting_and_its_password_never_shown(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    flows = flows_with_store(tmp_path, "postgresql://ops:s3cret@db.example:5432/console")
    status = main(["--flows", str(flows), *command])
    out, err = capsys.readouterr()
    assert status == 1
    assert "postgresql://db.example:5432/console" in err
    assert "s3cret" not in err + out and "ops:" not in err + out


def test_logs_of_an_unknown_execution_name_the_store(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    flows = flows_with_store(tmp_path, ".console/console.db")
    status = main(["--flows", str(flows), "logs", "nope"])
    _out, err = capsys.readouterr()
    assert status != 0
    assert "no execution 'nope'" in err
