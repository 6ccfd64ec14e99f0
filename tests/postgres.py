"""A real PostgreSQL server for the tests: ``initdb`` and ``pg_ctl`` in a temporary folder.

One server per test run, on a free loopback port, made durable-free (no fsync) since it is
thrown away. Each test gets its own database, cloned from a template. When the tests run as
root the server runs as an unprivileged user (``initdb`` refuses root). Without PostgreSQL
installed the tests that need it fail and say how to install it: never a silent skip.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

INSTALL_HINT = (
    "the PostgreSQL store's tests need PostgreSQL 13 or later (initdb and pg_ctl): install it "
    "with `apt-get install postgresql` (Debian, Ubuntu), `dnf install postgresql-server` "
    "(Fedora) or `brew install postgresql` (macOS), and put its bin folder on PATH (Debian: "
    "/usr/lib/postgresql/<version>/bin); `.ci/run` does this by itself"
)
TEMPLATE = "console_template"


class PostgresMissing(Exception):
    """No ``initdb`` on PATH nor in the distribution's usual folders."""


def bin_dir() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl``: on PATH, or where Debian puts them."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda p: int(Path(p).parent.parent.name) if
                      Path(p).parent.parent.name.isdigit() else 0)
    if versions:
        return Path(versions[-1]).parent
    raise PostgresMissing(INSTALL_HINT)


def _server_user() -> str | None:
    """Who runs the server: ourselves, or an unprivileged account when we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise PostgresMissing("running as root and no unprivileged user (postgres, nobody) exists "
                          "to run the test PostgreSQL server as")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """A throwaway server; ``url(name)`` connects to one of its databases."""

    def __init__(self) -> None:
        self.bin = bin_dir()
        self.user = _server_user()
        self.folder = Path(tempfile.mkdtemp(prefix="console-pg-"))
        self.data = self.folder / "data"
        self.port = 0
        self._names = itertools.count(1)
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, cwd=self.folder, capture_output=True, text=True,
                              timeout=120, check=False)

    def start(self) -> None:
        made = self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                         "-E", "UTF8", "--locale=C", "--no-sync")
        if made.returncode:
            raise RuntimeError(f"initdb failed:\n{made.stdout}\n{made.stderr}")
        for _attempt in range(5):  # another program may take the free port before we bind it
            self.port = _free_port()
            options = (f"-p {self.port} -c listen_addresses=127.0.0.1"
                       f" -c unix_socket_directories={self.folder} -c fsync=off"
                       " -c synchronous_commit=off -c full_page_writes=off"
                       " -c max_connections=300")
            started = self._run("pg_ctl", "-D", str(self.data), "-l",
                                str(self.folder / "server.log"), "-w", "-t", "60", "-o",
                                options, "start")
            if started.returncode == 0:
                break
            if "could not bind" not in self.log():
                raise RuntimeError(f"pg_ctl start failed:\n{started.stdout}{started.stderr}\n"
                                   f"{self.log()}")
        else:
            raise RuntimeError(f"no free port for PostgreSQL:\n{self.log()}")
        self.admin(f"CREATE DATABASE {TEMPLATE}")

    def log(self) -> str:
        try:
            return (self.folder / "server.log").read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql.encode())

    def fresh_database(self) -> str:
        """A new empty database's connection string (a copy of the template)."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        for _attempt in range(50):  # CREATE DATABASE fails while the template has a session
            try:
                self.admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
                break
            except Exception as exc:  # psycopg's ObjectInUse, imported lazily
                if "being accessed by other users" not in str(exc):
                    raise
                time.sleep(0.05)
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a test's database, ending whatever connections the test left open."""
        self.admin(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")

    def stop(self) -> None:
        if self.data.exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
