"""Save one PNG per tab of the main window, for the README and docs.

Usage: ``python -m app.screenshots OUT_DIR`` (runs offscreen unless ``QT_QPA_PLATFORM`` is
set) writes ``OUT_DIR/shot_<tab>.png`` for every tab of :data:`app.features.FEATURES`, with the
default profile already optimized and every tab's own jobs (risk report, stress tests)
finished. Tabs that scroll (``full_page()``) also get ``shot_<tab>_full.png``, the whole page
at the window's width, from the command line (``full_pages=True``).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

WINDOW_SIZE = (1400, 900)


def _process_until(done: Callable[[], bool], timeout_s: float) -> bool:
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            return False
        loop = QEventLoop()
        QTimer.singleShot(25, loop.quit)
        loop.exec()
    return True


def _idle(window) -> bool:  # noqa: ANN001 - MainWindow, imported lazily
    from app.shell.main_window import ANALYSIS_JOB

    if window.result is None or window.runner.is_running(ANALYSIS_JOB):
        return False
    return not any(getattr(tab, "busy", lambda: False)() for tab in window.tab_widgets.values())


def _grab_full_page(page, path: Path) -> None:  # noqa: ANN001 - a QWidget
    from PySide6.QtWidgets import QApplication

    page.resize(page.width(), max(page.sizeHint().height(), page.minimumSizeHint().height()))
    for _ in range(2):  # layout first, then what the layout's own timers schedule (label wrapping)
        QApplication.processEvents()
    if not page.grab().save(str(path)):
        raise OSError(f"Could not write {path}.")


def take_screenshots(
    out_dir: str | Path,
    size: tuple[int, int] = WINDOW_SIZE,
    timeout_s: float = 120.0,
    *,
    full_pages: bool = False,
) -> list[Path]:
    """Build the window at ``size``, wait for the first result, grab each tab; return the paths
    (one per tab, then the full-page shots when ``full_pages``)."""
    from PySide6.QtWidgets import QApplication

    from app.features import FEATURES
    from app.kit import collector
    from app.shell.main_window import MainWindow

    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    if not collector.installed():
        collector.install(qt_app)  # as run_gui: garbage collection on the GUI thread only
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    window = MainWindow()
    try:
        window.resize(*size)
        window.show()
        if not _process_until(lambda: _idle(window), timeout_s) or window.result is None:
            raise RuntimeError("The first analysis did not finish; no screenshots were taken.")
        paths, pages = [], []
        for position, spec in enumerate(FEATURES):
            window.tabs.setCurrentIndex(position)
            tab = window.tab_widgets[spec.key]
            deferred, busy = tab.deferred, tab.busy  # jobs and charts a tab runs once shown
            for _ in range(3):  # a deferred job's result queues the drawing of its charts
                _process_until(
                    lambda d=deferred, b=busy: (d is None or not d.pending()) and not b(), timeout_s
                )
            for _ in range(3):  # layout first, then what the layout's own timers schedule
                qt_app.processEvents()
            path = out / f"shot_{spec.key}.png"
            if not window.grab().save(str(path)):
                raise OSError(f"Could not write {path}.")
            paths.append(path)
            page = tab.full_page() if full_pages else None
            if page is not None:
                pages.append((page, out / f"shot_{spec.key}_full.png"))
        for page, path in pages:
            _grab_full_page(page, path)
            paths.append(path)
        return paths
    finally:
        from shiboken6 import delete

        window.close()
        window.runner.cancel_all()
        window.runner.wait_for_done()
        # No event loop runs here: deleteLater() would leave the window to interpreter exit, after
        # the QApplication (the object-lifetime rules of app.kit.feature).
        delete(window)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print("usage: python -m app.screenshots OUT_DIR", file=sys.stderr)
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    for path in take_screenshots(args[0], full_pages=True):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
