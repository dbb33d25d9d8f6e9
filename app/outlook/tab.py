"""The Outlook tab: will this policy meet its objectives over its horizon, and what would break it?

Simulates the recommended portfolio, every other candidate and the benchmark of the analysis
result on screen (:func:`core.outlook.analysis.analysis_outlook`, stationary block bootstrap of
the monthly history, rebalanced monthly, the IPS's cash flows) in a worker with progress and
cancel, and shows the answers across portfolios, a fan chart and a histogram of terminal wealth
for the portfolio chosen, and the reverse-stress shock of the recommended portfolio.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.kit.context import StudioContext
from app.kit.dataframe_model import DataFrameModel
from app.kit.deferred import DeferredWork
from app.kit.feature import FeatureTab
from app.kit.job_controls import JobControls
from app.kit.views import (
    SlotChart,
    figure_slot,
    group_box,
    read_only_table,
    warning_banner,
)
from app.kit.workers import Job, JobRunner
from app.outlook.jobs import OUTLOOK_JOB, outlook_job
from app.outlook.models import REVERSE_SPECS, answers_frame, answers_specs, reverse_frame
from core.outlook.analysis import AnalysisOutlook
from core.outlook.request import OutlookRequest
from core.outlook.reverse_stress import describe as describe_reverse
from core.outlook.simulation import (
    DEFAULT_BLOCK_LENGTH,
    DEFAULT_PATHS,
    DEFAULT_SEED,
    ReturnModel,
    SimulationSettings,
)
from core.pipeline import AnalysisResult
from core.policy.profile import IPSProfile

if TYPE_CHECKING:
    from core.project import Project

CONVENTION = (
    "Convention: monthly simple returns resampled by a stationary block bootstrap of the data "
    "set's history (Politis-Romano), or drawn normal from the analysis's expected returns and "
    "covariance (parametric), each portfolio rebalanced monthly to its weights; wealth "
    "starts at 1 (the starting assets) and the IPS's spending is paid monthly after each month's "
    "return; the return objective (nominal, or inflation + x% compounded at the stated "
    "inflation: (1 + i)(1 + x) - 1) is met when a path's annualized nominal geometric return "
    "over the horizon reaches it; "
    "drawdowns are measured on the return index (spending is not a loss); every portfolio sees "
    "the same paths."
)


def _basis(description: str) -> str:
    """``" (inflation 2.50% + 4.00%)"`` for an inflation-plus objective; nothing for a nominal
    one (the rate shown is then the objective itself)."""
    return f" ({description})" if description.startswith("inflation") else ""


def _charts() -> Any:
    """:mod:`app.outlook.charts`, imported when the first chart is drawn (it loads pyqtgraph)."""
    from app.outlook import charts as outlook_charts

    return outlook_charts


class OutlookTab(FeatureTab):
    """Settings, run/cancel, the answers table, fan chart, histogram and reverse stress."""

    SHOWS_RESULTS = True

    outlook_ready = Signal(object)
    """A new :class:`~core.outlook.analysis.AnalysisOutlook` is on screen."""

    def __init__(self, context: StudioContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._account = context.account  # the Rebalancing tab's holdings, read at each run
        self._result: AnalysisResult | None = None
        self._outlook: AnalysisOutlook | None = None
        self.runner = JobRunner(self)
        self.deferred = DeferredWork(self)

        self.summary_label = QLabel("Outlook: waiting for the analysis…")
        self.summary_label.setObjectName("outlook_summary_label")
        self.summary_label.setWordWrap(True)
        self.summary_label.setStyleSheet("font-size: 12pt; font-weight: bold; padding: 4px;")
        self.warning_label = warning_banner("outlook_warning_label")

        self.paths_spin = QSpinBox()
        self.paths_spin.setObjectName("outlook_paths_spin")
        self.paths_spin.setRange(100, 200_000)
        self.paths_spin.setSingleStep(1000)
        self.paths_spin.setValue(DEFAULT_PATHS)
        self.horizon_spin = QDoubleSpinBox()
        self.horizon_spin.setObjectName("outlook_horizon_spin")
        self.horizon_spin.setRange(1.0, 100.0)
        self.horizon_spin.setDecimals(1)
        self.horizon_spin.setSuffix(" years")
        self.horizon_spin.setToolTip("Defaults to the IPS horizon")
        self.block_spin = QDoubleSpinBox()
        self.block_spin.setObjectName("outlook_block_spin")
        self.block_spin.setRange(1.0, 120.0)
        self.block_spin.setDecimals(1)
        self.block_spin.setValue(DEFAULT_BLOCK_LENGTH)
        self.block_spin.setSuffix(" months")
        self.block_spin.setToolTip(
            "Expected block length of the stationary bootstrap (1 = months drawn independently)"
        )
        self.seed_spin = QSpinBox()
        self.seed_spin.setObjectName("outlook_seed_spin")
        self.seed_spin.setRange(0, 2_000_000_000)
        self.seed_spin.setValue(DEFAULT_SEED)
        self.model_combo = QComboBox()
        self.model_combo.setObjectName("outlook_model_combo")
        self.model_combo.addItem("Block bootstrap of history", ReturnModel.BOOTSTRAP.value)
        self.model_combo.addItem(
            "Parametric (capital market assumptions)", ReturnModel.PARAMETRIC.value
        )
        self.model_combo.setToolTip(
            "Block bootstrap: months of the data set's history resampled in blocks (keeps fat "
            "tails and autocorrelation). Parametric: normal monthly returns with the analysis's "
            "expected returns and covariance."
        )
        self.run_button = QPushButton("Simulate")
        self.run_button.setObjectName("outlook_run_button")
        self.job_controls = JobControls(
            self.runner,
            OUTLOOK_JOB,
            what="Outlook",
            cancelled="Outlook simulation cancelled.",
            status=self.status_message.emit,
            cancel_name="outlook_cancel_button",
            progress_name="outlook_progress",
            error=self._on_job_error,
            parent=self,
        )
        self.cancel_button, self.progress = (
            self.job_controls.cancel_button,
            self.job_controls.progress,
        )
        controls = QWidget()
        row = QHBoxLayout(controls)
        row.setContentsMargins(0, 0, 0, 0)
        for label, widget in (
            ("Model:", self.model_combo),
            ("Paths:", self.paths_spin),
            ("Horizon:", self.horizon_spin),
            ("Block length:", self.block_spin),
            ("Seed:", self.seed_spin),
        ):
            row.addWidget(QLabel(label))
            row.addWidget(widget)
        row.addWidget(self.run_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.progress, 1)

        self.answers_model = DataFrameModel(parent=self)
        self.answers_table = read_only_table("outlook_answers_table", self.answers_model)
        self.answers_table.verticalHeader().hide()
        self.holdings_label = QLabel("")
        self.holdings_label.setObjectName("outlook_holdings_label")
        self.holdings_label.setWordWrap(True)
        self.convention_label = QLabel(CONVENTION)
        self.convention_label.setObjectName("outlook_convention_label")
        self.convention_label.setWordWrap(True)
        self.portfolio_combo = QComboBox()
        self.portfolio_combo.setObjectName("outlook_portfolio_combo")
        self.fan_slot = figure_slot("outlook_fan_chart")
        self.histogram_slot = figure_slot("outlook_histogram_chart")
        self.reverse_model = DataFrameModel(parent=self)
        self.reverse_table = read_only_table("outlook_reverse_table", self.reverse_model)
        self.reverse_table.verticalHeader().hide()
        self.reverse_label = QLabel("")
        self.reverse_label.setObjectName("outlook_reverse_label")
        self.reverse_label.setWordWrap(True)

        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        answers_box = group_box(
            "Answers across portfolios",
            self.answers_table,
            self.holdings_label,
            self.convention_label,
            stretch_last=False,
        )
        answers_box.setMinimumHeight(360)  # nine rows: candidates, holdings, benchmark
        page_layout.addWidget(answers_box)
        chooser = QWidget()
        chooser_row = QHBoxLayout(chooser)
        chooser_row.setContentsMargins(0, 0, 0, 0)
        chooser_row.addWidget(QLabel("Charts for:"))
        chooser_row.addWidget(self.portfolio_combo, 1)
        charts = QWidget()
        charts_row = QHBoxLayout(charts)
        charts_row.setContentsMargins(0, 0, 0, 0)
        charts_row.addWidget(group_box("Wealth over the horizon", self.fan_slot))
        charts_row.addWidget(group_box("Terminal wealth", self.histogram_slot))
        charts.setMinimumHeight(440)
        page_layout.addWidget(chooser)
        page_layout.addWidget(charts)
        reverse_box = group_box(
            "Reverse stress (derived): the most plausible one-year move of the stress drivers "
            "that costs the drawdown tolerance",
            self.reverse_label,
            self.reverse_table,
        )
        reverse_box.setMinimumHeight(340)
        page_layout.addWidget(reverse_box)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("outlook_scroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.warning_label)
        layout.addWidget(controls)
        layout.addWidget(self.scroll, 1)

        self._profile_horizon: float | None = None
        for spin in (self.paths_spin, self.horizon_spin, self.block_spin, self.seed_spin):
            spin.valueChanged.connect(self._on_setting_changed)
        self.model_combo.currentIndexChanged.connect(self._on_setting_changed)
        self.run_button.clicked.connect(self._on_run_button_clicked)
        self.portfolio_combo.currentIndexChanged.connect(self._on_portfolio_combo_changed)

    fan_chart = SlotChart("fan_slot")
    histogram_chart = SlotChart("histogram_slot")

    # -- state -----------------------------------------------------------------------------
    @property
    def outlook(self) -> AnalysisOutlook | None:
        """The answer on screen."""
        return self._outlook

    def busy(self) -> bool:
        return self.runner.is_running(OUTLOOK_JOB)

    def full_page(self) -> QWidget:
        return self.scroll.widget()

    def project_fields(self) -> dict[str, Any]:
        return {"outlook": self.request()}

    def restore_project(self, project: Project) -> None:
        request = project.outlook
        self._profile_horizon = project.profile.horizon_years
        self._set_quietly(self.paths_spin, max(request.paths, self.paths_spin.minimum()))
        self._set_quietly(
            self.horizon_spin,
            request.horizon_years
            if request.horizon_years is not None
            else project.profile.horizon_years,
        )
        self._set_quietly(self.block_spin, request.block_length)
        self._set_quietly(self.seed_spin, request.seed)
        self.model_combo.blockSignals(True)
        self.model_combo.setCurrentIndex(self.model_combo.findData(request.model.value))
        self.model_combo.blockSignals(False)

    def request(self) -> OutlookRequest:
        """The settings for the project: the horizon is None while it is the IPS's own."""
        horizon = self.horizon_spin.value()
        same = self._profile_horizon is not None and abs(horizon - self._profile_horizon) < 0.05
        return OutlookRequest(
            paths=self.paths_spin.value(),
            horizon_years=None if same else horizon,
            block_length=self.block_spin.value(),
            seed=self.seed_spin.value(),
            model=ReturnModel(self.model_combo.currentData()),
        )

    @staticmethod
    def _set_quietly(spin: QSpinBox | QDoubleSpinBox, value: float) -> None:
        spin.blockSignals(True)
        spin.setValue(value)  # type: ignore[arg-type]
        spin.blockSignals(False)

    def settings(self) -> SimulationSettings:
        """The simulation settings of the controls."""
        return SimulationSettings(
            paths=self.paths_spin.value(),
            horizon_years=self.horizon_spin.value(),
            block_length=self.block_spin.value(),
            seed=self.seed_spin.value(),
            model=ReturnModel(self.model_combo.currentData()),
        )

    # -- tab protocol ----------------------------------------------------------------------
    def show_result(self, result: AnalysisResult) -> None:
        horizon = result.profile.horizon_years
        if self._profile_horizon is None or horizon != self._profile_horizon:
            # a new IPS horizon replaces the shown one unless the user chose another
            if self._profile_horizon is None or self.request().horizon_years is None:
                self._set_quietly(self.horizon_spin, horizon)
            self._profile_horizon = horizon
        self._result = result
        self.warning_label.hide()
        # waits until the tab is shown: a hidden tab's simulation would cost CPU for nothing
        self.deferred.add("outlook", self.run)

    def set_profile(self, profile: IPSProfile) -> None:
        if self._result is None or profile == self._result.profile:
            self.warning_label.hide()
            return
        self._warn(
            f"The IPS changed since this outlook was computed (shown: {self._result.profile.name}). "
            "Press Optimize (Ctrl+R) to recompute."
        )

    # -- jobs ------------------------------------------------------------------------------
    def run(self) -> Job | None:
        """Start a simulation of the result on screen with the settings of the controls."""
        if self._result is None:
            return None
        return self.job_controls.launch(
            Job(OUTLOOK_JOB, outlook_job, self._result, self.settings(), self._account()),
            result=self._on_job_result,
        )

    @Slot()
    def _on_setting_changed(self) -> None:
        self.project_modified.emit()

    @Slot()
    def _on_run_button_clicked(self) -> None:
        self.run()

    @Slot(str)
    def _on_job_error(self, message: str) -> None:
        self._warn(f"Outlook not updated: {message}")
        self.status_message.emit(f"Outlook not updated: {message}")

    @Slot(object)
    def _on_job_result(self, answer: AnalysisOutlook) -> None:
        if answer.result is not self._result:
            return
        self._outlook = answer
        result = answer.outlook
        self.answers_model.set_frame(answers_frame(result), answers_specs(result))
        self.answers_table.resizeColumnsToContents()
        names = [p.name for p in result.portfolios]
        current = self.portfolio_combo.currentText()
        self.portfolio_combo.blockSignals(True)
        self.portfolio_combo.clear()
        self.portfolio_combo.addItems(names)
        self.portfolio_combo.setCurrentIndex(names.index(current) if current in names else 0)
        self.portfolio_combo.blockSignals(False)
        self._draw(self.portfolio_combo.currentText())
        self.holdings_label.setText(answer.holdings_note)
        reverse = answer.reverse[0]
        self.reverse_model.set_frame(reverse_frame(reverse), REVERSE_SPECS)
        self.reverse_table.resizeColumnsToContents()
        self.reverse_label.setText(describe_reverse(reverse))
        top = result.portfolios[0]
        policy = result.policy
        self.summary_label.setText(
            f"{top.name}: {top.prob_objective:.0%} chance of earning {policy.return_objective:.2%} "
            f"a year{_basis(policy.objective_description)} over {result.settings.horizon_years:g} years; "
            f"{top.prob_drawdown_breach:.0%} chance of a drawdown beyond "
            f"{policy.drawdown_tolerance:.0%}; {top.prob_shortfall:.0%} chance of a liquidity "
            f"shortfall ({policy.cash_flows.describe()}). {result.settings.describe()}."
        )
        if self.warning_label.text().startswith("Outlook not updated"):
            self.warning_label.hide()
        self.outlook_ready.emit(answer)

    @Slot(int)
    def _on_portfolio_combo_changed(self, _index: int) -> None:
        self._draw(self.portfolio_combo.currentText())

    # -- display ---------------------------------------------------------------------------
    def _draw(self, name: str) -> None:
        if self._outlook is None or not name:
            return
        result = self._outlook.outlook
        portfolio = result.portfolio(name)
        target = result.policy.target_path(result.settings.months)
        self.deferred.add("fan", lambda: _charts().draw_fan(self.fan_chart, portfolio, target))
        self.deferred.add(
            "histogram", lambda: _charts().draw_histogram(self.histogram_chart, portfolio)
        )

    def _warn(self, text: str) -> None:
        self.warning_label.setText(text)
        self.warning_label.show()
