"""Versions of flows.toml: each save from the console keeps one (a git commit of that file alone
in a repository, a copy beside the store otherwise); the CLI and the versions screen list, diff
and restore them through one service."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from pathlib import Path

import pytest
from textual.widgets import DataTable

from console.cli import main
from console.commands.init import demo_flows_text
from console.flows import load
from console.services.history import History
from console.tui.app import ConsoleApp
from tests.console_pilot import until

GIT_ENV = {"GIT_AUTHOR_NAME": "Ops", "GIT_AUTHOR_EMAIL": "ops@example.test",
           "GIT_COMMITTER_NAME": "Ops", "GIT_COMMITTER_EMAIL": "ops@example.test"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True,
                          check=True, env={**os.environ, **GIT_ENV}).stdout


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    path = tmp_path / "ops" / "flows.toml"
    path.parent.mkdir()
    path.write_text(demo_flows_text(), encoding="utf-8")
    return path


def disable(path: Path, flow_id: str) -> None:
    """What `e` on the flows screen does: one flow's change, saved through the service."""
    flow = load(path).flow(flow_id)
    History(path).save_flow(flow, dataclasses.replace(flow, enabled=not flow.enabled))


def test_copies_beside_the_store_list_diff_and_restore(
        flows: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = flows.read_text(encoding="utf-8")
    disable(flows, "stock")
    status, out, _ = run(capsys, "--flows", str(flows), "flows", "history", "--json")
    versions = json.loads(out)
    assert status == 0 and len(versions) == 2
    assert versions[0]["message"] == "flows.toml: Stock Flow (stock) changed"
    assert versions[1]["message"] == "flows.toml: as found before the console's first save"
    kept = flows.parent / ".console" / "history"
    assert {c.name for c in kept.glob("*-flows.toml")} == {f"{v['id']}-flows.toml"
                                                           for v in versions}
    assert (kept / f"{versions[1]['id']}-flows.toml").read_text(encoding="utf-8") == original

    status, out, _ = run(capsys, "--flows", str(flows), "flows", "diff", versions[1]["id"])
    changed = [line for line in out.splitlines() if line[:1] in "+-" and line[:3] not in
               ("+++", "---")]
    assert status == 0 and changed == ["-enabled = true", "+enabled = false"]
    assert f"flows.toml@{versions[1]['id']}" in out

    status, out, _ = run(capsys, "--flows", str(flows), "flows", "restore", versions[1]["id"])
    assert status == 0 and "restored" in out
    assert flows.read_text(encoding="utf-8") == original
    status, out, _ = run(capsys, "--flows", str(flows), "flows", "history")
    lines = out.splitlines()
    assert lines[0].split() == ["VERSION", "KEPT", "(UTC)", "MESSAGE"]
    assert len(lines) == 4 and f"restored version {versions[1]['id']}" in lines[1]


def test_an_edit_outside_the_console_is_kept_before_the_next_save(
        flows: Path, capsys: pytest.CaptureFixture[str]) -> None:
    disable(flows, "stock")
    by_hand = flows.read_text(encoding="utf-8").replace("# ", "# edited by hand: ", 1)
    flows.write_text(by_hand, encoding="utf-8")
    disable(flows, "order_status")
    messages = [v.message for v in History(flows).versions()]
    assert messages[:2] == ["flows.toml: Order Status Flow (order_status) changed",
                            "flows.toml: changes made outside the console"]
    assert History(flows).text(History(flows).versions()[1]) == by_hand


def test_git_commits_only_the_flows_file_naming_the_flow(
        flows: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = flows.parent
    git(repo, "init", "-q")
    git(repo, "add", "flows.toml")
    git(repo, "commit", "-q", "-m", "flows as deployed")
    (repo / "notes.txt").write_text("work in progress\n", encoding="utf-8")
    git(repo, "add", "notes.txt")

    disable(flows, "stock")
    assert git(repo, "log", "-1", "--format=%s").strip() == \
        "flows.toml: Stock Flow (stock) changed"
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == ["flows.toml"]
    assert git(repo, "diff", "--cached", "--name-only").split() == ["notes.txt"]
    assert not (repo / ".console" / "history").exists()

    status, out, _ = run(capsys, "--flows", str(flows), "flows", "history", "--json")
    versions = json.loads(out)
    assert [v["message"] for v in versions] == ["flows.toml: Stock Flow (stock) changed",
                                                "flows as deployed"]
    status, out, err = run(capsys, "--flows", str(flows), "flows", "restore",
                           versions[1]["id"][:7])
    assert status == 0, err
    assert git(repo, "status", "--porcelain", "flows.toml") == ""
    assert git(repo, "log", "-1", "--format=%s").strip() == \
        f"flows.toml: restored version {versions[1]['id']} (flows as deployed)"
    assert load(flows).flow("stock").enabled


def test_a_version_that_does_not_load_is_refused_like_a_save(
        flows: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = flows.parent
    git(repo, "init", "-q")
    good = flows.read_text(encoding="utf-8")
    flows.write_text(good.replace('schedule = "*/5 * * * *"', 'shedule = "*/5 * * * *"', 1),
                     encoding="utf-8")
    git(repo, "add", "flows.toml")
    git(repo, "commit", "-q", "-m", "typo")
    status, _, problems = run(capsys, "flows", "validate", str(flows))
    assert status == 2
    flows.write_text(good, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "fixed")
    broken = History(flows).versions()[1]

    status, out, err = run(capsys, "--flows", str(flows), "flows", "restore", broken.id)
    assert status == 2 and out == ""
    assert problems.splitlines()[0] in err and "cannot be restored" in err
    assert flows.read_text(encoding="utf-8") == good
    assert len(History(flows).versions()) == 2


def test_unknown_version_says_how_to_list_them(flows: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "--flows", str(flows), "flows", "diff", "nope")
    assert status == 2 and "no version 'nope'" in err and "console flows history" in err


async def test_versions_screen_lists_diffs_and_restores(flows: Path) -> None:
    from console.tui.saving import flush

    original = flows.read_text(encoding="utf-8")
    app = ConsoleApp(flows, start_runner=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("e")  # disables the highlighted flow: a save, kept as a version
        flush()
        await until(pilot, lambda: not app.flows.flows[0].enabled)
        await pilot.press("v")
        await until(pilot, lambda: type(app.screen).__name__ == "HistoryScreen")
        screen = app.screen
        table = screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 2)
        assert "Stock Flow (stock) changed" in str(table.get_row_at(0)[2])
        table.move_cursor(row=1)
        await until(pilot, lambda: "+enabled = false" in screen.shown_diff)

        await pilot.press("r")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")
        flush()
        await until(pilot, lambda: table.row_count == 3)
        assert flows.read_text(encoding="utf-8") == original
        assert app.flows.flows[0].enabled
        assert "restored version" in str(table.get_row_at(0)[2])


def _run_flows_path() -> str:
    """The flows file `make run` opens, as the Makefile names it."""
    makefile = (Path(__file__).parent.parent / "Makefile").read_text(encoding="utf-8")
    line = next(line for line in makefile.splitlines() if line.startswith("RUN_FLOWS ?="))
    return line.split("?=", 1)[1].strip()


def test_make_run_saves_to_a_copy_the_project_repository_ignores(tmp_path: Path) -> None:
    """`make run` works on a copy of the demo flows in a folder this project's .gitignore
    ignores: saving there keeps versions as copies and commits nothing to the project."""
    repo = tmp_path / "project"
    repo.mkdir()
    project = Path(__file__).parent.parent
    (repo / ".gitignore").write_text((project / ".gitignore").read_text(encoding="utf-8"),
                                     encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-q", "-m", "project")
    flows = repo / _run_flows_path()
    flows.parent.mkdir(parents=True)
    flows.write_text(demo_flows_text(), encoding="utf-8")

    disable(flows, "stock")
    assert git(repo, "log", "--format=%s").split("\n")[:-1] == ["project"]
    assert git(repo, "status", "--porcelain") == ""
    history = History(flows)
    assert [v.message for v in history.versions()] == [
        "flows.toml: Stock Flow (stock) changed",
        "flows.toml: as found before the console's first save"]
    assert str(flows.parent / ".console" / "history") == history.keeper.where
