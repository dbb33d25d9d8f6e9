"""Pick-stability panel of the Allocation tab: how sure is the pick under a block bootstrap?

The work (:func:`core.robustness.pick_stability.pick_stability`: the whole selection re-run on
each bootstrap sample) runs in a worker with progress and Cancel, on the tab's job runner.
"""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
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
from core.pipeline import AnalysisResult
from core.robustness.pick_stability import (
    DEFAULT_SAMPLES,
    DEFAULT_SEED,
    PickStability,
    pick_stability,
)

PICK_STABILITY_JOB = "pick_stability"


class PickStabilityPanel(QWidget):
    """Samples and seed, Run / Cancel, progress, the answer in words and the pick shares."""

    status_message = Signal(str)
    stability_ready = Signal(object)

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._result: AnalysisResult | None = None
        self.answer: PickStability | None = None
        self.samples_spin = QSpinBox()
        self.samples_spin.setObjectName("pick_samples_spin")
        self.samples_spin.setRange(10, 5000)
        self.samples_spin.setSingleStep(50)
        self.samples_spin.setValue(DEFAULT_SAMPLES)
        self.samples_spin.setToolTip(
            "Bootstrap samples: each is a resampled history of the sample's length (blocks of "
            "consecutive months, expected 12) on which the whole selection is re-run."
        )
        self.seed_spin = QSpinBox()
        self.seed_spin.setObjectName("pick_seed_spin")
        self.seed_spin.setRange(0, 2_000_000_000)
        self.seed_spin.setValue(DEFAULT_SEED)
        self.seed_spin.setToolTip("Random seed: the same seed gives the same answer.")
        self.run_button = QPushButton("Run")
        self.run_button.setObjectName("pick_stability_button")
        self.run_button.setToolTip(
            "Bootstrap the sample; on each draw measure the recommended portfolio's drawdown and "
            "re-run the selection."
        )
        self.controls = JobControls(
            self.runner,
            PICK_STABILITY_JOB,
            what="Pick stability",
            cancelled="Pick stability cancelled.",
            status=self.status_message.emit,
            cancel_name="pick_stability_cancel_button",
            parent=self,
        )
        self.cancel_button, self.progress = self.controls.cancel_button, self.controls.progress
        self.summary = QLabel(
            "How sure is the pick? Press Run: the chance the recommended portfolio breaches the "
            "drawdown tolerance over a resampled history, and how often the selection picks it "
            "again."
        )
        self.summary.setObjectName("pick_stability_summary")
        self.summary.setWordWrap(True)
        self.model = DataFrameModel(parent=self)
        self.table = read_only_table("pick_shares_table", self.model, row_height=20)

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Samples:"))
        controls.addWidget(self.samples_spin)
        controls.addWidget(QLabel("Seed:"))
        controls.addWidget(self.seed_spin)
        controls.addStretch(1)
        controls.addWidget(self.run_button)
        controls.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(controls)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.run_button.clicked.connect(self._on_run_button_clicked)

    def set_result(self, result: AnalysisResult) -> None:
        """A new analysis: the previous answer no longer applies."""
        if self._result is not None and result.recommended_name == self._result.recommended_name:
            same = result.dataset is self._result.dataset and result.profile == self._result.profile
        else:
            same = False
        self._result = result
        if not same and self.answer is not None:
            self.answer = None
            self.model.set_frame(pd.DataFrame(), [])
            self.summary.setText("The analysis changed: press Run for the new pick.")

    @property
    def busy(self) -> bool:
        return self.controls.busy

    def start(self) -> Job | None:
        """Start the bootstrap for the current result (cancels a running one)."""
        if self._result is None:
            self.status_message.emit("Nothing to test yet: wait for the first analysis.")
            return None
        job = Job(
            PICK_STABILITY_JOB,
            pick_stability,
            self._result,
            samples=self.samples_spin.value(),
            seed=self.seed_spin.value(),
        )
        return self.controls.launch(job, result=self._on_job_result)

    @Slot()
    def _on_run_button_clicked(self) -> None:
        self.start()

    @Slot(object)
    def _on_job_result(self, answer: PickStability) -> None:
        if self._result is None or answer.recommended != self._result.recommended_name:
            return  # the analysis changed while the bootstrap ran
        self.show_answer(answer)
        self.stability_ready.emit(answer)

    def show_answer(self, answer: PickStability) -> None:
        self.answer = answer
        frame = answer.to_frame().set_index("candidate")
        self.model.set_frame(
            frame,
            [ColumnSpec("share_picked", "Share picked", fmt.PERCENT)],
            row_labels=list(frame.index),
        )
        self.summary.setText(answer.sentence())


__all__ = ["PICK_STABILITY_JOB", "PickStabilityPanel"]
