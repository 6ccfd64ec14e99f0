"""Start-up, as whole processes, against the least a person could start:

- TUI cold start to first paint on 50 flows, against a minimal Textual app with the same
  widget types; each start a fresh process (imports included) run headless, timed to its
  first refresh. Goal: at most 1.2x the minimal app. The CPU time each process used up to
  its first paint is printed beside (no goal): on a loaded machine it moves less than wall time.
- ``console flows list`` on the same 50 flows, start to exit, against ``python -c pass``.
  Goal: at most 3x. Those flows are in UTC, which the console reads without the time zone
  database; a second line (no goal) lists the same flows in Europe/Istanbul on Quartz
  schedules, which load it.

Runs alternate (A B A B) so load on the machine falls on both alike; medians are compared.
Before timing, both apps paint once more to show their first screens, and the benchmark checks
that the minimal app's is the console's, character for character (only the title differs).

    python benchmarks/bench_startup.py [--runs 9]
"""

from __future__ import annotations

import argparse
import compileall
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

RUNS = 9
GOAL_TUI = 1.2
GOAL_LIST = 3.0

SCREEN_TEXT = """
def screen_text(app):
    import io
    from rich.console import Console
    console = Console(width=app.size.width, height=app.size.height, file=io.StringIO(),
                      record=True, force_terminal=True)
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()
"""

CONSOLE = SCREEN_TEXT + """
import sys, time
from console.tui.app import ConsoleApp
from console.tui.settings import Settings

class FirstPaint(ConsoleApp):
    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(lambda: self.call_after_refresh(self.painted))

    def painted(self):
        print(screen_text(self) if "--screen" in sys.argv else f"{time.time()} {time.process_time()}",
              flush=True)
        self.exit()

FirstPaint(sys.argv[1], start_runner=False, settings=Settings()).run(headless=True)
"""

MINIMAL = SCREEN_TEXT + """
import sys, time
from textual.app import App
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Input, Static

KEYS = {"enter": "Open", "t": "Trigger", "T": "Trigger…", "s": "Schedule", "e": "Enable/disable",
        "l": "Executions", "n": "New", "slash": "Filter", "S": "Stock", "O": "OMS setup",
        "h": "Health", "v": "Versions", "q": "Quit", "question_mark": "Help"}

class Minimal(App):
    TITLE = "integrator-console"
    CSS = "#main { height: 1fr; } #filter, #details, #reason { display: none; } #zone { height: 1; }"
    BINDINGS = [(key, "bell", label) for key, label in KEYS.items()]

    def compose(self):
        yield Header()
        yield Input(id="filter")
        with Horizontal(id="main"):
            yield DataTable(cursor_type="row", zebra_stripes=True)
            yield Static("", id="details")
        yield Static("", id="reason")
        yield Static("", id="zone")
        yield Footer()

    def on_mount(self):
        self.sub_title = sys.argv[1]
        table = self.query_one(DataTable)
        table.add_columns("Name", "Type", "Schedule")
        table.add_column("Next run", width=11)
        table.add_column("Last run", width=13)
        for n in range(50):
            table.add_row(f"Flow {n}", "stock in", f"{n % 60} */{n % 6 + 1} * * *", "…", "…")
        table.focus()
        self.call_after_refresh(lambda: self.call_after_refresh(self.painted))

    def painted(self):
        print(screen_text(self) if "--screen" in sys.argv else f"{time.time()} {time.process_time()}",
              flush=True)
        self.exit()

Minimal().run(headless=True)
"""
"""The least a person would write for the same first screen: the console's widget types (its
table and footer are DataTable and Footer underneath), the same columns, rows and keys."""


def flows_file(folder: Path, *, zoned: bool = False) -> Path:
    """50 flows, each with its own schedule (a file of identical schedules would flatter
    anything that remembers a parsed schedule); ``zoned``: in Europe/Istanbul, on Quartz
    schedules (seconds and a year field)."""
    from console.commands.init import demo_flows_text

    head, _, _ = demo_flows_text().partition("[flows.stock]")
    blocks = [head.replace('listen = "127.0.0.1:8800"', 'listen = "127.0.0.1:9"')]
    for n in range(50):
        minute, hours = n % 60, f"*/{n % 6 + 1}"
        when = (f'schedule = "0 {minute} {hours} * * ? *"\ntimezone = "Europe/Istanbul"'
                if zoned else f'schedule = "{minute} {hours} * * *"')
        blocks.append(f'[flows.f{n}]\nname = "Flow {n}"\ntype = "stock"\ndirection = "inbound"\n'
                      f'{when}\n[flows.f{n}.read]\n'
                      f'url = "http://127.0.0.1:8802/stock?${{http.query.string}}"\n')
    path = folder / ("zoned.toml" if zoned else "flows.toml")
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def first_screen(code: str, path: Path) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code, str(path), "--screen"], check=True,
                         capture_output=True, text=True).stdout
    return out.splitlines()[1:]  # below the title


def timed(code: str, *args: str) -> tuple[float, float]:
    """Seconds from starting the process to its first paint (shutdown not counted), and the
    CPU seconds the process used to get there."""
    began = time.time()
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True,
                         text=True).stdout
    painted_at, cpu = out.strip().splitlines()[-1].split()
    return float(painted_at) - began, float(cpu)


def whole(*argv: str) -> float:
    """Seconds from starting a process to its exit."""
    began = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - began


def alternate(first: Callable[[], float], second: Callable[[], float], runs: int
              ) -> tuple[float, float]:
    first(), second()  # warm the file cache for both
    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):
        a.append(first())
        b.append(second())
    return statistics.median(a), statistics.median(b)


def verdict(label: str, ratio: float, goal: float) -> str:
    return f"{label}: {ratio:.2f}x (goal <= {goal}x): {'goal met' if ratio <= goal else 'NOT met'}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    # Users start from cached bytecode; an editable install (or PYTHONDONTWRITEBYTECODE)
    # would otherwise compile the package from source on every start.
    import console

    compileall.compile_dir(Path(console.__file__).parent, quiet=1)
    script = Path(sys.executable).with_name("console")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "console.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        path = flows_file(Path(tmp))
        same = first_screen(MINIMAL, path) == first_screen(CONSOLE, path)
        cpu: dict[str, list[float]] = {MINIMAL: [], CONSOLE: []}

        def paint(code: str) -> float:
            wall, used = timed(code, str(path))
            cpu[code].append(used)
            return wall

        minimal, ours = alternate(lambda: paint(MINIMAL), lambda: paint(CONSOLE), args.runs)
        bare, listed = alternate(lambda: whole(sys.executable, "-c", "pass"),
                                 lambda: whole(*command, "--flows", str(path), "flows", "list"),
                                 args.runs)
        zoned = flows_file(Path(tmp), zoned=True)
        bare_again, listed_zoned = alternate(
            lambda: whole(sys.executable, "-c", "pass"),
            lambda: whole(*command, "--flows", str(zoned), "flows", "list"), args.runs)
    print(f"{'minimal Textual app':<30}{minimal * 1000:>8.0f} ms to first paint"
          f" ({'the same' if same else 'NOT the same'} first screen as the console's)")
    print(f"{'console, 50 flows':<30}{ours * 1000:>8.0f} ms to first paint")
    cpu_minimal, cpu_ours = statistics.median(cpu[MINIMAL]), statistics.median(cpu[CONSOLE])
    print(f"{'  CPU to first paint':<30}{cpu_minimal * 1000:>8.0f} ms minimal,"
          f" {cpu_ours * 1000:.0f} ms console: {cpu_ours / cpu_minimal:.2f}x (no goal; load stretches"
          " wall time more than CPU time)")
    print(f"{'python -c pass':<30}{bare * 1000:>8.0f} ms")
    print(f"{'console flows list, 50 flows':<30}{listed * 1000:>8.0f} ms")
    print(f"{'  in Europe/Istanbul, Quartz':<30}{listed_zoned * 1000:>8.0f} ms"
          f" ({listed_zoned / bare_again:.2f}x python -c pass; no goal)")
    print(verdict("console / minimal Textual app", ours / minimal, GOAL_TUI))
    print(verdict("flows list / python -c pass", listed / bare, GOAL_LIST))
    return 0


if __name__ == "__main__":
    sys.exit(main())
