"""Installed from a wheel (not editable, as pip or pipx install it), the console keeps its
bundled themes: they ship inside the package."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _source_copy(target: Path) -> Path:
    """The project's sources, so building leaves nothing behind in the working tree."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    shutil.copytree(ROOT / "console", target / "console", symlinks=True, ignore=ignore)
    shutil.copytree(ROOT / "themes", target / "themes")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, target / name)
    return target


def test_the_wheel_carries_the_themes_and_an_install_finds_them(tmp_path: Path) -> None:
    source = _source_copy(tmp_path / "source")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
         "--wheel-dir", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("integrator_console-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    shipped = {Path(n).name for n in names if n.startswith("console/tui/bundled_themes/")}
    assert shipped == {p.name for p in (ROOT / "themes").glob("*.toml")}
    assert "console/tui/app.tcss" in names
    probe = ("from console.tui.themes import bundled_themes_dir\n"
             "from console.tui.app import ConsoleApp\n"
             "import console\n"
             "print(console.__file__)\n"
             "print(sorted(p.name for p in bundled_themes_dir().glob('*.toml')))\n"
             "app = ConsoleApp('missing.toml', start_runner=False)\n"
             "print('console-ansi' in app.available_themes)\n")
    run = subprocess.run([sys.executable, "-P", "-s", "-c", probe], cwd=tmp_path, text=True,
                         capture_output=True, check=False,
                         env={"PYTHONPATH": str(tmp_path / "site"), "HOME": str(tmp_path)})
    assert run.returncode == 0, run.stderr[-2000:]
    where, themes, ansi = run.stdout.strip().splitlines()
    assert where.startswith(str(tmp_path / "site"))  # the installed copy, not the source tree
    assert "console-ansi.toml" in themes and ansi == "True"
