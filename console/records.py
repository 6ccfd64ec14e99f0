"""Where a page's records are in a parsed JSON answer: a dotted path (``data.items``, ``""``
for the whole answer).

The ERP read and the script worker both use it: the worker reads a page's records from the
ERP's answer itself, and must find exactly the records the read found.
"""

from __future__ import annotations

from typing import Any


def dotted(data: Any, path: str) -> Any:
    if not path:
        return data
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def records_of(body: Any, path: str) -> list[Any]:
    found = dotted(body, path)
    if found is None:
        return []
    return found if isinstance(found, list) else [found]
