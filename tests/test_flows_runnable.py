"""Whatever `console flows validate` accepts, the runner can run: configs that once validated and
then crashed `serve` or `flows list` are located errors, through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from console.commands.init import demo_flows_text
from console.flows import FlowsError, loads
from console.flows.file import MAX_DEPTH

HEAD = '[omnitron]\nurl = "http://127.0.0.1:1"\nusername = "u"\npassword = "p"\n'
INBOUND = '[flows.a]\nname = "A"\ntype = "stock"\ndirection = "inbound"\n'
READ = '[flows.a.read]\nurl = "http://127.0.0.1:1/stock"\n'

CASES = {
    "30th of February": (INBOUND + 'schedule = "0 0 30 2 *"\n' + READ,
                         ":9: flows.a.schedule: ", "never fires"),
    "Quartz year in the past": (INBOUND + 'schedule = "0 0 0 1 1 ? 2020"\n' + READ,
                                ":9: flows.a.schedule: ", "'2020'"),
    "retention of a billion days": ("[runner]\nlog_retention_days = 1000000000\n",
                                    ":6: runner.log_retention_days: ", "between 1 and 3650"),
    "interval of nan hours": (INBOUND + READ + "[flows.a.write]\nstock_list = 1\n"
                              "[flows.a.fetch_missing]\nenabled = true\ninterval_hours = nan\n",
                              ":15: flows.a.fetch_missing.interval_hours: ", "found nan"),
    "over-long time zone": (INBOUND + f'timezone = "{"Europe/" * 60}"\n' + READ,
                            ":9: flows.a.timezone: ", "too long"),
    "unknown time zone": (INBOUND + 'timezone = "Mars/Olympus"\n' + READ,
                          ":9: flows.a.timezone: ", "unknown time zone 'Mars/Olympus'"),
    "deeply nested value": ("x = " + "[" * 5000 + "]" * 5000 + "\n", ":5: ",
                            f"nest more than {MAX_DEPTH} levels"),
}


def console(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "console.cli", *argv], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("case", list(CASES))
def test_a_config_the_runner_cannot_run_is_a_located_error(case: str, tmp_path: Path) -> None:
    body, where, what = CASES[case]
    path = tmp_path / "flows.toml"
    path.write_text(HEAD + body, encoding="utf-8")
    for argv in (["flows", "validate", str(path)], ["--flows", str(path), "flows", "list"],
                 ["--flows", str(path), "serve"]):
        done = console(*argv)
        assert done.returncode == 2, (argv, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        line = next(x for x in done.stderr.splitlines() if where in x)
        assert line.startswith(str(path)) and what in line, line


def test_rare_schedules_that_do_fire_stay_valid() -> None:
    text = demo_flows_text()
    for schedule in ("0 0 29 2 *", "0 0 12 1 1 ? 2090", "0 0 12 ? 1 MON 2030-2099"):
        config = loads(text.replace('schedule = "*/5 * * * *"', f'schedule = "{schedule}"'))
        assert config.flow("stock").schedule == schedule


@pytest.mark.parametrize(("schedule", "days"), [
    ("0 0 12 ? * 2#1", ["Mon 2026-12-07", "Mon 2027-01-04", "Mon 2027-02-01"]),
    ("0 0 12 ? * 2#5", ["Mon 2027-03-29", "Mon 2027-05-31", "Mon 2027-08-30"]),
    ("0 0 12 ? * 1/3", ["Wed 2026-12-02", "Sat 2026-12-05", "Sun 2026-12-06"]),
    ("0 0 12 ? * 6L", ["Fri 2026-12-25", "Fri 2027-01-29", "Fri 2027-02-26"]),
    ("0 0 12 ? * FRIL", ["Fri 2026-12-25", "Fri 2027-01-29", "Fri 2027-02-26"]),
])
def test_quartz_weekday_occurrences_steps_and_last_weekdays(schedule: str,
                                                                  days: list[str]) -> None:
    """In ``2#5`` (the fifth Monday) and ``1/3`` (every third day from Sunday) only the day
    before ``#`` or ``/`` is a Quartz day number (1 is Sunday); the number after it counts.
    ``6L`` is the month's last Friday."""
    from datetime import datetime

    from console.flows import Schedule

    config = loads(demo_flows_text().replace('schedule = "*/5 * * * *"',
                                             f'schedule = "{schedule}"'))
    assert config.flow("stock").schedule == schedule
    runs = Schedule.parse(schedule, "UTC").next_runs(datetime.fromisoformat(
        "2026-12-01T00:00:00+00:00"), 3)
    assert [run.strftime("%a %Y-%m-%d") for run in runs] == days


@pytest.mark.parametrize(("key", "bad", "good"), [
    ("max_active_executions", "0", "1000"),
    ("outbound_max_rows", "10000001", "10000000"),
    ("log_retention_days", "3651", "3650"),
])
def test_runner_numbers_have_their_documented_range(key: str, bad: str, good: str) -> None:
    assert getattr(loads(f"{HEAD}[runner]\n{key} = {good}\n").runner, key) == int(good)
    with pytest.raises(FlowsError) as caught:
        loads(f"{HEAD}[runner]\n{key} = {bad}\n")
    assert [p.key_path for p in caught.value.problems] == [f"runner.{key}"]


@pytest.mark.parametrize(("table", "key", "bad"), [
    ("read", "timeout_s", "inf"), ("read", "timeout_s", "0"), ("write", "batch_size", "50001"),
    ("write", "stock_list", "0"), ("write", "stock_list", "2147483648"),
    ("fetch_missing", "productized_within_days", "3651"),
    ("fetch_missing", "interval_hours", "-inf"), ("fetch_missing", "interval_hours", "1e300"),
    ("fetch_missing", "chunk_size", "0"),
])
def test_flow_numbers_have_their_documented_range(table: str, key: str, bad: str) -> None:
    extra = f"{key} = {bad}\n" if table == "read" else f"[flows.a.{table}]\n{key} = {bad}\n"
    with pytest.raises(FlowsError) as caught:
        loads(HEAD + INBOUND + READ + extra)
    assert [p.key_path for p in caught.value.problems] == [f"flows.a.{table}.{key}"]


def test_pagination_and_oms_numbers_are_bounded() -> None:
    text = demo_flows_text()
    with pytest.raises(FlowsError) as caught:
        loads(text.replace("page_size = 500", "page_size = 100001")
                  .replace('sku_mode = "multiple"', 'sku_mode = "multiple"\nconcurrency = 65'))
    assert {p.key_path for p in caught.value.problems} == {
        "flows.stock.read.pagination.page_size", "flows.price.read.pagination.page_size",
        "flows.oms_stock.oms.concurrency"}


DEMO_FLOW_IDS = [flow.id for flow in loads(demo_flows_text()).flows]


def test_the_demo_has_a_flow_of_every_kind() -> None:
    from console.kinds import KINDS

    assert {flow.type for flow in loads(demo_flows_text()).flows} == set(KINDS)


@pytest.mark.parametrize("flow_id", DEMO_FLOW_IDS)
def test_flows_show_works_for_every_demo_flow(flow_id: str, tmp_path: Path) -> None:
    path = tmp_path / "flows.toml"
    path.write_text(demo_flows_text(), encoding="utf-8")
    plain = console("--flows", str(path), "flows", "show", flow_id)
    assert plain.returncode == 0, plain.stderr
    assert f"id: {flow_id}" in plain.stdout and "Traceback" not in plain.stderr
    as_json = console("--flows", str(path), "flows", "show", flow_id, "--json")
    assert as_json.returncode == 0, as_json.stderr
    shown = json.loads(as_json.stdout)
    assert shown["id"] == flow_id
    login = shown.get("login") or {}
    secrets = [login.get(key) for key in ("password", "token", "client_secret")]
    assert all(value is None or value.endswith("(default set)") for value in secrets)
    assert "sandbox-secret" not in plain.stdout + as_json.stdout


async def test_the_designer_refuses_to_save_a_value_validate_refuses(tmp_path: Path) -> None:
    from textual.widgets import Input, Static

    from console.tui.app import ConsoleApp
    from console.tui.saving import flush
    from console.tui.settings import Settings
    from tests.console_pilot import open_card, until

    path = tmp_path / "flows.toml"
    path.write_text(demo_flows_text(), encoding="utf-8")
    before = path.read_text()
    app = ConsoleApp(path, start_runner=False, settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_card(pilot, "tab-fetch")
        screen.query_one("#field-fetch_missing-interval_hours", Input).value = "nan"
        error = screen.query_one("#error-field-fetch_missing-interval_hours", Static)
        # the edit is checked by a worker: wait for its answer
        await until(pilot, lambda: str(error.render()) != "")
        assert "expected a number between 0.1 and 8760, found nan" in str(error.render())
        await pilot.press("f2")
        flush()  # the file is written (or refused) off the event loop
        await until(pilot, lambda: any(n.title == "Not saved" for n in app._notifications))
        refused = [str(n.message) for n in app._notifications if n.title == "Not saved"]
    assert path.read_text() == before
    bad = tmp_path / "bad.toml"
    bad.write_text(before.replace("productized_within_days = 30",
                                  "productized_within_days = 30\ninterval_hours = nan"))
    validate = console("flows", "validate", str(bad))
    message = validate.stderr.splitlines()[0].split(": ", 1)[1]  # the same words, after file:line
    assert message.startswith("flows.stock.fetch_missing.interval_hours: expected a number")
    assert refused and message in refused[0]


async def test_the_schedule_dialog_refuses_a_schedule_that_never_fires(tmp_path: Path) -> None:
    from textual.widgets import Button, Input, Static

    from console.tui.app import ConsoleApp
    from console.tui.settings import Settings

    path = tmp_path / "flows.toml"
    path.write_text(demo_flows_text(), encoding="utf-8")
    app = ConsoleApp(path, start_runner=False, settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        app.screen.query_one("#cron", Input).value = "0 0 30 2 *"
        await pilot.pause()
        about = str(app.screen.query_one("#about", Static).render())
        assert about.startswith("✗ no date matches it") and "never fires" in about
        assert app.screen.query_one("#save", Button).disabled


@pytest.mark.parametrize(("schedule", "utc_times"), [
    ("30 2 * * *", ["25 00:30", "26 01:30", "27 01:30"]),
    ("0 30 2 * * ?", ["25 00:30", "26 01:30", "27 01:30"]),
    ("0 */1 * * *", ["24 23:00", "25 00:00", "25 01:00"]),
])
def test_a_wall_time_the_clocks_go_back_over_runs_once(schedule: str,
                                                      utc_times: list[str]) -> None:
    """Berlin's clocks go back from 03:00 to 02:00 on 2026-10-25, so 02:30 comes twice: a
    schedule naming its hour runs at the first 02:30 only (then daily at 02:30 winter time),
    while an hourly one keeps running every real hour through the repeated one."""
    from datetime import UTC, datetime

    from console.flows import Schedule

    runs = Schedule.parse(schedule, "Europe/Berlin").next_runs(
        datetime.fromisoformat("2026-10-24T22:59:00+00:00"), 3)
    assert [run.astimezone(UTC).strftime("%d %H:%M") for run in runs] == utc_times
