"""Unexpected errors (worker, slot) become a dialog with details and a log entry; About, tooltips,
shortcuts and the palette."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeySequence, QPalette
from PySide6.QtWidgets import QMessageBox, QPushButton

from app.kit import theme
from app.shell.error_dialog import ErrorReporter
from app.shell.logging_setup import configure_logging, log_file, shutdown_logging
from core import __version__

TIMEOUT_MS = 60_000


@pytest.fixture
def reporter(window, tmp_path):
    """An installed error reporter logging to ``tmp_path``; removed afterwards."""
    path = configure_logging(tmp_path / "logs")
    errors = ErrorReporter(lambda: window, parent=window)
    errors.install()
    errors.log_path = path
    yield errors
    errors.uninstall()
    if errors.dialog is not None:
        errors.dialog.close()
    shutdown_logging()


def test_a_worker_error_shows_the_dialog_is_logged_and_the_app_stays_usable(
    qtbot, window, reporter, monkeypatch
):
    previous = window.result
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args))
    import app.shell.analysis_controller as analysis_controller

    real = analysis_controller.run_analysis

    def broken(*args, **kwargs):
        raise ZeroDivisionError("weights over an empty sample")

    monkeypatch.setattr(analysis_controller, "run_analysis", broken)
    with qtbot.waitSignal(reporter.error_shown, timeout=TIMEOUT_MS) as shown:
        window.action_optimize.trigger()
    qtbot.waitUntil(lambda: window.runner.idle(), timeout=TIMEOUT_MS)
    message, details = shown.args
    assert message == "ZeroDivisionError: weights over an empty sample"
    box = reporter.dialog
    assert box is not None and box.isVisible()
    assert "Traceback" in box.detailedText() and "ZeroDivisionError" in box.detailedText()
    assert "background job 'analysis'" in box.text() and str(reporter.log_path) in box.text()
    assert warnings == []  # one dialog, not a second warning on top
    assert window.result is previous
    assert "weights over an empty sample" in reporter.log_path.read_text(encoding="utf-8")
    assert "Traceback" in reporter.log_path.read_text(encoding="utf-8")

    copy = box.findChild(QPushButton, "copy_details_button")
    copy.click()
    assert "ZeroDivisionError" in QGuiApplication.clipboard().text() and box.isVisible()
    box.close()

    monkeypatch.setattr(analysis_controller, "run_analysis", real)
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS):
        window.action_optimize.trigger()
    qtbot.waitUntil(lambda: window.runner.idle(), timeout=TIMEOUT_MS)


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_shows_the_dialog_and_is_logged(qtbot, window, reporter):
    def slot():
        raise KeyError("missing column in a slot")

    with qtbot.waitSignal(reporter.error_shown, timeout=5_000) as shown:
        QTimer.singleShot(0, slot)
    assert "missing column in a slot" in shown.args[0]
    assert "KeyError" in reporter.dialog.detailedText()
    with qtbot.waitSignal(reporter.error_shown, timeout=5_000):
        QTimer.singleShot(0, slot)  # a second error joins the open dialog
    assert reporter.dialog.detailedText().count("Traceback") == 2
    logged = reporter.log_path.read_text(encoding="utf-8")
    assert "Unexpected exception" in logged and "missing column in a slot" in logged
    assert window.isEnabled()


def test_logging_rotates_in_the_given_folder(tmp_path):
    path = configure_logging(tmp_path)
    try:
        assert log_file() == path
        handler = next(
            h for h in logging.getLogger().handlers if getattr(h, "baseFilename", "") == str(path)
        )
        assert handler.maxBytes > 0 and handler.backupCount >= 1
    finally:
        shutdown_logging()
    assert log_file() is None


def test_about_box_has_version_sources_and_disclaimer(window, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda *args: shown.append(args))
    window.action_about.trigger()
    text = shown[0][2]
    assert (
        __version__ in text
        and "Yahoo Finance" in text
        and "SYNTHETIC" in text
        and "IMPORTED" in text
    )
    assert "not investment advice" in text and "Data in use" in text


def test_every_main_action_has_a_shortcut_and_a_tooltip(window):
    names = {
        "action_new_project": "Ctrl+N",
        "action_open_project": "Ctrl+O",
        "action_save_project": "Ctrl+S",
        "action_save_project_as": "Ctrl+Shift+S",
        "action_export_report": "Ctrl+E",
        "action_quit": "Ctrl+Q",
        "action_optimize": "Ctrl+R",
        "action_refresh_data": "F5",
        "action_cancel_refresh": "Shift+F5",
        "action_use_synthetic": "Ctrl+Shift+Y",
        "action_use_cached": "Ctrl+Shift+M",
        "action_import_returns": "Ctrl+I",
        "action_edit_universe": "Ctrl+U",
        "action_about": "F1",
    }
    actions = {
        a.objectName(): a
        for a in window.findChildren(type(window.action_optimize))
        if a.objectName()
    }
    for name, shortcut in names.items():
        action = actions[name]
        assert action.shortcut() == QKeySequence(shortcut), name
        assert action.toolTip() and action.toolTip() != action.text().replace("&", ""), name
    # Window-wide shortcuts must be unique; a table's own Copy (Ctrl+C while that table has the
    # focus) is scoped to its widget and cannot clash.
    window_wide = (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut)
    shortcuts = [
        a.shortcut().toString()
        for a in actions.values()
        if not a.shortcut().isEmpty() and a.shortcutContext() in window_wide
    ]
    assert len(shortcuts) == len(set(shortcuts)), "two actions share a shortcut"


def test_dark_palette_and_readable_disclaimer():
    palette = theme.dark_palette()
    assert palette.color(QPalette.ColorRole.Window).lightness() < 80
    assert palette.color(QPalette.ColorRole.Text).lightness() > 180
    assert theme.disclaimer_style(True) != theme.disclaimer_style(False)
    assert isinstance(theme.system_is_dark(), bool)
