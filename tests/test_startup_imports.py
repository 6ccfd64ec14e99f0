"""What starting the console loads: ``console flows list`` and the first screen of the TUI stay
quick because heavy modules are imported where they are used, not on the way there.

Each check runs in a fresh interpreter, as a user's start does, and reads ``sys.modules``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from console import cli
from console.cli import build_parser, flows_list_line, main
from console.commands.flows import list_flows

LIST_MUST_NOT_LOAD = (
    "console.script.pool",  # the script workers' pool: processes, pipes, asyncio
    "multiprocessing",
    "asyncio",
    "subprocess",  # a child process at start (croniter asks `file` about the interpreter)
    "textual",
    "httpx",
    "sqlite3",
    "console.store",
    "console.runner",
    "console.mapping",
    "console.expression",
    "croniter",  # plain schedules are read without it (console.flows.plaincron)
    "dateutil",
    "platform",
    "argparse",  # `flows list` written plainly is run without a parser
    "shutil",  # argparse's help formatter asks it for the terminal's width
    "console.commands.runner",  # no other command's module
    "console.commands.sandbox",
    "console.sandbox",
    "console.script",  # `[runner.scripts]` is read with the pool's parser only when present
    "console.flows.splice",  # only a save splices
    "threading",
)

FIRST_SCREEN_MUST_NOT_LOAD = (
    "textual.widgets._text_area",  # the editors' widget and its parser: no editor is shown
    "tree_sitter",
    "tomli_w",  # the settings' writer: only a change of theme writes
    "console.script.pool",
    "multiprocessing",
    "httpx",
    # The start-up reads (runner, health, summaries) run in workers begun once the first
    # screen is whole: nothing of theirs is loaded when it paints.
    "sqlite3",
    "console.store",
    "console.runner",
    "console.cluster",
    "console.services.health",
    "console.services.flows",
    "concurrent.futures.thread",
)


def _loaded(code: str, *args: str, cwd: Path | None = None) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         check=True, timeout=120, cwd=cwd).stdout
    found: list[str] = json.loads(out.strip().splitlines()[-1])
    return found


def _heavy(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m in names or m.startswith(tuple(n + "." for n in names)))


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    assert main(["init", str(tmp_path)]) == 0
    return tmp_path / "flows.toml"


def test_flows_list_loads_no_heavy_module(demo: Path) -> None:
    """Every schedule of the demo, its Quartz one too, is read, checked and worked out without
    croniter."""
    assert '"0 0/30 * * * ? *"' in demo.read_text(encoding="utf-8")
    code = ("import sys\nfrom console.cli import main\n"
            "assert main(['--flows', sys.argv[1], 'flows', 'list']) == 0\n"
            "seen = sorted(sys.modules)\nimport json\nprint(json.dumps(seen))")
    modules = _loaded(code, str(demo))
    assert "console.flows.plaincron" in modules  # the listing did work out next runs
    assert _heavy(modules, LIST_MUST_NOT_LOAD) == []


def test_flows_in_utc_need_no_time_zone_database(demo: Path) -> None:
    text = demo.read_text(encoding="utf-8")
    assert 'timezone = "Europe/Istanbul"' in text
    demo.write_text(text.replace('timezone = "Europe/Istanbul"', 'timezone = "UTC"'),
                    encoding="utf-8")
    code = ("import sys\nfrom console.cli import main\n"
            "assert main(['--flows', sys.argv[1], 'flows', 'list']) == 0\n"
            "seen = sorted(sys.modules)\nimport json\nprint(json.dumps(seen))")
    assert _heavy(_loaded(code, str(demo)), ("zoneinfo", "sysconfig")) == []


def test_a_schedule_beyond_plain_cron_still_loads_croniter(demo: Path) -> None:
    text = demo.read_text(encoding="utf-8")
    demo.write_text(text.replace('"0 0/30 * * * ? *"', '"0 0/30 8-18 ? * MON-FRI *"'),
                    encoding="utf-8")
    code = ("import json, sys\nfrom console.cli import main\n"
            "assert main(['--flows', sys.argv[1], 'flows', 'list']) == 0\n"
            "print(json.dumps(sorted(sys.modules)))")
    assert "croniter" in _loaded(code, str(demo))


def test_reading_script_settings_does_not_start_the_pool_machinery() -> None:
    """``[runner.scripts] uids`` is read with the pool's own parser, from a light module."""
    code = ("import json, sys\nfrom console.script.uids import parse_range\n"
            "assert parse_range('5-9') == (5, 9)\n"
            "print(json.dumps(sorted(sys.modules)))")
    modules = _loaded(code)
    assert _heavy(modules, ("console.script.pool", "console.script.result", "multiprocessing",
                            "asyncio")) == []


def test_script_package_still_offers_the_pool_and_result() -> None:
    import console.script
    from console.script.pool import ScriptPool
    from console.script.result import ScriptResult

    assert console.script.ScriptPool is ScriptPool
    assert console.script.ScriptResult is ScriptResult
    with pytest.raises(AttributeError):
        _ = console.script.NoSuchName  # type: ignore[attr-defined]


def test_schedules_leave_platform_alone() -> None:
    """croniter is imported without its ``file`` child process, and ``platform`` is left as
    it was for everyone else."""
    code = ("import json, platform, sys\nreal = platform.architecture\n"
            "from datetime import datetime, UTC\n"
            "from console.flows.schedule import Schedule\n"
            "runs = Schedule.parse('*/5 * * * MON-FRI').next_runs(datetime(2026, 1, 1, tzinfo=UTC), 2)\n"
            "assert [r.minute for r in runs] == [5, 10], runs\n"
            "assert platform.architecture is real\n"
            "print(json.dumps(sorted(sys.modules)))")
    modules = _loaded(code)
    assert "croniter" in modules and "subprocess" not in modules


def test_first_screen_loads_no_editor(demo: Path) -> None:
    code = (
        "import json, sys\n"
        "from console.tui.app import ConsoleApp\n"
        "from console.tui.settings import Settings\n"
        "seen = []\n"
        "class FirstPaint(ConsoleApp):\n"
        "    def on_mount(self):\n"
        "        super().on_mount()\n"
        "        self.call_after_refresh(lambda: self.call_after_refresh(self.painted))\n"
        "    def painted(self):\n"
        "        seen.extend(sorted(sys.modules))\n"
        "        self.exit()\n"
        "FirstPaint(sys.argv[1], start_runner=False, settings=Settings()).run(headless=True)\n"
        "print(json.dumps(seen))")
    modules = _loaded(code, str(demo), cwd=demo.parent)
    assert "console.tui.screens.flows" in modules
    assert _heavy(modules, FIRST_SCREEN_MUST_NOT_LOAD) == []


def test_a_schedules_next_run_is_worked_out_once_and_stays_right() -> None:
    """Loading flows.toml and listing its flows ask for the same next runs moments apart: the
    second answer comes from the first, and is the one a fresh reading gives."""
    from datetime import UTC, datetime, timedelta

    from console.flows.schedule import Schedule

    schedule = Schedule.parse("*/15 * * * *", "Europe/Istanbul")
    start = datetime(2026, 3, 1, 8, 59, 30, tzinfo=UTC)
    first = schedule.next_runs(start, 1)
    assert first == [datetime(2026, 3, 1, 9, 0, tzinfo=UTC)]
    for later in (start + timedelta(seconds=20), first[0] - timedelta(microseconds=1)):
        assert schedule.next_runs(later, 1) == first
    assert schedule.next_runs(first[0], 1) == [datetime(2026, 3, 1, 9, 15, tzinfo=UTC)]
    assert schedule.next_runs(start - timedelta(minutes=20), 1) == [
        datetime(2026, 3, 1, 8, 45, tzinfo=UTC)]
    assert schedule.next_runs(start, 3)[1:] == [datetime(2026, 3, 1, 9, 15, tzinfo=UTC),
                                                datetime(2026, 3, 1, 9, 30, tzinfo=UTC)]


def _helps(parser: argparse.ArgumentParser) -> list[str]:
    """A parser's help and the help of every parser below it."""
    found = [parser.format_help()]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += _helps(child)
    return found


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_a_command_line_gets_only_its_commands_parser_the_same_as_in_the_full_one() -> None:
    everything = _commands(build_parser())
    assert {"flows", "serve", "sandbox", "ui"} <= set(everything)
    for name, full in everything.items():
        for argv in ([name, "--help"], ["--flows", "x.toml", name], ["--flows=x.toml", name]):
            built = _commands(build_parser(argv))
            assert list(built) == [name]
            assert _helps(built[name]) == _helps(full)


def test_help_version_and_unknown_commands_see_every_command(
        capsys: pytest.CaptureFixture[str]) -> None:
    every = set(_commands(build_parser()))
    for argv in ([], ["--help"], ["--flows", "x.toml", "--version"], ["nope"], ["--flow", "x"]):
        assert set(_commands(build_parser(argv))) == every
    with pytest.raises(SystemExit):
        main(["nope"])
    assert "invalid choice: 'nope'" in capsys.readouterr().err


PLAIN_LISTS = (
    ["flows", "list"], ["flows", "list", "--json"], ["--flows", "x.toml", "flows", "list"],
    ["--flows=x.toml", "flows", "list", "--json"], ["--flows", "", "flows", "list"],
    ["--flows=", "flows", "list"], ["--flows", "a b/flows list.toml", "flows", "list"],
)
OTHER_LINES = (
    [], ["flows"], ["flows", "list", "--js"], ["flows", "list", "-h"], ["--flow", "x", "flows",
    "list"], ["--flows", "-x", "flows", "list"], ["--flows", "x", "--flows", "y", "flows", "list"],
    ["flows", "list", "--json", "--json"], ["flows", "show", "list"], ["--", "flows", "list"],
    ["--flows", "flows", "list"], ["flows", "list", "extra"], ["--version", "flows", "list"],
    ["--flows"], ["flows", "--json", "list"],
)


def test_a_plain_flows_list_line_is_read_as_argparse_reads_it() -> None:
    for argv in PLAIN_LISTS:
        args = build_parser(argv).parse_args(argv)
        assert args.handler is list_flows
        assert flows_list_line(argv) == (args.flows, args.json), argv
    for argv in OTHER_LINES:
        assert flows_list_line(argv) is None, argv


@pytest.mark.parametrize("content", [None, "[omnitron]\nurl = 3\n", "not toml ["])
@pytest.mark.parametrize("as_json", [False, True])
def test_flows_list_without_a_parser_prints_and_fails_as_through_one(
        demo: Path, content: str | None, as_json: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    if content is not None:
        demo.write_text(content, encoding="utf-8")
    argv = ["--flows", str(demo), "flows", "list", *(["--json"] if as_json else [])]
    assert flows_list_line(argv) is not None
    status = main(argv)
    quick = capsys.readouterr()
    args = build_parser(argv).parse_args(argv)
    through_parser = cli._run(lambda: args.handler(args))
    parsed = capsys.readouterr()
    assert (status, quick.out, quick.err) == (through_parser, parsed.out, parsed.err)
    assert (status == 0) is (content is None)
    assert (quick.out if content is None else quick.err).strip()


def test_flows_list_takes_the_default_flows_file_without_a_parser(
        demo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CONSOLE_FLOWS", str(demo))
    assert main(["flows", "list"]) == 0
    assert "stock" in capsys.readouterr().out
    monkeypatch.delenv("CONSOLE_FLOWS")
    monkeypatch.chdir(demo.parent)
    assert main(["flows", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["id"]


MAPPING_EXTRAS = ("console.mapping.modify", "console.mapping.compiled_modify",
                  "console.mapping.functions", "console.mapping.dates", "zoneinfo", "calendar",
                  "decimal")
_WORKER_MAPS = ("import json, pickle, sys\nfrom console.script import worker\n"
                "result = {'error': None, 'output': [{'sku': 'S1', 'qty': 2}]}\n"
                "chunks = worker._mapped_chunks(result, sys.argv[1], 1 << 20)\n"
                "rows = [r for c in chunks for r in pickle.loads(c[len(worker.wire.OUTPUT_CHUNK):])]\n"
                "print(json.dumps(rows))\n"
                "print(json.dumps(sorted(sys.modules)))")


def test_a_script_worker_mapping_only_shifts_loads_no_modify_functions_or_dates() -> None:
    """A sync's first page waits for its worker to start: a shift-only mapping, the usual one,
    brings neither the modify step's code nor its functions' and dates' modules."""
    spec = '[{"operation": "shift", "spec": {"*": {"sku": "[&1].product_sku"}}}]'
    out = subprocess.run([sys.executable, "-c", _WORKER_MAPS, spec], capture_output=True,
                         text=True, check=True, timeout=120).stdout.strip().splitlines()
    assert json.loads(out[-2]) == [{"product_sku": "S1"}]
    modules: list[str] = json.loads(out[-1])
    assert "console.mapping.shift" in modules
    assert _heavy(modules, MAPPING_EXTRAS) == []


def test_a_script_worker_mapping_that_modifies_still_loads_what_it_uses() -> None:
    """A modify step brings its functions; the dates' heavier imports wait for a date function
    that needs them (a named zone, a move by months)."""
    spec = ('[{"operation": "modify-overwrite-beta", "spec": {"*": {"qty": "=toString"}}}]')
    out = subprocess.run([sys.executable, "-c", _WORKER_MAPS, spec], capture_output=True,
                         text=True, check=True, timeout=120).stdout.strip().splitlines()
    assert json.loads(out[-2]) == [{"sku": "S1", "qty": "2"}]
    modules: list[str] = json.loads(out[-1])
    assert {"console.mapping.modify", "console.mapping.functions"} <= set(modules)
    # The date functions' module is there, but no date function ran: no zone database, no
    # calendar.
    assert _heavy(modules, ("zoneinfo", "calendar")) == []
