"""OAuth2 login to the ERP (client-credentials and password grants), through Authlib.

A token is fetched once per login setting and kept for the life of the process, so the
executions of a flow share it until it expires; a request the ERP answers with 401 renews
it once and is sent again. Authlib builds the token request (client authentication, grant
and scope), parses the answer and tells when the token has expired.
"""

from __future__ import annotations

import hashlib
import threading
import warnings
from collections.abc import Generator
from typing import Any
from urllib.parse import urlencode

import httpx

from console.flows import ErpLogin

_LOCK = threading.Lock()
_CACHE: dict[str, OAuth2Login] = {}
MAX_LEEWAY_S = 60
"""A token counts as expired this long before its end (a tenth of its life when shorter), so a
request never leaves with a token about to lapse."""


class OAuth2LoginError(Exception):
    """The token endpoint refused or could not be reached; the message holds no secret."""


def _authlib_client(**kwargs: Any) -> Any:
    import authlib.deprecate  # noqa: F401 - it installs its "always" filter on import

    with warnings.catch_warnings():
        # Authlib prefers the httpx2 package and warns that plain httpx is deprecated; the
        # console ships httpx, which Authlib still supports
        warnings.simplefilter("ignore")
        from authlib.integrations.httpx_client import OAuth2Client
    return OAuth2Client(**kwargs)


class OAuth2Login(httpx.Auth):
    """An ``httpx.Auth`` that puts the current token in ``header`` and renews it on 401."""

    def __init__(self, login: ErpLogin, client_secret: str, password: str) -> None:
        self.login = login
        self._password = password
        self._client = _authlib_client(
            client_id=login.client_id, client_secret=client_secret or None,
            token_endpoint_auth_method="client_secret_post" if client_secret else "none",
            scope=login.scope or None, token_endpoint=login.url, grant_type=login.grant,
            timeout=30.0)
        self._lock = threading.Lock()
        self.fetched = 0
        """How many tokens the endpoint gave (the first and every renewal)."""

    def token(self, *, stale: str | None = None) -> str:
        """The access token, fetched when there is none, it expired, or it is ``stale`` (the
        one the ERP just refused; a renewal by another thread meanwhile is reused)."""
        with self._lock:
            current = self._client.token
            if current is None or current.get("access_token") == stale or \
                    current.is_expired(leeway=self._client.leeway):
                self._fetch()
            return str(self._client.token["access_token"])

    def _fetch(self) -> None:
        from authlib.common.errors import AuthlibBaseError

        extra: dict[str, str] = {}
        if self.login.grant == "password":
            extra = {"username": self.login.username, "password": self._password}
        try:
            token = self._client.fetch_token(
                self.login.url, grant_type=self.login.grant,
                body=urlencode(dict(self.login.extra_body)),
                headers={"Accept": "application/json",
                         "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
                         **self.login.headers},
                **extra)
        except AuthlibBaseError as exc:
            raise OAuth2LoginError(f"the token endpoint refused the {self.login.grant} grant: "
                                   f"{exc.error}: {exc.description or 'no description'}") \
                from None
        except httpx.HTTPStatusError as exc:
            raise OAuth2LoginError(f"the token endpoint answered {exc.response.status_code}: "
                                   f"{exc.response.text[:200]}") from None
        except httpx.TransportError as exc:
            raise OAuth2LoginError(f"cannot reach the token endpoint at {self.login.url}: "
                                   f"{type(exc).__name__}: {exc}") from None
        except ValueError as exc:
            raise OAuth2LoginError(f"the token endpoint's answer is not a token: {exc}") \
                from None
        if not token.get("access_token"):
            raise OAuth2LoginError("the token endpoint's answer has no access_token")
        lifetime = token.get("expires_in")
        self._client.leeway = min(MAX_LEEWAY_S, int(lifetime) // 10) \
            if isinstance(lifetime, int | float) else MAX_LEEWAY_S
        self.fetched += 1

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.token()
        request.headers[self.login.header] = f"{self.login.prefix}{token}"
        response = yield request
        if response.status_code == 401:
            renewed = self.token(stale=token)
            request.headers[self.login.header] = f"{self.login.prefix}{renewed}"
            yield request

    def close(self) -> None:
        self._client.close()


def _key(login: ErpLogin, client_secret: str, password: str) -> str:
    parts = (login.url, login.grant, login.client_id, client_secret, login.username, password,
             login.scope, login.header, login.prefix, sorted(login.headers.items()),
             sorted(login.extra_body.items()))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def session_for(login: ErpLogin) -> OAuth2Login:
    """The process's token keeper for this login; flows with equal settings share one."""
    client_secret = login.client_secret.resolve() if login.client_secret else ""
    password = login.password.resolve() if login.password else ""
    key = _key(login, client_secret, password)
    with _LOCK:
        found = _CACHE.get(key)
        if found is None:
            found = _CACHE[key] = OAuth2Login(login, client_secret, password)
        return found


def forget_tokens() -> None:
    """Drop every cached token (the next request of each login fetches a new one)."""
    with _LOCK:
        for keeper in _CACHE.values():
            keeper.close()
        _CACHE.clear()
