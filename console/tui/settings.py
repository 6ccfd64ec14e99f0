"""User settings of the console: theme choice and key remapping, in a TOML file.

``$XDG_CONFIG_HOME/integrator-console/config.toml`` (default ``~/.config/...``)::

    theme = "console-light"
    [keymap]
    "flows.trigger" = "ctrl+t"

User themes live beside it in ``themes/*.toml``, in the same format as the bundled ones.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "integrator-console"


@dataclass
class Settings:
    theme: str = "console-dark"
    keymap: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, folder: Path | None = None) -> Settings:
        path = (folder or config_dir()) / "config.toml"
        if not path.exists():
            return cls()
        try:
            data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            return cls(problems=[f"{path}: {exc}"])
        settings = cls()
        if isinstance(data.get("theme"), str):
            settings.theme = data["theme"]
        keymap = data.get("keymap", {})
        if isinstance(keymap, dict):
            settings.keymap = {str(k): str(v) for k, v in keymap.items()}
        return settings

    def save(self, folder: Path | None = None) -> None:
        import tomli_w  # only a change of theme writes: the start does not pay for the writer

        target = folder or config_dir()
        try:
            target.mkdir(parents=True, exist_ok=True)
            path = target / "config.toml"
            tmp = path.with_suffix(".tmp")
            tmp.write_text(tomli_w.dumps({"theme": self.theme, "keymap": self.keymap}),
                           encoding="utf-8")
            tmp.replace(path)
        except OSError:
            return


def theme_files(repo_themes: Path, folder: Path | None = None) -> list[Path]:
    found = sorted(repo_themes.glob("*.toml")) if repo_themes.is_dir() else []
    user = (folder or config_dir()) / "themes"
    if user.is_dir():
        found += sorted(user.glob("*.toml"))
    return found
