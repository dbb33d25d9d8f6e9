"""pytest-qt setup: offscreen Qt, and no test may leave a worker thread running."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any Qt module creates the application

import pytest  # noqa: E402
from PySide6.QtCore import QThreadPool  # noqa: E402

RESULT_TIMEOUT_MS = 60_000


@pytest.fixture(autouse=True)
def no_running_jobs(qtbot):
    """Fail a test that leaves a job running in the global thread pool."""
    yield
    pool = QThreadPool.globalInstance()
    try:
        qtbot.waitUntil(lambda: pool.activeThreadCount() == 0, timeout=5_000)
    except Exception:  # pytest-qt's TimeoutError
        pytest.fail(f"{pool.activeThreadCount()} worker thread(s) still running after the test")


@pytest.fixture
def window(qtbot):
    """The main window with its first result (Balanced Growth) shown and its job finished."""
    from app.main_window import ANALYSIS_JOB, MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.result_ready, timeout=RESULT_TIMEOUT_MS):
        win.resize(1400, 900)
        win.show()
    qtbot.waitUntil(lambda: not win.runner.is_running(ANALYSIS_JOB), timeout=5_000)
    return win
