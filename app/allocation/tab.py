"""The Allocation tab: every candidate side by side, the IPS Recommended one highlighted.

Shows what :func:`core.pipeline.run_analysis` returned; it computes nothing itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.allocation.adoption import Adoption, show_adoption
from app.allocation.committee_panel import CommitteeInputsPanel
from app.allocation.pick_stability_panel import PickStabilityPanel
from app.allocation.resampling_panel import ResamplingPanel
from app.allocation.walk_forward_panel import WalkForwardPanel
from app.kit import formatting as fmt
from app.kit import theme
from app.kit.context import StudioContext
from app.kit.dataframe_model import ColumnSpec, DataFrameModel
from app.kit.deferred import DeferredWork
from app.kit.feature import FeatureTab
from app.kit.views import (
    ChartSlot,
    FittedTableView,
    ResizeWatch,
    SlotChart,
    group_box,
    read_only_table,
    warning_banner,
)
from core.adoption import with_adoption
from core.analytics.summary import PerformanceMetrics
from core.optimize.estimation import CovarianceEstimator, ReturnEstimator
from core.pipeline import AnalysisResult, AnalysisSettings
from core.policy.margins import risk_margins, rule_margins, verdict
from core.policy.profile import IPSProfile
from core.report.margin_tables import candidate_margins

if TYPE_CHECKING:
    from core.project import Project

STAR = "★"
MARGIN_ROWS = (
    ("volatility", "Volatility target margin (pp)"),
    ("drawdown", "Drawdown tolerance margin (pp)"),
)
VERDICT_WIDTHS = (52, 60, 58, 86)  # status, utility, the two margins; the verdict stretches
MARGIN_CONVENTION = (
    "Margin: distance to the rule's nearest limit in percentage points, positive inside the "
    "limit, negative when breached (limit - actual for a maximum, actual - limit for a minimum)."
)
RULE_COLUMN_WIDTH = 210
COMMENT_MIN_WIDTH = 80
RULE_MIN_WIDTH = 90
BENCHMARK = "Benchmark"
VALIDATION_COLUMNS = (
    ("rule", "Rule", fmt.TEXT),
    ("pass_fail", "Status", fmt.STATUS),
    ("actual", "Actual", fmt.PERCENT),
    ("limit", "Limit", fmt.TEXT),
    ("margin", "Margin", fmt.PERCENT),
    ("category", "Category", fmt.TEXT),
    ("comment", "Comment", fmt.TEXT),
)
"""Comment last: it takes the width the figures leave, one line, elided with its full text in
the tooltip (it was cut mid-phrase past the table's edge). Category is hidden on screen (the
rules are in category order; the CSV and the workbook keep the column)."""


def header_title(name: str, recommended: bool) -> str:
    """Column title, wrapped on two lines when long so that columns stay narrow."""
    title = name if len(name) <= 12 or " " not in name else name.replace(" ", "\n", 1)
    return f"{STAR} {title}" if recommended else title


def weights_frame(result: AnalysisResult) -> tuple[pd.DataFrame, list[str], set[int]]:
    """Class subtotal rows each followed by the class's ETFs, then a total row.

    Returns the frame (index: asset class or ticker, columns: candidates), display labels
    and the positions of subtotal rows.
    """
    tickers = result.weights_table()
    classes = result.class_weights_table()
    rows, labels, bold = [], [], set()
    for cls in result.universe.asset_classes:
        members = [t for t in result.universe.class_members(cls) if t in tickers.index]
        if cls not in classes.index and not members:
            continue
        bold.add(len(rows))
        rows.append(
            classes.loc[cls].rename(cls) if cls in classes.index else tickers.loc[members].sum()
        )
        labels.append(cls)
        for ticker in members:
            rows.append(tickers.loc[ticker])
            labels.append(f"    {ticker}")
    bold.add(len(rows))
    rows.append(tickers.sum().rename("Total"))
    labels.append("Total")
    return pd.DataFrame(rows), labels, bold


def metrics_frame(result: AnalysisResult) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The metrics table with display labels and a format kind per row."""
    table = result.metrics_table()
    specs = {s.name: s for s in PerformanceMetrics.specs(result.settings.var_level)}
    by_label = {s.label: s for s in specs.values()}
    labels, kinds = [], []
    for key in table.index:
        spec = specs.get(key) or by_label.get(key)
        labels.append(spec.label if spec else str(key))
        kinds.append(spec.kind.value if spec else fmt.RATIO)
    # Each candidate's margin to the two risk rules, in percentage points (+ inside the limit).
    for key, label in MARGIN_ROWS:
        table.loc[label] = {
            c.name: risk_margins(c.validation)[key].margin_pp for c in result.candidates
        }
        labels.append(label)
        kinds.append(fmt.RATIO)
    return table, labels, kinds


def verdict_tooltip(result: AnalysisResult, name: str) -> str:
    """A candidate column's tooltip: its verdict and every rule's margin (sign convention)."""
    cand = result.candidate(name)
    lines = [f"{name}: {verdict(cand.validation)}.", "", MARGIN_CONVENTION, ""]
    lines += [f"• {m.text}" for m in rule_margins(cand.validation)]
    return "\n".join(lines)


def _make_allocation_chart() -> QWidget:
    from app.kit import charts  # loads pyqtgraph: on first use only

    return charts.make_plot(
        "IPS Recommended allocation by ETF", object_name="allocation_chart", x_label="Weight (%)"
    )


class AllocationTab(FeatureTab):
    """Candidate weights, metrics, validation and a chart of the recommended allocation."""

    SHOWS_RESULTS = True

    result_shown = Signal(object)

    def __init__(self, context: StudioContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.deferred = DeferredWork(
            self
        )  # the chart and column fitting wait until the tab is shown
        self._universe = context.universe
        self._result: AnalysisResult | None = None

        self.recommended_label = QLabel("Optimizing the IPS…")
        self.recommended_label.setObjectName("recommended_label")
        self.recommended_label.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.selection_label = QLabel()
        self.selection_label.setObjectName("selection_label")
        self.selection_label.setWordWrap(True)
        self.selection_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stale_label = warning_banner("stale_label")

        self.weights_model = DataFrameModel(parent=self)
        self.metrics_model = DataFrameModel(parent=self)
        self.validation_model = DataFrameModel(parent=self)
        self.weights_table = read_only_table(
            "weights_table", self.weights_model, FittedTableView(), row_height=22
        )
        self.metrics_table = read_only_table(
            "metrics_table", self.metrics_model, FittedTableView(), row_height=22
        )
        self.validation_table = read_only_table(
            "validation_table", self.validation_model, row_height=22
        )
        self.validation_table.verticalHeader().hide()
        self.validation_table.setWordWrap(False)
        self._viewport_watch = ResizeWatch(self.validation_table.viewport(), self._fit_comment)
        self.allocation_slot = ChartSlot(_make_allocation_chart)  # made when first drawn

        self._weights_box = group_box(
            "Weights by candidate (asset-class subtotals in bold)", self.weights_table
        )
        self._chart_box = group_box("Recommended allocation", self.allocation_slot)
        self._metrics_box = group_box(
            "Key metrics (sample period, monthly data)", self.metrics_table
        )
        self._validation_box = group_box("Policy validation", self.validation_table)

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self._weights_box)
        left.addWidget(self._metrics_box)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self._chart_box)
        right.addWidget(self._validation_box)
        self.resampling_panel = ResamplingPanel()
        self.runner = self.resampling_panel.runner  # the window cancels tab runners on close
        self.pick_stability_panel = PickStabilityPanel(self.runner)
        self.pick_stability_panel.status_message.connect(self.status_message)
        self.robustness_tabs = QTabWidget()
        self.robustness_tabs.setObjectName("robustness_tabs")
        self.verdicts_model = DataFrameModel(parent=self)
        self.verdicts_table = read_only_table("verdicts_table", self.verdicts_model, row_height=20)
        self.verdicts_table.setToolTip(MARGIN_CONVENTION)
        self.robustness_tabs.addTab(self.verdicts_table, "Verdicts and margins")
        self.robustness_tabs.addTab(self.pick_stability_panel, "How sure is the pick?")
        self.robustness_tabs.addTab(self.resampling_panel, "Resampled frontier")
        right.addWidget(self.robustness_tabs)
        self.resampling_panel.status_message.connect(self.status_message)
        # The committee's adoption of the resampled portfolio: undoable project state.
        self.adoption = Adoption(context.undo_stack, self)
        self.adoption_label = warning_banner("adoption_label")
        # Shown by the user's own adopt / undo, or after an edit that invalidates it: no room
        # is kept for it while hidden (the stale-result banner above already keeps one).
        policy = self.adoption_label.sizePolicy()
        policy.setRetainSizeWhenHidden(False)
        self.adoption_label.setSizePolicy(policy)
        self.resampling_panel.result_replaced.connect(self._on_adoption_changed)
        self.resampling_panel.adopt_requested.connect(self.adoption.adopt)
        self.resampling_panel.drop_requested.connect(self.adoption.drop)
        self.adoption.changed.connect(self._on_adoption_changed)
        self.walk_forward_panel = WalkForwardPanel(self.runner)  # one runner: the window cancels it
        self.walk_forward_panel.status_message.connect(self.status_message)
        left.addWidget(self.walk_forward_panel)
        left.setCollapsible(2, False)
        left.setSizes([430, 330, 330])
        right.setSizes([330, 260, 200])
        right.setCollapsible(2, False)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(left)
        body.addWidget(right)
        body.setSizes([960, 400])

        self.returns_combo = self._estimator_combo("returns_estimator_combo", ReturnEstimator)
        self.returns_combo.setToolTip(
            "Expected returns: the in-sample historical mean; Bayes-Stein (Jorion) shrinkage of "
            "the means towards the minimum-variance portfolio's mean (the default); the "
            "equilibrium returns implied by the policy benchmark; Black-Litterman (that "
            "equilibrium blended with the committee's views); or capital market assumptions "
            "with their sources. Changing it re-optimizes."
        )
        self.covariance_combo = self._estimator_combo(
            "covariance_estimator_combo", CovarianceEstimator
        )
        self.covariance_combo.setToolTip(
            "Covariance: the sample covariance; Ledoit-Wolf shrinkage towards a scaled identity; "
            "or exponentially weighted (half-life in the project, default 36 months). "
            "Changing it re-optimizes."
        )
        self.returns_combo.currentIndexChanged.connect(self._on_estimator_combo_changed)
        self.covariance_combo.currentIndexChanged.connect(self._on_estimator_combo_changed)
        inputs_row = QHBoxLayout()
        inputs_row.addWidget(QLabel("Expected returns:"))
        inputs_row.addWidget(self.returns_combo)
        inputs_row.addSpacing(16)
        inputs_row.addWidget(QLabel("Covariance:"))
        inputs_row.addWidget(self.covariance_combo)
        inputs_row.addStretch(1)
        self.committee_panel = CommitteeInputsPanel(context.universe, context.undo_stack, self)
        self.committee_panel.views_changed.connect(self._on_committee_panel_views_changed)
        self.committee_panel.assumptions_changed.connect(
            self._on_committee_panel_assumptions_changed
        )
        self.committee_panel.status_message.connect(self.status_message)

        layout = QVBoxLayout(self.scrolling_page("allocation_scroll"))
        layout.addLayout(inputs_row)
        layout.addWidget(self.committee_panel)
        layout.addWidget(self.recommended_label)
        layout.addWidget(self.selection_label)
        layout.addWidget(self.adoption_label)
        layout.addWidget(self.stale_label)
        layout.addWidget(body, 1)

    @property
    def result(self) -> AnalysisResult | None:
        return self._result

    def _estimator_combo(self, name: str, choices: type) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        for choice in choices:
            combo.addItem(choice.value, choice.name)
        return combo

    def show_settings(self, settings: AnalysisSettings) -> None:
        """Show the estimators in use (no request: a signal only for the user's choice)."""
        for combo, choice in (
            (self.returns_combo, settings.expected_returns),
            (self.covariance_combo, settings.covariance),
        ):
            combo.blockSignals(True)
            combo.setCurrentIndex(combo.findData(choice.name))
            combo.blockSignals(False)
        self.committee_panel.set_inputs(settings.views, settings.market_assumptions)
        self.committee_panel.show_estimator(settings.expected_returns)

    def _on_committee_panel_views_changed(self, views: object) -> None:
        self.settings_requested.emit({"views": views})

    def _on_committee_panel_assumptions_changed(self, assumptions: object) -> None:
        self.settings_requested.emit({"market_assumptions": assumptions})

    def _on_estimator_combo_changed(self, _index: int) -> None:
        self.committee_panel.show_estimator(ReturnEstimator[self.returns_combo.currentData()])
        self.settings_requested.emit(
            {
                "expected_returns": ReturnEstimator[self.returns_combo.currentData()],
                "covariance": CovarianceEstimator[self.covariance_combo.currentData()],
            }
        )

    # -- tab protocol ----------------------------------------------------------------------
    def show_result(self, result: AnalysisResult) -> None:
        """Show ``result`` (one model reset per table)."""
        self._result = result
        self.resampling_panel.set_result(result, self.adoption.adopted)
        self.committee_panel.show_inputs(result.inputs)
        self.walk_forward_panel.set_result(result)
        self.pick_stability_panel.set_result(result)
        recommended = result.recommended
        names = [c.name for c in result.candidates]

        frame, labels, bold = weights_frame(result)
        specs = [
            ColumnSpec(
                n,
                header_title(n, n == result.recommended_name),
                fmt.PERCENT,
                tooltip=verdict_tooltip(result, n),
            )
            for n in names
        ]
        self.weights_model.set_frame(
            frame, specs, row_labels=labels, bold_rows=bold, highlight_key=result.recommended_name
        )

        table, metric_labels, kinds = metrics_frame(result)
        specs = [
            ColumnSpec(
                n,
                header_title(n, n == result.recommended_name),
                fmt.PERCENT,
                decimals=2,
                tooltip=verdict_tooltip(result, n) if n != BENCHMARK else "",
            )
            for n in [*names, BENCHMARK]
            if n in table.columns
        ]
        self.metrics_model.set_frame(
            table,
            specs,
            row_kinds=kinds,
            row_labels=metric_labels,
            highlight_key=result.recommended_name,
        )

        self._show_verdicts(result)
        validation = recommended.validation.to_frame()
        # Failing rules first (a stable sort keeps the policy's order within each group): the
        # committee reads what breaks before what holds.
        validation = validation.sort_values(
            "pass_fail", key=lambda s: s.ne("FAIL"), kind="stable"
        ).reset_index(drop=True)
        self.validation_model.set_frame(
            validation,
            [
                ColumnSpec(
                    key,
                    title,
                    kind,
                    decimals=2,
                    tooltip=MARGIN_CONVENTION.replace(
                        "percentage points", "decimal weight or return"
                    )
                    if key == "margin"
                    else "",
                )
                for key, title, kind in VALIDATION_COLUMNS
            ],
        )
        passed = sum(r.passed for r in recommended.validation.rows)
        self._validation_box.setTitle(
            f"Policy validation — {recommended.name}: {passed} of {len(recommended.validation.rows)} rules pass"
        )

        compliant = "policy compliant" if recommended.passes else "NOT policy compliant"
        colour = theme.text_colour("ok" if recommended.passes else "error")
        adopted = " — adopted resampled portfolio" if result.adoption is not None else ""
        self.recommended_label.setText(
            f"{STAR} IPS Recommended: {recommended.name}{adopted} "
            f"<span style='font-size: 11pt; color: {colour};'>({compliant})</span>"
        )
        self.selection_label.setText(self._selection_html(result))
        show_adoption(self.adoption_label, self.adoption.adopted, result)
        # The recommended column in view (an added candidate can push it past the right edge).
        column = names.index(result.recommended_name)
        for view, model in (
            (self.weights_table, self.weights_model),
            (self.metrics_table, self.metrics_model),
        ):
            view.scrollTo(model.index(0, column))
        self.stale_label.hide()
        self.deferred.add("chart", lambda: self._draw_chart(result))
        self.deferred.add("fit_validation", self._fit_columns)
        self.result_shown.emit(result)

    def project_fields(self) -> dict[str, Any]:
        return {"adopted": self.adoption.adopted}

    def restore_project(self, project: Project) -> None:
        """The project's adoption; the walk-forward's trading cost starts at the project's
        trade settings."""
        self.adoption.restore(project.adopted)
        self.walk_forward_panel.set_cost_bps(project.trade_settings.cost_bps)

    @Slot(object)
    def _on_adoption_changed(self, _value: object) -> None:
        """An adoption, its undo, or a resampling: the result on screen with the adoption (or
        without it) goes to every tab (a new resampled result from the panel arrives here too)."""
        result = _value if isinstance(_value, AnalysisResult) else self._result
        if result is not None:
            self.result_replaced.emit(with_adoption(result, self.adoption.adopted))

    def set_profile(self, profile: IPSProfile) -> None:
        """Flag the shown result as stale when the IPS no longer matches it."""
        if self._result is None or profile == self._result.profile:
            self.stale_label.hide()
            return
        self.stale_label.setText(
            f"The IPS changed since this result was computed (shown: {self._result.profile.name}). "
            "Press Optimize (Ctrl+R) to recompute for the edited policy."
        )
        self.stale_label.show()

    # -- helpers ---------------------------------------------------------------------------
    def _show_verdicts(self, result: AnalysisResult) -> None:
        """Every candidate's status, utility, margins to the two risk rules and verdict."""
        frame = candidate_margins(result)
        frame["status"] = frame["passes_policy"].map({True: "PASS", False: "FAIL"})
        labels = [
            f"{STAR} {n}" if n == result.recommended_name else n for n in frame["portfolio_name"]
        ]
        tip = MARGIN_CONVENTION
        self.verdicts_model.set_frame(
            frame,
            [
                ColumnSpec("status", "Status", fmt.STATUS),
                ColumnSpec("penalized_utility", "Utility", fmt.PERCENT, decimals=2),
                ColumnSpec("volatility_margin_pp", "Vol. pp", fmt.RATIO, tooltip=tip),
                ColumnSpec("drawdown_margin_pp", "Drawdown pp", fmt.RATIO, tooltip=tip),
                ColumnSpec("verdict", "Verdict", fmt.TEXT, tooltip=tip),
            ],
            row_labels=labels,
        )

    @staticmethod
    def _selection_html(result: AnalysisResult) -> str:
        text = (
            f"<b>Selection rule:</b> {result.selection_rule}<br>"
            f"<b>Outcome:</b> {result.selection_reason}<br>"
            f"<b>Inputs:</b> {result.inputs.describe()}"
        )
        if result.failed_strategies:
            failed = "; ".join(f"{k}: {v}" for k, v in result.failed_strategies.items())
            text += f"<br><b>Not built:</b> {failed}"
        return text

    allocation_chart = SlotChart("allocation_slot")  # a pyqtgraph PlotWidget, made on first use

    def _draw_chart(self, result: AnalysisResult) -> None:
        from app.kit import charts

        weights = result.recommended.weights
        tickers = [t for t in result.universe.tickers if t in weights.index]
        classes = [result.universe.asset_class_of(t) for t in tickers]
        charts.horizontal_bars(
            self.allocation_chart,
            tickers,
            [float(weights[t]) * 100 for t in tickers],
            [charts.class_color(c) for c in classes],
        )
        self.allocation_chart.getPlotItem().setTitle(
            f"{STAR} {result.recommended.name}: weight by ETF", color=charts.TEXT_COLOR, size="11pt"
        )
        charts.add_legend(
            self.allocation_chart,
            {c: charts.class_color(c) for c in result.universe.asset_classes if c in classes},
        )
        # Leave empty room on the right for the legend so that it never covers a bar or its label.
        self.allocation_chart.setXRange(0, max(float(weights.max()) * 100, 1.0) * 1.9, padding=0)

    def _fit_columns(self) -> None:
        table = self.validation_table
        table.setColumnHidden(self.validation_model.column_of("category"), True)
        table.resizeColumnsToContents()
        header = table.horizontalHeader()
        header.setStretchLastSection(True)  # the comment fills the rest, elided with "…"
        comment = self.validation_model.column_of("comment")
        figures = sum(
            header.sectionSize(c)
            for c in range(1, header.count())
            if c != comment and not header.isSectionHidden(c)
        )
        # The rule names give way (elided, whole in the tooltip) before the comment does.
        room = table.viewport().width() - figures - COMMENT_MIN_WIDTH
        rule = min(header.sectionSize(0), RULE_COLUMN_WIDTH, max(room, RULE_MIN_WIDTH))
        header.resizeSection(0, rule)
        header.setStretchLastSection(False)
        self._fit_comment()
        verdicts = self.verdicts_table.horizontalHeader()
        for column, width in enumerate(VERDICT_WIDTHS):
            verdicts.resizeSection(column, width)
        verdicts.setStretchLastSection(True)

    def _fit_comment(self) -> None:
        """The comment takes the width the other columns leave (again whenever the table's
        viewport is resized, e.g. when its scroll bar appears); a longer comment is elided
        ("…") and whole in its tooltip."""
        table = self.validation_table
        header = table.horizontalHeader()
        comment = self.validation_model.column_of("comment")
        if comment < 0:
            return
        others = sum(
            header.sectionSize(c)
            for c in range(header.count())
            if c != comment and not header.isSectionHidden(c)
        )
        header.resizeSection(comment, max(table.viewport().width() - others, COMMENT_MIN_WIDTH))
