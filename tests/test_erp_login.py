"""ERP logins over loopback: OAuth2 grants with a cached, renewed token, and the JWT login's
custom headers, extra body and JSONPath to the token; their flows.toml validation."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_data import expected_written

from console.flows import FlowsError, load, loads
from console.runner import ExecutionStore, Runner
from console.runner.oauth import forget_tokens
from console.sandbox import Sandbox

CLIENT_CREDENTIALS = '''type = "oauth2"
url = "ERP/oauth/token"
grant = "client_credentials"
client_id = "sandbox-client"
client_secret = { env = "ERP_CLIENT_SECRET", default = "sandbox-secret" }
scope = "stock"'''


@pytest.fixture(autouse=True)
def fresh_tokens(sandbox: Sandbox) -> Iterator[None]:
    forget_tokens()
    sandbox.erp_oauth(lifetime_s=300)
    yield
    forget_tokens()
    sandbox.erp_oauth(lifetime_s=300)


def _flows_with_login(sandbox: Sandbox, demo_flows: object, folder: Path, login: str) -> Path:
    path: Path = demo_flows(folder)  # type: ignore[operator]
    login = login.replace("ERP/", sandbox.erp_url + "/")
    path.write_text(re.sub(r"\[flows\.stock\.login\]\n.*?\n\n", f"[flows.stock.login]\n{login}\n\n",
                           path.read_text(), count=1, flags=re.S))
    return path


def _run(path: Path, store: ExecutionStore, sandbox: Sandbox) -> tuple[str, int, str | None]:
    skus = sorted(expected_written(sandbox, 1))[:2]
    with Runner(load(path), store) as runner:
        execution = runner.run("stock", {"sku": ",".join(skus)})
    return execution.status, execution.succeeded, execution.error


def test_client_credentials_token_is_cached_then_renewed_on_401(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path) -> None:
    path = _flows_with_login(sandbox, demo_flows, tmp_path, CLIENT_CREDENTIALS)
    store = ExecutionStore(tmp_path / "s.db")
    before = sandbox.erp_oauth()["issued"]
    assert _run(path, store, sandbox) == ("success", 2, None)
    assert _run(path, store, sandbox) == ("success", 2, None)
    assert sandbox.erp_oauth()["issued"] == before + 1  # the second run reused the token
    sandbox.erp_oauth(revoke=True)  # the ERP forgets it: the next read gets a 401
    assert _run(path, store, sandbox) == ("success", 2, None)
    assert sandbox.erp_oauth()["issued"] == before + 2
    sent = sandbox.erp_oauth()["last_request"]
    assert sent["grant_type"] == "client_credentials" and sent["scope"] == "stock"


def test_token_is_renewed_after_it_expires(sandbox: Sandbox, demo_flows: object,
                                           tmp_path: Path) -> None:
    path = _flows_with_login(sandbox, demo_flows, tmp_path, CLIENT_CREDENTIALS)
    store = ExecutionStore(tmp_path / "s.db")
    sandbox.erp_oauth(lifetime_s=1)
    before = sandbox.erp_oauth()["issued"]
    assert _run(path, store, sandbox) == ("success", 2, None)
    time.sleep(1.2)  # the token's whole life: the ERP no longer accepts it
    assert _run(path, store, sandbox) == ("success", 2, None)
    assert sandbox.erp_oauth()["issued"] == before + 2


def test_password_grant_sends_credentials_scope_and_extra_body(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path) -> None:
    path = _flows_with_login(sandbox, demo_flows, tmp_path, '''type = "oauth2"
url = "ERP/oauth/token"
grant = "password"
client_id = "sandbox-client"
client_secret = "sandbox-secret"
username = "erp"
password = "sandbox"
scope = "stock prices"
extra_body = { audience = "erp-api" }''')
    assert _run(path, ExecutionStore(tmp_path / "s.db"), sandbox) == ("success", 2, None)
    sent = sandbox.erp_oauth()["last_request"]
    assert sent == {"grant_type": "password", "username": "erp", "password": "***",
                    "scope": "stock prices", "audience": "erp-api",
                    "client_id": "sandbox-client", "client_secret": "***"}


def test_refused_client_fails_the_login_without_showing_the_secret(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path) -> None:
    login = CLIENT_CREDENTIALS.replace('default = "sandbox-secret"', 'default = "not-it-42"')
    path = _flows_with_login(sandbox, demo_flows, tmp_path, login)
    status, succeeded, error = _run(path, ExecutionStore(tmp_path / "s.db"), sandbox)
    assert (status, succeeded) == ("failed", 0)
    assert error == ("login: the token endpoint refused the client_credentials grant: "
                     "invalid_client: unknown client or wrong secret")
    assert "not-it-42" not in (error or "")


def test_jwt_login_sends_custom_headers_and_body_and_finds_the_token_by_json_path(
        sandbox: Sandbox, demo_flows: object, tmp_path: Path) -> None:
    login = '''type = "jwt"
url = "ERP/auth/tenant_login"
username = "erp"
password = "sandbox"
headers = { X-Tenant = "north" }
extra_body = { tenant = "north" }
token_path = "$.data.access.token"'''
    path = _flows_with_login(sandbox, demo_flows, tmp_path, login)
    assert _run(path, ExecutionStore(tmp_path / "s.db"), sandbox) == ("success", 2, None)
    (tmp_path / "b").mkdir()
    wrong = _flows_with_login(sandbox, demo_flows, tmp_path / "b",
                              login.replace('tenant = "north" }', 'tenant = "south" }'))
    status, _, error = _run(wrong, ExecutionStore(tmp_path / "b.db"), sandbox)
    assert status == "failed" and error is not None and error.startswith(
        "login: the ERP refused the login (400)")


HEAD = '''[omnitron]
url = "http://127.0.0.1:8801"
username = "integrator"
password = "sandbox"

[flows.a]
name = "A"
type = "stock"
[flows.a.read]
url = "http://erp/stock"
[flows.a.login]
'''


def _problems(login: str) -> list[str]:
    with pytest.raises(FlowsError) as caught:
        loads(HEAD + login)
    return [p.render("flows.toml") for p in caught.value.problems]


def test_oauth2_keys_are_validated_with_line_and_key_path() -> None:
    assert _problems('type = "oauth2"\ngrant = "implicit"\n') == [
        "flows.toml:13: flows.a.login.grant: expected one of client_credentials | password, "
        "found 'implicit'",
        "flows.toml:11: flows.a.login.url: missing; expected a string",
        "flows.toml:11: flows.a.login.client_id: missing; expected a string",
    ]
    found = _problems('type = "oauth2"\nurl = "erp/token"\ngrant = "password"\n'
                      'client_id = "c"\n')
    assert any("flows.a.login.url: expected an http:// or https:// URL" in p for p in found)
    assert any("flows.a.login.username: missing" in p for p in found)
    assert any("flows.a.login.password: missing" in p for p in found)


def test_jwt_login_keys_are_validated() -> None:
    found = _problems('type = "jwt"\nurl = "http://erp/login"\ntoken_path = "$.data[("\n'
                      'client_id = "x"\nextra_body = { n = [1] }\n')
    assert found == [
        "flows.toml:16: flows.a.login.extra_body.n: expected a string, found a list",
        "flows.toml:14: flows.a.login.token_path: jsonPath: invalid path '$.data[(': "
        "a '[' is not closed",
        'flows.toml:15: flows.a.login.client_id: only oauth2 logins use client_id; this login '
        'is "jwt"',
    ]
    config = loads(HEAD + 'type = "oauth2"\nurl = "http://erp/token"\nclient_id = "c"\n'
                          'client_secret = { env = "ERP_SECRET" }\nscope = "a b"\n')
    login = config.flow("a").login
    assert login is not None and (login.grant, login.scope) == ("client_credentials", "a b")
