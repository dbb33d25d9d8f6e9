"""Out-of-sample panel of the Allocation tab: walk every candidate rule, the IPS selection rule
and the benchmark forward (:func:`core.backtest.walk_forward.walk_forward`) in a worker, with
progress and Cancel, and show in-sample beside out-of-sample figures per rule.

The trading cost starts at the project's trade settings (Rebalancing tab) when a project opens;
the report always uses the trade settings' cost.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.kit import formatting as fmt
from app.kit.dataframe_model import ColumnSpec, DataFrameModel
from app.kit.job_controls import JobControls
from app.kit.views import FittedTableView, read_only_table
from app.kit.workers import Job, JobRunner
from core.backtest.holding import WithinPeriod
from core.backtest.results import WalkForwardResult
from core.backtest.settings import (
    RECOMMENDATION_RULE,
    WalkForwardSettings,
    WindowKind,
)
from core.backtest.walk_forward import walk_forward
from core.jobs import CancelToken, ProgressCallback
from core.pipeline import AnalysisResult
from core.rebalance.settings import DEFAULT_COST_BPS, MAX_COST_BPS

WALK_FORWARD_JOB = "walk_forward"
TABLE_ROWS = 12


@dataclass(frozen=True)
class WalkForwardAnswer:
    source: AnalysisResult
    walk: WalkForwardResult


def walk_forward_job(
    result: AnalysisResult,
    settings: WalkForwardSettings,
    *,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> WalkForwardAnswer:
    """Worker body: the walk-forward of ``result``'s rules."""
    return WalkForwardAnswer(
        result, walk_forward(result, settings, progress=progress, cancel=cancel)
    )


def _title(rule: str) -> str:
    if rule == RECOMMENDATION_RULE:
        return "★ IPS rule\n(selection)"
    return rule if len(rule) <= 12 or " " not in rule else rule.replace(" ", "\n", 1)


class WalkForwardPanel(QGroupBox):
    """Window and holding choices, the cost, Run / Cancel, progress and the comparison table."""

    status_message = Signal(str)

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__("Out-of-sample: walk-forward test of each rule", parent)
        self.runner = runner
        self._result: AnalysisResult | None = None
        self.window_combo = QComboBox()
        self.window_combo.setObjectName("walk_forward_window_combo")
        for kind in WindowKind:
            self.window_combo.addItem(kind.value.split(" (")[0], kind.name)
        self.window_combo.setToolTip(
            "Expanding: each decision estimates on every month up to it (at least 60). "
            "Rolling: on the latest 60 months only."
        )
        self.within_combo = QComboBox()
        self.within_combo.setObjectName("walk_forward_within_combo")
        for choice, label in (
            (WithinPeriod.DRIFT, "Drift within the quarter"),
            (WithinPeriod.MONTHLY, "Rebalance monthly"),
        ):
            self.within_combo.addItem(label, choice.name)
        self.within_combo.setToolTip(
            "Between quarter-end decisions the weights drift with the markets (buy and hold), "
            "or are traded back to the decision's weights every month (those trades pay too)."
        )
        self.cost_spin = QDoubleSpinBox()
        self.cost_spin.setObjectName("walk_forward_cost_spin")
        self.cost_spin.setRange(0.0, MAX_COST_BPS)
        self.cost_spin.setDecimals(1)
        self.cost_spin.setSuffix(" bps")
        self.cost_spin.setValue(DEFAULT_COST_BPS)
        self.cost_spin.setToolTip(
            "Trading cost per unit of turnover, basis points of the amount traded. Starts at the "
            "project's trade settings (Rebalancing tab); the report uses the trade settings."
        )
        self.run_button = QPushButton("Run walk-forward")
        self.run_button.setObjectName("walk_forward_button")
        self.run_button.setToolTip(
            "At every quarter-end after five years: re-estimate the inputs on past months only, "
            "rebuild every candidate, apply the IPS selection rule, hold for the quarter, pay "
            "the trading cost; repeat."
        )
        self.controls = JobControls(
            self.runner,
            WALK_FORWARD_JOB,
            what="Walk-forward",
            cancelled="Walk-forward cancelled.",
            status=self.status_message.emit,
            cancel_name="walk_forward_cancel_button",
            parent=self,
        )
        self.cancel_button, self.progress = self.controls.cancel_button, self.controls.progress
        self.summary = QLabel(
            "How would each rule have done on months it did not see? Press Run walk-forward."
        )
        self.summary.setObjectName("walk_forward_summary")
        self.summary.setWordWrap(True)
        self.model = DataFrameModel(parent=self)
        self.table = read_only_table(
            "walk_forward_table", self.model, FittedTableView(), row_height=20
        )
        self.table.setMinimumHeight(TABLE_ROWS * 20 + 60)  # every row without scrolling

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Window:"))
        controls.addWidget(self.window_combo)
        controls.addWidget(self.within_combo)
        controls.addWidget(QLabel("Cost:"))
        controls.addWidget(self.cost_spin)
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
        self._result = result

    def set_cost_bps(self, cost_bps: float) -> None:
        self.cost_spin.setValue(cost_bps)

    def settings(self) -> WalkForwardSettings:
        return WalkForwardSettings(
            window=WindowKind[self.window_combo.currentData()],
            within=WithinPeriod[self.within_combo.currentData()],
            cost_bps=float(self.cost_spin.value()),
            cost_source="set in this panel; it starts at the project's trade settings",
        )

    @property
    def busy(self) -> bool:
        return self.controls.busy

    def start(self) -> Job | None:
        """Walk the current result forward (cancels a running walk); None without a result."""
        if self._result is None:
            self.status_message.emit("Nothing to test yet: wait for the first analysis.")
            return None
        job = Job(WALK_FORWARD_JOB, walk_forward_job, self._result, self.settings())
        return self.controls.launch(job, result=self._on_job_result)

    @Slot()
    def _on_run_button_clicked(self) -> None:
        self.start()

    @Slot(object)
    def _on_job_result(self, answer: WalkForwardAnswer) -> None:
        if answer.source is not self._result:
            return  # the analysis changed while walking: this answer is stale
        self.show_walk(answer.walk)

    def show_walk(self, walk: WalkForwardResult) -> None:
        frame, kinds = walk.comparison_frame()
        specs = [ColumnSpec(rule, _title(rule), fmt.PERCENT, decimals=2) for rule in frame.columns]
        self.model.set_frame(
            frame,
            specs,
            row_kinds=[k.value for k in kinds],
            row_labels=list(frame.index),
            highlight_key=RECOMMENDATION_RULE,
        )
        rec = walk.rule(RECOMMENDATION_RULE)
        picks = sorted({p.note.removeprefix("Selected: ") for p in rec.periods if p.note})
        notes = " ".join(walk.notes)
        first = rec.returns.index
        self.summary.setText(
            f"Out of sample {first[0]:%b %Y} to {first[-1]:%b %Y}, {walk.decisions} quarterly "
            f"decisions, after {walk.settings.cost_bps:g} bps trading costs; in sample = the "
            f"full-sample weights over the whole sample. The IPS rule chose "
            f"{', '.join(picks)}. {notes}"
        )
        self.summary.setToolTip(walk.describe())


__all__ = ["WALK_FORWARD_JOB", "WalkForwardPanel", "walk_forward_job"]
