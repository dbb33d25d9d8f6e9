"""Resampled frontier panel of the Allocation tab: run, cancel, see weight bands and stability.

The work (500 resamples x 25 frontier points by default) runs in a worker with progress and
Cancel; the finished candidate is added to the analysis with :func:`core.pipeline.with_candidate`
and handed back to the window through ``result_replaced``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.kit import formatting as fmt
from app.kit.dataframe_model import ColumnSpec, DataFrameModel
from app.kit.views import keep_place, read_only_table
from app.kit.workers import Job, JobRunner
from core.jobs import CancelToken, ProgressCallback
from core.optimize.resampling import (
    ResampledFrontier,
    ResamplingMethod,
    resampled_candidate,
    resampled_frontier,
)
from core.pipeline import AnalysisResult, with_candidate

RESAMPLE_JOB = "resample"


@dataclass(frozen=True)
class ResampleAnswer:
    source: AnalysisResult
    result: AnalysisResult
    frontier: ResampledFrontier


def resample_job(
    result: AnalysisResult,
    resamples: int,
    method: ResamplingMethod,
    *,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> ResampleAnswer:
    """Worker body: resample, build the candidate, add it to the analysis."""
    frontier = resampled_frontier(
        result.dataset.returns,
        result.constraints,
        result.inputs,
        result.profile,
        resamples=resamples,
        method=method,
        progress=progress,
        cancel=cancel,
    )
    candidate = resampled_candidate(frontier, result.inputs, result.profile)
    return ResampleAnswer(result, with_candidate(result, candidate), frontier)


class ResamplingPanel(QGroupBox):
    """Controls, progress and the weight-stability table."""

    result_replaced = Signal(object)
    status_message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Robustness: resampled frontier (Michaud)", parent)
        self.runner = JobRunner(self)
        self._result: AnalysisResult | None = None
        self.resamples_spin = QSpinBox()
        self.resamples_spin.setObjectName("resamples_spin")
        self.resamples_spin.setRange(20, 5000)
        self.resamples_spin.setSingleStep(100)
        self.resamples_spin.setValue(500)
        self.resamples_spin.setToolTip(
            "Number of resampled histories (each solves a 25-point frontier)."
        )
        self.method_combo = QComboBox()
        self.method_combo.setObjectName("resampling_method_combo")
        for method in ResamplingMethod:
            self.method_combo.addItem(method.value, method)
        self.run_button = QPushButton("Resample")
        self.run_button.setObjectName("resample_button")
        self.run_button.setToolTip(
            "Resample the returns, re-solve the frontier for each draw, average "
            "(adds the Resampled Frontier candidate)."
        )
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("resample_cancel_button")
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setTextVisible(True)
        keep_place(self.progress)  # showing it must not move the chart and tables around it
        self.progress.hide()
        self.summary = QLabel(
            "Weight stability shows how much the recommended weights move when the "
            "sample is resampled. Press Resample."
        )
        self.summary.setWordWrap(True)
        self.summary.setObjectName("resampling_summary")
        self.model = DataFrameModel(parent=self)
        self.table = read_only_table("stability_table", self.model, row_height=20)

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Draws:"))
        controls.addWidget(self.resamples_spin)
        controls.addWidget(self.method_combo, 1)
        controls.addWidget(self.run_button)
        controls.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(controls)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.run_button.clicked.connect(self._on_run_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)

    def set_result(self, result: AnalysisResult) -> None:
        self._result = result

    @property
    def busy(self) -> bool:
        return self.runner.is_running(RESAMPLE_JOB)

    def start(self) -> Job | None:
        """Start a resampling of the current result (cancels a running one); None without a result."""
        if self._result is None:
            self.status_message.emit("Nothing to resample yet: wait for the first analysis.")
            return None
        job = Job(
            RESAMPLE_JOB,
            resample_job,
            self._result,
            self.resamples_spin.value(),
            ResamplingMethod(self.method_combo.currentData()),
        )
        self.runner.start(job)
        job.connect(
            progress=self._on_job_progress,
            result=self._on_job_result,
            error=self._on_job_error,
            cancelled=self._on_job_cancelled,
            finished=self._on_job_finished,
        )
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.setEnabled(True)
        return job

    @Slot()
    def _on_run_button_clicked(self) -> None:
        self.start()

    @Slot()
    def _on_cancel_button_clicked(self) -> None:
        self.runner.cancel(RESAMPLE_JOB)

    @Slot(float, str)
    def _on_job_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 100))
        self.progress.setFormat(message)

    @Slot(object)
    def _on_job_result(self, answer: ResampleAnswer) -> None:
        if answer.source is not self._result:
            return  # the analysis changed while resampling: this answer is stale
        self.show_frontier(answer)
        self.result_replaced.emit(answer.result)

    def show_frontier(self, answer: ResampleAnswer) -> None:
        frontier, result = answer.frontier, answer.source
        frame = frontier.stability_frame(result.recommended.weights.to_numpy())
        specs = [
            ColumnSpec("weight", f"{result.recommended_name}", fmt.PERCENT),
            ColumnSpec("mean", "Mean (draws)", fmt.PERCENT),
            ColumnSpec("std", "Std dev", fmt.PERCENT),
            ColumnSpec("p05", "5th pct", fmt.PERCENT),
            ColumnSpec("p95", "95th pct", fmt.PERCENT),
        ]
        self.model.set_frame(pd.DataFrame(frame), specs, row_labels=list(frame.index))
        widest = frame["p95"] - frame["p05"]
        self.summary.setText(
            f"{frontier.resamples} draws ({frontier.method.value}). Utility-portfolio weights move most for "
            f"{widest.idxmax()} (5th-95th pct {frame.loc[widest.idxmax(), 'p05']:.0%} to "
            f"{frame.loc[widest.idxmax(), 'p95']:.0%}). The Resampled Frontier candidate was added to the "
            "comparison."
        )

    @Slot(str)
    def _on_job_error(self, message: str) -> None:
        self.status_message.emit(f"Resampling failed: {message}")

    @Slot()
    def _on_job_cancelled(self) -> None:
        self.status_message.emit("Resampling cancelled; the analysis is unchanged.")

    @Slot()
    def _on_job_finished(self) -> None:
        if not self.busy:
            self.progress.hide()
            self.cancel_button.setEnabled(False)


__all__ = ["RESAMPLE_JOB", "ResamplingPanel", "resample_job"]
