"""Cold start to first paint: the console on 50 flows against a minimal Textual app with the
same widget types. Each start is a fresh process (imports included), run headless; the app
exits right after its first refresh. Goal: at most 1.3x the minimal app.
"""

from __future__ import annotations

import compileall
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 7

CONSOLE = """
import sys, time
from console.tui.app import ConsoleApp
from console.tui.settings import Settings

class FirstPaint(ConsoleApp):
    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(lambda: self.call_after_refresh(self.painted))

    def painted(self):
        print(time.time(), flush=True)
        self.exit()

FirstPaint(sys.argv[1], start_runner=False, settings=Settings()).run(headless=True)
"""

MINIMAL = """
import time
from textual.app import App
from textual.widgets import DataTable, Footer, Header, Input

class Minimal(App):
    def compose(self):
        yield Header()
        yield Input()
        yield DataTable()
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Name", "Type", "Dir", "Schedule", "Next run", "Last run", "Act", "On")
        for n in range(50):
            table.add_row(f"flow {n}", "stock", "in", "*/5 * * * *", "-", "-", "-", "yes")
        self.call_after_refresh(lambda: self.call_after_refresh(self.painted))

    def painted(self):
        print(time.time(), flush=True)
        self.exit()

Minimal().run(headless=True)
"""


def flows_file(folder: Path) -> Path:
    from console.commands.init import demo_flows_text

    head, _, _ = demo_flows_text().partition("[flows.stock]")
    blocks = [head.replace('listen = "127.0.0.1:8800"', 'listen = "127.0.0.1:9"')]
    for n in range(50):
        blocks.append(f'[flows.f{n}]\nname = "Flow {n}"\ntype = "stock"\ndirection = "inbound"\n'
                      f'schedule = "*/5 * * * *"\n[flows.f{n}.read]\n'
                      f'url = "http://127.0.0.1:8802/stock?${{http.query.string}}"\n')
    path = folder / "flows.toml"
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def timed(code: str, *args: str) -> float:
    """Seconds from starting the process to its first paint (shutdown not counted)."""
    began = time.time()
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True,
                         text=True).stdout
    return float(out.strip().splitlines()[-1]) - began


def main() -> int:
    # Users start from cached bytecode; an editable install (or PYTHONDONTWRITEBYTECODE)
    # would otherwise compile the package from source on every start.
    import console

    compileall.compile_dir(Path(console.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        path = flows_file(Path(tmp))
        timed(MINIMAL)
        minimal = statistics.median(timed(MINIMAL) for _ in range(RUNS))
        ours = statistics.median(timed(CONSOLE, str(path)) for _ in range(RUNS))
    print(f"{'minimal Textual app':<28}{minimal * 1000:>8.0f} ms")
    print(f"{'console, 50 flows':<28}{ours * 1000:>8.0f} ms")
    ratio = ours / minimal
    print(f"console / minimal: {ratio:.2f}x  (goal <= 1.3x: {'met' if ratio <= 1.3 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
