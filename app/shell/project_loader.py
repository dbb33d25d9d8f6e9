"""Project files are read in a worker, with progress and Cancel (issue 15, #8).

A project may hold megabytes of custom scenarios: parsing and validating one took seconds, and
did it on the GUI thread. :class:`ProjectLoader` runs :func:`core.project.load_project` as a
:class:`~app.kit.workers.Job` of kind :data:`OPEN_JOB` (a second open supersedes the first),
shows its progress in the status bar beside a *Cancel opening* button, and hands the finished
:class:`~core.project.Project` to the continuation given to :meth:`ProjectLoader.start`, in the
GUI thread. Until then nothing on screen changes: a damaged file is refused with its
:class:`~core.project.ProjectFileError` message ("Nothing was changed"), and a cancel leaves the
project on screen as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QMessageBox

from app.kit.views import status_job_widgets
from app.kit.workers import Job
from app.shell.actions import make_action
from core.jobs import CancelToken, ProgressCallback
from core.project import Project, load_project

OPEN_JOB = "open_project"


def read_project_job(path: str, *, progress: ProgressCallback, cancel: CancelToken) -> Project:
    """Worker body (no Qt): the file read, parsed and validated."""
    return load_project(path, progress=progress, cancel=cancel)


class ProjectLoader(QObject):
    """Reads project files off the GUI thread for a window (module docstring)."""

    progress = Signal(float, str)
    """(fraction, message) of the file being read."""
    finished = Signal(str, bool, str)
    """(path, opened, message): every outcome, success, refusal or cancel."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self._window = window
        self._job: Job | None = None
        self._path = ""
        self._title = ""
        self._then: Callable[[Project], None] | None = None
        self.action_cancel = make_action(
            window,
            "action_cancel_open",
            "Cancel &opening",
            "",
            "Stop reading the project file; the project on screen stays as it is",
        )
        self.action_cancel.setEnabled(False)
        self.action_cancel.triggered.connect(self.cancel)
        self.progress_bar, self.cancel_button = status_job_widgets("open", self.action_cancel, 160)
        status = window.statusBar()
        status.insertPermanentWidget(0, self.progress_bar)
        status.insertPermanentWidget(1, self.cancel_button)

    def is_running(self) -> bool:
        return self._job is not None

    def start(
        self, path: str | Path, then: Callable[[Project], None], *, failure_title: str
    ) -> Job:
        """Read ``path`` in a worker; on success call ``then(project)`` in the GUI thread; on a
        refusal show ``failure_title`` with the file's problem. A running read is cancelled."""
        if self._job is not None:
            self._job.cancel()
        self._path, self._then, self._title = str(path), then, failure_title
        job = self._window.runner.start(Job(OPEN_JOB, read_project_job, str(path)))
        self._job = job
        job.connect(progress=self._on_job_progress, result=self._on_job_result)
        job.connect(error=self._on_job_error)
        name = Path(path).name
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("Opening %p%")
        self.progress_bar.setToolTip(f"Reading {path}")
        self.progress_bar.show()
        self.cancel_button.show()
        self.action_cancel.setEnabled(True)
        self._window.statusBar().showMessage(f"Opening {name}…")
        return job

    @Slot()
    def cancel(self) -> None:
        """Stop reading; the project on screen is unchanged."""
        if self._job is None:
            return
        self._job.cancel()
        name = Path(self._path).name
        self._finish(False, f"Opening {name} was cancelled; the project on screen is unchanged.")

    def _current(self) -> bool:
        return self._job is not None and self.sender() is self._job.signals

    @Slot(float, str)
    def _on_job_progress(self, fraction: float, message: str) -> None:
        if self._current():
            self.progress_bar.setValue(round(fraction * 100))
            self.progress_bar.setToolTip(message)
            self._window.statusBar().showMessage(f"{message}…")
            self.progress.emit(fraction, message)

    @Slot(object)
    def _on_job_result(self, project: Project) -> None:
        if not self._current():
            return
        then = self._then
        self._finish(True, "")
        if then is not None:
            then(project)

    @Slot(str)
    def _on_job_error(self, message: str) -> None:
        if not self._current():
            return
        self._finish(False, message)
        QMessageBox.warning(self._window, self._title, f"{message}\n\nNothing was changed.")

    def _finish(self, opened: bool, message: str) -> None:
        path = self._path
        self._job, self._then = None, None
        self.progress_bar.hide()
        self.cancel_button.hide()
        self.action_cancel.setEnabled(False)
        if message:
            self._window.statusBar().showMessage(message, 15000)
        self.finished.emit(path, opened, message)
