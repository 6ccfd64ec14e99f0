"""The Omnitron client and the stock/OMS commands against the sandbox."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from console.cli import main
from console.omnitron import (
    OmnitronAuthError,
    OmnitronClient,
    OmnitronUnavailable,
    OmnitronValidationError,
    RetryPolicy,
)
from console.sandbox import Sandbox


def client_for(sandbox: Sandbox, **kwargs: object) -> OmnitronClient:
    return OmnitronClient(sandbox.omnitron_url, "integrator", "sandbox", **kwargs)  # type: ignore[arg-type]


def test_client_edits_a_stock_and_reads_it_back(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client:
        saved = client.upsert_stock({"product_sku": "SKU-000050", "stock_list": 2, "stock": 12,
                                     "unit_type": "kg"})
        assert saved["stock"] == 12
        assert client.get_stock("SKU-000050", 2)["unit_type"] == "kg"  # type: ignore[index]
    assert sandbox.stock("SKU-000050", 2)["stock"] == 12


def test_client_pages_lazily_and_lists_stock_lists(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client:
        rows = client.iter_product_stocks(stock_list=1, page_size=50)
        first = [next(rows) for _ in range(120)]
        assert len({r["id"] for r in first}) == 120
        assert [s["id"] for s in client.stock_lists()] == [1, 2, 3]


def test_validation_errors_are_typed_with_fields(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client, pytest.raises(OmnitronValidationError) as caught:
        client.upsert_stock({"product_sku": "NOPE", "stock_list": 1, "stock": -1})
    assert caught.value.field_errors == {
        "product_sku": ["Product not found."],
        "stock": ["Ensure this value is greater than or equal to 0."]}


def test_expired_token_is_renewed_once(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client:
        first = client.login()
        sandbox.expire_omnitron_tokens()
        assert client.stock_lists()
        assert client.token != first


def test_bad_login_and_unreachable_omnitron(sandbox: Sandbox) -> None:
    with OmnitronClient(sandbox.omnitron_url, "integrator", "wrong") as client, \
            pytest.raises(OmnitronAuthError, match="refused the login"):
        client.login()
    policy = RetryPolicy(attempts=2, base_delay=0.01)
    with OmnitronClient("http://127.0.0.1:9", "u", "p", retry=policy) as client, \
            pytest.raises(OmnitronUnavailable, match="cannot reach Omnitron"):
        client.stock_lists()


def test_bulk_upsert_and_status_update(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client:
        answer = client.bulk_upsert([{"product_sku": "SKU-000060", "stock_list": 3, "stock": 4},
                                     {"product_sku": "X", "stock_list": 3, "stock": 4}], "b-60")
        assert answer.created + answer.updated == 1 and answer.errors[0]["index"] == 1
        item = next(i for i in range(1, 300) if (sandbox.order_item(i) or {}).get("status") == 400)
        order = sandbox.order_item(item)["order_number"]  # type: ignore[index]
        updated = client.bulk_status_update({"order": order,
                                             "orderitem_set": [{"id": item, "status": 450}]})
        assert updated["orderitem_set"][0]["status"] == 450


@pytest.fixture
def flows(demo_flows: object, tmp_path: Path) -> Path:
    return demo_flows(tmp_path)  # type: ignore[operator,no-any-return]


def test_cli_sets_and_lists_stock(flows: Path, sandbox: Sandbox,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--flows", str(flows), "stock", "set", "SKU-000070", "--stock-list", "1",
                 "--stock", "33", "--unit-type", "qty"]) == 0
    assert "SKU-000070 in stock list 1: stock 33 qty" in capsys.readouterr().out
    assert sandbox.stock("SKU-000070", 1)["stock"] == 33
    assert main(["--flows", str(flows), "stock", "list", "--sku", "SKU-000070", "--json"]) == 0
    assert '"stock": 33' in capsys.readouterr().out


def test_cli_stock_list_says_when_it_shows_only_some_rows(flows: Path, sandbox: Sandbox,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    assert main(["--flows", str(flows), "stock", "list", "--stock-list", "1", "--limit",
                 "120"]) == 0
    out, err = capsys.readouterr()
    assert len(out.strip().splitlines()) == 121  # the header and 120 rows over two pages
    total = sandbox.stocks(1)
    assert f"showing 120 of {len(total)} rows; --limit {len(total)} shows them all" in err


def test_cli_run_progress_has_no_carriage_returns_off_a_terminal(
        flows: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    main(["--flows", str(flows), "run", "stock"])
    out, err = capsys.readouterr()
    assert "\r" not in err and "read," in err and "written" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["stock", "set", "NOPE", "--stock-list", "1", "--stock", "1"], "product_sku: Product not found."),
    (["stock", "set", "SKU-000001", "--stock-list", "1", "--stock", "-4"], "between 0 and"),
    (["stock", "set", "SKU-000001", "--stock-list", "99", "--stock", "1"], "stock_list:"),
])
def test_cli_stock_errors_are_clear_and_non_zero(flows: Path, argv: list[str], message: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--flows", str(flows), *argv]) != 0
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_oms_copy_step_and_status(flows: Path, sandbox: Sandbox,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    sandbox.set_oms(task_seconds=0.3)
    assert main(["--flows", str(flows), "oms", "run", "copy-addresses"]) == 0
    assert main(["--flows", str(flows), "oms", "done", "check-machine"]) == 0
    assert main(["--flows", str(flows), "oms", "status"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"copy-addresses\s+api\s+done", out)
    assert re.search(r"check-machine\s+manual\s+done", out)
    sandbox.set_oms(failing=["channels"], task_seconds=0.2)
    assert main(["--flows", str(flows), "oms", "run", "copy-channels"]) == 1
    assert "copy-channels failed" in capsys.readouterr().err
    assert main(["--flows", str(flows), "oms", "run", "stock-integration", "--url",
                 "http://erp/stock", "--engine", "nope"]) == 1
    assert "unknown stock engine 'nope'" in capsys.readouterr().err
    sandbox.set_oms()


async def test_oms_screen_runs_the_copy_steps_and_remembers_them(flows: Path,
                                                                 sandbox: Sandbox) -> None:
    from textual.widgets import DataTable

    from console.tui.app import ConsoleApp
    from console.tui.settings import Settings
    from tests.console_pilot import until

    def steps(app: ConsoleApp) -> DataTable[object] | None:
        found = app.screen.query("#steps")
        table = found.first(DataTable) if found else None
        return table if table is not None and table.row_count > 5 else None

    sandbox.set_oms(task_seconds=0.3)
    app = ConsoleApp(flows, start_runner=False, settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("O")
        await until(pilot, lambda: steps(app) is not None)
        table = app.screen.query_one(DataTable)
        for row in (3, 4, 5):
            table.move_cursor(row=row)
            await pilot.press("enter")
            await until(pilot, lambda: table.get_row_at(row)[3] == "done")  # noqa: B023
    again = ConsoleApp(flows, start_runner=False, settings=Settings())
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.press("O")
        await until(pilot, lambda: steps(again) is not None)
        table = again.screen.query_one(DataTable)
        states = [table.get_row_at(i)[3] for i in (3, 4, 5)]
        assert states == ["done", "done", "done"]


async def test_stock_browser_pages_and_edits_with_validation(flows: Path,
                                                            sandbox: Sandbox) -> None:
    from textual.widgets import DataTable, Input, Label, Static

    from console.tui.app import ConsoleApp
    from console.tui.settings import Settings
    from tests.console_pilot import idle, until

    app = ConsoleApp(flows, start_runner=False, settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("S")
        await until(pilot, lambda: bool(app.screen.query("#stock")))
        screen = app.screen
        table = screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count > 0)
        assert table.row_count == 100
        screen.query_one("#sku", Input).value = "SKU-000080"
        screen.query_one("#stock-list", Input).value = "1"
        screen._filter()  # type: ignore[attr-defined]
        await until(pilot, lambda: table.row_count > 0)
        assert table.row_count == 1
        await pilot.press("enter")
        screen.query_one("#edit-stock", Input).value = "-3"
        await pilot.pause()
        assert "stock: a whole number" in str(screen.query_one("#status", Static).render())
        before = sandbox.stock("SKU-000080", 1)["stock"]
        screen.query_one("#edit-stock", Input).value = "41"
        await pilot.press("enter")
        await pilot.pause()
        question = str(app.screen.query_one(Label).render())
        assert f"SKU-000080 in stock list 1: stock {before} → 41" in question
        await pilot.press("n")  # nothing goes to Omnitron without a yes
        await idle(pilot)
        assert sandbox.stock("SKU-000080", 1)["stock"] == before
        screen.query_one("#edit-stock", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("y")
        await until(pilot, lambda: any(n.title == "Saved" for n in app._notifications))
    assert sandbox.stock("SKU-000080", 1)["stock"] == 41


async def test_async_client_makes_the_same_calls(sandbox: Sandbox) -> None:
    from console.omnitron import AsyncOmnitronClient

    async with AsyncOmnitronClient(sandbox.omnitron_url, "integrator", "sandbox") as client:
        saved = await client.upsert_stock({"product_sku": "SKU-000090", "stock_list": 2,
                                           "stock": 9})
        assert saved["stock"] == 9
        assert (await client.get_stock("SKU-000090", 2))["stock"] == 9  # type: ignore[index]
        rows = []
        async for row in client.iter_product_stocks(stock_list=1, page_size=25):
            rows.append(row)
            if len(rows) == 60:
                break
        assert len({r["id"] for r in rows}) == 60
        sandbox.expire_omnitron_tokens()
        assert [s["id"] for s in await client.stock_lists()] == [1, 2, 3]
        with pytest.raises(OmnitronValidationError):
            await client.upsert_stock({"product_sku": "NOPE", "stock_list": 2})


async def test_oms_screen_defines_the_stock_integration_from_a_form(flows: Path,
                                                                   sandbox: Sandbox) -> None:
    from textual.widgets import DataTable, Input, Select

    from console.tui.app import ConsoleApp
    from console.tui.screens.oms_setup import OmsSetupScreen
    from console.tui.screens.oms_step_form import OmsStepForm
    from console.tui.settings import Settings
    from tests.console_pilot import until

    app = ConsoleApp(flows, start_runner=False, settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("O")
        await until(pilot, lambda: isinstance(app.screen, OmsSetupScreen)
                    and app.screen.query_one(DataTable).row_count > 9)
        checklist = app.screen
        table = checklist.query_one(DataTable)
        table.move_cursor(row=9)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, OmsStepForm))
        form = app.screen
        select = form.query_one("#engine", Select)
        # the engines are asked of Omnitron in a worker; the choice exists once they arrive
        await until(pilot, lambda: select.prompt == "stock engine")
        form.query_one("#f-url", Input).value = "http://erp.example/stock"
        select.value = "default"
        form.run()  # type: ignore[attr-defined]
        await until(pilot, lambda: app.screen is checklist
                    and table.get_row_at(9)[3] == "done")
