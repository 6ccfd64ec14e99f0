"""The sandbox ERP's OAuth2 token endpoint (client-credentials and password grants), and a
JWT login that needs custom headers and body fields.

Tokens it issues live ``lifetime_s`` seconds (short by default, so a flow is seen renewing
its token) and are accepted by every guarded ERP route until then. ``/_sandbox/oauth`` tells
how many tokens were issued and sets the lifetime or revokes every token.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from console.sandbox.erp import PASSWORD, USERNAME

CLIENT_ID, CLIENT_SECRET = "sandbox-client", "sandbox-secret"
SCOPES = frozenset({"stock", "orders", "prices"})
DEFAULT_LIFETIME_S = 300


class ExpiringTokens(set[str]):
    """The ERP's accepted tokens, where OAuth2 tokens stop counting at their expiry."""

    def __init__(self, tokens: set[str]) -> None:
        super().__init__(tokens)
        self.expiry: dict[str, float] = {}

    def __contains__(self, token: object) -> bool:
        if not isinstance(token, str):
            return False
        end = self.expiry.get(token)
        if end is not None and end <= time.time():
            self.discard(token)
            del self.expiry[token]
            return False
        return super().__contains__(token)

    def issue(self, lifetime_s: float) -> str:
        token = secrets.token_urlsafe(24)
        self.add(token)
        self.expiry[token] = time.time() + lifetime_s
        return token

    def revoke_issued(self) -> None:
        for token in self.expiry:
            self.discard(token)
        self.expiry.clear()


class OAuthState:
    def __init__(self) -> None:
        self.lifetime_s: float = DEFAULT_LIFETIME_S
        self.issued = 0
        self.last_request: dict[str, str] = {}


def _error(code: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": code, "error_description": description}, status_code=status)


def _client(request: Request, form: dict[str, str]) -> tuple[str, str]:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, secret = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return "", ""
        return user, secret
    return form.get("client_id", ""), form.get("client_secret", "")


async def token(request: Request) -> JSONResponse:
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    state: OAuthState = request.app.state.oauth
    state.last_request = {k: ("***" if "secret" in k or k == "password" else v)
                          for k, v in form.items()}
    if _client(request, form) != (CLIENT_ID, CLIENT_SECRET):
        return _error("invalid_client", "unknown client or wrong secret", 401)
    grant = form.get("grant_type")
    if grant == "password":
        if (form.get("username"), form.get("password")) != (USERNAME, PASSWORD):
            return _error("invalid_grant", "wrong username or password")
    elif grant != "client_credentials":
        return _error("unsupported_grant_type", f"grant {grant!r} is not supported")
    scope = form.get("scope", "")
    if not set(scope.split()) <= SCOPES:
        return _error("invalid_scope", f"scopes are {', '.join(sorted(SCOPES))}")
    tokens: ExpiringTokens = request.app.state.erp.tokens
    issued = tokens.issue(state.lifetime_s)
    state.issued += 1
    return JSONResponse({"access_token": issued, "token_type": "Bearer",
                         "expires_in": state.lifetime_s, "scope": scope},
                        headers={"Cache-Control": "no-store"})


async def control(request: Request) -> JSONResponse:
    state: OAuthState = request.app.state.oauth
    if request.method == "POST":
        raw = await request.body()
        body: dict[str, Any] = json.loads(raw) if raw else {}
        if "lifetime_s" in body:
            state.lifetime_s = float(body["lifetime_s"])
        if body.get("revoke"):
            request.app.state.erp.tokens.revoke_issued()
    return JSONResponse({"issued": state.issued, "lifetime_s": state.lifetime_s,
                         "last_request": state.last_request})


async def tenant_login(request: Request) -> JSONResponse:
    """A JWT login that wants an ``X-Tenant`` header and a ``tenant`` in the body besides the
    credentials, and answers the token nested (``$.data.access.token``)."""
    try:
        body = json.loads(await request.body())
    except json.JSONDecodeError:
        body = None
    if not isinstance(body, dict) or (body.get("username"), body.get("password")) != \
            (USERNAME, PASSWORD):
        return JSONResponse({"error": "invalid_credentials"}, status_code=401)
    tenant = request.headers.get("x-tenant")
    if not tenant or body.get("tenant") != tenant:
        return JSONResponse({"error": "tenant header and body field must match"},
                            status_code=400)
    tokens: ExpiringTokens = request.app.state.erp.tokens
    return JSONResponse({"data": {"access": {"token": tokens.issue(3600)}, "tenant": tenant}})


def install(app: Starlette) -> None:
    """Add the token endpoint and its controls to the sandbox ERP ``app``."""
    app.state.oauth = OAuthState()
    app.state.erp.tokens = ExpiringTokens(app.state.erp.tokens)
    app.router.routes.extend([Route("/oauth/token", token, methods=["POST"]),
                              Route("/auth/tenant_login", tenant_login, methods=["POST"]),
                              Route("/_sandbox/oauth", control, methods=["GET", "POST"])])
