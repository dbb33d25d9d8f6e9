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
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.kit import formatting as fmt
from app.kit.dataframe_model import ColumnSpec, DataFrameModel
from app.kit.job_controls import JobControls
from app.kit.views import read_only_table
from app.kit.workers import Job, JobRunner
from core.adoption import AdoptedPortfolio, adopt, adoption_problem, without_adoption
from core.errors import IPSStudioError
from core.jobs import CancelToken, ProgressCallback
from core.optimize.resampling import (
    ResampledFrontier,
    ResamplingMethod,
    resampled_candidate,
    resampled_frontier,
)
from core.pipeline import AnalysisResult, with_candidate

RESAMPLE_JOB = "resample"
ADOPT_TIP = (
    "Make the Resampled Frontier the IPS Recommended Portfolio: an undoable edit, saved with the "
    "project and stated in the report. Resampling alone changes nothing."
)


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
    """Worker body: resample, build the candidate, add it beside the optimizer's pick (on the
    result without any adoption: the answer's candidate is the one a user may adopt)."""
    result = without_adoption(result)
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
    adopt_requested = Signal(object)
    """The user adopts the resampled portfolio (an AdoptedPortfolio) as the recommendation."""
    drop_requested = Signal()
    """The user returns to the optimizer's pick."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Robustness: resampled frontier (Michaud)", parent)
        self.runner = JobRunner(self)
        self._result: AnalysisResult | None = None
        self._answer: ResampleAnswer | None = None
        self._adopted: AdoptedPortfolio | None = None
        self._candidate: AdoptedPortfolio | None = None
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
        self.controls = JobControls(
            self.runner,
            RESAMPLE_JOB,
            what="Resampling",
            cancelled="Resampling cancelled; the analysis is unchanged.",
            status=self.status_message.emit,
            cancel_name="resample_cancel_button",
            parent=self,
        )
        self.cancel_button, self.progress = self.controls.cancel_button, self.controls.progress
        self.summary = QLabel(
            "Weight stability shows how much the recommended weights move when the "
            "sample is resampled. Press Resample."
        )
        self.summary.setWordWrap(True)
        self.summary.setObjectName("resampling_summary")
        self.model = DataFrameModel(parent=self)
        self.table = read_only_table("stability_table", self.model, row_height=20)
        self.adopt_button = QPushButton("Adopt resampled portfolio as recommendation")
        self.adopt_button.setObjectName("adopt_resampled_button")
        self.adopt_button.setToolTip(ADOPT_TIP)
        self.adopt_button.setEnabled(False)
        self.optimizer_button = QPushButton("Use the optimizer's pick")
        self.optimizer_button.setObjectName("use_optimizer_pick_button")
        self.optimizer_button.setToolTip(
            "Drop the adopted resampled portfolio: the selection rule's pick is the "
            "recommendation again (undoable)."
        )
        self.optimizer_button.setEnabled(False)

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
        decision = QHBoxLayout()
        decision.addWidget(self.adopt_button)
        decision.addWidget(self.optimizer_button)
        decision.addStretch(1)
        layout.addLayout(decision)
        layout.addWidget(self.table, 1)
        self.adopt_button.clicked.connect(self._on_adopt_button_clicked)
        self.optimizer_button.clicked.connect(self.drop_requested)
        self.run_button.clicked.connect(self._on_run_button_clicked)

    def set_result(self, result: AnalysisResult, adopted: AdoptedPortfolio | None = None) -> None:
        """The result on screen and the project's adoption (which buttons apply)."""
        self._result, self._adopted = result, adopted
        refusal = self.adoption_refusal()
        self.adopt_button.setEnabled(not refusal and self._candidate != adopted)
        self.adopt_button.setToolTip(refusal or ADOPT_TIP)
        self.optimizer_button.setEnabled(adopted is not None)

    def adoptable(self) -> AdoptedPortfolio | None:
        """The last resampled portfolio, as an adoption, if it was made for the result on screen
        and keeps the IPS; None otherwise (:meth:`adoption_refusal` says why)."""
        return None if self.adoption_refusal() else self._candidate

    def adoption_refusal(self) -> str:
        """Why the last resampled portfolio cannot be adopted now ("" when it can)."""
        self._candidate = None
        if self._answer is None or self._result is None:
            return "Press Resample first: only a resampled portfolio can be adopted."
        try:
            candidate = adopt(self._answer.result, self._answer.frontier)
        except IPSStudioError as exc:
            return str(exc)
        problem = adoption_problem(candidate, self._result)
        if problem is not None:
            return f"The resampling was made for another analysis ({problem})."
        self._candidate = candidate
        return ""

    @Slot()
    def _on_adopt_button_clicked(self) -> None:
        refusal = self.adoption_refusal()
        if refusal:
            self.status_message.emit(refusal)
            return
        self.adopt_requested.emit(self._candidate)

    @property
    def busy(self) -> bool:
        return self.controls.busy

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
        return self.controls.launch(job, result=self._on_job_result)

    @Slot()
    def _on_run_button_clicked(self) -> None:
        self.start()

    @Slot(object)
    def _on_job_result(self, answer: ResampleAnswer) -> None:
        if answer.source is not self._result:
            return  # the analysis changed while resampling: this answer is stale
        self._answer = answer
        self.show_frontier(answer)
        self.result_replaced.emit(answer.result)  # the tab applies the project's adoption

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
            "comparison; it becomes the recommendation only if you adopt it."
        )


__all__ = ["RESAMPLE_JOB", "ResamplingPanel", "resample_job"]
