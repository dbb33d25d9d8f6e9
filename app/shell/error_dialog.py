"""Unexpected exceptions become an error dialog with copyable details and a log entry.

:class:`ErrorReporter` is installed once by the application (:func:`app.__main__.run_gui`):

* ``sys.excepthook`` and ``threading.excepthook``: an exception escaping a slot, a timer or a
  thread is logged with its traceback and shown;
* :func:`app.kit.workers.add_unexpected_error_handler`: a worker job's exception (already logged
  by the job) is shown.

The dialog is a non-modal-blocking ``QMessageBox`` (``open()``, no nested event loop) whose
``detailedText`` holds the traceback and which has a *Copy details* button; the event loop keeps
running, so the app stays usable. While a dialog is open, further errors are appended to it
instead of stacking new windows.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.kit import workers

log = logging.getLogger("app.errors")

TITLE = "Unexpected error"


def error_text(message: str, where: str) -> str:
    from app.shell.logging_setup import log_file

    path = log_file()
    logged = f" It was written to the log file {path}." if path is not None else ""
    return (
        f"An unexpected error occurred in {where}:\n\n{message}\n\nYour work is unchanged and the "
        f"application can still be used.{logged} Use 'Copy details' to include the technical "
        "details in a bug report."
    )


def build_error_dialog(parent: QWidget | None, title: str, text: str, details: str) -> QMessageBox:
    """The dialog (not shown): critical icon, selectable text, details and a copy button."""
    box = QMessageBox(
        QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Close, parent
    )
    box.setObjectName("error_dialog")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setDetailedText(details)
    copy = box.addButton("Copy details", QMessageBox.ButtonRole.ActionRole)
    copy.setObjectName("copy_details_button")
    copy.setToolTip("Copy the message and the technical details to the clipboard")
    # An ActionRole button would close the box; disconnecting keeps it open after copying.
    copy.clicked.disconnect()
    copy.clicked.connect(
        lambda: QGuiApplication.clipboard().setText(f"{box.text()}\n\n{box.detailedText()}")
    )
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return box


class ErrorReporter(QObject):
    """Turns unexpected exceptions into :func:`build_error_dialog` dialogs (module docstring)."""

    error_shown = Signal(str, str)
    """(message, details) each time an error is shown or appended to the open dialog."""

    _relay = Signal(str, str, str)  # where, message, details; queued when raised off the GUI thread

    def __init__(
        self,
        parent_widget: Callable[[], QWidget | None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._parent_widget = parent_widget or QApplication.activeWindow
        self._previous_hook: Any = None
        self._previous_thread_hook: Any = None
        self.dialog: QMessageBox | None = None
        self._relay.connect(self._on_self_relay)

    def install(self) -> None:
        self._previous_hook, sys.excepthook = sys.excepthook, self.excepthook
        self._previous_thread_hook, threading.excepthook = (
            threading.excepthook,
            self._thread_excepthook,
        )
        workers.add_unexpected_error_handler(self.report_job_error)

    def uninstall(self) -> None:
        if sys.excepthook == self.excepthook:
            sys.excepthook = self._previous_hook or sys.__excepthook__
        if threading.excepthook == self._thread_excepthook:
            threading.excepthook = self._previous_thread_hook or threading.__excepthook__
        workers.remove_unexpected_error_handler(self.report_job_error)

    # -- the hooks -----------------------------------------------------------------------------
    def excepthook(
        self, kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, (KeyboardInterrupt, SystemExit)):
            (self._previous_hook or sys.__excepthook__)(kind, value, tb)
            return
        log.error("Unexpected exception", exc_info=(kind, value, tb))
        details = "".join(traceback.format_exception(kind, value, tb))
        self._relay.emit("the application", f"{kind.__name__}: {value}", details)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "a thread"
        log.error(
            "Unexpected exception in thread %s",
            name,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )
        details = "".join(
            traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)
        )
        self._relay.emit(
            f"the background thread {name}", f"{args.exc_type.__name__}: {args.exc_value}", details
        )

    def report_job_error(self, kind: str, message: str, details: str) -> None:
        """Worker handler: the job has logged the traceback already."""
        self._relay.emit(f"the background job '{kind}'", message, details)

    # -- showing -------------------------------------------------------------------------------
    @Slot(str, str, str)
    def _on_self_relay(self, where: str, message: str, details: str) -> None:
        try:
            box = self.dialog
            if box is not None and box.isVisible():
                box.setText(box.text() + f"\n\nAnother error occurred in {where}: {message}")
                box.setDetailedText(box.detailedText() + "\n" + "-" * 60 + "\n" + details)
            else:
                box = build_error_dialog(
                    self._parent_widget(), TITLE, error_text(message, where), details
                )
                box.destroyed.connect(self._on_dialog_destroyed)
                self.dialog = box
                box.open()
        except Exception:  # noqa: BLE001 - the reporter must never raise into the excepthook
            log.exception("The error dialog could not be shown")
        self.error_shown.emit(message, details)

    @Slot()
    def _on_dialog_destroyed(self) -> None:
        self.dialog = None
