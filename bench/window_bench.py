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
import time, sys
t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication
from PySide6.QtCore import QTimer
app = QApplication(sys.argv)
from app.main_window import MainWindow
w = MainWindow(); w.resize(1400, 900); w.show()
def done(_r):
    print(f"COLD {time.perf_counter() - t0:.4f}"); app.quit()
w.result_ready.connect(done)
QTimer.singleShot(60000, app.quit)
app.exec()
w.runner.cancel_all(); w.runner.wait_for_done()
"""


def cold_start(runs: int) -> tuple[float, float]:
    inner, outer = [], []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", COLD_START], cwd=ROOT, capture_output=True, text=True,
                             env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), check=True).stdout
        outer.append(time.perf_counter() - start)
        inner.append(float(next(line for line in out.splitlines() if line.startswith("COLD")).split()[1]))
    return statistics.median(outer), statistics.median(inner)


def reanalysis(runs: int) -> float:
    from core.pipeline import load_default_dataset, run_analysis
    from core.policy.profile import Range
    from core.policy.profile_io import bundled_profiles

    dataset = load_default_dataset()
    base = bundled_profiles()["Balanced Growth"]
    run_analysis(base, dataset)
    times = []
    for k in range(runs):
        edited = base.with_changes(class_ranges={**base.class_ranges, "Equity": Range(0.45 + 0.01 * k, 0.70)})
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
        resampled_frontier(dataset.returns, result.constraints, result.inputs, profile, resamples=500, points=25)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def gui_measures(runs: int) -> dict[str, float]:
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.main_window import MainWindow

    QApplication.instance() or QApplication([])
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

    model = window.ips_tab.constraints_model
    edit_times, optimize_stalls = [], []
    for k in range(runs):
        row = model.row_of("Asset class", "Equity")
        index = model.index(row, 2)

        def edit_and_optimize(k: int = k, index=index) -> None:  # noqa: ANN001
            model.setData(index, f"{46 + k}")
            window.action_optimize.trigger()
            wait(window.result_ready)

        elapsed, stall = stall_during(edit_and_optimize)
        edit_times.append(elapsed)
        optimize_stalls.append(stall)

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
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    outer, inner = cold_start(args.runs)
    core_reanalysis = reanalysis(max(args.runs, 10))
    resample = resampling(max(1, args.runs // 2))
    gui = gui_measures(args.runs)
    rows = [
        ("Cold start to a shown, populated window (process start to first result)", f"{outer:.2f} s",
         "< 1.5 s", outer < 1.5),
        ("  of which inside Python (imports, window, first analysis)", f"{inner:.2f} s", "", None),
        ("Re-analysis after an IPS edit, core (run_analysis, 16 ETFs)", f"{core_reanalysis * 1e3:.0f} ms",
         "< 150 ms", core_reanalysis < 0.150),
        ("Re-analysis through the GUI (edit, Optimize, result shown)", f"{gui['gui_reanalysis_s'] * 1e3:.0f} ms",
         "", None),
        ("Resampled frontier, 500 x 25, core", f"{resample:.2f} s", "< 2 s", resample < 2.0),
        ("Resampled frontier through the GUI (worker, candidate added)", f"{gui['resample_gui_s']:.2f} s", "", None),
        ("Longest event-loop stall during Optimize", f"{gui['optimize_stall_ms']:.0f} ms", "< 50 ms",
         gui["optimize_stall_ms"] < 50),
        ("Longest event-loop stall during resampling", f"{gui['resample_stall_ms']:.0f} ms", "< 50 ms",
         gui["resample_stall_ms"] < 50),
        ("Longest event-loop stall during export", f"{gui['export_stall_ms']:.0f} ms", "< 50 ms",
         gui["export_stall_ms"] < 50),
        ("Export of the full report (xlsx, memo md/pdf, 7 charts, CSVs)", f"{gui['export_s']:.2f} s", "", None),
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
        lines.append(f"| {name} | {value} | {target} | {'' if met is None else ('yes' if met else '**no**')} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
