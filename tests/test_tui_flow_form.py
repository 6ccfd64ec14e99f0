"""The designer's form: typed fields, their problems, and the flow they make."""

from __future__ import annotations

from console_pilot import ran, save_in_designer, until

from console.commands.init import demo_flows_text
from console.flows import loads
from console.tui.flow_form import apply, fields_for, shown

CONFIG = loads(demo_flows_text())


def keys(flow_id: str) -> set[str]:
    return {spec.key for spec in fields_for(CONFIG.flow(flow_id))}


def test_each_flow_gets_the_fields_that_mean_something_for_it() -> None:
    assert {"read.url", "login.type", "write.stock_list", "fetch_missing.enabled",
            "schedule"} <= keys("stock")
    order = keys("order_status")
    assert "write.stock_list" not in order and "fetch_missing.enabled" not in order
    push = keys("stock_push")
    assert "read.url" not in push and "schedule" not in push and "write.stock_list" in push


def test_typed_values_land_in_the_flow() -> None:
    stock = CONFIG.flow("stock")
    flow, problems = apply(stock, {"read.timeout_s": "12.5", "read.pagination.type": "seek",
                                   "read.pagination.page_size": "250", "schedule": "",
                                   "trigger_params": "sku, modified_date__gt, channel",
                                   "fetch_missing.enabled": True})
    assert problems == {}
    assert flow.read is not None and flow.read.timeout_s == 12.5
    assert flow.read.pagination is not None
    assert (flow.read.pagination.type, flow.read.pagination.page_size) == ("seek", 250)
    assert flow.read.pagination.total_path == "count"
    assert flow.schedule is None and flow.trigger_params[-1] == "channel"
    assert flow.fetch_missing.enabled is True and stock.fetch_missing.enabled is False


def test_none_drops_the_optional_tables_and_a_type_creates_them() -> None:
    stock = CONFIG.flow("stock")
    flow, _ = apply(stock, {"read.pagination.type": "none", "read.pagination.page_size": "9",
                            "login.type": "none", "login.url": "http://x"})
    assert flow.read is not None and flow.read.pagination is None
    assert flow.login is not None and flow.login.type == "none"
    oms = CONFIG.flow("oms_stock")
    starts = {spec.key: shown(oms, spec) for spec in fields_for(oms)}
    assert starts["read.pagination.type"] == "none"
    assert starts["read.pagination.page_size"] == "500"
    unchanged, problems = apply(oms, {"read.pagination.type": "none",
                                      "read.pagination.page_size": ""})
    assert problems == {} and unchanged == oms
    bare, _ = apply(oms, {"read.pagination.type": "offset"})
    assert bare.read is not None and bare.read.pagination is not None
    assert bare.read.pagination.page_size == 500


def test_text_that_is_not_the_fields_type_is_a_problem_and_changes_nothing() -> None:
    stock = CONFIG.flow("stock")
    flow, problems = apply(stock, {"write.batch_size": "5k", "read.timeout_s": "",
                                   "read.method": "PUT"})
    assert problems == {"write.batch_size": "expected a whole number, found '5k'",
                        "read.timeout_s": "expected a number",
                        "read.method": "expected one of GET, POST"}
    assert flow.write.batch_size == stock.write.batch_size


def test_fields_start_from_the_flow() -> None:
    stock = CONFIG.flow("stock")
    starts = {spec.key: shown(stock, spec) for spec in fields_for(stock)}
    assert starts["read.timeout_s"] == "30" and starts["read.pagination.type"] == "offset"
    assert starts["trigger_params"] == "sku, modified_date__gt"
    assert starts["allow_concurrent_runs"] is False and starts["write.stock_list"] == "1"


async def test_designer_checks_fields_as_typed_and_saves_them(demo_flows: object,
                                                             tmp_path: object) -> None:
    from pathlib import Path

    from textual.widgets import Input, Static

    from console.flows import load
    from console.tui.app import ConsoleApp
    from console.tui.saving import flush
    from console.tui.settings import Settings

    path = demo_flows(tmp_path)  # type: ignore[operator]
    app = ConsoleApp(path, start_runner=False, settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        schedule = screen.query_one("#field-schedule", Input)
        schedule.value = "61 * * * *"
        error_line = screen.query_one("#error-field-schedule", Static)
        status = screen.query_one("#form-status", Static)
        # the edit is checked in a worker: wait for its answer, not for time
        await until(pilot, lambda: str(error_line.render()).startswith("✗"))
        assert "61" in str(error_line.render())
        assert "F2 will not save" in str(status.render())
        before = Path(path).read_text()
        await pilot.press("f2")
        flush()  # the file is written off the event loop
        await pilot.pause()
        assert Path(path).read_text() == before
        schedule.value = "0 6 * * *"
        screen.query_one("#cards").active = "tab-read"  # type: ignore[attr-defined]
        await pilot.pause()
        screen.query_one("#field-read-timeout_s", Input).value = "soon"
        timeout_error = screen.query_one("#error-field-read-timeout_s", Static)
        await until(pilot, lambda: "expected a number, found 'soon'" in str(
            timeout_error.render()))
        screen.query_one("#field-read-timeout_s", Input).value = "12"
        await until(pilot, lambda: str(timeout_error.render()) == "")
        await until(pilot, lambda: str(status.render()) == "")
        await save_in_designer(pilot)
    saved = load(path).flow("stock")
    assert saved.schedule == "0 6 * * *" and saved.read is not None
    assert saved.read.timeout_s == 12.0


def test_oms_flows_edit_their_query_settings() -> None:
    oms = CONFIG.flow("oms_stock")
    assert {"oms.sku_mode", "oms.concurrency"} <= keys("oms_stock")
    assert "oms.sku_mode" not in keys("stock")
    flow, problems = apply(oms, {"oms.sku_mode": "single", "oms.concurrency": "4"})
    assert problems == {} and flow.oms is not None
    assert (flow.oms.sku_mode, flow.oms.concurrency) == ("single", 4)
    assert flow.oms.post_script == oms.oms.post_script  # type: ignore[union-attr]


async def test_oms_flow_designer_tests_its_post_script_and_saves_it(demo_flows: object,
                                                                   tmp_path: object) -> None:
    import json

    from textual.widgets import DataTable, TextArea

    from console.flows import load
    from console.tui.app import ConsoleApp
    from console.tui.settings import Settings

    path = demo_flows(tmp_path)  # type: ignore[operator]
    app = ConsoleApp(path, start_runner=False, settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one(DataTable).move_cursor(row=4)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert not screen.query("#tab-script") and not screen.query("#tab-write")
        screen.query_one("#cards").active = "tab-post-script"  # type: ignore[attr-defined]
        await pilot.pause()
        panel = screen.query_one("#post-script-test")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: ran(panel))
        result = json.loads(panel.query_one(".result", TextArea).text)
        assert result == [{"sku": "SKU-000001", "stock": 12, "location": 1},
                          {"sku": "SKU-000002", "stock": 0, "location": 1}]
        editor = screen.query_one("#pre-script-editor").query_one(TextArea)
        editor.text = "def transform(data, attributes):\n    return sorted(data)\n"
        await save_in_designer(pilot)
    saved = load(path).flow("oms_stock").oms
    assert saved is not None and saved.pre_script is not None
    assert "sorted(data)" in saved.pre_script and "location" in (saved.post_script or "")


def test_headers_and_extra_params_are_name_value_lines() -> None:
    stock = CONFIG.flow("stock")
    starts = {spec.key: shown(stock, spec) for spec in fields_for(stock)}
    assert starts["read.headers"] == "Accept = application/json"
    assert starts["read.extra_params"] == "channel = shop"
    flow, problems = apply(stock, {
        "read.headers": "Accept = application/json\n\nX-Token = ${token.erp}",
        "read.extra_params": "channel=shop\ntransfer=1",
        "read.pagination.limit_param": "size"})
    assert problems == {} and flow.read is not None and flow.read.pagination is not None
    assert dict(flow.read.headers) == {"Accept": "application/json", "X-Token": "${token.erp}"}
    assert dict(flow.read.extra_params) == {"channel": "shop", "transfer": "1"}
    assert flow.read.pagination.limit_param == "size"
    _, problems = apply(stock, {"read.headers": "Accept application/json"})
    assert problems == {"read.headers":
                        "line 1: expected name = value, found 'Accept application/json'"}


def test_url_preview_evaluates_like_the_runner_and_points_at_mistakes() -> None:
    from console.tui.widgets.read_card import preview_text

    text, failed = preview_text("http://erp/stock?${http.query.string}&t=${token.erp}",
                                {"sku": "A 1"})
    assert not failed
    assert text.splitlines() == ["→ http://erp/stock?sku=A+1&t=<token.erp>",
                                 "reads: http.query.string, token.erp"]
    text, failed = preview_text("http://erp/${sku:nosuch()}", {})
    assert failed and text.startswith("✗ offset 17: unknown function 'nosuch'")
    text, failed = preview_text("http://erp/?${http.query.string", {})
    assert not failed and text.endswith("! offset 12: '${' never closes, so it is sent as typed")


async def test_oms_dry_run_answers_a_stock_query_for_the_pre_script_skus(
        demo_flows: object, tmp_path: object, sandbox: object) -> None:
    from textual.widgets import DataTable, Static

    from console.flows import load
    from console.runner.dry_run import dry_run
    from console.tui.app import ConsoleApp
    from console.tui.settings import Settings

    path = demo_flows(tmp_path)  # type: ignore[operator]
    report = dry_run(load(path), "oms_stock", {"sku": "SKU-000005"})
    assert report.error is None and [r["sku"] for r in report.rows] == ["SKU-000005"]
    assert dry_run(load(path), "oms_stock").error == \
        "stock query: no SKUs to ask for (give sku=SKU1,SKU2)"
    app = ConsoleApp(path, start_runner=False, settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one(DataTable).move_cursor(row=4)
        await pilot.press("enter")
        await pilot.pause()
        app.screen.query_one("#pre-script-test").input_text = '["SKU-000006"]'  # type: ignore[attr-defined]
        await pilot.press("f5")
        await until(pilot, lambda: type(app.screen).__name__ == "DryRunScreen")

        def texts() -> str:
            return " ".join(str(w.render()) for w in app.screen.query(Static))

        await until(pilot, lambda: '"location"' in texts())  # the run's answer, from a worker
        assert "sku=SKU-000006" in texts() and '"location"' in texts()
        assert "would be written" not in texts()


def test_login_card_edits_the_oauth2_and_login_request_settings() -> None:
    stock = CONFIG.flow("stock")
    flow, problems = apply(stock, {"login.type": "oauth2", "login.grant": "password",
                                   "login.client_id": "shop", "login.scope": "stock prices",
                                   "login.headers": "X-Tenant = north",
                                   "login.extra_body": "audience = erp\nbad line"})
    assert problems == {"login.extra_body": "line 2: expected name = value, found 'bad line'"}
    login = flow.login
    assert login is not None
    assert (login.type, login.grant, login.client_id, login.scope) == \
        ("oauth2", "password", "shop", "stock prices")
    assert dict(login.headers) == {"X-Tenant": "north"}
    starts = {spec.key: shown(flow, spec) for spec in fields_for(flow)}
    assert starts["login.headers"] == "X-Tenant = north"
    assert "login.client_secret" not in starts and "login.password" not in starts


def test_config_card_sets_the_upstream_of_a_chained_flow() -> None:
    price = CONFIG.flow("price")
    assert shown(price, next(f for f in fields_for(price) if f.key == "after")) == "stock"
    flow, problems = apply(price, {"after": "", "schedule": "*/15 * * * *"})
    assert problems == {} and (flow.after, flow.schedule) == (None, "*/15 * * * *")
    assert "after" not in keys("price_push")
