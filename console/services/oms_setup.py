"""The OMS setup checklist: read the steps' states, run an API step, note and mark steps.

The command line and the OMS screen run a step the same way: the step is marked running, its
progress is reported as it goes (0 at the start, 100 at the end, OMS's own percentages between
for the copy steps), and it ends done or failed with OMS's reason kept as the step's detail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from console.flows import FlowsConfig
from console.services.errors import ServiceError
from console.services.executions import open_store
from console.services.omnitron import explain, open_client

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class StepRow:
    number: int
    key: str
    title: str
    api: bool
    status: str
    notes: str
    detail: str


def steps(config: FlowsConfig) -> list[StepRow]:
    from console.omnitron.oms_setup import STEPS, Checklist

    checklist = Checklist(open_store(config.store_location()))
    try:
        states = checklist.states()
    finally:
        checklist.close()
    return [StepRow(number, s.key, s.title, s.api, state.status, state.notes, state.detail)
            for number, (s, state) in enumerate(zip(STEPS, states, strict=True), start=1)]


def needs_settings(key: str) -> bool:
    """Steps that need values from the user (a form, or command-line options) to run."""
    return key in ("stock-integration", "cargo-company")


def run_step(config: FlowsConfig, key: str, values: dict[str, Any] | None = None,
             progress: Progress | None = None, *, poll_s: float = 0.5) -> None:
    """Run one API step to the end; raises ``ServiceError`` saying why it failed."""
    from console.omnitron.oms_setup import Checklist, SetupError, step

    report = progress or (lambda percent, status: None)
    try:
        target = step(key)
    except SetupError as exc:
        raise ServiceError(str(exc)) from None
    if not target.api:
        raise ServiceError(f"{key} is a manual step: mark it done when it is "
                           f"(console oms done {key}, or d on the OMS screen)")
    checklist = Checklist(open_store(config.store_location()))
    try:
        checklist.set(key, "running")
        report(0, "running")
        try:
            _run(config, key, values or {}, report, poll_s)
        except Exception as exc:  # noqa: BLE001 - kept as the step's detail and re-raised plainly
            reason = str(exc) if isinstance(exc, SetupError) else explain(exc)
            checklist.set(key, "failed", detail=reason)
            report(100, f"failed: {reason}")
            raise ServiceError(f"{key} failed: {reason}") from None
        checklist.set(key, "done", detail="")
        report(100, "done")
    finally:
        checklist.close()


def _run(config: FlowsConfig, key: str, values: dict[str, Any], report: Progress,
         poll_s: float) -> None:
    from console.omnitron.oms_setup import (
        SetupError,
        cargo_body,
        create_cargo_company,
        define_stock_integration,
        run_copy,
        step,
    )

    with open_client(config.omnitron) as client:
        if step(key).path:
            run_copy(client, key, report, poll_s=poll_s)
        elif key == "stock-integration":
            if not values.get("url") or not values.get("engine"):
                raise SetupError("stock-integration needs the ERP stock service URL and engine")
            define_stock_integration(client, values["url"], values["engine"],
                                     values.get("username") or None,
                                     values.get("password") or None)
        else:
            create_cargo_company(client, cargo_body(values))


def stock_engines(config: FlowsConfig) -> list[str]:
    from console.omnitron.oms_setup import stock_engines as engines

    try:
        with open_client(config.omnitron) as client:
            return engines(client)
    except ServiceError:
        raise
    except Exception as exc:  # noqa: BLE001 - said plainly
        raise ServiceError(explain(exc)) from None


def mark(config: FlowsConfig, key: str, status: str | None = None,
         notes: str | None = None) -> None:
    """Set a step's status (keeping it when None) and/or its notes."""
    from console.omnitron.oms_setup import Checklist, SetupError

    checklist = Checklist(open_store(config.store_location()))
    try:
        current = {s.key: s.status for s in checklist.states()}
        checklist.set(key, status or current.get(key, "todo"), notes=notes)
    except SetupError as exc:
        raise ServiceError(str(exc)) from None
    finally:
        checklist.close()
