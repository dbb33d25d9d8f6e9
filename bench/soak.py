"""Soak test for issue 13: start and quit the app many times, export and switch data in a loop.

    QT_QPA_PLATFORM=offscreen python bench/soak.py [--starts 100] [--exports 30]

Proves the object-lifetime rules of :mod:`app.kit.feature` over many cycles rather than once:

1. **Start and quit**, ``--starts`` fresh processes through the real entry point, each with an
   empty temporary home. Even cycles run ``python -m app --smoke-test`` (two analyses, then quit);
   odd ones call :func:`app.__main__.run_gui` with a quit timer whose delay walks through
   :data:`QUIT_DELAYS_MS`, so the app is stopped during start-up, during the first analysis and
   while a tab draws. A crash is a non-zero or negative exit code, a time-out (a hang at exit),
   or ``Fatal Python error`` / ``Segmentation fault`` / ``Traceback`` in stderr. A ``run_gui`` child
   also reports the Python threads left and the pool's active jobs when ``run_gui`` has returned.
2. **Export and switch**, in this process and one window: a fake market-data cache is filled by a
   fake downloader, then ``--exports`` cycles each switch the data mode (synthetic, cached market,
   an imported price CSV, in turn), switch the IPS profile and re-optimize, open the next result
   tab (its charts are made), export the full report (``export_controller.export_to``, waiting
   for ``export_finished``); every fifth cycle, from the second, first rebuilds the workspace (its
   tabs and their charts are deleted). After each cycle the window is left to settle, then the
   Python threads (besides those present when the window opened; Python's placeholders for Qt's
   own pool threads are not threads it started) and
   ``QThreadPool.globalInstance().activeThreadCount()`` are counted: anything left is a leak.

No network: every process, this one included, runs with socket connections to the Internet
refused, and an attempt counts as a failure. Prints a summary; exit status 1 on any crash, hang,
error, leak or network attempt. ``tests/app/test_soak.py`` runs a small version (slow-marked).
"""

from __future__ import annotations

import argparse
import faulthandler
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

QUIT_DELAYS_MS = (0, 50, 200, 500, 1000, 2000)
"""Quit timers of the ``run_gui`` starts: during start-up, the first analysis, and drawing."""
START_TIMEOUT_S = 180
WAIT_TIMEOUT_MS = 120_000
CRASH_MARKERS = ("Fatal Python error", "Segmentation fault", "Traceback")

NETWORK_GUARD = """
import socket, sys
_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex

def _refuse(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sys.stderr.write(f"SOAK NETWORK ATTEMPT {address}\\n")
        raise OSError("bench/soak.py runs without network")

def connect(self, address):
    _refuse(self, address)
    return _connect(self, address)

def connect_ex(self, address):
    _refuse(self, address)
    return _connect_ex(self, address)

socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
"""

QUIT_AT = textwrap.dedent("""
    import sys, threading
    from PySide6.QtCore import QThreadPool, QTimer
    from PySide6.QtWidgets import QApplication
    from app.__main__ import run_gui

    app = QApplication(["ips-studio"])
    QTimer.singleShot(int(sys.argv[1]), app.quit)
    code = run_gui(["ips-studio"])
    left = [
        t.name for t in threading.enumerate()
        if t is not threading.main_thread() and not isinstance(t, threading._DummyThread)
    ]
    print("SOAK LEFT", len(left), QThreadPool.globalInstance().activeThreadCount(), left, flush=True)
    sys.exit(code)
""")


@dataclass
class Tally:
    """What went wrong, by kind, with one line of detail each."""

    runs: int = 0
    crashes: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def failed(self) -> bool:
        return bool(self.crashes or self.leaks or self.errors)


def fresh_env(home: str, guard_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return dict(
        env,
        QT_QPA_PLATFORM="offscreen",
        PYTHONFAULTHANDLER="1",
        PYTHONPATH=os.pathsep.join([guard_dir, str(ROOT)]),  # guard_dir: the network guard
        XDG_CONFIG_HOME=home,
        XDG_DATA_HOME=home,
        XDG_CACHE_HOME=home,
        XDG_STATE_HOME=home,
    )


def start_and_quit(starts: int, log: bool = True) -> Tally:
    """Part 1 of the module docstring."""
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="ips-soak-guard-") as guard_dir:
        Path(guard_dir, "sitecustomize.py").write_text(NETWORK_GUARD, encoding="utf-8")
        for cycle in range(starts):
            smoke = cycle % 2 == 0
            delay = QUIT_DELAYS_MS[(cycle // 2) % len(QUIT_DELAYS_MS)]
            command = (
                [sys.executable, "-m", "app", "--smoke-test"]
                if smoke
                else [sys.executable, "-c", QUIT_AT, str(delay)]
            )
            label = "smoke-test" if smoke else f"run_gui, quit at {delay} ms"
            with tempfile.TemporaryDirectory(prefix="ips-soak-home-") as home:
                began = time.perf_counter()
                try:
                    done = subprocess.run(
                        command,
                        cwd=ROOT,
                        env=fresh_env(home, guard_dir),
                        capture_output=True,
                        text=True,
                        timeout=START_TIMEOUT_S,
                    )
                except subprocess.TimeoutExpired:
                    tally.crashes.append(f"start {cycle} ({label}): hung for {START_TIMEOUT_S} s")
                    continue
                tally.seconds.append(time.perf_counter() - began)
            tally.runs += 1
            where = f"start {cycle} ({label})"
            marker = next((m for m in CRASH_MARKERS if m in done.stderr), None)
            if done.returncode != 0 or marker:
                tail = done.stderr.strip().splitlines()[-3:]
                tally.crashes.append(f"{where}: exit {done.returncode}, {marker or ''} {tail}")
            if "SOAK NETWORK ATTEMPT" in done.stderr:
                tally.errors.append(f"{where}: tried the network")
            if smoke and "2 analyses completed" not in done.stdout:
                tally.errors.append(f"{where}: the smoke test did not complete its analyses")
            left = [line for line in done.stdout.splitlines() if line.startswith("SOAK LEFT")]
            if not smoke and (not left or left[-1].split()[2:4] != ["0", "0"]):
                tally.leaks.append(f"{where}: {left[-1] if left else 'no thread report'}")
            if log:
                print(
                    f"  start {cycle + 1}/{starts}: {label}, exit {done.returncode}, "
                    f"{tally.seconds[-1]:.1f} s",
                    flush=True,
                )
    return tally


def fake_download(symbols, *, start, end, **kwargs):  # noqa: ANN001, ANN201, ARG001
    """A stand-in for ``yfinance.download`` (daily adjusted closes), so no network is used."""
    import numpy as np
    import pandas as pd

    dates = pd.bdate_range("2012-01-02", end, inclusive="left")
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(
        {
            ("Adj Close", s): 100 * np.exp(np.cumsum(rng.normal(0.0002, 0.008, len(dates))))
            for s in symbols
        },
        index=dates,
    )
    frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=["Price", "Ticker"])
    return frame


def exports_and_switches(exports: int, log: bool = True) -> Tally:
    """Part 2 of the module docstring (in this process)."""
    tally = Tally()
    exec(NETWORK_GUARD, {})  # noqa: S102 - our own constant: refuse connections here as well
    work = Path(tempfile.mkdtemp(prefix="ips-soak-"))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        os.environ[name] = str(work / "home")

    from PySide6.QtCore import QEventLoop, QThreadPool, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.shell.main_window import MainWindow
    from core.data.cache import PriceCache

    app = QApplication.instance() or QApplication(["ips-studio"])
    # Unattended: a warning (e.g. "unsaved changes" at close) is answered Discard, and counted
    # only when it reports a failure.
    QMessageBox.warning = staticmethod(  # type: ignore[method-assign]
        lambda *args, **kwargs: QMessageBox.StandardButton.Discard
    )
    previous_hook = sys.excepthook

    def on_exception(kind, value, tb) -> None:  # noqa: ANN001
        tally.errors.append(f"uncaught {kind.__name__}: {value}")
        previous_hook(kind, value, tb)

    sys.excepthook = on_exception

    def wait(signal, timeout_ms: int = WAIT_TIMEOUT_MS) -> list:  # noqa: ANN001
        got: list = []
        loop = QEventLoop()

        def on_signal(*args) -> None:  # noqa: ANN002
            got.append(args)
            loop.quit()

        signal.connect(on_signal)
        QTimer.singleShot(timeout_ms, loop, loop.quit)
        loop.exec()
        signal.disconnect(on_signal)
        return got

    def settled(window) -> bool:  # noqa: ANN001
        current = window.tabs.currentWidget()
        deferred = getattr(current, "deferred", None)
        return (
            window.runner.idle()
            and not window.export_controller.is_running()
            and not window.data_controller.is_running()
            and not window.workspace.busy()
            and not (deferred is not None and deferred.pending())
            and QThreadPool.globalInstance().activeThreadCount() == 0
        )

    def settle(window, timeout_s: float = 60.0) -> bool:  # noqa: ANN001
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if settled(window):
                return True
            loop = QEventLoop()
            QTimer.singleShot(20, loop, loop.quit)
            loop.exec()
        return False

    from app.kit import collector

    collector.install()  # as run_gui: garbage collection on the GUI thread only
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    if not wait(window.result_ready):
        tally.errors.append("the first analysis never finished")
        return tally
    data = window.data_controller
    data.downloader = fake_download  # with no factor downloader, no factors are fetched
    data.cache = PriceCache(work / "cache.sqlite")
    data.refresh()
    finished = wait(data.data_finished)
    if not (finished and finished[0][0]):
        tally.errors.append(f"filling the fake market cache failed: {finished}")
        return tally
    settle(window)
    # A price file (not returns): a returns-only file carries no prices, so the demo account could
    # not be valued and the export would refuse, rightly (issue 14), in every third cycle.
    csv = work / "prices.csv"
    (100.0 * (1.0 + window.dataset.returns).cumprod()).rename_axis("date").to_csv(csv)
    baseline = {t.ident for t in threading.enumerate()}
    profiles = list(window.context.profiles)
    modes = ("synthetic", "cached market", "imported CSV")
    result_tabs = [key for key, tab in window.tab_widgets.items() if tab.SHOWS_RESULTS]

    for cycle in range(exports):
        began = time.perf_counter()
        outcome: list = []
        mode = modes[cycle % len(modes)]
        switch = {
            "synthetic": data.use_synthetic,
            "cached market": data.use_cached,
            "imported CSV": lambda: data.import_file(str(csv)),
        }[mode]
        switch()
        finished = wait(data.data_finished)
        if not (finished and finished[0][0]):
            tally.errors.append(f"cycle {cycle}: switching to {mode} data failed: {finished}")
        settle(window)
        if cycle % 5 == 1:  # rebuild the workspace: every tab and its charts are deleted
            window.project_controller.apply_universe(window.context.universe)
            settle(window)
        profile = profiles[cycle % len(profiles)]
        window.ips_tab.profile_combo.setCurrentText(profile)
        window.action_optimize.trigger()
        if not wait(window.result_ready):
            tally.errors.append(f"cycle {cycle}: no result for {profile}")
        window.tabs.setCurrentWidget(window.tab_widgets[result_tabs[cycle % len(result_tabs)]])
        settle(window)
        folder = work / f"export_{cycle:02d}"
        if window.export_controller.export_to(folder) is None:
            tally.errors.append(f"cycle {cycle}: the export was refused")
        else:
            outcome = wait(window.export_controller.export_finished)
            if not (outcome and outcome[0][0]):
                tally.errors.append(f"cycle {cycle}: the export failed: {outcome}")
            elif len(list((folder / "charts").glob("*.png"))) < 7:
                tally.errors.append(f"cycle {cycle}: the export wrote too few charts")
        if not settle(window):
            tally.leaks.append(f"cycle {cycle}: the window did not settle (a job still running)")
        extra = [
            t.name
            for t in threading.enumerate()
            if t.ident not in baseline and not isinstance(t, threading._DummyThread)
        ]
        active = QThreadPool.globalInstance().activeThreadCount()
        if extra or active:
            tally.leaks.append(f"cycle {cycle}: threads {extra}, active pool jobs {active}")
        tally.runs += 1
        tally.seconds.append(time.perf_counter() - began)
        if log:
            print(
                f"  cycle {cycle + 1}/{exports}: {mode} data, {profile}, export "
                f"{'ok' if outcome and outcome[0][0] else 'FAILED'}, {tally.seconds[-1]:.1f} s",
                flush=True,
            )
    window.runner.cancel_all()
    window.runner.wait_for_done()
    window.close()
    window.deleteLater()
    app.processEvents()
    sys.excepthook = previous_hook
    return tally


def report(name: str, tally: Tally) -> list[str]:
    timing = (
        f", median {statistics.median(tally.seconds):.1f} s, longest {max(tally.seconds):.1f} s"
        if tally.seconds
        else ""
    )
    lines = [
        f"{name}: {tally.runs} completed{timing}; crashes {len(tally.crashes)}, "
        f"leaks {len(tally.leaks)}, errors {len(tally.errors)}"
    ]
    lines += [f"    {line}" for line in (*tally.crashes, *tally.leaks, *tally.errors)]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--starts", type=int, default=100, help="start/quit processes")
    parser.add_argument("--exports", type=int, default=30, help="switch-and-export cycles")
    parser.add_argument("--quiet", action="store_true", help="print the summary only")
    args = parser.parse_args(argv)
    faulthandler.enable()
    began = time.perf_counter()
    print(f"Soak: {args.starts} starts, {args.exports} export cycles", flush=True)
    starts = start_and_quit(args.starts, log=not args.quiet)
    exports = exports_and_switches(args.exports, log=not args.quiet)
    lines = [
        "",
        f"Soak summary ({time.perf_counter() - began:.0f} s, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}):",
        *report(f"  start/quit ({args.starts} fresh processes)", starts),
        *report(f"  export cycles ({args.exports}, one window)", exports),
    ]
    failed = starts.failed() or exports.failed()
    lines.append("  FAILED" if failed else "  OK: no crash, no hang, no leaked thread, no error")
    print("\n".join(lines), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
