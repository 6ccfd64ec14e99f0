"""Lone surrogates: text Python holds that no store, file or request can.

A JSON text may spell a code point of U+D800 to U+DFFF on its own (``"\\ud800"``, say a SKU an
ERP wrote from broken UTF-16); Python reads it as a one-character string, but UTF-8 cannot
encode it, so SQLite, PostgreSQL, httpx and every file refuse it with a ``UnicodeEncodeError``.
The console writes such a character the way ``json.dumps`` escapes it: as the six characters
``\\ud800``. In JSON text that is lossless (it reads back as the same string); in a row log's
key or message it is what the user sees and searches for.
"""

from __future__ import annotations

import re

_LONE = re.compile("[\ud800-\udfff]")


def has_lone(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate: one flag read for ASCII text, else an encoding
    (faster than a regular expression's search)."""
    if text.isascii():
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return False


def escaped(text: str) -> str:
    """``text`` with each lone surrogate written as ``\\udxxx``; ``text`` itself if it has
    none."""
    if not has_lone(text):
        return text
    return _LONE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
