"""The sandbox ERP over real HTTP: login, filters, three pagination kinds, XML, faults."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest

from console.sandbox import Sandbox, dump_state


@pytest.fixture(scope="module")
def token(sandbox: Sandbox) -> str:
    return httpx.post(f"{sandbox.erp_url}/auth/login",
                      json={"username": "erp", "password": "sandbox"}).json()["token"]


@pytest.fixture(scope="module")
def erp(sandbox: Sandbox, token: str) -> httpx.Client:
    return httpx.Client(base_url=sandbox.erp_url, headers={"Authorization": f"Bearer {token}"},
                        timeout=30)


def test_login_and_token_forms(sandbox: Sandbox, token: str) -> None:
    assert httpx.post(f"{sandbox.erp_url}/auth/login",
                      json={"username": "erp", "password": "no"}).status_code == 401
    assert httpx.get(f"{sandbox.erp_url}/stock").status_code == 401
    in_path = httpx.get(f"{sandbox.erp_url}/(S({token}))/stock", params={"limit": 1})
    assert in_path.status_code == 200 and len(in_path.json()["items"]) == 1
    assert httpx.get(f"{sandbox.erp_url}/(S(wrong))/stock").status_code == 401


def _walk(erp: httpx.Client, params: dict[str, object]) -> list[dict]:
    rows: list[dict] = []
    page = erp.get("/stock", params=params).json()
    rows += page["items"]
    while page["next"]:
        page = erp.get(page["next"]).json()
        rows += page["items"]
    return rows


def test_offset_seek_and_next_pagination_see_the_same_rows(erp: httpx.Client) -> None:
    total = erp.get("/stock", params={"limit": 1}).json()["count"]
    by_next = _walk(erp, {"limit": 700})
    assert len(by_next) == total
    offset_rows, offset = [], 0
    while True:
        page = erp.get("/stock", params={"limit": 500, "offset": offset}).json()["items"]
        if not page:
            break
        offset_rows += page
        offset += 500
    seek_rows, after = [], 0
    while True:
        page = erp.get("/stock", params={"limit": 500, "after": after}).json()["items"]
        if not page:
            break
        seek_rows += page
        after = page[-1]["id"]
    assert [r["id"] for r in offset_rows] == [r["id"] for r in seek_rows] == [r["id"] for r in by_next]


def test_filters_by_sku_date_and_stock_list(erp: httpx.Client) -> None:
    two = erp.get("/stock", params={"sku": "SKU-000001,SKU-000002"}).json()["items"]
    assert sorted(r["sku"] for r in two) == ["SKU-000001", "SKU-000002"]
    since = "2025-06-01T10:00:00.123456"
    recent = _walk(erp, {"modified_date__gt": since, "limit": 1000})
    assert recent and all(r["modified_date"] > "2025-06-01T10:00:00.123Z" for r in recent)
    listed = _walk(erp, {"stock_list": 2, "limit": 1000})
    assert listed and {r["stock_list"] for r in listed} == {2}


def test_xml_body_has_the_same_rows(erp: httpx.Client) -> None:
    as_json = erp.get("/stock", params={"limit": 3}).json()
    as_xml = erp.get("/stock", params={"limit": 3}, headers={"Accept": "application/xml"})
    root = ET.fromstring(as_xml.text)
    assert root.tag == "response" and root.findtext("count") == str(as_json["count"])
    assert [i.findtext("sku") for i in root.iter("item")] == [r["sku"] for r in as_json["items"]]


def test_post_query_and_orders(erp: httpx.Client) -> None:
    body = erp.post("/stock/query", json={"skus": ["SKU-000003", "SKU-000004"]}).json()
    assert sorted(r["sku"] for r in body["items"]) == ["SKU-000003", "SKU-000004"]
    single = erp.post("/stock/query", json={"sku": "SKU-000003"}).json()["items"]
    assert {r["sku"] for r in single} == {"SKU-000003"}
    assert erp.post("/stock/query", json=["x"]).status_code == 400
    orders = erp.get("/orders", params={"number": "ORD-000001"}).json()["items"]
    assert orders[0]["order"] == "ORD-000001"
    assert {"id", "status"} <= set(orders[0]["orderitems"][0])


def test_seed_style_service_url(erp: httpx.Client, sandbox: Sandbox, token: str) -> None:
    query = "{'name': 'Akinon', 'Parameters': [{'Name': 'Barcodes', 'Value': 'SKU-000005'}]}"
    response = httpx.get(f"{sandbox.erp_url}/(S({token}))/service/run?{query}")
    assert response.status_code == 200
    assert {r["sku"] for r in response.json()["items"]} == {"SKU-000005"}
    dated = "{'name': 'Akinon', 'Parameters': [{'Name': 'Date', 'Value': '2026-01-01T00:00:00'}]}"
    rows = httpx.get(f"{sandbox.erp_url}/(S({token}))/service/run?{dated}").json()["items"]
    assert all(r["modified_date"] > "2026-01-01" for r in rows)


@pytest.mark.parametrize("fault", ["503", "500"])
def test_injected_error_per_request(erp: httpx.Client, fault: str) -> None:
    response = erp.get("/stock", headers={"X-Sandbox-Fault": fault})
    assert response.status_code == int(fault)


def test_injected_malformed_body_and_timeout(erp: httpx.Client) -> None:
    malformed = erp.get("/stock", headers={"X-Sandbox-Fault": "malformed"})
    with pytest.raises(json.JSONDecodeError):
        json.loads(malformed.text)
    with pytest.raises(httpx.ReadTimeout):
        erp.get("/stock", headers={"X-Sandbox-Fault": "timeout"}, timeout=0.3)


def test_server_wide_fault_rate(erp: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.set_faults("erp", error_rate=1.0, status=503)
    try:
        assert erp.get("/stock").status_code == 503
    finally:
        sandbox.clear_faults()
    assert erp.get("/stock").status_code == 200


def test_state_survives_restart_and_dumps(tmp_path: Path) -> None:
    from console.sandbox import start

    with start(tmp_path, products=50, orders=5) as first:
        first.set_erp_stock("SKU-000001", 4242)
    state = dump_state(tmp_path)
    assert any(r["sku"] == "SKU-000001" and r["qty"] == 4242 for r in state["erp"]["stock"])
    assert state["products"] == 50


def test_basic_auth_and_a_fixed_api_key(sandbox: Sandbox) -> None:
    url = f"{sandbox.erp_url}/stock"
    assert httpx.get(url, auth=("erp", "sandbox"), params={"limit": 1}).status_code == 200
    assert httpx.get(url, auth=("erp", "wrong")).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Basic !!"}).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Token sandbox-api-key"},
                     params={"limit": 1}).status_code == 200
    assert httpx.get(url, headers={"X-Api-Key": "sandbox-api-key"},
                     params={"limit": 1}).status_code == 200
    assert httpx.get(url, headers={"X-Api-Key": "other"}).status_code == 401


def test_offset_pages_continue_by_key_and_see_writes(sandbox: Sandbox, erp: httpx.Client) -> None:
    def walk() -> list[int]:
        ids, offset = [], 0
        while True:
            page = erp.get("/stock", params={"limit": 400, "offset": offset}).json()
            ids += [r["id"] for r in page["items"]]
            if not page["next"]:
                return ids
            offset += 400

    first = walk()
    assert first == sorted(first) and len(first) == erp.get("/stock").json()["count"]
    assert walk() == first  # the second walk is served from the remembered page ends
    sandbox.set_erp_stock("SKU-PAGED-1", 5)
    after = walk()
    assert len(after) == len(first) + 1 and after[:-1] == first
    jump = erp.get("/stock", params={"limit": 3, "offset": 10}).json()["items"]
    assert [r["id"] for r in jump] == after[10:13]  # an offset never paged to is still right
