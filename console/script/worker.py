"""The worker process: runs the scripts of one flow, one call at a time, for its whole life.

The pool starts it in a session of its own, so a timeout kills its whole process group, forks
included. Before it runs anything it:

- caps its address space for good (soft and hard limit: a script cannot lift it, and it is
  never lifted between calls), and switches core dumps off;
- when started as root, opens the directories Python imports from and imports through those
  handles, then drops to the configured unprivileged user, who may not be able to reach the
  interpreter's home but can still import through them;
- marks itself non-dumpable, so another worker running as the same user cannot read its
  memory, and asks for SIGKILL when the console goes away (children it forks ask the same of
  it);
- becomes a child subreaper: a process its script starts stays below it even after leaving
  its session or losing its parent, so the console finds and kills it with the worker.

A worker whose script left threads or processes behind says so in its reply and waits for
the console to end it (with everything below it).

Messages are those of ``wire``: requests are encoded by the console (trusted); replies are
pickled here and read back by the console with an unpickler that builds plain data only. A
reply over the size limit becomes an error instead of reaching the console. A sync's request
may carry its flow's Jolt mapping, which the worker then applies to a native script's output
and sends the rows back instead (``_mapped_chunks``): the mapping is the flow's own, holds no
secret, and the rows are no more trusted than any script output.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import io
import json
import os
import pickle
import resource
import signal
import struct
import sys
import threading
from typing import Any

from console.script import wire

_MB = 1024 * 1024
_PR_SET_PDEATHSIG = 1
_PR_SET_DUMPABLE = 4
_PR_SET_CHILD_SUBREAPER = 36


class Connection:
    """The worker's end of its socket to the console, framing each message as the console's
    end (``multiprocessing.connection.Connection``) does: a 4-byte signed big-endian length,
    or -1 and an 8-byte unsigned one past 2 GiB, then the bytes. Importing that module (with
    the multiprocessing package, ``subprocess`` and ``tempfile``) was a tenth of the
    worker's start, which the first page of every sync waits for."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send_bytes(self, data: bytes) -> None:
        size = len(data)
        header = struct.pack("!i", size) if size <= 0x7FFFFFFF else \
            struct.pack("!iQ", -1, size)
        self._write(header + data if size <= 16384 else header)
        if size > 16384:
            self._write(data)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]

    def recv_bytes(self) -> bytes:
        size: int = struct.unpack("!i", self._read(4, start=True))[0]
        if size == -1:
            size = struct.unpack("!Q", self._read(8))[0]
        return self._read(size)

    def _read(self, size: int, *, start: bool = False) -> bytes:
        """``size`` bytes; ``EOFError`` when the console closed its end between two
        messages, ``OSError`` in the middle of one."""
        chunks: list[bytes] = []
        left = size
        while left:
            chunk = os.read(self.fd, left)
            if not chunk:
                if start and left == size:
                    raise EOFError
                raise OSError("got end of file during message")
            chunks.append(chunk)
            left -= len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _prctl(option: int, value: int) -> None:
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def _die_with_parent(parent: int) -> None:
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the console went away before the request was in place
        os._exit(1)


def _children_die_with_us() -> None:
    pid = os.getpid()
    os.register_at_fork(after_in_child=lambda: _die_with_parent(pid))


def _limit_memory(memory_mb: int) -> None:
    wanted = memory_mb * _MB
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, wanted))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _import_through_handles() -> None:
    """Point ``sys.path`` (and loaded packages' paths) at open directory handles.

    ``/proc/self/fd/N`` leads to the directory without checking the directories above it, so
    the interpreter and packages installed under a private home stay importable after the
    drop; files themselves keep their own permissions.
    """
    moved: dict[str, str] = {}
    for entry in sys.path:
        if entry and entry not in moved and os.path.isdir(entry):
            handle = os.open(entry, os.O_RDONLY | os.O_DIRECTORY)
            moved[entry] = f"/proc/self/fd/{handle}"
            moved.setdefault(os.path.realpath(entry), moved[entry])
    prefixes = sorted(moved, key=len, reverse=True)

    def through(path: str) -> str:
        for old in prefixes:
            if path == old or path.startswith(old + os.sep):
                return moved[old] + path[len(old):]
        return path

    sys.path[:] = [through(entry) for entry in sys.path]
    for module in list(sys.modules.values()):
        paths = getattr(module, "__path__", None)
        if isinstance(paths, list):
            paths[:] = [through(p) for p in paths]
    sys.path_importer_cache.clear()
    importlib.invalidate_caches()


def _drop_to(uid: int, gid: int) -> None:
    _import_through_handles()
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    if os.geteuid() == 0 or os.getegid() != gid:
        raise PermissionError("could not leave the root user")
    try:
        os.setuid(0)
    except PermissionError:
        return
    raise PermissionError("the unprivileged user could become root again")


def _limit_cpu(seconds: float) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    soft = int(used + seconds) + 1
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _unlimit_cpu() -> None:
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))


def _has_leftovers() -> bool:
    """Threads or child processes the last script left running."""
    if threading.active_count() > 1:
        return True
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return False
    if len(tasks) > 1:
        return True
    try:
        with open(f"/proc/self/task/{tasks[0]}/children", encoding="ascii") as handle:
            return bool(handle.read().strip())
    except OSError:
        return False


def _too_big(max_bytes: int, size: int | None = None) -> str:
    known = "" if size is None else f" ({size / _MB:,.1f} MB)"
    return (f"the script's result{known} is over the limit of {max_bytes / _MB:,.0f} MB for "
            "result_data, attributes and logs")


def _fail(result: dict[str, Any], problem: str, *, trim: bool = True) -> None:
    """Turn ``result`` into a failure; ``trim``: cut its attributes and logs too, which may be
    what made it too big."""
    result.pop("output", None)
    result.pop("output_chunks", None)
    result.pop("mapped", None)
    attributes = result["attributes"]
    if trim:
        attributes = {k: v[:1000] for k, v in list(attributes.items())[:100]}
        result["logs"] = []
    result.update(result_data="", relationship="failure", error=problem,
                  attributes={**attributes, "log.script.error": problem})
    if "log.script.error" not in result["written"]:
        result["written"] = [*result["written"], "log.script.error"]


def _final(result: dict[str, Any], sent: int, max_bytes: int) -> bytes:
    """The result message, within what the ``sent`` chunks left of the size limit."""
    try:
        body = wire.RESULT + pickle.dumps(result, protocol=5)
    except (pickle.PicklingError, TypeError, ValueError, MemoryError) as exc:
        body = b""
        problem = f"the script's result cannot be sent back ({type(exc).__name__}: {exc})"
    else:
        if sent + len(body) <= max_bytes:
            return body
        problem = _too_big(max_bytes, None if sent else len(body))
    del body
    _fail(result, problem)
    return wire.RESULT + pickle.dumps(result, protocol=5)


def _send_reply(conn: Connection, result: dict[str, Any], max_bytes: int) -> None:
    """A list output goes in chunks, each checked to be JSON data just before it is sent;
    then the result, which says whether the chunks count."""
    from console.script.execute import as_json_data

    output = result.get("output")
    sent = 0
    if type(output) is list:
        del result["output"]
        result["output_chunks"] = True
        for chunk in wire.chunked(output):
            try:
                body = wire.OUTPUT_CHUNK + pickle.dumps(as_json_data(chunk), protocol=5)
            except (TypeError, ValueError, RecursionError, MemoryError) as exc:
                _fail(result, f"{type(exc).__name__}: the script's output is not JSON data: "
                              f"{exc}", trim=False)
                break
            if sent + len(body) > max_bytes:
                _fail(result, _too_big(max_bytes))
                break
            sent += len(body)
            conn.send_bytes(body)
            del body
        del output
    elif "output" in result:
        try:
            result["output"] = as_json_data(output)
        except (TypeError, ValueError, RecursionError, MemoryError) as exc:
            _fail(result, f"{type(exc).__name__}: the script's output is not JSON data: {exc}",
                  trim=False)
    conn.send_bytes(_final(result, 0 if result["error"] else sent, max_bytes))


_MAPPINGS: dict[str, Any] = {}


class _BuiltinsOnly(pickle.Pickler):
    """Pickles builtin scalars and containers alone, which the console's unpickler reads back
    as they were; anything else (a ``Decimal``, a ``str`` subclass) is refused. The pickler
    asks ``reducer_override`` only about such objects, so the check costs nothing."""

    def reducer_override(self, obj: Any) -> Any:
        raise pickle.PicklingError(f"a {type(obj).__name__} in the mapping's rows")


def _builtins_only(value: Any) -> bytes:
    """An output chunk of ``value``, pickled by ``_BuiltinsOnly``."""
    buffer = io.BytesIO()
    buffer.write(wire.OUTPUT_CHUNK)
    _BuiltinsOnly(buffer, protocol=5).dump(value)
    return buffer.getvalue()


def _mapped_chunks(result: dict[str, Any], spec: str, max_bytes: int) -> list[bytes] | None:
    """The sync's mapping applied here to a native script's output, as the chunks of its rows
    ready to send: the console then decodes the rows it writes, often far smaller than the
    output, and maps nothing. One chunk: the rows are all pickled before any is sent (to keep
    to the size limit), so chunks would overlap nothing, and each cost the console a message
    and an unpickler (one chunk instead of five: about 0.1 ms less of its CPU a 5,000-row
    page).

    ``None`` (the console maps the output, as it does for any other script) when the output
    is not JSON data, the mapping fails or gives no list, rows holding anything but builtin
    types, or rows over the size limit: the console then gets the same rows, or the same
    error, itself."""
    from console.mapping import compile as compile_mapping
    from console.script.execute import as_json_data

    if result["error"] is not None or "output" not in result:
        return None
    try:
        result["output"] = output = as_json_data(result["output"])
        mapping = _MAPPINGS.get(spec)
        if mapping is None:
            _MAPPINGS.clear()  # a worker serves one flow: its spec changes only on a reload
            mapping = _MAPPINGS[spec] = compile_mapping(spec)
        rows = mapping.apply(output)
        if type(rows) is not list:
            return None
        chunk = _builtins_only(rows)
        if len(chunk) > max_bytes:
            return None
    except Exception:  # noqa: BLE001 - the console maps it again and meets the same error
        return None
    return [chunk]


def _send_mapped(conn: Connection, result: dict[str, Any], chunks: list[bytes],
                 max_bytes: int) -> None:
    """The mapped rows, then the result. The script's output, no longer needed, is let go
    once they are sent (freeing a page takes a third of a millisecond), while the console
    reads them."""
    output = result.pop("output")
    result.update(output_chunks=True, mapped=True)
    for chunk in chunks:
        conn.send_bytes(chunk)
    conn.send_bytes(_final(result, sum(map(len, chunks)), max_bytes))
    del output


def _receive(conn: Connection) -> dict[str, Any]:
    request: dict[str, Any] = wire.decode(conn.recv_bytes())
    path = request.pop("page_path", None)
    if path is not None:
        as_read = bool(request.pop("page_as_read", False))
        request["data"] = wire.JsonPage(conn.recv_bytes(), path, as_read).records()
        return request
    chunks = request.pop("chunks", None)
    if chunks is not None:
        data: list[Any] = []
        for _ in range(chunks):
            data.extend(wire.decode(conn.recv_bytes()))
        request["data"] = data
    return request


def serve(conn: Connection, settings: dict[str, Any]) -> None:
    from console.script.execute import execute

    max_bytes = int(settings["max_result_mb"]) * _MB
    log_limit = int(settings["max_output_kb"]) * 1024
    while True:
        try:
            request = _receive(conn)
        except (EOFError, OSError):
            return
        _limit_cpu(float(request["cpu_s"]))
        if "data" in request:
            result = execute(request["source"], None, request["attributes"],
                             data=request["data"], log_limit=log_limit)
        else:
            result = execute(request["source"], request["text"], request["attributes"],
                             log_limit=log_limit)
        spec = request.get("mapping")
        del request
        result["retire"] = _has_leftovers()
        try:
            chunks = None if spec is None else _mapped_chunks(result, spec, max_bytes)
            if chunks is None:
                _send_reply(conn, result, max_bytes)
            else:
                _send_mapped(conn, result, chunks, max_bytes)
        except (EOFError, OSError):
            return
        finally:
            _unlimit_cpu()


def main() -> None:
    conn = Connection(int(sys.argv[1]))
    try:  # the console sends them once it started this process (see ``pool._Worker``)
        settings: dict[str, Any] = json.loads(conn.recv_bytes())
    except (EOFError, OSError, ValueError):
        return
    try:
        _limit_memory(int(settings["memory_mb"]))
        if settings.get("uid") is not None and os.geteuid() == 0:
            _drop_to(int(settings["uid"]), int(settings["gid"]))
        _prctl(_PR_SET_DUMPABLE, 0)
        _prctl(_PR_SET_CHILD_SUBREAPER, 1)
        _die_with_parent(int(settings["parent"]))
        _children_die_with_us()
        os.environ.clear()
        os.environ["PYTHONIOENCODING"] = "utf-8"
        import console.script.execute  # noqa: F401 - loaded once, before the first request
    except (OSError, ImportError, ValueError, MemoryError) as exc:
        conn.send_bytes(pickle.dumps({"ready": False, "error": f"{type(exc).__name__}: {exc}"}))
        return
    conn.send_bytes(pickle.dumps({"ready": True, "uid": os.geteuid()}))
    serve(conn, settings)


if __name__ == "__main__":
    main()
