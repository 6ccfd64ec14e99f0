"""``GET /openapi.json`` tells the truth about ``console serve``: every route is described, and
schemathesis, run against a live runner on loopback, finds no 5xx, no answer outside its own
schema, and no token-only endpoint that answers without the token."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from conftest import demo_flows_for
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.routing import Route

from console.flows import load
from console.omnitron.retry import RetryPolicy
from console.runner.service import RunnerService
from console.sandbox import Sandbox

TOKEN = {"Authorization": "Bearer sandbox-token"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, ignored_auth]


@pytest.fixture(scope="module")
def live(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunnerService]:
    """A runner whose Omnitron is unreachable, so generated payloads fail fast at login instead
    of writing; the OMS stock flow still asks the sandbox ERP. One login attempt, no backoff:
    the executions the cases queue are done before the teardown, which would otherwise wait
    out its whole drain on their retries."""
    path = demo_flows_for(sandbox, tmp_path_factory.mktemp("openapi"))
    path.write_text(path.read_text().replace(sandbox.omnitron_url, "http://127.0.0.1:9"))
    service = RunnerService(load(path), tick_s=0.2)
    service.runner.retry_policy = RetryPolicy(attempts=1)
    service.start()
    yield service
    service.stop(drain_s=10)


@pytest.fixture(scope="module")
def api_schema(live: RunnerService) -> Any:
    return schemathesis.openapi.from_url(f"http://{live.address}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
@schema.parametrize()
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_the_runner_keeps_to_its_description(case: Any, live: RunnerService) -> None:
    case.call_and_validate(base_url=f"http://{live.address}", headers=TOKEN, checks=CHECKS,
                           timeout=30)


def test_every_route_is_described_and_every_description_routed(live: RunnerService) -> None:
    from console.runner.server import RunnerApp

    document = httpx.get(f"http://{live.address}/openapi.json").json()
    described = {(path, method.upper()) for path, item in document["paths"].items()
                 for method in item}
    app = RunnerApp(live.runner).app()
    routed = {(route.path, method) for route in app.routes if isinstance(route, Route)
              for method in (route.methods or ()) if method != "HEAD"}
    assert described == routed
    assert document["openapi"].startswith("3.")
    public = {path for path, item in document["paths"].items()
              if all(op.get("security") == [] for op in item.values())}
    assert public == {"/health", "/openapi.json"}


def test_the_description_names_the_flows_each_endpoint_takes(live: RunnerService) -> None:
    document = httpx.get(f"http://{live.address}/openapi.json").json()

    def flow_ids(path: str, method: str) -> list[str]:
        parameters = document["paths"][path][method]["parameters"]
        return next(p["schema"]["enum"] for p in parameters if p["name"] == "flow_id")

    outbound = [f.id for f in live.config.flows if f.direction == "outbound" and
                f.type not in ("oms_stock", "proxy")]
    assert "stock_push" in outbound and flow_ids("/flows/{flow_id}/outbound", "post") == outbound
    assert flow_ids("/flows/{flow_id}/stock", "get") == ["oms_stock"]
    assert flow_ids("/flows/{flow_id}/proxy", "post") == ["stock_lookup"]
    assert "stock" in flow_ids("/flows/{flow_id}/trigger", "post")
