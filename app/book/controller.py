"""File > Open book…: the job, the exceptions window and opening an account.

The book is checked by :func:`app.book.jobs.book_job` in a worker thread (the GUI thread never
waits); progress and *Cancel* go through the status bar like the other jobs. Opening an account
asks to save unsaved work first, then shows the account, its profile and its trade settings as
a project (:meth:`ProjectController.apply_project`) on the current data and universe, and
switches to the Rebalancing tab.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog

from app.book.jobs import BookAnswer, book_job
from app.book.panel import BookPanel
from app.kit.workers import Job


class BookController(QObject):
    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self._window = window
        self.answer: BookAnswer | None = None
        self.panel: BookPanel | None = None
        self.action = QAction("Open &book…", window)
        self.action.setObjectName("action_open_book")
        self.action.setToolTip(
            "Check every account of a book (CSV, XLSX or a folder) against its IPS and bands and "
            "list the exceptions"
        )
        self.action.triggered.connect(self._on_action_triggered)

    def _on_action_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self._window, "Open book", "", "Books (*.csv *.xlsx);;All files (*)"
        )
        if path:
            chosen = Path(path)
            if chosen.name.lower() in (
                "accounts.csv",
                "holdings.csv",
                "accounts.xlsx",
                "holdings.xlsx",
            ):
                chosen = chosen.parent  # a book folder
            self.open_book(chosen)

    def open_book(self, path: str | Path, *, workers: int | None = None) -> Job | None:
        """Check the book at ``path`` in a worker (in its thread, or on a LocalCluster of
        ``workers`` processes); the exceptions window opens when it is done."""
        window = self._window
        dataset = window.dataset
        if dataset is None:
            window.statusBar().showMessage("Load data before opening a book.", 5000)
            return None
        job = Job("book", book_job, path, dataset, window.context.universe, workers=workers)
        job.connect(
            result=self._on_job_result, error=self._on_job_error, progress=self._on_job_progress
        )
        window.runner.start(job)
        window.statusBar().showMessage(f"Checking the book {Path(path).name}…")
        return job

    def _on_job_progress(self, _fraction: float, message: str) -> None:
        self._window.statusBar().showMessage(message)

    def _on_job_error(self, message: str) -> None:
        self._window.statusBar().showMessage(f"The book could not be checked: {message}", 15000)

    def _on_job_result(self, answer: BookAnswer) -> None:
        self.answer = answer
        results = answer.results
        outside = sum(1 for r in results if not (r.in_ips and r.in_bands))
        failed = sum(1 for r in results if r.error)
        summary = (
            f"{Path(answer.book.source).name}: {len(results):,} accounts checked, {outside:,} outside "
            f"their IPS or bands, {failed:,} failed, {len(answer.book.skipped):,} skipped (bad input). "
            "Margins: negative = outside by that much."
        )
        if self.panel is None:
            self.panel = BookPanel(self._window)
            self.panel.account_requested.connect(self._on_panel_account_requested)
        self.panel.show_exceptions(answer.exceptions, summary)
        self.panel.show()
        self.panel.raise_()
        self._window.statusBar().showMessage(summary, 10000)

    def _on_panel_account_requested(self, account_id: str) -> None:
        self.open_account(account_id)

    def open_account(self, account_id: str) -> bool:
        """Show ``account_id`` in the Rebalancing tab with its profile; False when the user
        cancels saving the current project."""
        import dataclasses

        answer = self.answer
        if answer is None:
            return False
        window = self._window
        if not window.project_controller.maybe_save():
            return False
        account = answer.account(account_id)
        project = dataclasses.replace(
            window.project_controller.current_project(),
            profile=answer.targets[account.profile].profile,
            holdings=account.holdings,
            trade_settings=account.settings,
        )
        window.project_controller.apply_project(project)
        window.project_controller.path = None  # an untitled project: saving never overwrites
        window.project_controller.mark_modified()  # the file the account was opened over
        window.update_title()
        window.tabs.setCurrentWidget(window.tab_widgets["rebalancing"])
        window.statusBar().showMessage(
            f"Account {account_id} ({account.name}) opened with {project.profile.name}; its "
            "trades are solved again here at the tab's 1e-6 gap (the book's plan was within "
            "the book's stated gap of the best).",
            12000,
        )
        return True
