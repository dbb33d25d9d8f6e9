"""The analysis controller: Optimize runs :func:`core.pipeline.run_analysis` in a worker and
hands each result to the tabs.

It holds the data set in use, the result on screen and the analysis settings. Dollar figures
(VaR, CVaR, stress P&L) use the value of the account on screen when holdings are loaded, else
the portfolio value the user set (:func:`core.pipeline.settings_for_account`, the rule the
export and ``python -m app report --project`` follow too); when the account value changes, the
result on screen is re-stated for it (:func:`core.pipeline.with_settings`, no new optimization). A result reaches the tab on screen
first and every other tab in a later event-loop turn, one tab a turn (the GUI thread never
spends long in one go); a newer result, a workspace rebuild or the window's close supersede a
delivery still under way (:meth:`AnalysisController.supersede`). A failed run leaves the
previous result on screen and says why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QMessageBox

from app.kit.workers import Job, JobRunner, JobSignals
from core.adoption import AdoptedPortfolio, with_adoption
from core.data.dataset import ReturnsDataset
from core.jobs import CancelToken, ProgressCallback
from core.pipeline import (
    AnalysisResult,
    AnalysisSettings,
    run_analysis,
    settings_for_account,
    with_settings,
)
from core.policy.profile import IPSProfile
from core.universe import Universe

if TYPE_CHECKING:
    from app.kit.feature import FeatureTab
    from app.shell.main_window import MainWindow

ANALYSIS_JOB = "analysis"


def analyse(
    profile: IPSProfile,
    dataset: ReturnsDataset | None,
    universe: Universe | None = None,
    settings: AnalysisSettings | None = None,
    adopted: AdoptedPortfolio | None = None,
    *,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> AnalysisResult:
    """Worker body: synthetic data for the universe on first use, then the analysis, with the
    project's adopted resampled portfolio as the recommendation when it still applies
    (:func:`core.adoption.with_adoption`)."""
    if dataset is None:
        from core.data.synthetic import generate_synthetic_dataset

        progress(0.0, "Loading data")
        dataset = generate_synthetic_dataset(universe)
        cancel.raise_if_cancelled()
    result = run_analysis(profile, dataset, universe, settings, progress=progress, cancel=cancel)
    return with_adoption(result, adopted)


class AnalysisController(QObject):
    """Optimize, the result on screen and the data set in use."""

    result_ready = Signal(object)
    """A new result was handed to every tab (the last of them a few event-loop turns later)."""
    result_shown = Signal(object)
    """A new result is on screen: the tab being looked at shows it (the others follow)."""
    analysis_failed = Signal(str)

    def __init__(self, window: MainWindow, runner: JobRunner) -> None:
        super().__init__(window)
        self._window = window
        self._runner = runner
        self.settings = AnalysisSettings()
        self.dataset: ReturnsDataset | None = None
        self.result: AnalysisResult | None = None
        self._delivery = 0  # generation of the result being handed to the tabs
        self._next_delivery: Callable[[], None] | None = None
        self._delivery_timer = QTimer(self)
        self._delivery_timer.setSingleShot(True)
        self._delivery_timer.setInterval(0)
        self._delivery_timer.timeout.connect(self._on_delivery_timer_timeout)

    def effective_settings(self) -> AnalysisSettings:
        """The settings an analysis runs with: the account's value when holdings are loaded."""
        return settings_for_account(self.settings, self._window.workspace.account_value())

    def restate_value(self) -> None:
        """Show the result on screen on the current portfolio value (the account's, or the one
        the user set) when it was computed on another; nothing is re-optimized."""
        settings = self.effective_settings()
        if self.result is not None and self.result.settings != settings:
            try:
                restated = with_settings(self.result, settings)
            except ValueError:
                return  # other settings changed too: the next Optimize uses them
            self.accept_result(restated)

    def supersede(self) -> None:
        """Cancel the running analysis and stop handing out the result under way: they belong
        to a workspace about to go (or a window closing)."""
        self._runner.cancel(ANALYSIS_JOB)
        self._delivery += 1
        self._delivery_timer.stop()
        self._next_delivery = None

    def optimize(self) -> Job:
        """Start an analysis of the current IPS in the worker; a running one is superseded."""
        window = self._window
        job = self._runner.start(
            Job(
                ANALYSIS_JOB,
                analyse,
                window.ips_tab.profile(),
                self.dataset,
                window.context.universe,
                self.effective_settings(),
                window.workspace.project_fields().get("adopted"),
            )
        )
        # Connected after start on purpose: the runner's own finished handler runs first,
        # so is_running() is already False in ours. Nothing is missed (see app.kit.workers).
        job.connect(
            started=self._on_job_started,
            progress=self._on_job_progress,
            result=self.accept_result,
            error=self._on_job_error,
            finished=self._on_job_finished,
        )
        window.progress_bar.setValue(0)
        window.progress_bar.setFormat("Starting…")
        window.progress_bar.show()
        return job

    @Slot()
    def _on_job_started(self) -> None:
        self._window.statusBar().showMessage(f"Optimizing {self._window.ips_tab.profile().name}…")

    @Slot(float, str)
    def _on_job_progress(self, fraction: float, message: str) -> None:
        self._window.progress_bar.setValue(round(fraction * 100))
        self._window.progress_bar.setFormat(f"{message} %p%")

    @Slot(object)
    def accept_result(self, result: AnalysisResult) -> None:
        """Show ``result``: the tab on screen now, each other tab in a later event-loop turn,
        then ``result_ready``. A newer result supersedes the delivery of this one."""
        window = self._window
        self.result = result
        self.dataset = result.dataset
        self._delivery += 1
        receivers = window.workspace.result_receivers()
        window.update_title()
        window.show_data_mode()
        window.statusBar().showMessage(
            f"Optimized {result.profile.name}: IPS Recommended is {result.recommended_name}.",
            8000,
        )
        if window.tabs.currentWidget() not in receivers:
            self.result_shown.emit(result)  # the tab on screen (the IPS) shows no results
        self._deliver(self._delivery, result, receivers)

    @Slot()
    def _on_delivery_timer_timeout(self) -> None:
        step, self._next_delivery = self._next_delivery, None
        if step is not None:
            step()

    def _deliver(
        self,
        delivery: int,
        result: AnalysisResult,
        receivers: list[FeatureTab],
        *,
        first: bool = True,
    ) -> None:
        if delivery != self._delivery:
            return  # superseded by a newer result (or a new workspace)
        window = self._window
        on_screen = set(window.workspace.tabs.values())
        receivers = [tab for tab in receivers if tab in on_screen]  # a retired tab gets nothing
        if receivers:
            receivers[0].show_result(result)
            if first and receivers[0] is window.tabs.currentWidget():  # served first: on screen
                self.result_shown.emit(result)
            if len(receivers) > 1:
                self._next_delivery = lambda: self._deliver(
                    delivery, result, receivers[1:], first=False
                )
                self._delivery_timer.start()  # a real timer: input and painting get their turn
                return
        current = window.ips_tab.profile()
        if current != result.profile:
            window.workspace.set_profile(current)
        self.result_ready.emit(result)

    @Slot(str)
    def _on_job_error(self, message: str) -> None:
        window = self._window
        window.statusBar().showMessage(
            "Optimization failed; the previous result is still shown.", 10000
        )
        self.analysis_failed.emit(message)
        sender = self.sender()
        unexpected = isinstance(sender, JobSignals) and sender.unexpected_details is not None
        if not unexpected:  # an expected error (bad policy, bad data); else the error dialog
            QMessageBox.warning(
                window, "Optimization failed", f"{message}\n\nThe previous result is still shown."
            )

    @Slot()
    def _on_job_finished(self) -> None:
        if not self._runner.is_running(ANALYSIS_JOB):
            self._window.progress_bar.hide()
