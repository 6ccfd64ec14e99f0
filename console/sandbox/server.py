"""Run the sandbox Omnitron and ERP, each in its own process and event loop.

The ERP is forked off once both sockets are bound and the data is seeded, so a benchmark
reading pages and posting upserts at full speed never has one server wait on the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import signal
import socket
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette

from console.sandbox import (
    admin,
    erp,
    erp_oauth,
    erp_prices,
    erp_sales_orders,
    omnitron,
    omnitron_orders,
    omnitron_prices,
)
from console.sandbox.db import connect, open_state
from console.sandbox.faults import FaultMiddleware, Faults


def build_apps(data_dir: Path, seed: int, products: int, orders: int) -> tuple[Any, Any]:
    omnitron_db, erp_db = open_state(data_dir, seed, products, orders)
    return omnitron_asgi(omnitron_db), erp_asgi(erp_db)


def omnitron_asgi(conn: sqlite3.Connection) -> Any:
    app: Starlette = omnitron.create_app(conn)
    omnitron_prices.install(app)
    omnitron_orders.install(app)
    faults = Faults()
    app.router.routes.extend([admin.fault_route(faults), *admin.omnitron_routes()])
    return FaultMiddleware(app, faults)


def erp_asgi(conn: sqlite3.Connection) -> Any:
    app: Starlette = erp.create_app(conn)
    erp_oauth.install(app)
    erp_prices.install(app)
    erp_sales_orders.install(app)
    faults = Faults()
    app.router.routes.extend([admin.fault_route(faults), *admin.erp_routes()])
    return erp.PathToken(FaultMiddleware(app, faults))


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SystemExit(f"sandbox: cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    return sock


def serve(omnitron_port: int = 8801, erp_port: int = 8802, data_dir: Path = Path(".console/sandbox"),
          seed: int = 1, host: str = "127.0.0.1", products: int = 3000, orders: int = 300,
          announce: bool = True) -> None:
    """Serve both in the foreground until SIGINT or SIGTERM; port 0 picks a free port."""
    folder = Path(data_dir)
    for conn in open_state(folder, seed, products, orders):  # seed once, before the fork
        conn.close()
    sockets = (_bind(host, omnitron_port), _bind(host, erp_port))
    urls = {name: f"http://{host}:{sock.getsockname()[1]}"
            for name, sock in zip(("omnitron", "erp"), sockets, strict=True)}
    if announce:
        sys.stdout.write(json.dumps(urls) + "\n")
        sys.stdout.flush()
    child = os.fork()
    if child == 0:
        code = 0
        try:
            sockets[0].close()
            _die_with_parent()
            _serve_one(erp_asgi(connect(folder / "erp.db")), sockets[1])
        except BaseException:  # noqa: BLE001 - a forked child must never return into the caller
            code = 1
        finally:
            os._exit(code)
    sockets[1].close()
    try:
        _serve_one(omnitron_asgi(connect(folder / "omnitron.db")), sockets[0])
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGTERM)
        os.waitpid(child, 0)


def _serve_one(app: Any, sock: socket.socket) -> None:
    # What the app holds lives as long as the process (a million SKUs, at scale): frozen, the
    # cyclic collector no longer walks it at every full collection, which a bulk upsert's
    # thousands of new rows set off several times per request.
    gc.freeze()
    # uvicorn takes httptools (a dependency) when it can import it: HTTP parsed in C, where its
    # pure-Python fallback would cost more than the sandbox's own work. Nothing stands between
    # the sandbox and its clients, so there are no proxy headers to read.
    server = _LoopSignalServer(uvicorn.Config(app, log_level="warning", access_log=False,
                                              lifespan="off", timeout_graceful_shutdown=1,
                                              http="auto", proxy_headers=False))

    def stop() -> None:
        server.should_exit = True

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop)
        await server.serve(sockets=[sock])

    asyncio.run(main())


class _LoopSignalServer(uvicorn.Server):
    """A server that leaves SIGINT/SIGTERM to the loop's handlers set in ``_serve_one``."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _die_with_parent() -> None:
    """The ERP process ends with the Omnitron one, however that one ends."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)
        if os.getppid() == 1:
            os._exit(0)


def dump_state(data_dir: Path, seed: int = 1) -> dict[str, Any]:
    omnitron_db, erp_db = open_state(Path(data_dir), seed, 3000, 300)
    state = admin.dump_omnitron(omnitron_db)
    state["erp"] = {
        "stock": [dict(r) for r in erp_db.execute(
            "SELECT sku, stock_list, qty, unit_type, modified_date FROM stock ORDER BY id")],
        "orders": erp_db.execute("SELECT COUNT(*) FROM orders").fetchone()[0],
    }
    return state
