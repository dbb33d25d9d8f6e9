"""Window benchmarks for issue 8 (run by hand; never part of the test suite).

    QT_QPA_PLATFORM=offscreen python bench/window_bench.py [--runs 5] [--out bench/WINDOW_RESULTS.md]

Measures, on the built-in synthetic data:
- cold start: a fresh interpreter until the window shows its first populated result;
- re-analysis: ``run_analysis`` after an IPS edit (16-ETF default), and the same through the GUI
  (edit a limit in the model, Optimize, result shown);
- resampled frontier: 500 resamples x 25 points;
- event-loop stalls: the longest gap of a 5 ms heartbeat QTimer while Optimize, resampling and
  the full export run in their workers;
- export of the full report (workbook, memo, PDF, charts, CSVs).
Medians over ``--runs``; the machine is shared, so read the numbers against the targets with care.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

COLD_START = r"""
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import app.shell.main_window as main_window

original_init = main_window.MainWindow.__init__

def init(self, *args, **kwargs):
    original_init(self, *args, **kwargs)
    def shown(_result):
        print(f"SHOWN {time.time():.6f}", flush=True)
    def ready(_result):
        print(f"READY {time.time():.6f}", flush=True)
        # The user opens the Allocation tab at once: its charts are made (pyqtgraph imported).
        tab = self.tab_widgets["allocation"]
        gaps, last = [0.0], [time.perf_counter()]

        def beat():
            now = time.perf_counter()
            gaps[0] = max(gaps[0], now - last[0])
            last[0] = now

        heartbeat = QTimer(self)
        heartbeat.timeout.connect(beat)
        heartbeat.start(5)

        def charts_drawn():
            heartbeat.stop()
            beat()
            print(f"CHARTS {time.time():.6f} {gaps[0]:.6f}", flush=True)
            QApplication.instance().quit()

        tab.deferred.drained.connect(charts_drawn)
        self.tabs.setCurrentWidget(tab)
    self.result_shown.connect(shown)
    self.result_ready.connect(ready)

main_window.MainWindow.__init__ = init
from app.__main__ import run_gui
sys.exit(run_gui(["ips-studio"]))
"""


def cold_start(runs: int) -> tuple[float, float, float, float, float]:
    """Median seconds from spawning ``python`` to the first result on screen (``result_shown``:
    the window's tab shows it), to every tab having it (``result_ready``) and to the tab on
    Allocation tab, opened right then, having drawn its charts (pyqtgraph imported, the first
    charts made) with the longest event-loop stall meanwhile (seconds), through the
    real entry point (:func:`app.__main__.run_gui`: logging, theme and settings included) with
    empty settings; and the median whole-process time (quit and exit included)."""
    shown, ready, charts, charts_stall, whole = [], [], [], [], []
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # Bytecode as an installed program has it (this machine sets PYTHONDONTWRITEBYTECODE, which
    # would add a compile of every module of ours to each start).
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "app", "core"], cwd=ROOT, env=base, check=True
    )
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="ips-bench-home-") as home:
            env = dict(
                base,
                QT_QPA_PLATFORM="offscreen",
                XDG_CONFIG_HOME=home,
                XDG_DATA_HOME=home,
                XDG_CACHE_HOME=home,
                XDG_STATE_HOME=home,
            )
            start = time.time()
            out = subprocess.run(
                [sys.executable, "-c", COLD_START],
                cwd=ROOT,
                capture_output=True,
                text=True,
                env=env,
                check=True,
            ).stdout
            whole.append(time.time() - start)
            stamps = {
                line.split()[0]: [float(word) for word in line.split()[1:]]
                for line in out.splitlines()
                if line.startswith(("SHOWN", "READY", "CHARTS"))
            }
            shown.append(stamps["SHOWN"][0] - start)
            ready.append(stamps["READY"][0] - start)
            charts.append(stamps["CHARTS"][0] - start)
            charts_stall.append(stamps["CHARTS"][1])
    return (
        statistics.median(shown),
        statistics.median(ready),
        statistics.median(charts),
        statistics.median(charts_stall),
        statistics.median(whole),
    )


def reanalysis(runs: int) -> float:
    from core.pipeline import load_default_dataset, run_analysis
    from core.policy.profile import Range
    from core.policy.profile_io import bundled_profiles

    dataset = load_default_dataset()
    base = bundled_profiles()["Balanced Growth"]
    run_analysis(base, dataset)
    times = []
    for k in range(runs):
        edited = base.with_changes(
            class_ranges={**base.class_ranges, "Equity": Range(0.45 + 0.01 * k, 0.70)}
        )
        start = time.perf_counter()
        run_analysis(edited, dataset)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def resampling(runs: int) -> float:
    from core.optimize.resampling import resampled_frontier
    from core.pipeline import load_default_dataset, run_analysis
    from core.policy.profile_io import bundled_profiles

    dataset = load_default_dataset()
    profile = bundled_profiles()["Balanced Growth"]
    result = run_analysis(profile, dataset)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        resampled_frontier(
            dataset.returns, result.constraints, result.inputs, profile, resamples=500, points=25
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def gui_measures(runs: int) -> dict[str, float]:
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.kit import collector
    from app.shell.main_window import MainWindow

    collector.install(QApplication.instance() or QApplication([]))  # as run_gui
    window = MainWindow()
    window.resize(1400, 900)
    window.show()

    def wait(signal, timeout_ms: int = 120_000) -> None:
        loop = QEventLoop()
        signal.connect(loop.quit)
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
        signal.disconnect(loop.quit)

    wait(window.result_ready)
    clock = QElapsedTimer()
    gaps: list[int] = []
    last = [0]

    def beat() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    heartbeat = QTimer()
    heartbeat.setInterval(5)
    heartbeat.timeout.connect(beat)

    def stall_during(action) -> tuple[float, float]:  # noqa: ANN001
        gaps.clear()
        clock.start()
        last[0] = 0
        heartbeat.start()
        start = time.perf_counter()
        action()
        elapsed = time.perf_counter() - start
        heartbeat.stop()
        return elapsed, float(max(gaps) if gaps else 0)

    def drawn(tab) -> None:  # noqa: ANN001 - wait until a shown tab has drawn what it deferred
        deferred = getattr(tab, "deferred", None)
        while deferred is not None and deferred.pending():
            loop = QEventLoop()
            deferred.drained.connect(loop.quit)
            QTimer.singleShot(2000, loop.quit)
            loop.exec()
            deferred.drained.disconnect(loop.quit)

    # First opening of each tab after the first result: charts are made and drawn then.
    first_open: dict[str, float] = {}
    for key in ("allocation", "risk", "stress", "rebalancing", "ips"):
        tab = window.tab_widgets[key]
        _, stall = stall_during(lambda tab=tab: (window.tabs.setCurrentWidget(tab), drawn(tab)))
        first_open[key] = stall

    model = window.ips_tab.constraints_model
    edit_times, optimize_stalls = [], []
    visible_stalls: dict[str, float] = {}
    for k in range(runs):
        for key in ("ips", "allocation", "risk", "stress", "rebalancing"):
            window.tabs.setCurrentWidget(window.tab_widgets[key])
            drawn(window.tab_widgets[key])
            row = model.row_of("Asset class", "Equity")
            index = model.index(row, 2)

            def edit_and_optimize(k: int = k, index=index, key: str = key) -> None:  # noqa: ANN001
                model.setData(index, f"{46 + k}")
                window.action_optimize.trigger()
                wait(window.result_ready)
                tab = window.tab_widgets[key]
                for _ in range(
                    3
                ):  # the tab's own jobs (risk report, stress, rebalance) and its drawing
                    if hasattr(tab, "busy"):
                        while tab.busy():
                            loop = QEventLoop()
                            QTimer.singleShot(20, loop.quit)
                            loop.exec()
                    drawn(tab)

            elapsed, stall = stall_during(edit_and_optimize)
            if key == "ips":
                edit_times.append(elapsed)
            optimize_stalls.append(stall)
            visible_stalls[key] = max(visible_stalls.get(key, 0.0), stall)
    window.tabs.setCurrentWidget(window.tab_widgets["allocation"])

    panel = window.tab_widgets["allocation"].resampling_panel
    panel.resamples_spin.setValue(500)
    resample_time, resample_stall = stall_during(lambda: (panel.start(), wait(window.result_ready)))

    export_times, export_stalls = [], []
    controller = window.export_controller
    for _ in range(max(1, runs // 2)):
        folder = tempfile.mkdtemp(prefix="ips-bench-export-")

        def export(folder: str = folder) -> None:
            controller.export_to(folder)
            wait(controller.export_finished)

        elapsed, stall = stall_during(export)
        export_times.append(elapsed)
        export_stalls.append(stall)
    window.runner.cancel_all()
    window.runner.wait_for_done()
    return {
        "gui_reanalysis_s": statistics.median(edit_times),
        "optimize_stall_ms": max(optimize_stalls),
        "resample_gui_s": resample_time,
        "resample_stall_ms": resample_stall,
        "export_s": statistics.median(export_times),
        "export_stall_ms": max(export_stalls),
        "first_open_ms": first_open,
        "visible_stall_ms": visible_stalls,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--cold-only", action="store_true", help="measure the cold start only, and print it"
    )
    args = parser.parse_args()
    shown, ready, charts, charts_stall, whole = cold_start(max(args.runs, 5))
    if args.cold_only:
        print(
            f"cold start, medians of {max(args.runs, 5)}: first result shown {shown:.2f} s, "
            f"every tab {ready:.2f} s, Allocation tab opened then and its charts drawn "
            f"{charts:.2f} s (longest stall meanwhile {charts_stall * 1e3:.0f} ms), "
            f"whole process {whole:.2f} s"
        )
        return 0
    core_reanalysis = reanalysis(max(args.runs, 10))
    resample = resampling(max(1, args.runs // 2))
    gui = gui_measures(args.runs)
    rows = [
        (
            "Cold start to a shown, populated window (process start to first result, `python -m app` path)",
            f"{shown:.2f} s",
            "< 1.5 s",
            shown < 1.5,
        ),
        (
            "  to every tab having the first result (hidden tabs draw when shown)",
            f"{ready:.2f} s",
            "",
            None,
        ),
        (
            "  to the Allocation tab's charts, opened right after the first result (pyqtgraph imported then)",
            f"{charts:.2f} s (longest stall {charts_stall * 1e3:.0f} ms)",
            "",
            None,
        ),
        ("  whole process: start, first result, charts, quit and exit", f"{whole:.2f} s", "", None),
        (
            "Re-analysis after an IPS edit, core (run_analysis, 16 ETFs)",
            f"{core_reanalysis * 1e3:.0f} ms",
            "< 150 ms",
            core_reanalysis < 0.150,
        ),
        (
            "Re-analysis through the GUI (edit, Optimize, result shown)",
            f"{gui['gui_reanalysis_s'] * 1e3:.0f} ms",
            "",
            None,
        ),
        ("Resampled frontier, 500 x 25, core", f"{resample:.2f} s", "< 2 s", resample < 2.0),
        (
            "Resampled frontier through the GUI (worker, candidate added)",
            f"{gui['resample_gui_s']:.2f} s",
            "",
            None,
        ),
        (
            "Longest event-loop stall during Optimize (whichever tab is shown, its own jobs and drawing included)",
            f"{gui['optimize_stall_ms']:.0f} ms",
            "< 50 ms",
            gui["optimize_stall_ms"] < 50,
        ),
        *[
            (f"  with the {key} tab shown", f"{value:.0f} ms", "", None)
            for key, value in gui["visible_stall_ms"].items()
        ],
        (
            "Longest event-loop stall during resampling",
            f"{gui['resample_stall_ms']:.0f} ms",
            "< 50 ms",
            gui["resample_stall_ms"] < 50,
        ),
        (
            "Longest event-loop stall during export",
            f"{gui['export_stall_ms']:.0f} ms",
            "< 50 ms",
            gui["export_stall_ms"] < 50,
        ),
        (
            "Export of the full report (xlsx, memo md/pdf, 7 charts, CSVs)",
            f"{gui['export_s']:.2f} s",
            "",
            None,
        ),
        *[
            (
                f"Longest stall when the {key} tab is first opened (its charts made and drawn)",
                f"{value:.0f} ms",
                "",
                None,
            )
            for key, value in gui["first_open_ms"].items()
        ],
    ]
    load = os.getloadavg()
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; Python {platform.python_version()}; "
        f"{os.cpu_count()} cores; load average at the end {load[0]:.1f}; medians of {args.runs} runs.",
        "",
        "| measure | value | target | met |",
        "|---|---|---|---|",
    ]
    for name, value, target, met in rows:
        lines.append(
            f"| {name} | {value} | {target} | {'' if met is None else ('yes' if met else '**no**')} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
