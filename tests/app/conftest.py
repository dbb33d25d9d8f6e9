"""pytest-qt setup: offscreen Qt, a sandbox for every per-user file, and no test may leave a
worker thread running or block on a modal prompt."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any Qt module creates the application

# Settings, autosaves, logs and caches go to a throw-away folder, never the real user's:
# XDG variables (Linux: QStandardPaths, platformdirs), the app's own override (every OS) and
# QSettings.setPath for the INI settings the app uses.
SANDBOX = Path(tempfile.mkdtemp(prefix="ips-studio-tests-"))
for _var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[_var] = str(SANDBOX / _var.lower())
os.environ["IPS_STUDIO_USER_DIR"] = str(SANDBOX / "user")

import pytest  # noqa: E402
from PySide6.QtCore import QCoreApplication, QSettings, QThreadPool  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

QCoreApplication.setOrganizationName("IPS Allocation Studio tests")
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(SANDBOX / "settings"))


@pytest.fixture(autouse=True)
def fresh_settings(qapp):
    """Each test starts with empty settings (no recent files, no saved geometry)."""
    from app.shell.settings import app_settings

    app_settings().clear()
    yield


@pytest.fixture(autouse=True)
def discard_on_close(monkeypatch):
    """Windows closed at teardown with unsaved edits must not block on Save/Discard/Cancel.

    Tests of the prompt patch ``QMessageBox.warning`` themselves (their patch wins)."""

    def answer(*args, **kwargs):
        buttons = args[3] if len(args) > 3 else kwargs.get("buttons", QMessageBox.StandardButton.Ok)
        if buttons & QMessageBox.StandardButton.Discard:
            return QMessageBox.StandardButton.Discard
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", answer)


RESULT_TIMEOUT_MS = 60_000


@pytest.fixture(scope="session", autouse=True)
def gui_thread_garbage_collection(qapp):
    """As the app does (app.kit.collector): the cyclic collector runs on the GUI thread only,
    never in a worker thread that would free Qt wrappers of this thread's objects."""
    from app.kit import collector

    collector.install(qapp)
    yield
    collector.uninstall()


@pytest.fixture(autouse=True)
def no_running_jobs(qtbot):
    """Fail a test that leaves a job running in the global thread pool."""
    yield
    pool = QThreadPool.globalInstance()
    try:
        qtbot.waitUntil(lambda: pool.activeThreadCount() == 0, timeout=5_000)
    except Exception:  # pytest-qt's TimeoutError
        pytest.fail(f"{pool.activeThreadCount()} worker thread(s) still running after the test")
    from app.kit import collector

    collector.collect_if_due()  # what the timer would have collected, here on the GUI thread


@pytest.fixture
def window(qtbot):
    """The main window with its first result (Balanced Growth) shown and its job finished."""
    from app.shell.main_window import ANALYSIS_JOB, MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.result_ready, timeout=RESULT_TIMEOUT_MS):
        win.resize(1400, 900)
        win.show()
    qtbot.waitUntil(lambda: not win.runner.is_running(ANALYSIS_JOB), timeout=5_000)
    return win
