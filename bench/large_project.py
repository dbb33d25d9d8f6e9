"""A large project file, and how long opening it takes (issue 15, #8).

    QT_QPA_PLATFORM=offscreen python bench/large_project.py [--mb 5 20] [--out /tmp/large]

:func:`large_project` builds a valid project whose custom stress scenarios (each with a shock,
a note and a proxy for every ETF of the default universe, as a committee's scenario library
would carry them) fill about ``megabytes`` of JSON. The run writes one file per size and reports,
for each: the core read (:func:`core.project.load_project`, which runs in a worker in the window)
and, in the window, the time from File > Open to the project on screen with the longest
event-loop stall meanwhile (a 5 ms heartbeat ``QTimer``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

NOTE = "committee assumption: {pct:.1f}% from the {year} desk view, reviewed quarterly"


def large_project(megabytes: float, seed: int = 15) -> dict:
    """A project document (``core.project.project_to_dict`` layout) of about ``megabytes`` MB."""
    from core.policy.profile_io import DEFAULT_PROFILE_NAME, bundled_profiles
    from core.project import Project, project_to_dict
    from core.stress.scenarios import scenario_to_dict
    from core.universe import default_universe

    universe = default_universe()
    document = project_to_dict(
        Project(profile=bundled_profiles()[DEFAULT_PROFILE_NAME], universe=universe)
    )
    rng = random.Random(seed)
    template = document["custom_scenarios"]
    scenarios = template["scenarios"]
    target = megabytes * 1024 * 1024
    size = len(json.dumps(document))
    number = 0
    while size < target:
        number += 1
        shocks = {t: round(rng.uniform(-0.6, 0.2), 6) for t in universe.tickers}
        entry = {
            "name": f"Committee scenario {number}",
            "kind": "custom",
            "description": f"Scenario {number} of the committee's library.",
            "source": "bench/large_project.py",
            "period": "",
            "shocks": {
                t: {
                    "value": v,
                    "note": NOTE.format(pct=v * 100, year=2000 + number % 25),
                    "proxy": None,
                }
                for t, v in shocks.items()
            },
        }
        scenarios.append(entry)
        size += len(json.dumps(entry)) + 2
    document["custom_scenarios"] = {**template, "scenarios": scenarios}
    # Round-trip check of one entry: the generator writes what the application reads.
    from core.stress.scenarios import scenario_from_dict

    if scenarios:
        assert scenario_to_dict(scenario_from_dict(scenarios[0]))["name"] == scenarios[0]["name"]
    return document


def write_large_project(path: Path, megabytes: float, seed: int = 15) -> Path:
    path.write_text(json.dumps(large_project(megabytes, seed)), encoding="utf-8")
    return path


def time_core(path: Path) -> float:
    from core.project import load_project

    start = time.perf_counter()
    load_project(path)
    return time.perf_counter() - start


def time_window(path: Path) -> tuple[float, float, float, int]:
    """(seconds from open to the project on screen, to its stress results shown, longest stall
    of the event loop meanwhile, progress signals)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.kit import collector
    from app.shell.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    if not collector.installed():
        collector.install(app)  # as the app runs: garbage collection on the GUI thread
    window = MainWindow(run_at_start=False)
    window.resize(1366, 768)
    window.show()
    app.processEvents()
    controller = window.project_controller
    gaps, last = [0.0], [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps[0] = max(gaps[0], now - last[0])
        last[0] = now

    heartbeat = QTimer()
    heartbeat.timeout.connect(beat)
    progress: list[float] = []
    done: list[float] = []
    opener = getattr(controller, "loader", None)
    if opener is not None:
        opener.progress.connect(lambda fraction, _text: progress.append(fraction))
    controller.project_opened.connect(lambda _p: done.append(time.perf_counter()))
    heartbeat.start(5)
    start = time.perf_counter()
    last[0] = start
    controller.open_project(path)
    while not done and time.perf_counter() - start < 600:
        app.processEvents()
        time.sleep(0.001)
    elapsed = (done[0] if done else time.perf_counter()) - start
    # Then the analysis and the Stress tab (every custom scenario in its table and chart).
    window.tabs.setCurrentWidget(window.tab_widgets["stress"])
    stress = window.tab_widgets["stress"]
    shown: list[float] = []
    stress.stress_ready.connect(lambda _s: shown.append(time.perf_counter()))
    while not shown and time.perf_counter() - start < 600:
        app.processEvents()
        time.sleep(0.001)
    for _ in range(20):  # let the last paint happen under the heartbeat
        app.processEvents()
        time.sleep(0.005)
    heartbeat.stop()
    settled = (shown[0] if shown else time.perf_counter()) - start
    window.runner.cancel_all()
    window.close()
    window.deleteLater()
    app.processEvents()
    return elapsed, settled, gaps[0], len(progress)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[5.0, 19.0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/large_projects"))
    parser.add_argument("--no-window", action="store_true")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    print(
        "| size | scenarios | core read | open: project on screen | stress shown "
        "| longest stall | progress signals |"
    )
    print("|---|---|---|---|---|---|---|")
    for mb in args.mb:
        path = write_large_project(args.out / f"large_{mb:g}mb.ipsproj", mb)
        count = len(json.loads(path.read_text())["custom_scenarios"]["scenarios"])
        core = time_core(path)
        if args.no_window:
            print(f"| {path.stat().st_size / 2**20:.1f} MB | {count:,} | {core:.2f} s | | | | |")
            continue
        elapsed, settled, stall, signals = time_window(path)
        print(
            f"| {path.stat().st_size / 2**20:.1f} MB | {count:,} | {core:.2f} s | "
            f"{elapsed:.2f} s | {settled:.2f} s | {stall * 1000:.0f} ms | {signals} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
