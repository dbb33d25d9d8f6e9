"""The Rebalancing tab: the account's holdings, their drift from the IPS Recommended targets,
and a cash-balanced whole-share trade list back to them.

Holdings are edited in a validated, undoable table (:mod:`app.rebalancing.holdings_panel`); the
demo account is loaded at start so the tab is never empty. Drift is measured by
:func:`core.rebalance.drift_report` on every change (it is cheap); trades come from
:func:`core.rebalance.rebalance` in a worker, at each new analysis result and on the Rebalance
button. :meth:`RebalanceTab.rebalance_plan` gives the export the plan on screen;
:meth:`RebalanceTab.holdings` / :meth:`RebalanceTab.set_holdings` the project file its account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.kit import formatting as fmt
from app.kit import theme
from app.kit.context import StudioContext
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
from app.rebalancing.holdings_model import HoldingsModel
from app.rebalancing.holdings_panel import HoldingsPanel, start_account
from app.rebalancing.jobs import (
    REBALANCE_JOB,
    RebalanceAnswer,
    RebalanceRequest,
    rebalance_job,
)
from app.rebalancing.plan_models import (
    COMPLIANCE_SPECS,
    DRIFT_SPECS,
    TRADE_SPECS,
    compliance_model,
    drift_frame,
    drift_model,
    empty_drift_frame,
    trades_frame,
    trades_model,
)
from core.errors import IPSStudioError
from core.pipeline import AnalysisResult
from core.policy.clauses import drift_band_clauses
from core.policy.profile import IPSProfile
from core.rebalance import (
    DriftReport,
    Holdings,
    RebalanceMethod,
    RebalancePlan,
    drift_report,
    rebalance_targets,
)
from core.rebalance.settings import DEFAULT_COST_BPS, TradeSettings

if TYPE_CHECKING:
    from app.kit.chart_kit import Figure
    from core.project import Project

METHODS = (
    (
        "Back to target",
        RebalanceMethod.TO_TARGET,
        "Trade every ETF to its target weight (the buffer stays in cash)",
    ),
    (
        "Back to band edge",
        RebalanceMethod.TO_BAND_EDGE,
        "Minimal trading: only breached ETFs and classes, and only back to the edge of their band",
    ),
)


def _spin(
    object_name: str,
    lo: float,
    hi: float,
    value: float,
    *,
    decimals: int = 0,
    prefix: str = "",
    suffix: str = "",
    step: float = 1.0,
    tooltip: str = "",
) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setObjectName(object_name)
    spin.setRange(lo, hi)
    spin.setDecimals(decimals)
    spin.setPrefix(prefix)
    spin.setSuffix(suffix)
    spin.setSingleStep(step)
    spin.setGroupSeparatorShown(True)
    spin.setValue(value)
    spin.setToolTip(tooltip)
    return spin


def money(value: float) -> str:
    return fmt.format_value(value, fmt.CURRENCY)


def _draw_drift(figure: Figure, report: Any) -> None:
    from app.rebalancing.charts import draw_drift  # loads pyqtgraph: on first use only

    draw_drift(figure, report, title="Drift from target")


class RebalanceTab(FeatureTab):
    """Holdings, drift and trades (module docstring)."""

    SHOWS_RESULTS = True

    holdings_changed = Signal(object)
    plan_ready = Signal(object)
    rebalance_failed = Signal(str)

    def __init__(self, context: StudioContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._restoring = False  # trade settings being restored from a project
        self._universe = context.universe
        self._result: AnalysisResult | None = None
        self._plan: RebalancePlan | None = None
        self._plan_request: RebalanceRequest | None = None
        self.runner = JobRunner(self)
        self.deferred = DeferredWork(self)  # the drift chart waits until the tab is shown

        self.summary_label = QLabel("Rebalancing: waiting for the analysis to set the targets…")
        self.summary_label.setObjectName("rebalance_summary_label")
        self.summary_label.setWordWrap(True)
        self.summary_label.setStyleSheet("font-size: 11pt; font-weight: bold; padding: 2px;")
        self.warning_label = warning_banner("rebalance_warning_label")

        self.holdings_model = HoldingsModel(context.universe, context.undo_stack, self)
        self.holdings_panel = HoldingsPanel(self.holdings_model, runner=self.runner)
        self.drift_model = drift_model(self)
        self.drift_table = read_only_table("drift_table", self.drift_model)
        self.drift_slot = figure_slot(
            "drift_chart", message="Waiting for the targets…"
        )  # made when first drawn
        self.trades_model = trades_model(self)
        self.trades_table = read_only_table("trades_table", self.trades_model, FittedTableView())
        self.trades_table.verticalHeader().hide()
        self.compliance_model = compliance_model(self)
        self.compliance_table = read_only_table(
            "compliance_table", self.compliance_model, FittedTableView()
        )
        self.compliance_table.verticalHeader().hide()

        self.method_combo = QComboBox()
        self.method_combo.setObjectName("rebalance_method_combo")
        for text, _method, tip in METHODS:
            self.method_combo.addItem(text)
            self.method_combo.setItemData(
                self.method_combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole
            )
        self.cost_spin = _spin(
            "cost_bps_spin",
            0.0,
            500.0,
            DEFAULT_COST_BPS,
            decimals=1,
            suffix=" bps",
            step=0.5,
            tooltip="Transaction cost per trade, basis points of the notional",
        )
        self.min_trade_spin = _spin(
            "min_trade_spin",
            0.0,
            1e9,
            0.0,
            prefix="$",
            step=500.0,
            tooltip="Smallest trade worth making; smaller trades are skipped (0 = none)",
        )
        self.buffer_spin = _spin(
            "cash_buffer_spin",
            0.0,
            50.0,
            0.0,
            decimals=2,
            suffix=" %",
            step=0.25,
            tooltip="Cash to keep after trading, % of the account value after the flow",
        )
        self.contribution_spin = _spin(
            "contribution_spin",
            -1e10,
            1e10,
            0.0,
            step=10_000.0,
            tooltip="Cash added before trading; negative for a withdrawal",
        )
        self.rebalance_button = QPushButton("Rebalance")
        self.rebalance_button.setObjectName("rebalance_button")
        self.rebalance_button.setToolTip(
            "Compute whole-share, cash-balanced trades for these settings"
        )
        self.rebalance_button.setEnabled(False)
        self.totals_label = QLabel("No plan yet.")
        self.totals_label.setObjectName("rebalance_totals_label")
        self.totals_label.setWordWrap(True)
        self.totals_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label = QLabel()
        self.message_label.setObjectName("rebalance_message_label")
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet(f"color: {theme.text_colour('error')}; font-weight: bold;")
        self.message_label.hide()

        settings = QGroupBox("Trade settings")
        form = QFormLayout(settings)
        form.addRow("Method", self.method_combo)
        form.addRow("Cost", self.cost_spin)
        form.addRow("Minimum trade", self.min_trade_spin)
        form.addRow("Cash buffer", self.buffer_spin)
        form.addRow("Contribution ($)", self.contribution_spin)
        form.addRow(self.rebalance_button)
        form.addRow(self.totals_label)
        settings.setMaximumWidth(330)

        self._drift_box = group_box("Drift against the targets", self.drift_table)
        self.plan_pages = QTabWidget()
        self.plan_pages.setObjectName("plan_pages")
        self.plan_pages.setDocumentMode(True)
        self.plan_pages.addTab(self.trades_table, "Trades")
        self.plan_pages.addTab(self.compliance_table, "Policy compliance")
        self._trades_box = group_box(
            "Trades (whole shares; the fractional solution beside them)",
            self.message_label,
            self.plan_pages,
        )
        top = QSplitter(Qt.Orientation.Horizontal)
        for widget in (
            self.holdings_panel,
            self._drift_box,
            group_box("Drift by ETF", self.drift_slot),
        ):
            top.addWidget(widget)
        top.setSizes([450, 560, 370])
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(settings)
        bottom.addWidget(self._trades_box)
        bottom.setSizes([310, 1070])
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(top)
        body.addWidget(bottom)
        body.setSizes([400, 380])
        layout = QVBoxLayout(self.scrolling_page("rebalancing_scroll"))
        layout.addWidget(self.summary_label)
        layout.addWidget(self.warning_label)
        layout.addWidget(body, 1)

        self.holdings_model.holdings_changed.connect(self._on_holdings_model_holdings_changed)
        self.holdings_model.edit_rejected.connect(self.status_message)
        self.holdings_panel.status_message.connect(self.status_message)
        self.rebalance_button.clicked.connect(self._on_rebalance_button_clicked)
        self.method_combo.currentIndexChanged.connect(self._on_settings_changed)
        for spin in (self.cost_spin, self.min_trade_spin, self.buffer_spin, self.contribution_spin):
            spin.valueChanged.connect(self._on_settings_changed)
        self.holdings_model.set_holdings(start_account(context.universe))

    # -- state -----------------------------------------------------------------------------
    def holdings(self) -> Holdings:
        """The account on screen, for saving with a project."""
        return self.holdings_model.holdings()

    def set_holdings(self, holdings: Holdings) -> None:
        """Restore a saved account (no undo entry)."""
        self.holdings_model.set_holdings(holdings)

    def trade_settings(self) -> TradeSettings:
        """The trade settings on screen, for the project file and the export."""
        return TradeSettings(
            method=METHODS[max(self.method_combo.currentIndex(), 0)][1],
            cost_bps=self.cost_spin.value(),
            min_trade_value=self.min_trade_spin.value(),
            cash_buffer=self.buffer_spin.value() / 100.0,
            contribution=self.contribution_spin.value(),
        )

    def set_trade_settings(self, settings: TradeSettings) -> None:
        """Restore saved trade settings (no undo entry, not an unsaved change)."""
        self._restoring = True
        try:
            self._show_trade_settings(settings)
        finally:
            self._restoring = False

    def _show_trade_settings(self, settings: TradeSettings) -> None:
        self.method_combo.setCurrentIndex(
            next(k for k, (_, method, _) in enumerate(METHODS) if method is settings.method)
        )
        self.cost_spin.setValue(settings.cost_bps)
        self.min_trade_spin.setValue(settings.min_trade_value)
        self.buffer_spin.setValue(settings.cash_buffer * 100.0)
        self.contribution_spin.setValue(settings.contribution)

    drift_chart = SlotChart("drift_slot")  # made on first use

    def project_fields(self) -> dict[str, Any]:
        return {"holdings": self.holdings(), "trade_settings": self.trade_settings()}

    def restore_project(self, project: Project) -> None:
        if project.holdings is not None:
            self.set_holdings(project.holdings)
        self.set_trade_settings(project.trade_settings)

    def rebalance_plan(self) -> RebalancePlan | None:
        """The latest plan for the targets on screen (the export writes it); None before the first
        one, and while the plan for a new analysis result is being computed."""
        current, made = self.request(), self._plan_request
        if (
            current is None
            or made is None
            or made.bands != current.bands
            or not made.targets.equals(current.targets)
        ):
            return None
        return self._plan

    def busy(self) -> bool:
        return self.runner.is_running(REBALANCE_JOB)

    def request(self) -> RebalanceRequest | None:
        """A rebalance of the holdings and settings on screen; None before the first result."""
        if self._result is None:
            return None
        trade = self.trade_settings()
        return RebalanceRequest(
            holdings=self.holdings_model.holdings(),
            targets=rebalance_targets(self._result.recommended.weights),
            bands=self._result.profile.drift_bands,
            universe=self._universe,
            method=trade.method,
            cost_bps=trade.cost_bps,
            min_trade_value=trade.min_trade_value,
            cash_buffer=trade.cash_buffer,
            contribution=trade.contribution,
            profile_name=self._result.profile.name,
            data_mode=self._result.dataset.mode,
            profile=self._result.profile,
        )

    # -- tab protocol ----------------------------------------------------------------------
    def show_result(self, result: AnalysisResult) -> None:
        """New targets: default prices from the data set, fresh drift, and a new plan."""
        self._result = result
        # The account is valued at the data set's own prices (market closes, an imported price
        # file's last row, or labelled illustrative prices): never at prices made up from returns.
        missing = self.holdings_model.set_data_prices(result.dataset.prices)
        self.rebalance_button.setEnabled(True)
        if missing:
            self.warning_label.setText(f"Prices: {missing}")
            self.warning_label.show()
        else:
            self.warning_label.hide()
        self.deferred.add("drift", self._show_drift)  # drift table, chart and summary: when shown
        self.run()

    def set_profile(self, profile: IPSProfile) -> None:
        if self._result is None or profile == self._result.profile:
            self.warning_label.hide()
            return
        self.warning_label.setText(
            f"The IPS changed since these targets were computed (shown: "
            f"{self._result.profile.name}). Press Optimize (Ctrl+R) to recompute."
        )
        self.warning_label.show()

    # -- jobs ------------------------------------------------------------------------------
    def run(self) -> Job | None:
        """Rebalance the holdings on screen in the worker (a running rebalance is superseded)."""
        request = self.request()
        if request is None:
            return None
        job = self.runner.start(Job(REBALANCE_JOB, rebalance_job, request))
        job.signals.result.connect(self._on_rebalance_job_result)
        job.signals.error.connect(self._on_rebalance_job_error)
        self.totals_label.setText("Rebalancing…")
        return job

    @Slot(object)
    def _on_rebalance_job_result(self, answer: RebalanceAnswer) -> None:
        plan, result = answer.plan, self._result
        self._plan, self._plan_request = plan, answer.request
        self.message_label.hide()
        if result is not None:
            self.trades_model.set_frame(trades_frame(plan, answer.trades), TRADE_SPECS)
            self.compliance_model.set_frame(plan.compliance.to_frame(), COMPLIANCE_SPECS)
            failing_before = len(plan.compliance.current_failures)
            failing_after = len(plan.compliance.unmet)
            self.plan_pages.setTabText(
                1, f"Policy compliance ({failing_before} fail before → {failing_after} after)"
            )
            if plan.unmet_limits:
                self.message_label.setText(
                    "Whole shares, the minimum trade or the cash buffer leave limits unmet: "
                    + "; ".join(plan.unmet_limits)
                )
                self.message_label.show()
            self._trades_box.setTitle(
                f"Trades to {result.recommended_name} — "
                f"{self._method_text(plan.method).lower()}; "
                "the fractional (continuous) solution beside them"
            )
        self._show_totals(plan)
        self._mark_stale()
        self.plan_ready.emit(plan)

    @Slot(str)
    def _on_rebalance_job_error(self, message: str) -> None:
        kept = " The previous plan is still shown." if self._plan is not None else ""
        self.message_label.setText(f"Not rebalanced: {message}{kept}")
        self.message_label.show()
        if self._plan is not None:
            self._show_totals(self._plan)
        else:
            self.totals_label.setText("No plan yet.")
        self.status_message.emit(f"Rebalance failed: {message}")
        self.rebalance_failed.emit(message)

    # -- user input ------------------------------------------------------------------------
    @Slot()
    def _on_rebalance_button_clicked(self) -> None:
        self.run()

    @Slot(object)
    def _on_holdings_model_holdings_changed(self, holdings: Holdings) -> None:
        self._show_drift()
        self._mark_stale()
        self.holdings_changed.emit(holdings)

    @Slot()
    def _on_settings_changed(self, *_args: object) -> None:
        self._mark_stale()
        if not self._restoring:
            self.project_modified.emit()

    # -- display ---------------------------------------------------------------------------
    @staticmethod
    def _method_text(method: RebalanceMethod) -> str:
        return next(text for text, m, _ in METHODS if m is method)

    def _mark_stale(self) -> None:
        request = self.request()
        stale = (
            self._plan_request is not None
            and request is not None
            and not self._plan_request.same_inputs(request)
        )
        self.rebalance_button.setText("Rebalance (inputs changed)" if stale else "Rebalance")
        self.rebalance_button.setStyleSheet(
            f"font-weight: bold; color: {theme.text_colour('warn')};" if stale else ""
        )

    def _show_drift(self) -> None:
        holdings = self.holdings_model.holdings()
        value = (
            f"Account {money(holdings.total_value)} ({len(holdings.positions)} positions, "
            f"cash {money(holdings.cash)})"
        )
        if self._result is None:
            self.summary_label.setText(f"{value}. Waiting for the analysis to set the targets…")
            return
        result = self._result
        try:
            report = drift_report(
                holdings,
                rebalance_targets(result.recommended.weights),
                result.profile.drift_bands,
                self._universe,
                band_clauses=drift_band_clauses(result.profile),
            )
        except IPSStudioError as exc:
            self.drift_model.set_frame(empty_drift_frame(), DRIFT_SPECS)
            self.deferred.discard("drift_chart")
            self.drift_chart.reset(str(exc))
            self.summary_label.setText(f"{value}. Drift not measured: {exc}")
            return
        frame, labels, bold = drift_frame(report)
        self.drift_model.set_frame(frame, DRIFT_SPECS, row_labels=labels, bold_rows=bold)
        self.deferred.add("fit_drift", self.drift_table.resizeColumnsToContents)
        self.deferred.add("drift_chart", lambda: _draw_drift(self.drift_chart, report))
        breaches = ", ".join(report.breaches) or "none"
        classes = ", ".join(report.class_breaches) or "none"
        colour = theme.text_colour("alert" if report.any_breach else "ok")
        self.summary_label.setText(
            f"{value} vs {result.profile.name} targets ({result.recommended_name}): "
            f"<span style='color: {colour};'>ETF breaches {breaches}; class breaches {classes}</span>"
        )
        self._drift_box.setTitle(drift_box_title(report))

    def _show_totals(self, plan: RebalancePlan) -> None:
        before = len(plan.drift.breaches) + len(plan.drift.class_breaches)
        after = len(plan.post_trade_drift.breaches) + len(plan.post_trade_drift.class_breaches)
        flow = (
            f"<br>Contribution: {money(plan.contribution)}"
            if plan.contribution > 0
            else f"<br>Withdrawal: {money(-plan.contribution)}"
            if plan.contribution < 0
            else ""
        )
        self.totals_label.setText(
            f"<b>{len(plan.trades)} trades</b>, turnover {plan.turnover:.1%} (two-sided)<br>"
            f"Buys {money(plan.buys_value)}, sells {money(plan.sells_value)}, cost <b>{money(plan.total_cost)}</b>"
            f"{flow}<br>Cash {money(plan.cash_before)} → <b>{money(plan.cash_after)}</b> "
            f"(keep ≥ {money(plan.cash_buffer)})<br>Breaches {before} → {after}<br>"
            f"<span style='color: {theme.text_colour('muted')};'>Fractional solution: cash {money(plan.continuous.cash_after)}, "
            f"cost {money(plan.continuous.total_cost)}</span>"
        )


def drift_box_title(report: DriftReport) -> str:
    """The drift table's title: each band with the IPS clause it comes from (issue 18), e.g.
    "absolute band ±5.0% (IPS 7.1), relative 25% of target (IPS 7.2), class ±5.0% (IPS 7.3)"."""
    clauses = report.band_clauses

    def cited(field: str) -> str:
        return f" (IPS {clauses[field]})" if clauses.get(field) else ""

    bands = report.bands
    return (
        f"Drift against the targets (absolute band ±{bands.absolute:.1%}{cited('absolute')}"
        + (
            f", relative {bands.relative:.0%} of target{cited('relative')}"
            if bands.relative
            else ""
        )
        + (f", class ±{bands.asset_class:.1%}{cited('asset_class')}" if bands.asset_class else "")
        + ")"
    )
