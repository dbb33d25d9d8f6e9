"""Cancel button and progress bar of one kind of job in a panel (resampling, pick stability,
walk-forward): the part every "Run / Cancel / progress" panel shared.

:class:`JobControls` owns the two widgets (the panel lays them out), starts a job on the panel's
:class:`~app.kit.workers.JobRunner` with the progress, error, cancelled and finished slots
connected, and reports errors and cancellations through ``status(message)``. The panel keeps
only what differs: how its job is made and what it does with the result.

Lifetime: the controls are a child of the panel (Qt parent), so they go with it; the runner is
the panel's or its tab's, which cancels the job when the tab retires (:mod:`app.kit.feature`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QProgressBar, QPushButton

from app.kit.views import keep_place
from app.kit.workers import Job, JobRunner


class JobControls(QObject):
    """The Cancel button and progress bar of the jobs of ``kind`` on ``runner``.

    ``what`` names the job in messages ("Resampling" -> "Resampling failed: ..."); ``cancelled``
    is the message after a cancel; ``status`` receives both (the panel's ``status_message``).
    ``error``, when given, receives a failure's message instead (a tab that also shows it in
    place); ``progress_name`` names the progress bar for tests and style sheets.
    """

    def __init__(
        self,
        runner: JobRunner,
        kind: str,
        *,
        what: str,
        cancelled: str,
        status: Callable[[str], Any],
        cancel_name: str,
        progress_name: str = "",
        error: Callable[[str], Any] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner, self.kind = runner, kind
        self._what, self._cancelled, self._status = what, cancelled, status
        self._error = error
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName(cancel_name)
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setObjectName(progress_name)
        self.progress.setRange(0, 100)
        self.progress.setTextVisible(True)
        keep_place(self.progress)  # showing it must not move the tables and charts around it
        self.progress.hide()
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)

    @property
    def busy(self) -> bool:
        return self.runner.is_running(self.kind)

    def launch(self, job: Job, *, result: Callable[[Any], Any]) -> Job:
        """Start ``job`` (it supersedes a running one of the same kind) and show its progress."""
        self.runner.start(job)
        job.connect(
            progress=self._on_job_progress,
            result=result,
            error=self._on_job_error,
            cancelled=self._on_job_cancelled,
            finished=self._on_job_finished,
        )
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.setEnabled(True)
        return job

    @Slot()
    def _on_cancel_button_clicked(self) -> None:
        self.runner.cancel(self.kind)

    @Slot(float, str)
    def _on_job_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 100))
        self.progress.setFormat(message)

    @Slot(str)
    def _on_job_error(self, message: str) -> None:
        if self._error is not None:
            self._error(message)
        else:
            self._status(f"{self._what} failed: {message}")

    @Slot()
    def _on_job_cancelled(self) -> None:
        self._status(self._cancelled)

    @Slot()
    def _on_job_finished(self) -> None:
        if not self.busy:
            self.progress.hide()
            self.cancel_button.setEnabled(False)


__all__ = ["JobControls"]
