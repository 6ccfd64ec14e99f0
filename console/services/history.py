"""Versions of flows.toml: every save from the console keeps one, and any can be diffed or
restored.

When the file sits in a git repository a version is a commit of that file alone (other staged
or changed files are left as they are); otherwise it is a copy beside the store, in
``history/<time>-<file name>`` with its message in ``history/index.jsonl``. Before a save, an
edit made to the file outside the console is kept as a version of its own, so a restore never
loses it.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from console.flows import Flow, FlowsConfig, FlowsError, loads, save_flow
from console.flows.file import write_text
from console.services.errors import ServiceError

OUTSIDE = "changes made outside the console"


@dataclass(frozen=True)
class Version:
    id: str
    """A commit's short hash, or the copy's time stamp; a unique prefix also names it."""
    at: datetime
    message: str


@dataclass(frozen=True)
class Saved:
    """A save's outcome: the flows written, and why no version was kept when none was."""

    config: FlowsConfig
    warning: str | None = None


class Keeper(Protocol):
    """Where versions live: git, or copies beside the store."""

    where: str

    def versions(self) -> list[Version]: ...

    def text(self, version_id: str) -> str: ...

    def keep(self, text: str, message: str) -> Version | None: ...


# Git ---------------------------------------------------------------------------------------

_IDENTITY = {"GIT_AUTHOR_NAME": "integrator-console", "GIT_AUTHOR_EMAIL": "console@localhost",
             "GIT_COMMITTER_NAME": "integrator-console",
             "GIT_COMMITTER_EMAIL": "console@localhost"}


def _git(folder: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True,
                          env=env, check=False)
    if done.returncode != 0:
        raise ServiceError(f"git {args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


class GitKeeper:
    def __init__(self, path: Path, top: Path) -> None:
        self.path = path
        self.top = top
        self.rel = path.resolve().relative_to(top).as_posix()
        self.where = f"git repository {top}"

    def versions(self) -> list[Version]:
        try:
            out = _git(self.top, "log", "--format=%H%x1f%aI%x1f%s", "--", self.rel)
        except ServiceError:
            return []  # a repository without commits yet
        found = []
        for line in out.splitlines():
            sha, at, message = line.split("\x1f", 2)
            found.append(Version(sha[:10], datetime.fromisoformat(at).astimezone(UTC), message))
        return found

    def text(self, version_id: str) -> str:
        return _git(self.top, "show", f"{version_id}:{self.rel}")

    def keep(self, text: str, message: str) -> Version | None:
        """Commit the file as it is on disk (which holds ``text``), and only that file."""
        _git(self.top, "add", "--", self.rel)
        if _git_quiet(self.top, "diff", "--cached", "--quiet", "HEAD", "--", self.rel):
            return None
        env = dict(os.environ)
        if not _git_quiet(self.top, "config", "user.email"):
            env.update({k: v for k, v in _IDENTITY.items() if k not in env})
        _git(self.top, "commit", "--no-verify", "--only", "-m", message, "--", self.rel, env=env)
        return self.versions()[0]


def _git_quiet(folder: Path, *args: str) -> bool:
    """True when the git command succeeds (``diff --quiet``: nothing differs)."""
    return subprocess.run(["git", "-C", str(folder), *args], capture_output=True,
                          check=False).returncode == 0


def _git_top(folder: Path) -> Path | None:
    """The repository holding ``folder``, when git is installed and there is one."""
    if shutil.which("git") is None:
        return None
    done = subprocess.run(["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
                          capture_output=True, text=True, check=False)
    return Path(done.stdout.strip()).resolve() if done.returncode == 0 else None


# Copies beside the store --------------------------------------------------------------------

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class CopyKeeper:
    def __init__(self, path: Path, folder: Path, clock: Clock = _utc_now) -> None:
        self.path = path
        self.folder = folder
        self.where = str(folder)
        self.clock = clock

    @property
    def _index(self) -> Path:
        return self.folder / "index.jsonl"

    def _file(self, version_id: str) -> Path:
        return self.folder / f"{version_id}-{self.path.name}"

    def versions(self) -> list[Version]:
        try:
            lines = self._index.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        found = []
        for line in lines:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by a crash: the copies themselves are whole
            if entry.get("file") == self.path.name and self._file(entry["id"]).exists():
                found.append(Version(entry["id"], datetime.fromisoformat(entry["at"]),
                                     entry["message"]))
        return found[::-1]

    def text(self, version_id: str) -> str:
        return self._file(version_id).read_text(encoding="utf-8")

    def keep(self, text: str, message: str) -> Version | None:
        now = self.clock().astimezone(UTC)
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        version_id, n = stamp, 1
        while self._file(version_id).exists():
            n += 1
            version_id = f"{stamp}-{n}"
        self._file(version_id).write_text(text, encoding="utf-8")
        entry = {"id": version_id, "at": now.isoformat(), "file": self.path.name,
                 "message": message}
        with self._index.open("a", encoding="utf-8") as index:
            index.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return Version(version_id, now, message)


# The service ---------------------------------------------------------------------------------

def _store_folder(path: Path) -> Path:
    """Beside the store the file names; ``.console`` beside the file when it cannot be read."""
    try:
        return loads(path.read_text(encoding="utf-8"), path).store_path().parent
    except (OSError, UnicodeDecodeError, FlowsError):
        return path.resolve().parent / ".console"


def keeper_for(path: Path, clock: Clock = _utc_now) -> Keeper:
    """Git when the file is (or may be) tracked by a repository; copies otherwise. ``clock``
    stamps copies (a commit takes git's own time)."""
    top = _git_top(path.resolve().parent)
    if top is not None and not _git_quiet(top, "check-ignore", "-q", str(path.resolve())):
        return GitKeeper(path, top)
    return CopyKeeper(path, _store_folder(path) / "history", clock)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ServiceError(f"cannot read {path}: {exc}") from None


class History:
    """The versions of one flows file."""

    def __init__(self, path: Path | str, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self.keeper = keeper_for(self.path, clock or _utc_now)

    def versions(self) -> list[Version]:
        return self.keeper.versions()

    def find(self, version_id: str) -> Version:
        """The version ``version_id`` names (in full or by a unique prefix)."""
        wanted = version_id.strip()
        versions = self.versions()
        exact = [v for v in versions if v.id == wanted]
        found = exact or [v for v in versions if wanted and v.id.startswith(wanted)]
        if len(found) == 1:
            return found[0]
        if not found:
            raise ServiceError(f"no version {version_id!r} of {self.path.name} in "
                               f"{self.keeper.where} (console flows history lists them)")
        raise ServiceError(f"{version_id!r} names {len(found)} versions of {self.path.name}: "
                           f"{', '.join(v.id for v in found[:5])}; give more of it")

    def text(self, version: Version) -> str:
        return self.keeper.text(version.id)

    def diff(self, version_id: str, other_id: str | None = None) -> str:
        """What changed from a version to the file now (or to another version)."""
        old = self.find(version_id)
        before = self.text(old)
        name = self.path.name
        if other_id is None:
            after, label = _read(self.path) or "", f"{name} (now)"
        else:
            new = self.find(other_id)
            after, label = self.text(new), f"{name}@{new.id}"
        return "".join(difflib.unified_diff(before.splitlines(keepends=True),
                                            after.splitlines(keepends=True),
                                            f"{name}@{old.id}", label, n=3))

    def keep_outside_changes(self) -> None:
        """The file as it is now becomes a version if it differs from the latest one."""
        text = _read(self.path)
        if text is None:
            return
        latest = self.versions()
        if not latest or self.text(latest[0]) != text:
            message = OUTSIDE if latest else "as found before the console's first save"
            self.keeper.keep(text, f"{self.path.name}: {message}")

    def save_flow(self, before: Flow | None, after: Flow) -> Saved:
        """Save one flow's change (as ``console.flows.save_flow``) and keep it as a version.

        A refused save raises FlowsError as before; a version that cannot be kept does not undo
        the save: ``Saved.warning`` says why."""
        warning = self._try(self.keep_outside_changes)
        config = save_flow(self.path, before, after)
        what = "created" if before is None else "changed"
        message = f"{self.path.name}: {after.name} ({after.id}) {what}"
        return Saved(config, warning or self._try(lambda: self._keep_now(message)))

    def _keep_now(self, message: str) -> None:
        text = _read(self.path)
        if text is not None:
            self.keeper.keep(text, message)

    def _try(self, step: Callable[[], None]) -> str | None:
        try:
            step()
        except (ServiceError, OSError) as exc:
            return f"saved, but no version was kept in {self.keeper.where}: {exc}"
        return None

    def restore(self, version_id: str) -> tuple[FlowsConfig, Version | None]:
        """Make the file what it was at a version; returns the flows and the new version
        (``None`` when the file already said exactly that).

        The version is checked as any save is: one that does not load is refused with the
        same problems, and nothing is written."""
        old = self.find(version_id)
        text = self.text(old)
        try:
            config = loads(text, self.path)
        except FlowsError as exc:
            raise ServiceError(f"version {old.id} cannot be restored: {exc}") from None
        if _read(self.path) == text:
            return config, None
        self.keep_outside_changes()
        try:
            write_text(self.path, text)
        except OSError as exc:
            raise ServiceError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        return config, self.keeper.keep(text, f"{self.path.name}: restored version {old.id} "
                                              f"({old.message})")
