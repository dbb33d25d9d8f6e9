"""The Stress tab: what happens to the recommended portfolio, and to its benchmark, if...

Shows :func:`core.stress.engine.stress_analysis` for the bundled hypothetical, historical and
conditional scenarios plus the user's custom ones, recomputed in a worker whenever the analysis
result or the custom scenarios change. Custom scenarios are edited in a validated, undoable
table and built from conditional shocks; :meth:`StressTab.custom_scenarios` /
:meth:`StressTab.set_custom_scenarios` expose them for saving with a project.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.kit import formatting as fmt
from app.kit import theme
from app.kit.context import StudioContext
from app.kit.deferred import DeferredWork
from app.kit.feature import FeatureTab
from app.kit.views import SlotChart, figure_slot, group_box, read_only_table, warning_banner
from app.kit.workers import Job, JobRunner
from app.stress.editor import ConditionalPanel, CustomScenariosPanel
from app.stress.jobs import STRESS_JOB, StressAnswer, stress_job
from app.stress.results_model import StressResultsModel
from app.stress.scenarios_model import CustomScenariosModel
from core.outlook.reverse_stress import describe as describe_reverse
from core.pipeline import AnalysisResult
from core.policy.profile import IPSProfile
from core.stress.conditional import covariance_frame
from core.stress.engine import StressResult
from core.stress.scenarios import Scenario

if TYPE_CHECKING:
    from core.project import Project

SCENARIO_COLUMN_WIDTH = 210
ROW_HEIGHTS = (470, 470, 360)


def _row(height: int, widths: list[int], *widgets: QWidget) -> QSplitter:
    splitter = QSplitter(Qt.Orientation.Horizontal)
    for widget in widgets:
        splitter.addWidget(widget)
    splitter.setSizes(widths)
    splitter.setMinimumHeight(height)
    return splitter


def _charts() -> Any:
    """:mod:`app.stress.charts`, imported when the first chart is drawn (it loads pyqtgraph)."""
    from app.stress import charts as stress_charts

    return stress_charts


class StressTab(FeatureTab):
    """Scenario results, charts, custom-scenario editor and conditional builder."""

    SHOWS_RESULTS = True

    stress_ready = Signal(object)
    custom_scenarios_changed = Signal(object)

    def __init__(self, context: StudioContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._result: AnalysisResult | None = None
        self._stress: StressResult | None = None
        self.runner = JobRunner(self)
        self.deferred = DeferredWork(self)  # charts and column fitting wait until the tab is shown
        tickers = tuple(context.universe.tickers)

        self.summary_label = QLabel("Stress tests: waiting for the analysis…")
        self.summary_label.setObjectName("stress_summary_label")
        self.summary_label.setWordWrap(True)
        self.summary_label.setStyleSheet("font-size: 12pt; font-weight: bold; padding: 4px;")
        self.warning_label = warning_banner("stress_warning_label")
        self.reverse_label = QLabel("")
        self.reverse_label.setObjectName("stress_reverse_label")
        self.reverse_label.setWordWrap(True)

        self.results_model = StressResultsModel(self)
        self.results_table = read_only_table(
            "stress_results_table",
            self.results_model,
            row_height=22,
            selection=QAbstractItemView.SelectionMode.SingleSelection,
        )
        self.results_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results_table.verticalHeader().hide()
        # The scenario names take the spare width (they were cut while Breach, a "yes"/"no"
        # column, stretched); the figures keep their fitted widths.
        self.results_table.horizontalHeader().setStretchLastSection(False)
        self.stress_slot = figure_slot("stress_chart")  # charts are made when first drawn
        self.contribution_slot = figure_slot("stress_contribution_chart", panels=2)

        self.custom_model = CustomScenariosModel(tickers, context.undo_stack, self)
        self.custom_panel = CustomScenariosPanel(self.custom_model, runner=self.runner)
        self.conditional_panel = ConditionalPanel(tickers)

        self._results_box = group_box(
            "Scenario results (select a row for its contributions)",
            self.reverse_label,
            self.results_table,
        )
        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        page_layout.addWidget(
            _row(
                ROW_HEIGHTS[0],
                [790, 590],
                self._results_box,
                group_box("Portfolio vs benchmark by scenario", self.stress_slot),
            )
        )
        page_layout.addWidget(
            _row(
                ROW_HEIGHTS[1],
                [1380],
                group_box("Contribution to the selected scenario", self.contribution_slot),
            )
        )
        page_layout.addWidget(
            _row(ROW_HEIGHTS[2], [760, 620], self.custom_panel, self.conditional_panel)
        )
        self.scroll = QScrollArea()
        self.scroll.setObjectName("stress_scroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.scroll, 1)

        self.results_table.selectionModel().currentRowChanged.connect(
            self._on_results_table_row_changed
        )
        self.custom_model.scenarios_changed.connect(self._on_custom_model_scenarios_changed)
        self.custom_model.edit_rejected.connect(self.status_message)
        self.custom_panel.status_message.connect(self.status_message)
        self.conditional_panel.status_message.connect(self.status_message)
        self.conditional_panel.scenario_requested.connect(
            self._on_conditional_panel_scenario_requested
        )

    # -- charts (made on first use) ----------------------------------------------------------
    stress_chart = SlotChart("stress_slot")
    contribution_chart = SlotChart("contribution_slot")

    # -- state -----------------------------------------------------------------------------
    @property
    def stress(self) -> StressResult | None:
        """The stress result on screen."""
        return self._stress

    def busy(self) -> bool:
        return self.runner.is_running(STRESS_JOB)

    def full_page(self) -> QWidget:
        return self.scroll.widget()

    def project_fields(self) -> dict[str, Any]:
        return {"custom_scenarios": self.custom_scenarios()}

    def restore_project(self, project: Project) -> None:
        self.set_custom_scenarios(project.custom_scenarios)

    def custom_scenarios(self) -> tuple[Scenario, ...]:
        """The user's scenarios, for saving with a project."""
        return self.custom_model.scenarios()

    def set_custom_scenarios(self, scenarios: Iterable[Scenario]) -> None:
        """Restore saved scenarios (no undo entry); raises ScenarioError if core refuses them."""
        self.custom_model.set_scenarios(scenarios)

    # -- tab protocol ----------------------------------------------------------------------
    def show_result(self, result: AnalysisResult) -> None:
        self._result = result
        self.warning_label.hide()
        # Both wait until the tab is on screen: a hidden tab's stress run would cost CPU (and the
        # GUI thread its share of the interpreter lock) for nothing after every Optimize.
        self.deferred.add(
            "covariance",
            lambda: self.conditional_panel.set_covariance(
                covariance_frame(result.inputs.covariance, result.inputs.tickers)
            ),
        )
        self.deferred.add("stress", self._run)

    def set_profile(self, profile: IPSProfile) -> None:
        if self._result is None or profile == self._result.profile:
            self.warning_label.hide()
            return
        self._warn(
            f"The IPS changed since these stress results were computed (shown: "
            f"{self._result.profile.name}). Press Optimize (Ctrl+R) to recompute."
        )

    # -- jobs ------------------------------------------------------------------------------
    def _run(self) -> None:
        if self._result is None:
            return
        job = self.runner.start(
            Job(STRESS_JOB, stress_job, self._result, self.custom_model.scenarios())
        )
        job.signals.result.connect(self._on_stress_job_result)
        job.signals.error.connect(self._on_stress_job_error)

    @Slot(object)
    def _on_stress_job_result(self, answer: StressAnswer) -> None:
        if answer.result is not self._result or answer.custom != self.custom_model.scenarios():
            return
        stress = answer.stress
        self._stress = stress
        # By name (unique across bundled and custom): a scenario-by-scenario comparison was
        # quadratic, 13 s on the GUI thread for a project of 10,000 custom scenarios.
        custom_names = {s.name for s in answer.custom}
        self.custom_model.set_reserved_names(
            o.name for o in stress.outcomes if o.name not in custom_names
        )
        selected = self._selected_name()
        self.results_model.set_stress(stress, answer.reverse)
        self.reverse_label.setText(
            describe_reverse(answer.reverse) if answer.reverse is not None else ""
        )
        self.deferred.add("fit_results", self._fit_results_columns)
        names = list(stress.scenario_names)
        frame_row = names.index(selected) if selected in names else 0
        # The table may be sorted: select the row on screen that shows that scenario (the
        # current-row signal draws its contributions).
        rows_shown = [self.results_model.frame_row(r) for r in range(self.results_model.rowCount())]
        self.results_table.selectRow(rows_shown.index(frame_row))
        portfolio = f"IPS Recommended: {answer.result.recommended_name}"
        self.deferred.add(
            "stress_chart",
            lambda: _charts().draw_stress_results(
                self.stress_chart,
                stress,
                portfolio_label=portfolio,
                benchmark_label=answer.result.profile.benchmark_label,
                value_labels=False,
                label_limit=30,
            ),
        )
        worst = stress.worst
        breaches = len(stress.breaches)
        self.summary_label.setText(
            f"Worst scenario: {worst.name} ({worst.portfolio_return:+.1%}, "
            f"{fmt.format_value(worst.portfolio_pnl, fmt.CURRENCY)}); "
            f"{breaches} of {len(names)} scenarios breach the {stress.drawdown_tolerance:.0%} drawdown tolerance."
        )
        self.summary_label.setStyleSheet(
            "font-size: 12pt; font-weight: bold; padding: 4px; "
            + f"color: {theme.text_colour('alert' if breaches else 'ok')};"
        )
        if self.warning_label.text().startswith("Stress results not updated"):
            self.warning_label.hide()
        self.stress_ready.emit(stress)

    @Slot(str)
    def _on_stress_job_error(self, message: str) -> None:
        self._warn(f"Stress results not updated: {message}")
        self.status_message.emit(f"Stress results not updated: {message}")

    # -- user input ------------------------------------------------------------------------
    @Slot(QModelIndex, QModelIndex)
    def _on_results_table_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._show_contributions(self.results_model.frame_row(current.row()))

    @Slot(object)
    def _on_custom_model_scenarios_changed(self, scenarios: tuple[Scenario, ...]) -> None:
        self.custom_scenarios_changed.emit(scenarios)
        self._run()

    @Slot(object)
    def _on_conditional_panel_scenario_requested(self, scenario: Scenario) -> None:
        if self.custom_model.add_scenario(scenario):
            self.status_message.emit(f"Added the conditional scenario {scenario.name!r}.")

    # -- display ---------------------------------------------------------------------------
    def _selected_name(self) -> str | None:
        current = self.results_table.currentIndex()
        return self.results_model.scenario_at(current.row()) if current.isValid() else None

    def _fit_results_columns(self) -> None:
        self.results_table.resizeColumnsToContents()
        header = self.results_table.horizontalHeader()
        others = header.length() - header.sectionSize(0)
        room = self.results_table.viewport().width() - others
        # The names get the room the figures leave (at least SCENARIO_COLUMN_WIDTH or their
        # length); a longer name is elided, whole in its tooltip.
        header.resizeSection(0, max(room, min(header.sectionSize(0), SCENARIO_COLUMN_WIDTH)))

    def _show_contributions(self, row: int) -> None:
        if (
            self._stress is None
            or not 0 <= row < len(self._stress.outcomes)
            or self._result is None
        ):
            return
        outcome, result = self._stress.outcomes[row], self._result
        self.deferred.add(
            "contributions",
            lambda: _charts().draw_contributions(
                self.contribution_chart,
                outcome,
                portfolio_label=f"IPS Recommended: {result.recommended_name}",
                benchmark_label=result.profile.benchmark_label,
            ),
        )

    def _warn(self, text: str) -> None:
        self.warning_label.setText(text)
        self.warning_label.show()
