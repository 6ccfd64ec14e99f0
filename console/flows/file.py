"""Load and save flows.toml: every problem reported with its line, saves atomic with a backup."""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tomllib
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from console.flows import model as m
from console.flows.errors import FlowsError, Problem
from console.flows.locate import key_lines, line_of
from console.flows.parse import parse_document
from console.flows.secrets import Secret
from console.kinds import kind_of

_TOML_POSITION = re.compile(r"^(?P<msg>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)$")


MAX_DEPTH = 32
"""Tables and lists nest at most this deep; flows.toml itself needs five levels."""


def _too_deep(text: str) -> Problem:
    """Where the nesting first goes past MAX_DEPTH, by a bracket count that skips strings."""
    depth, line, quote = 0, 1, ""
    for index, char in enumerate(text):
        if char == "\n":
            line += 1
        if quote:
            if char == quote and text[index - 1] != "\\":
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                break
        elif char in "]}":
            depth -= 1
    return Problem("", f"values nest more than {MAX_DEPTH} levels deep", line)


def _deepest(value: Any, path: str, depth: int = 0) -> str | None:
    """The key path of a value nested deeper than MAX_DEPTH, if any."""
    if depth > MAX_DEPTH:
        return path
    items = value.items() if isinstance(value, dict) else enumerate(value) \
        if isinstance(value, list) else ()
    for key, item in items:
        found = _deepest(item, f"{path}.{key}" if path else str(key), depth + 1)
        if found is not None:
            return found
    return None


def _document(text: str, source: Path | None) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POSITION.match(str(exc))
        if match:
            problem = Problem("", match["msg"], int(match["line"]), int(match["col"]))
        else:
            problem = Problem("", str(exc))
        raise FlowsError([problem], source) from None
    except RecursionError:
        raise FlowsError([_too_deep(text)], source) from None
    deep = _deepest(data, "")
    if deep is not None:
        cut = ".".join(deep.split(".")[:6])
        problem = Problem(cut, f"values nest more than {MAX_DEPTH} levels deep")
        raise FlowsError([Problem(cut, problem.message, line_of(key_lines(text), cut))], source)
    return data


def loads(text: str, source: Path | None = None, *, deep: bool = True) -> m.FlowsConfig:
    """Parse flows.toml text; raise :class:`FlowsError` listing every problem (``deep``: see
    ``parse_document``)."""
    data = _document(text, source)
    config, problems = parse_document(data, deep=deep)
    if problems:
        lines = key_lines(text)
        located = [Problem(p.key_path, p.message, line_of(lines, p.key_path)) for p in problems]
        raise FlowsError(located, source)
    assert config is not None
    return replace(config, source=source)


def load(path: Path | str, *, deep: bool = True) -> m.FlowsConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FlowsError(
            [Problem("", "no such file; create one with `console init` (writes the demo flows)")],
            path,
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowsError([Problem("", f"cannot read: {exc}")], path) from None
    return loads(text, path.resolve(), deep=deep)


class _Pretty:
    """Values tomli-w would write awkwardly, swapped for placeholders and written by hand.

    Scripts and mapping specs become literal multi-line strings (no escaped quotes), small
    tables become inline tables and short lists stay on one line, as people write them.
    """

    def __init__(self) -> None:
        self.rendered: dict[str, str] = {}

    def hold(self, text: str) -> str:
        token = f"@@pretty-{len(self.rendered)}@@"
        self.rendered[f'"{token}"'] = text
        return token

    def value(self, value: Any) -> Any:
        if isinstance(value, Secret):
            value = value.to_toml()
        if isinstance(value, str) and "\n" in value and _literal_ok(value):
            return self.hold("'''\n" + value + "'''")
        if isinstance(value, tuple | list) and all(isinstance(v, str) for v in value):
            return self.hold("[" + ", ".join(_basic(v) for v in value) + "]")
        if isinstance(value, dict) and all(_scalar(v) for v in value.values()):
            return self.hold(_inline(value))
        if isinstance(value, m.Pagination):
            table = {"type": value.type, **_table(value, self)}
            return self.hold(_inline(table))
        if hasattr(value, "__dataclass_fields__"):
            return _table(value, self)
        return value

    def finish(self, text: str) -> str:
        for token, rendered in self.rendered.items():
            text = text.replace(token, rendered)
        return text


def _literal_ok(text: str) -> bool:
    return "'''" not in text and not text.endswith("'") and all(
        c in "\n\t" or (ord(c) >= 0x20 and ord(c) != 0x7F) for c in text
    )


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _basic(text: str) -> str:
    import json  # writing the file only

    return json.dumps(text, ensure_ascii=False)


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _basic(name)


def _inline(table: dict[str, Any]) -> str:
    import tomli_w  # writing only: loading the file never needs it

    if not table:
        return "{}"
    parts = []
    for name, value in table.items():
        rendered = _basic(value) if isinstance(value, str) else tomli_w.dumps({"v": value})[4:].strip()
        parts.append(f"{_key(name)} = {rendered}")
    return "{ " + ", ".join(parts) + " }"


def _table(obj: Any, pretty: _Pretty, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """A model as a TOML table: fields in declaration order, defaults and None left out."""
    defaults = _defaults(type(obj))
    out: dict[str, Any] = {}
    for f in fields(obj):
        if f.name in skip:
            continue
        value = getattr(obj, f.name)
        if value is None or (f.name in defaults and defaults[f.name] == value):
            continue
        out[f.name] = pretty.value(value)
    return out


_DEFAULTS_CACHE: dict[type, dict[str, Any]] = {}


def _defaults(cls: type) -> dict[str, Any]:
    if cls not in _DEFAULTS_CACHE:
        from dataclasses import MISSING

        found: dict[str, Any] = {}
        for f in fields(cls):
            if f.default is not MISSING:
                found[f.name] = f.default
            elif f.default_factory is not MISSING:
                found[f.name] = f.default_factory()
        _DEFAULTS_CACHE[cls] = found
    return _DEFAULTS_CACHE[cls]


def _flow_table(flow: m.Flow, pretty: _Pretty) -> dict[str, Any]:
    table: dict[str, Any] = {"name": flow.name, "type": flow.type, "direction": flow.direction,
                             "enabled": flow.enabled}
    rest = _table(flow, pretty, skip=("id", "name", "type", "direction", "enabled"))
    if kind_of(flow.type).settings_table == "oms" and flow.oms == m.OmsSettings():
        rest.pop("oms", None)
    if flow.proxy == m.ProxySettings():
        rest.pop("proxy", None)
    if flow.trigger_params != kind_of(flow.type).trigger_params or "trigger_params" in rest:
        rest["trigger_params"] = pretty.value(flow.trigger_params)
    table.update(rest)
    return table


def dumps(config: m.FlowsConfig) -> str:
    import tomli_w

    pretty = _Pretty()
    document: dict[str, Any] = {"omnitron": _table(config.omnitron, pretty)}
    runner = _table(config.runner, pretty)
    if runner:
        document["runner"] = runner
    alarms = _table(config.alarms, pretty, skip=("notify",))
    if config.alarms.notify:
        alarms["notify"] = [target.to_toml() for target in config.alarms.notify]
    if alarms:
        document["alarms"] = alarms
    document["flows"] = {flow.id: _flow_table(flow, pretty) for flow in config.flows}
    return pretty.finish(tomli_w.dumps(document, multiline_strings=True))


def flow_text(flow: m.Flow) -> str:
    """One flow's tables, as ``dumps`` writes them."""
    import tomli_w

    pretty = _Pretty()
    return pretty.finish(tomli_w.dumps({"flows": {flow.id: _flow_table(flow, pretty)}},
                                       multiline_strings=True))


def _on_disk(target: Path) -> tuple[str, m.FlowsConfig] | None:
    """The file's text and model, when it can be read and is valid."""
    try:
        text = target.read_text(encoding="utf-8")
        return text, loads(text, target)
    except (OSError, UnicodeDecodeError, FlowsError):
        return None


def _spliced(config: m.FlowsConfig, target: Path,
             on_disk: tuple[str, m.FlowsConfig] | None) -> str | None:
    """The file with only the changed tables rewritten, when that reloads equal to ``config``."""
    if on_disk is None:
        return None
    from console.flows.splice import splice  # only a save splices: loading needs none of it

    text = splice(*on_disk, config, flow_text)
    if text is None:
        return None
    try:
        after = loads(text, target)
    except FlowsError:
        return None
    same = (after.omnitron, after.runner, after.flows, after.alarms) == (
        config.omnitron, config.runner, config.flows, config.alarms)
    return text if same else None


def save(config: m.FlowsConfig, path: Path | str | None = None) -> Path:
    """Write atomically (temp file + rename); the previous file is kept as ``flows.toml.bak``.

    Comments and the layout of tables that did not change are kept; when the change cannot be
    spliced into the file safely, the whole file is written from the model.
    """
    target = Path(path) if path is not None else config.source
    if target is None:
        raise ValueError("no path to save to: the config was not loaded from a file")
    return _write(config, target, _on_disk(target))


def _new_text(config: m.FlowsConfig, target: Path,
              on_disk: tuple[str, m.FlowsConfig] | None) -> str:
    """What the file will hold: spliced when that is safe, otherwise written from the model."""
    text = _spliced(config, target, on_disk)
    if text is None:
        text = dumps(config)
        loads(text, target)
    return text


def _write(config: m.FlowsConfig, target: Path,
           on_disk: tuple[str, m.FlowsConfig] | None) -> Path:
    return write_text(target, _new_text(config, target, on_disk))


def write_text(target: Path, text: str) -> Path:
    """Replace the file with ``text`` atomically, keeping its mode and the previous file as
    ``.bak``. The caller has checked that ``text`` loads."""
    import shutil
    import tempfile

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        _keep_mode(fd, target)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            shutil.copy2(target, target.with_name(target.name + ".bak"))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _umask() -> int:
    """The process umask, read without changing it (``os.umask`` would, for every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def _keep_mode(fd: int, target: Path) -> None:
    """The new file gets the old one's mode (and owner, when allowed); a new file gets what
    the umask gives any new file."""
    try:
        st = target.stat()
    except FileNotFoundError:
        os.fchmod(fd, 0o666 & ~_umask())
        return
    os.fchmod(fd, stat.S_IMODE(st.st_mode))
    if (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
        with contextlib.suppress(PermissionError):
            os.fchown(fd, st.st_uid, st.st_gid)


def save_flow(path: Path | str, before: m.Flow | None, after: m.Flow) -> m.FlowsConfig:
    """Write one flow's change into the file as it is on disk now, and return what was saved.

    Other flows keep what the file has, even if someone edited them after the caller read it;
    if this flow itself changed in the file since ``before`` was read (``None``: a new flow),
    nothing is written and a FlowsError says so.
    """
    path = Path(path)
    on_disk = _on_disk(path)
    current = on_disk[1] if on_disk is not None else load(path)  # load() says what is wrong
    if current.find(after.id) != before:
        message = ("a flow with this id is in the file already" if before is None else
                   "was changed in the file after the console read it; nothing was written "
                   "(reopen the flow to see the file's version)")
        raise FlowsError([Problem(f"flows.{after.id}", message)], path)
    config = current.with_flow(after)
    _write(config, path, on_disk)
    return config


def preview_flow(path: Path | str, after: m.Flow) -> tuple[str, str]:
    """The file's text now and the text ``save_flow`` would write for ``after``; nothing is
    written. A file that cannot be read or is invalid raises, as ``save_flow`` would."""
    path = Path(path)
    on_disk = _on_disk(path)
    current = on_disk[1] if on_disk is not None else load(path)
    before = on_disk[0] if on_disk is not None else path.read_text(encoding="utf-8")
    return before, _new_text(current.with_flow(after), path, on_disk)
