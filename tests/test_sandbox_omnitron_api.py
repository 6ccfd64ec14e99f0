"""The sandbox Omnitron over real HTTP: auth, product stock, bulk upsert, order items, OMS setup."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from console.sandbox import Sandbox


@pytest.fixture(scope="module")
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.omnitron_url, timeout=30) as client:
        key = client.post("/api/v1/auth/login/",
                          json={"username": "integrator", "password": "sandbox"}).json()["key"]
        client.headers["Authorization"] = f"Token {key}"
        yield client


def test_login_rejects_wrong_password_and_calls_need_a_token(sandbox: Sandbox) -> None:
    with httpx.Client(base_url=sandbox.omnitron_url) as client:
        bad = client.post("/api/v1/auth/login/", json={"username": "integrator", "password": "x"})
        assert bad.status_code == 400 and "Unable to log in" in bad.text
        anonymous = client.get("/api/i1/product_stock/")
        assert anonymous.status_code == 401
        assert anonymous.json() == {"detail": "Authentication credentials were not provided."}
        wrong = client.get("/api/i1/product_stock/", headers={"Authorization": "Token nope"})
        assert wrong.status_code == 401 and wrong.json()["detail"] == "Invalid token."


def test_product_stock_pages_and_filters(api: httpx.Client) -> None:
    first = api.get("/api/i1/product_stock/", params={"limit": 4, "page": 1}).json()
    assert first["previous"] is None and "page=2" in first["next"] and len(first["results"]) == 4
    assert set(first["results"][0]) == {"id", "product_sku", "stock", "stock_list", "unit_type",
                                        "sold_quantity_unreported", "extra_field"}
    sku = first["results"][0]["product_sku"]
    one = api.get("/api/i1/product_stock/", params={"product_sku": sku, "stock_list": 1}).json()
    assert one["count"] == 1 and one["results"][0]["product_sku"] == sku
    second = api.get(first["next"]).json()
    assert second["previous"] is not None
    assert {r["id"] for r in second["results"]}.isdisjoint(r["id"] for r in first["results"])


def test_upsert_creates_then_updates_and_keeps_stock_when_omitted(api: httpx.Client,
                                                                 sandbox: Sandbox) -> None:
    row = {"product_sku": "SKU-000010", "stock_list": 2, "stock": 7, "unit_type": "kg",
           "extra_field": {"aisle": "4"}}
    created = api.post("/api/i1/product_stock/", json=row)
    assert created.status_code == 201 and created.json()["stock"] == 7
    updated = api.post("/api/i1/product_stock/",
                       json={"product_sku": "SKU-000010", "stock_list": 2, "unit_type": "qty"})
    assert updated.status_code == 200
    assert updated.json()["stock"] == 7 and updated.json()["unit_type"] == "qty"
    assert sandbox.stock("SKU-000010", 2)["stock"] == 7


@pytest.mark.parametrize(("row", "field", "message"), [
    ({"product_sku": "NOPE", "stock_list": 1, "stock": 1}, "product_sku", "Product not found."),
    ({"stock_list": 1, "stock": 1}, "product_sku", "This field is required."),
    ({"product_sku": "SKU-000001", "stock": 1}, "stock_list", "This field is required."),
    ({"product_sku": "SKU-000001", "stock_list": 99}, "stock_list", 'Invalid pk "99" - object does not exist.'),
    ({"product_sku": "SKU-000001", "stock_list": 1, "stock": -1}, "stock",
     "Ensure this value is greater than or equal to 0."),
    ({"product_sku": "SKU-000001", "stock_list": 1, "stock": 2147483648}, "stock",
     "Ensure this value is less than or equal to 2147483647."),
    ({"product_sku": "SKU-000001", "stock_list": 1, "stock": "many"}, "stock",
     "A valid integer is required."),
    ({"product_sku": "SKU-000001", "stock_list": 1, "unit_type": "box"}, "unit_type",
     '"box" is not a valid choice.'),
    ({"product_sku": "SKU-000001", "stock_list": 1, "extra_field": [1]}, "extra_field",
     "Value must be valid JSON object."),
])
def test_upsert_validation_errors(api: httpx.Client, row: dict, field: str, message: str) -> None:
    response = api.post("/api/i1/product_stock/", json=row)
    assert response.status_code == 400
    assert response.json()[field] == [message]


def test_bulk_upsert_reports_row_errors_and_is_idempotent(api: httpx.Client,
                                                         sandbox: Sandbox) -> None:
    rows = [{"product_sku": "SKU-000020", "stock_list": 3, "stock": 11, "batch_id": "batch-a"},
            {"product_sku": "MISSING-1", "stock_list": 3, "stock": 1, "batch_id": "batch-a"},
            {"product_sku": "SKU-000021", "stock_list": 3, "stock": -5, "batch_id": "batch-a"}]
    answer = api.post("/api/i1/product_stock/bulk_upsert/", json=rows).json()
    assert answer["batch_id"] == "batch-a" and answer["created"] + answer["updated"] == 1
    assert answer["errors"] == [
        {"index": 1, "product_sku": "MISSING-1", "errors": {"product_sku": ["Product not found."]}},
        {"index": 2, "product_sku": "SKU-000021",
         "errors": {"stock": ["Ensure this value is greater than or equal to 0."]}},
    ]
    sandbox_before = sandbox.stock("SKU-000020", 3)
    rows[0]["stock"] = 999
    again = api.post("/api/i1/product_stock/bulk_upsert/", json=rows).json()
    assert again == answer
    assert sandbox.stock("SKU-000020", 3) == sandbox_before


def test_bulk_upsert_applies_rows_in_order_when_a_new_key_repeats(api: httpx.Client,
                                                                   sandbox: Sandbox) -> None:
    rows = [{"product_sku": "SKU-000031", "stock_list": 2, "stock": 5, "unit_type": "qty"},
            {"product_sku": "SKU-000032", "stock_list": 2, "stock": 6},
            {"product_sku": "SKU-000031", "stock_list": 2, "stock": 7, "unit_type": "kg"},
            {"product_sku": "SKU-000031", "stock_list": 2, "unit_type": "qty"}]
    assert sandbox.stock("SKU-000031", 2) is None
    answer = api.post("/api/i1/product_stock/bulk_upsert/", json=rows).json()
    assert (answer["created"], answer["updated"], answer["errors"]) == (2, 2, [])
    written = sandbox.stock("SKU-000031", 2)
    assert (written["stock"], written["unit_type"]) == (7, "qty")  # no stock: the last kept
    assert sandbox.stock("SKU-000032", 2)["stock"] == 6


def test_bulk_upsert_rejects_a_body_that_is_not_a_list(api: httpx.Client) -> None:
    response = api.post("/api/i1/product_stock/bulk_upsert/", json={"rows": []})
    assert response.status_code == 400
    broken = api.post("/api/i1/product_stock/bulk_upsert/", content=b"[{",
                      headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and "JSON" in broken.text


def _order_with_item(api: httpx.Client, sandbox: Sandbox, status: int) -> tuple[str, int]:
    for item_id in range(1, 400):
        item = sandbox.order_item(item_id)
        if item and item["status"] == status:
            return item["order_number"], item_id
    raise AssertionError(f"no item in status {status}")


def test_bulk_status_update_applies_allowed_transitions(api: httpx.Client, sandbox: Sandbox) -> None:
    order, item_id = _order_with_item(api, sandbox, 400)
    body = {"order": order, "orderitem_set": [{"id": item_id, "status": 450,
                                               "invoice_number": "INV-1"}]}
    response = api.patch("/api/i1/order_items/bulk_status_update/", json=body)
    assert response.status_code == 200
    assert response.json()["orderitem_set"][0]["status"] == 450
    stored = sandbox.order_item(item_id)
    assert stored["status"] == 450 and stored["fields"]["invoice_number"] == "INV-1"


def test_bulk_status_update_names_each_bad_item(api: httpx.Client, sandbox: Sandbox) -> None:
    order, item_id = _order_with_item(api, sandbox, 500)
    other_order, other_item = _order_with_item(api, sandbox, 200)
    body = {"order": order, "orderitem_set": [
        {"id": item_id, "status": 100},
        {"id": 987654, "status": 500},
        {"id": other_item, "status": 400},
    ]}
    response = api.patch("/api/i1/order_items/bulk_status_update/", json=body)
    assert response.status_code == 400
    errors = {e["id"]: e["errors"][0] for e in response.json()["orderitem_set"]}
    assert "shipped (500) to canceled (100) is not allowed" in errors[item_id]
    assert errors[987654] == "Order item not found."
    assert errors[other_item] == f"Order item does not belong to order {order}."
    assert sandbox.order_item(item_id)["status"] == 500
    missing = api.patch("/api/i1/order_items/bulk_status_update/", json={"orderitem_set": []})
    assert missing.status_code == 400 and missing.json() == {"order": ["This field is required."]}
    assert other_order


def test_products_filters_and_stock_lists(api: httpx.Client) -> None:
    some = api.get("/api/i1/product/", params={"sku__in": "SKU-000001,SKU-000002,NOPE"}).json()
    assert [p["sku"] for p in some["results"]] == ["SKU-000001", "SKU-000002"]
    recent = api.get("/api/i1/product/", params={"productized_date__gte": "2025-10-01",
                                                  "limit": 1000}).json()
    assert recent["count"] > 0
    assert all(p["productized_date"] >= "2025-10-01" for p in recent["results"])
    lists = api.get("/api/i1/stock_list/").json()["results"]
    assert [s["id"] for s in lists] == [1, 2, 3]


def test_expired_token_is_rejected_until_a_new_login(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.expire_omnitron_tokens()
    assert api.get("/api/i1/stock_list/").status_code == 401
    key = api.post("/api/v1/auth/login/",
                   json={"username": "integrator", "password": "sandbox"}).json()["key"]
    api.headers["Authorization"] = f"Token {key}"
    assert api.get("/api/i1/stock_list/").status_code == 200


def _wait_for_task(api: httpx.Client, path: str, task_id: str) -> list[dict]:
    seen = []
    for _ in range(200):
        status = api.get(f"{path}/get_async_status/", params={"task_id": task_id}).json()
        seen.append(status)
        if status["status"] in ("done", "failed"):
            return seen
        time.sleep(0.05)
    raise AssertionError(f"task never finished: {seen[-1]}")


def test_oms_copy_step_progresses_to_done(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.set_oms(task_seconds=0.5)
    path = "/api/v1/oms/channels"
    assert api.get(f"{path}/is_required/").json() == {"is_required": True}
    task = api.post(f"{path}/execute/").json()["task_id"]
    seen = _wait_for_task(api, path, task)
    assert seen[-1] == {"status": "done", "progress": 100}
    assert [s["progress"] for s in seen] == sorted(s["progress"] for s in seen)
    assert api.get(f"{path}/is_required/").json() == {"is_required": False}
    assert api.get(f"{path}/get_async_status/", params={"task_id": "nope"}).status_code == 404


def test_oms_copy_step_can_fail(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.set_oms(failing=["addresses"], task_seconds=0.2)
    path = "/api/v1/oms/setup/addresses"
    task = api.post(f"{path}/execute/").json()["task_id"]
    final = _wait_for_task(api, path, task)[-1]
    assert final["status"] == "failed" and "addresses" in final["error"]
    sandbox.set_oms()


def test_oms_stock_integration_and_cargo_company(api: httpx.Client) -> None:
    base = "/api/v1/oms/setup/product-stock-integration"
    engines = [e["stock_engine_type"] for e in api.get(f"{base}/available-stock-engines/").json()]
    assert engines
    bad = api.post(f"{base}/execute/", json={"url": "nope", "stock_engine_type": "x"})
    assert bad.status_code == 400 and set(bad.json()) == {"url", "stock_engine_type"}
    good = api.post(f"{base}/execute/", json={"url": "http://erp/stock",
                                               "stock_engine_type": engines[0]})
    assert good.status_code == 201
    demo = {"name": "test", "erp_code": "t1", "shipping_company": "demo", "is_managed_by_oms": True,
            "is_demo_client": True, "conf": {"klass": "oms.shipments.clients.demo_client.Demo"}}
    assert api.post("/api/v1/oms/cargo-company/", json=demo).status_code == 201
    wrong = {**demo, "is_demo_client": False, "conf": {"username": "u"}}
    response = api.post("/api/v1/oms/cargo-company/", json=wrong)
    assert response.status_code == 400 and "password" in response.json()["conf"][0]
    listed = api.get("/api/v1/oms/cargo-company/").json()
    assert [c["name"] for c in listed["results"]] == ["test"]
