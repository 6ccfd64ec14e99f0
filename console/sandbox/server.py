"""Run the sandbox Omnitron and ERP together in one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette

from console.sandbox import admin, erp, omnitron
from console.sandbox.db import open_state
from console.sandbox.faults import FaultMiddleware, Faults


def build_apps(data_dir: Path, seed: int, products: int, orders: int) -> tuple[Any, Any]:
    omnitron_db, erp_db = open_state(data_dir, seed, products, orders)
    omnitron_app: Starlette = omnitron.create_app(omnitron_db)
    erp_app: Starlette = erp.create_app(erp_db)
    omnitron_faults, erp_faults = Faults(), Faults()
    for app, faults, extra in ((omnitron_app, omnitron_faults, admin.omnitron_routes()),
                               (erp_app, erp_faults, admin.erp_routes())):
        app.router.routes.extend([admin.fault_route(faults), *extra])
    return (FaultMiddleware(omnitron_app, omnitron_faults),
            erp.PathToken(FaultMiddleware(erp_app, erp_faults)))


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
    omnitron_app, erp_app = build_apps(Path(data_dir), seed, products, orders)
    sockets = (_bind(host, omnitron_port), _bind(host, erp_port))
    urls = {name: f"http://{host}:{sock.getsockname()[1]}"
            for name, sock in zip(("omnitron", "erp"), sockets, strict=True)}
    if announce:
        sys.stdout.write(json.dumps(urls) + "\n")
        sys.stdout.flush()
    servers = [_SharedSignalServer(uvicorn.Config(app, log_level="warning", access_log=False,
                                                  lifespan="off", timeout_graceful_shutdown=1))
               for app in (omnitron_app, erp_app)]

    def stop_all() -> None:
        for server in servers:
            server.should_exit = True

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop_all)
        await asyncio.gather(*(s.serve(sockets=[sock]) for s, sock in zip(servers, sockets,
                                                                          strict=True)))

    asyncio.run(main())


class _SharedSignalServer(uvicorn.Server):
    """A server that leaves SIGINT/SIGTERM to the loop: one signal stops both servers."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def dump_state(data_dir: Path, seed: int = 1) -> dict[str, Any]:
    omnitron_db, erp_db = open_state(Path(data_dir), seed, 3000, 300)
    state = admin.dump_omnitron(omnitron_db)
    state["erp"] = {
        "stock": [dict(r) for r in erp_db.execute(
            "SELECT sku, stock_list, qty, unit_type, modified_date FROM stock ORDER BY id")],
        "orders": erp_db.execute("SELECT COUNT(*) FROM orders").fetchone()[0],
    }
    return state
