"""Save one PNG per tab of the main window, for the README and docs.

Usage: ``python -m app.screenshots OUT_DIR`` (runs offscreen unless ``QT_QPA_PLATFORM`` is
set) writes ``OUT_DIR/shot_<tab>.png`` for every tab of :data:`app.tabs.TABS`, with the
default profile already optimized.
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


def take_screenshots(out_dir: str | Path, size: tuple[int, int] = WINDOW_SIZE,
                     timeout_s: float = 120.0) -> list[Path]:
    """Build the window at ``size``, wait for the first result, grab each tab; return the paths."""
    from PySide6.QtWidgets import QApplication

    from app.main_window import ANALYSIS_JOB, MainWindow
    from app.tabs import TABS

    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    window = MainWindow()
    try:
        window.resize(*size)
        window.show()
        finished = _process_until(
            lambda: window.result is not None and not window.runner.is_running(ANALYSIS_JOB), timeout_s)
        if not finished or window.result is None:
            raise RuntimeError("The first analysis did not finish; no screenshots were taken.")
        paths = []
        for position, spec in enumerate(TABS):
            window.tabs.setCurrentIndex(position)
            qt_app.processEvents()
            path = out / f"shot_{spec.key}.png"
            if not window.grab().save(str(path)):
                raise OSError(f"Could not write {path}.")
            paths.append(path)
        return paths
    finally:
        window.close()
        window.deleteLater()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print("usage: python -m app.screenshots OUT_DIR", file=sys.stderr)
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    for path in take_screenshots(args[0]):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
