"""The JWT login to the ERP as an ``httpx.Auth``: a request the ERP answers with 401 logs in
again once and is sent again with the new token.

The first login happens before the read (with retries, so a refused login fails the
execution at its Login step); a renewal later is one login request made inside the refused
request's auth flow, on the same client. Threads sharing the session (the OMS stock query's
parallel reads) renew once: a thread whose token was already replaced reuses the new one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from typing import Any

import httpx

from console.flows import ErpLogin


class JwtRenewalError(Exception):
    """The renewal login after a 401 failed; the message holds no secret."""


TokenFinder = Callable[[str, str], str]


class JwtLogin(httpx.Auth):
    """Puts ``prefix + token`` in ``header``; on a 401 logs in again and resends once."""

    requires_response_body = True

    def __init__(self, login: ErpLogin, password: str, token: str,
                 token_at: TokenFinder) -> None:
        self.login = login
        self._password = password
        self._token = token
        self._token_at = token_at
        self._lock = threading.Lock()
        self.renewals = 0
        self.on_token: Callable[[str], None] | None = None
        """Told of each renewed token (the engine hides it from logs)."""

    @property
    def token(self) -> str:
        return self._token

    def _login_request(self) -> httpx.Request:
        body: dict[str, Any] = {"username": self.login.username, "password": self._password,
                                **self.login.extra_body}
        return httpx.Request("POST", self.login.url, json=body, headers=dict(self.login.headers))

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        sent = self._token
        request.headers[self.login.header] = f"{self.login.prefix}{sent}"
        response = yield request
        if response.status_code != 401:
            return
        with self._lock:
            if self._token == sent:  # nobody renewed it meanwhile: log in again
                answer = yield self._login_request()
                self._renewed(answer)
        request.headers[self.login.header] = f"{self.login.prefix}{self._token}"
        yield request

    def _renewed(self, answer: httpx.Response) -> None:
        if answer.status_code >= 400:
            raise JwtRenewalError(f"the ERP refused the token and then the new login "
                                  f"({answer.status_code}): {answer.text[:200]}")
        token = self._token_at(answer.text, self.login.token_path)
        if not token:
            raise JwtRenewalError(f"no token at {self.login.token_path!r} in the ERP's "
                                  "answer to the new login")
        self._token = token
        self.renewals += 1
        if self.on_token is not None:
            self.on_token(token)
