"""The 15 steps of setting up OMS for a brand, as a checklist kept in the store.

Steps the API can do run from here: the three copy steps (``is_required``, then ``execute``,
then ``get_async_status`` until done or failed), defining the product stock integration, and
creating a cargo company. The others are manual items with notes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from console.omnitron.client import OmnitronClient
from console.omnitron.errors import OmnitronError


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    api: bool = False
    path: str = ""


STEPS: tuple[Step, ...] = (
    Step("check-machine", "Check that the OMS machine answers"),
    Step("back-office-users", "Create admin users in the brand's back office"),
    Step("check-application", "Log in to the OMS application"),
    Step("copy-addresses", "Copy address records from Omnitron to OMS", True, "setup/addresses"),
    Step("copy-stores", "Copy stores from Omnitron to OMS", True, "stock_locations"),
    Step("copy-channels", "Copy channels from Omnitron to OMS", True, "channels"),
    Step("oms-credentials", "Add the oms.application user to OMS settings"),
    Step("order-filtering", "Save the ORDER_FILTERING setting"),
    Step("geolocation", "Maps API key for packaging-centre scoring (optional)"),
    Step("stock-integration", "Define the product stock integration", True),
    Step("scenarios", "Define fulfilment scenarios with the brand"),
    Step("webhooks", "Create the webhooks the brand asked for"),
    Step("package-commands", "Define OMS package commands"),
    Step("cargo-company", "Define the cargo integration", True),
    Step("brand-jobs", "Create brand-specific jobs"),
)
_BY_KEY = {s.key: s for s in STEPS}


class SetupError(Exception):
    pass


def step(key: str) -> Step:
    found = _BY_KEY.get(key)
    if found is None:
        raise SetupError(f"no step {key!r}; steps: {', '.join(_BY_KEY)}")
    return found


@dataclass
class StepState:
    key: str
    status: str
    notes: str
    detail: str
    updated_at: str


class StepStore(Protocol):
    """Where step states are kept: the execution store (its ``oms_setup`` table)."""

    def checklist(self) -> dict[str, tuple[str, str, str, str]]: ...

    def save_checklist_step(self, step: str, status: str, notes: str, detail: str,
                            updated_at: str) -> None: ...

    def close(self) -> None: ...


class Checklist:
    """Step states in the store, so they survive restarts (and hosts share them)."""

    def __init__(self, store: StepStore) -> None:
        self.store = store

    def states(self) -> list[StepState]:
        rows = self.store.checklist()
        return [StepState(s.key, *rows.get(s.key, ("todo", "", "", ""))) for s in STEPS]

    def set(self, key: str, status: str, *, detail: str | None = None,
            notes: str | None = None) -> None:
        step(key)
        current = {s.key: s for s in self.states()}[key]
        self.store.save_checklist_step(key, status, current.notes if notes is None else notes,
                                       current.detail if detail is None else detail,
                                       datetime.now(UTC).isoformat(timespec="seconds"))

    def close(self) -> None:
        self.store.close()


Progress = Callable[[int, str], None]


def run_copy(client: OmnitronClient, key: str, progress: Progress | None = None, *,
             poll_s: float = 0.5, timeout_s: float = 600.0) -> str:
    """Run a copy step to the end; returns ``done`` or raises SetupError with OMS's reason."""
    target = step(key)
    if not target.path:
        raise SetupError(f"{key} is not a copy step")
    base = f"/api/v1/oms/{target.path}"
    try:
        required = client.request("GET", f"{base}/is_required/")
        if isinstance(required, dict) and required.get("is_required") is False:
            if progress:
                progress(100, "already in OMS")
            return "done"
        task = client.request("POST", f"{base}/execute/")
        task_id = task.get("task_id") if isinstance(task, dict) else None
        if not task_id:
            raise SetupError(f"OMS did not return a task id: {task}")
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            status = client.request("GET", f"{base}/get_async_status/", params={"task_id": task_id})
            state = str(status.get("status"))
            if progress:
                progress(int(status.get("progress", 0)), state)
            if state == "done":
                return "done"
            if state == "failed":
                raise SetupError(str(status.get("error") or "the OMS task failed"))
            time.sleep(poll_s)
    except OmnitronError as exc:
        raise SetupError(exc.message) from None
    raise SetupError(f"the task did not finish in {timeout_s:.0f} s")


def stock_engines(client: OmnitronClient) -> list[str]:
    answer = client.request("GET", "/api/v1/oms/setup/product-stock-integration/"
                                   "available-stock-engines/")
    return [str(e.get("stock_engine_type")) for e in answer if isinstance(e, dict)]


def define_stock_integration(client: OmnitronClient, url: str, engine: str,
                             username: str | None = None, password: str | None = None) -> Any:
    if not url.startswith(("http://", "https://")):
        raise SetupError(f"the integration URL must start with http:// or https://, found {url!r}")
    engines = stock_engines(client)
    if engine not in engines:
        raise SetupError(f"unknown stock engine {engine!r}; available: {', '.join(engines)}")
    body: dict[str, Any] = {"url": url, "stock_engine_type": engine}
    if username:
        body["username"] = username
    if password:
        body["password"] = password
    try:
        return client.request("POST", "/api/v1/oms/setup/product-stock-integration/execute/",
                              json=body)
    except OmnitronError as exc:
        raise SetupError(exc.message) from None


def cargo_body(values: dict[str, Any]) -> dict[str, Any]:
    """The cargo-company payload: a demo client's ``conf.klass``, or credentials."""
    for needed in ("name", "erp_code", "shipping_company"):
        if not values.get(needed):
            raise SetupError(f"cargo-company needs {needed}")
    body: dict[str, Any] = {"name": values["name"], "erp_code": values["erp_code"],
                            "shipping_company": values["shipping_company"],
                            "is_managed_by_oms": True}
    if values.get("demo_client"):
        body.update(is_demo_client=True,
                    conf={"klass": f"oms.shipments.clients.demo_client.{values['demo_client']}"})
    else:
        body.update(is_demo_client=False, conf={"username": values.get("username") or "",
                                                "password": values.get("password") or ""})
    return body


def create_cargo_company(client: OmnitronClient, body: dict[str, Any]) -> Any:
    try:
        return client.request("POST", "/api/v1/oms/cargo-company/", json=body)
    except OmnitronError as exc:
        raise SetupError(exc.message) from None
