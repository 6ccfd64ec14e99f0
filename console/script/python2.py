"""Messages for Python 2 code left over from Jython, naming the line and the Python 3 form."""

from __future__ import annotations

import re

_SYNTAX_HINTS = [
    (re.compile(r"^\s*print\s+[^\s(=.]"), "Python 2 print statement; in Python 3 write print(...)"),
    (re.compile(r"^\s*except\s+[\w.]+\s*,\s*\w+\s*:"),
     "Python 2 'except E, e:'; in Python 3 write 'except E as e:'"),
    (re.compile(r"^\s*exec\s+[\"'\w]"), "Python 2 exec statement; in Python 3 write exec(...)"),
    (re.compile(r"^\s*raise\s+\w+\s*,"), "Python 2 'raise E, msg'; in Python 3 write 'raise E(msg)'"),
    (re.compile(r"<>"), "Python 2 '<>' operator; in Python 3 write '!='"),
    (re.compile(r"`[^`]*`"), "Python 2 backticks; in Python 3 write repr(...)"),
    (re.compile(r"\b0\d+\b"), "Python 2 octal literal; in Python 3 write 0o..."),
    (re.compile(r"\bu[rR][\"']"), "Python 2 ur'' string; in Python 3 write r''"),
]

_NAME_HINTS = {
    "unicode": "use str in Python 3",
    "basestring": "use str in Python 3",
    "long": "use int in Python 3",
    "xrange": "use range in Python 3",
    "raw_input": "use input in Python 3",
    "unichr": "use chr in Python 3",
    "reduce": "import it: from functools import reduce",
}

_ATTRIBUTE_HINTS = {
    "iteritems": "use .items() in Python 3",
    "itervalues": "use .values() in Python 3",
    "iterkeys": "use .keys() in Python 3",
    "has_key": "use 'key in mapping' in Python 3",
}


def syntax_hint(line: str) -> str | None:
    for pattern, hint in _SYNTAX_HINTS:
        if pattern.search(line):
            return hint
    return None


def runtime_hint(error: BaseException) -> str | None:
    if isinstance(error, NameError):
        return _NAME_HINTS.get(getattr(error, "name", "") or "")
    if isinstance(error, AttributeError):
        return _ATTRIBUTE_HINTS.get(getattr(error, "name", "") or "")
    return None
