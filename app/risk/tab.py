"""The Risk tab: where the recommended portfolio's risk comes from, and how it behaves against
its benchmark. Shows :func:`core.analytics.risk_report.build_risk_report`, computed in a worker
whenever a new analysis result arrives; the rolling window is recomputed in a worker too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.kit import formatting as fmt
from app.kit import theme
from app.kit.context import StudioContext
from app.kit.dataframe_model import ColumnSpec, DataFrameModel
from app.kit.deferred import DeferredWork
from app.kit.feature import FeatureTab
from app.kit.views import (
    FittedTableView,
    SlotChart,
    figure_slot,
    group_box,
    read_only_table,
    warning_banner,
)
from app.kit.workers import Job, JobRunner
from app.risk.frontier import FrontierPanel
from app.risk.jobs import (
    RISK_JOB,
    ROLLING_JOB,
    RiskAnswer,
    RollingAnswer,
    risk_report_job,
    rolling_job,
)
from app.risk.rolling_metrics import ROLLING_METRICS
from core.analytics.risk_report import RiskReport
from core.analytics.rolling import DEFAULT_WINDOW
from core.pipeline import AnalysisResult
from core.policy.profile import IPSProfile

if TYPE_CHECKING:
    from types import ModuleType

    from app.kit.chart_kit import Figure

CONCENTRATED_STYLE = "background: #f8d7da; color: #721c24; border: 1px solid #e3a1a8;"
SPREAD_STYLE = "background: #d4edda; color: #155724; border: 1px solid #8fcf9f;"
BANNER_STYLE = "font-size: 12pt; font-weight: bold; padding: 6px; border-radius: 3px; {}"
ROW_HEIGHTS = (430, 400, 420, 460)
COMPARISON_COLUMNS = (
    ("portfolio", "Portfolio"),
    ("benchmark", "Benchmark"),
    ("difference", "Difference"),
)


def ex_ante_frame(report: RiskReport) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Ex-ante figures of the portfolio and the benchmark, display labels and format kinds."""
    bench_class = report.benchmark_class_risk
    bench_equity = (
        (float(bench_class.loc["Equity", "weight"]), float(bench_class.loc["Equity", "percent"]))
        if "Equity" in bench_class.index
        else (0.0, 0.0)
    )
    rows = [
        (
            "Ex-ante volatility",
            fmt.PERCENT,
            report.portfolio_risk.volatility,
            report.benchmark_risk.volatility,
        ),
        ("Ex-ante tracking error", fmt.PERCENT, report.tracking_error, 0.0),
        (
            "Diversification ratio",
            fmt.RATIO,
            report.diversification_ratio,
            report.benchmark_diversification_ratio,
        ),
        (
            "Effective number of bets",
            fmt.RATIO,
            report.effective_bets,
            report.benchmark_effective_bets,
        ),
        ("Equity share of weight", fmt.PERCENT, report.equity_weight_share, bench_equity[0]),
        ("Equity share of risk", fmt.PERCENT, report.equity_risk_share, bench_equity[1]),
    ]
    frame = pd.DataFrame(
        {"portfolio": [r[2] for r in rows], "benchmark": [r[3] for r in rows]},
        index=[r[0] for r in rows],
    )
    return frame, [r[0] for r in rows], [r[1] for r in rows]


def _charts() -> ModuleType:
    """:mod:`app.risk.charts`, imported when the first chart is drawn (it loads pyqtgraph)."""
    from app.risk import charts as risk_charts

    return risk_charts


def _table(object_name: str, model: DataFrameModel) -> QTableView:
    return read_only_table(object_name, model, FittedTableView())


class RiskTab(FeatureTab):
    """Benchmark comparison, risk contribution, factors, rolling risk and the frontier."""

    SHOWS_RESULTS = True

    report_ready = Signal(object)
    rolling_ready = Signal(object)

    def __init__(self, context: StudioContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._result: AnalysisResult | None = None
        self._report: RiskReport | None = None
        self._rolling: RollingAnswer | None = None
        self.runner = JobRunner(self)
        self.deferred = DeferredWork(self)  # charts are drawn when the tab is shown

        self.concentration_label = QLabel("Risk report: waiting for the analysis…")
        self.concentration_label.setObjectName("concentration_label")
        self.concentration_label.setWordWrap(True)
        self.concentration_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.concentration_label.setStyleSheet(BANNER_STYLE.format("background: #eeeeee;"))
        self.notes_label = QLabel()
        self.notes_label.setObjectName("risk_notes_label")
        self.notes_label.setWordWrap(True)
        self.notes_label.setStyleSheet(f"color: {theme.text_colour('muted')};")
        self.stale_label = warning_banner("risk_stale_label")

        self.metrics_model = DataFrameModel(parent=self)
        self.ex_ante_model = DataFrameModel(parent=self)
        self.metrics_table = _table("risk_metrics_table", self.metrics_model)
        self.ex_ante_table = _table("ex_ante_table", self.ex_ante_model)
        self.ex_ante_table.setMinimumHeight(6 * 21 + 30)
        # Charts are made when first drawn, i.e. when the tab is first shown with a result.
        self.growth_slot = figure_slot("growth_chart")
        self.drawdown_slot = figure_slot("drawdown_chart")
        self.risk_contribution_slot = figure_slot("risk_contribution_chart", panels=2)
        self.factor_slot = figure_slot("factor_chart", panels=2)
        self.rolling_slot = figure_slot("rolling_chart")
        self.frontier = FrontierPanel()

        self.rolling_combo = QComboBox()
        self.rolling_combo.setObjectName("rolling_metric_combo")
        for metric in ROLLING_METRICS:
            self.rolling_combo.addItem(metric.label, metric.column)
        self.window_spin = QSpinBox()
        self.window_spin.setObjectName("rolling_window_spin")
        self.window_spin.setRange(2, 600)
        self.window_spin.setValue(DEFAULT_WINDOW)
        self.window_spin.setSuffix(" months")
        self.window_spin.setToolTip(
            "Rolling window length; the metrics are recomputed in the background."
        )
        controls = QWidget()
        controls_layout = QHBoxLayout(controls)
        controls_layout.setContentsMargins(0, 0, 0, 0)
        controls_layout.addWidget(QLabel("Metric:"))
        controls_layout.addWidget(self.rolling_combo, 1)
        controls_layout.addWidget(QLabel("Window:"))
        controls_layout.addWidget(self.window_spin)

        ex_ante_box = group_box(
            "Ex-ante risk (covariance model): portfolio vs benchmark",
            self.ex_ante_table,
            stretch_last=False,
        )
        ex_ante_box.layout().addStretch(1)
        rows = [
            [
                group_box("Realized over the sample: portfolio vs benchmark", self.metrics_table),
                group_box("Growth of $1", self.growth_slot),
                group_box("Drawdowns", self.drawdown_slot),
            ],
            [
                ex_ante_box,
                group_box("Risk contribution (ex-ante, Euler)", self.risk_contribution_slot),
            ],
            [
                group_box("Factor exposures (Newey-West t-stats)", self.factor_slot),
                group_box("Rolling risk", controls, self.rolling_slot),
            ],
            [
                group_box(
                    "Efficient frontier (hover a point for its weights, click to pin them in the table)",
                    self.frontier,
                )
            ],
        ]
        sizes = ([540, 420, 420], [420, 960], [860, 520], [1380])
        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        for widgets, height, widths in zip(rows, ROW_HEIGHTS, sizes, strict=True):
            splitter = QSplitter(Qt.Orientation.Horizontal)
            for widget in widgets:
                splitter.addWidget(widget)
            splitter.setSizes(widths)
            splitter.setMinimumHeight(height)
            page_layout.addWidget(splitter)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("risk_scroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(page)

        layout = QVBoxLayout(self)
        layout.addWidget(self.concentration_label)
        layout.addWidget(self.notes_label)
        layout.addWidget(self.stale_label)
        layout.addWidget(self.scroll, 1)

        self.rolling_combo.currentIndexChanged.connect(self._on_rolling_combo_index_changed)
        self.window_spin.valueChanged.connect(self._on_window_spin_value_changed)

    # -- charts (made on first use) ----------------------------------------------------------
    growth_chart = SlotChart("growth_slot")
    drawdown_chart = SlotChart("drawdown_slot")
    risk_contribution_chart = SlotChart("risk_contribution_slot")
    factor_chart = SlotChart("factor_slot")
    rolling_chart = SlotChart("rolling_slot")

    @property
    def frontier_chart(self) -> Figure:
        return self.frontier.chart

    # -- state -----------------------------------------------------------------------------
    @property
    def report(self) -> RiskReport | None:
        """The risk report on screen."""
        return self._report

    def busy(self) -> bool:
        """True while a risk or rolling job is running."""
        return self.runner.is_running(RISK_JOB) or self.runner.is_running(ROLLING_JOB)

    def full_page(self) -> QWidget:
        """The whole scrollable page (for full-length screenshots)."""
        return self.scroll.widget()

    # -- tab protocol ----------------------------------------------------------------------
    def show_result(self, result: AnalysisResult) -> None:
        """Compute the risk report of ``result`` in a worker once the tab is shown; the current
        one stays until then."""
        self._result = result
        self.window_spin.setMaximum(len(result.recommended.returns))
        self.stale_label.hide()
        # Computed when the tab is on screen: a hidden tab's report would cost CPU (and the GUI
        # thread its share of the interpreter lock) for nothing after every Optimize.
        self.deferred.add(
            "report",
            lambda: self._start(
                Job(RISK_JOB, risk_report_job, result, self.window_spin.value()),
                self._on_risk_job_result,
            ),
        )

    def set_profile(self, profile: IPSProfile) -> None:
        if self._result is None or profile == self._result.profile:
            self.stale_label.hide()
            return
        self.stale_label.setText(
            f"The IPS changed since this risk report was computed (shown: "
            f"{self._result.profile.name}). Press Optimize (Ctrl+R) to recompute."
        )
        self.stale_label.show()

    # -- jobs ------------------------------------------------------------------------------
    def _start(self, job: Job, on_result: object) -> None:
        self.runner.start(job)
        job.signals.result.connect(on_result)
        job.signals.error.connect(self._on_job_error)

    @Slot(object)
    def _on_risk_job_result(self, answer: RiskAnswer) -> None:
        if answer.result is not self._result:
            return
        report = answer.report
        self._report = report
        self._show_tables(report)
        self._show_concentration(report)
        later = self.deferred.add
        later("growth", lambda: _charts().draw_growth(self.growth_chart, report))
        later("drawdown", lambda: _charts().draw_drawdown(self.drawdown_chart, report))
        later(
            "risk_contribution",
            lambda: _charts().draw_risk_contribution(self.risk_contribution_chart, report),
        )
        later("factors", lambda: _charts().draw_factor_exposures(self.factor_chart, report))
        later("frontier", lambda: self.frontier.show_report(answer.result, report))
        if report.window == self.window_spin.value():
            self._show_rolling(RollingAnswer(answer.result, report.window, report.rolling))
        elif self._rolling is None or self._rolling.result is not answer.result:
            self._on_window_spin_value_changed(self.window_spin.value())
        self.report_ready.emit(report)

    @Slot(object)
    def _on_rolling_job_result(self, answer: RollingAnswer) -> None:
        if answer.result is self._result and answer.window == self.window_spin.value():
            self._show_rolling(answer)

    @Slot(str)
    def _on_job_error(self, message: str) -> None:
        self.status_message.emit(f"Risk figures not updated: {message}")
        self.notes_label.setText(f"<b>Risk figures not updated:</b> {message}")
        self.notes_label.show()

    # -- user input ------------------------------------------------------------------------
    @Slot(int)
    def _on_window_spin_value_changed(self, window: int) -> None:
        if self._result is not None:
            self._start(
                Job(ROLLING_JOB, rolling_job, self._result, window), self._on_rolling_job_result
            )

    @Slot(int)
    def _on_rolling_combo_index_changed(self, _index: int) -> None:
        if self._rolling is not None:
            self._show_rolling(self._rolling)

    # -- display ---------------------------------------------------------------------------
    def _show_rolling(self, answer: RollingAnswer) -> None:
        self._rolling = answer
        portfolio = f"IPS Recommended: {answer.result.recommended_name}"
        metric = self.rolling_combo.currentData()
        self.deferred.add(
            "rolling",
            lambda: _charts().draw_rolling(
                self.rolling_chart,
                answer.rolling,
                metric,
                answer.window,
                portfolio,
                answer.result.profile.benchmark_label,
            ),
        )
        self.rolling_ready.emit(answer.rolling)

    def _show_tables(self, report: RiskReport) -> None:
        comparison = report.comparison
        specs = [
            ColumnSpec(key, title, fmt.PERCENT, decimals=2) for key, title in COMPARISON_COLUMNS
        ]
        specs[0] = ColumnSpec(
            "portfolio",
            "Portfolio",
            fmt.PERCENT,
            decimals=2,
            tooltip=f"IPS Recommended: {report.portfolio_name}",
        )
        specs[1] = ColumnSpec(
            "benchmark", "Benchmark", fmt.PERCENT, decimals=2, tooltip=report.benchmark_label
        )
        self.metrics_model.set_frame(
            comparison,
            specs,
            row_kinds=list(comparison["kind"]),
            row_labels=list(comparison["label"]),
        )
        frame, labels, kinds = ex_ante_frame(report)
        self.ex_ante_model.set_frame(frame, specs[:2], row_kinds=kinds, row_labels=labels)

    def _show_concentration(self, report: RiskReport) -> None:
        verdict = report.concentration
        self.concentration_label.setText(report.summary)
        self.concentration_label.setStyleSheet(
            BANNER_STYLE.format(CONCENTRATED_STYLE if verdict.concentrated else SPREAD_STYLE)
        )
        reasons = "; ".join(verdict.reasons)
        tip = f"Why: {reasons}." if reasons else "No limb of the concentration rule fired."
        self.concentration_label.setToolTip(tip)
        value = (
            f"Dollar VaR and CVaR are on {self._result.settings.portfolio_value_text}."
            if self._result
            else ""
        )
        notes = [*report.notes, *report.factors.notes, value]
        notes = [n for n in notes if n]
        self.notes_label.setText(" ".join(notes))
        self.notes_label.setVisible(bool(notes))
