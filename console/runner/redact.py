"""Secrets out of what the runner stores and logs.

Every secret value the configuration holds (Omnitron's password, the outbound token, each ERP
login's password and token) and every token obtained at login is replaced by ``***`` in
execution errors, row-log messages and log records, as typed and in the encoded forms a URL or a
basic-auth header would carry it. Values shorter than ``MIN_LENGTH`` are left alone: replacing
them would mangle ordinary words without hiding anything worth hiding.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

from console.flows import FlowsConfig
from console.flows.secrets import Secret

MASK = "***"
MIN_LENGTH = 4


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._values: set[str] = set()
        self._longest_first: tuple[str, ...] = ()
        for value in secrets:
            self.add(value)

    def add(self, value: str | None) -> None:
        if not value or len(value) < MIN_LENGTH:
            return
        self._values.update({value, quote(value, safe=""), quote_plus(value)})
        # longest first, so a secret that contains another is masked whole
        self._longest_first = tuple(sorted(self._values, key=len, reverse=True))

    def add_basic(self, username: str, password: str) -> None:
        self.add(base64.b64encode(f"{username}:{password}".encode()).decode())

    def __call__(self, text: str) -> str:
        for value in self._longest_first:
            if value in text:
                text = text.replace(value, MASK)
        return text

    def many(self, texts: list[str]) -> list[str]:
        """Each of ``texts`` redacted: the list itself when none holds a secret, found by one
        look through all of them per secret (a page's row logs, not a call per row)."""
        joined = "\n".join(texts)
        if not any(value in joined for value in self._longest_first):
            return texts
        return [self(text) for text in texts]


def _resolved(secret: Secret | None) -> str | None:
    if secret is None:
        return None
    try:
        return secret.resolve()
    except Exception:  # noqa: BLE001 - a secret that cannot resolve cannot leak either
        return None


def config_redactor(config: FlowsConfig) -> Redactor:
    """A redactor for every secret value ``config`` holds."""
    redactor = Redactor()
    redactor.add(_resolved(config.omnitron.password))
    redactor.add(_resolved(config.runner.outbound_token))
    for flow in config.flows:
        login = flow.login
        if login is None:
            continue
        password = _resolved(login.password)
        redactor.add(password)
        redactor.add(_resolved(login.token))
        if password and login.username:
            redactor.add_basic(login.username, password)
    return redactor


class RedactingFilter(logging.Filter):
    """Masks secrets in the formatted message of every record passing through a handler or
    logger it is attached to."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.redactor(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
