"""The committee's inputs on the Allocation tab: views or capital market assumptions, and the
expected returns they produce beside them.

Shown when the expected-return estimator is Black-Litterman (the views table, then per ETF the
equilibrium prior, the posterior and the difference) or capital market assumptions (the
assumptions table with an Import CSV… button, then per ETF the return used and its source).
An accepted edit emits ``views_changed`` / ``assumptions_changed``; the tab turns it into a
settings request (the window re-optimizes). The numbers come from the analysis result's
:class:`~core.optimize.estimation.MarketInputs`: the panel computes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.allocation.committee_models import (
    CMA_RETURN,
    CONFIDENCE,
    KIND,
    LONG,
    RETURN,
    SHORT,
    SOURCE,
    AssumptionsModel,
    ViewsModel,
)
from app.kit import formatting as fmt
from app.kit.dataframe_model import ColumnSpec, DataFrameModel
from app.kit.delegates import PercentDelegate, TextCellDelegate
from app.kit.views import button_row, hint_label, push_button, read_only_table, refusal_bar
from core.errors import IPSStudioError
from core.optimize.black_litterman import View
from core.optimize.estimation import MarketInputs, ReturnEstimator
from core.optimize.market_assumptions import MarketAssumption, load_assumptions_csv
from core.universe import Universe

VIEWS_HINT = (
    "Double-click to edit. Type: absolute or relative. Long / Short: tickers or asset classes, "
    "comma-separated (equal weights). Returns are annual totals in percent; confidence is "
    "Idzorek's (100% = the posterior meets the view, 0% = ignored). Undo: Ctrl+Z."
)
CMA_HINT = (
    "One row per ETF or asset class (an ETF's own row wins over its class's). Returns are annual "
    "totals in percent, each with its source. Import CSV: columns asset, expected_return, source."
)
CSV_FILTER = "CSV files (*.csv);;All files (*)"


def _editable_table(
    name: str, model: ViewsModel | AssumptionsModel, percent: Sequence[int], stretch: int
) -> tuple[QTableView, tuple[TextCellDelegate, ...]]:
    """The table and its delegates (the caller keeps them: a view does not own its delegates)."""
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    text = TextCellDelegate(table, left=lambda index: True)
    table.setItemDelegate(text)
    percent_delegate = PercentDelegate(table)
    for column in percent:
        table.setItemDelegateForColumn(column, percent_delegate)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
    table.setEditTriggers(
        QAbstractItemView.EditTrigger.DoubleClicked
        | QAbstractItemView.EditTrigger.EditKeyPressed
        | QAbstractItemView.EditTrigger.AnyKeyPressed
    )
    table.verticalHeader().setDefaultSectionSize(22)
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table, (text, percent_delegate)


def _selected_rows(table: QTableView) -> set[int]:
    rows = {index.row() for index in table.selectionModel().selectedIndexes()}
    if not rows and table.currentIndex().isValid():
        rows = {table.currentIndex().row()}
    return rows


class CommitteeInputsPanel(QWidget):
    """Views or assumptions (editable) beside the expected returns they give (module docstring)."""

    views_changed = Signal(object)
    assumptions_changed = Signal(object)
    status_message = Signal(str)

    def __init__(
        self, universe: Universe, undo_stack: QUndoStack | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("committee_inputs_panel")
        groups = {c: universe.class_members(c) for c in universe.asset_classes}
        self._restoring = False

        self.views_model = ViewsModel(universe.tickers, groups, undo_stack, self)
        self.views_table, views_delegates = _editable_table(
            "views_table", self.views_model, (RETURN, CONFIDENCE), LONG
        )
        for column, width in ((KIND, 72), (SHORT, 120), (RETURN, 110), (CONFIDENCE, 90)):
            self.views_table.setColumnWidth(column, width)
        self.add_view_button = push_button("add_view_button", "Add view", "Add a view (undoable)")
        self.delete_view_button = push_button(
            "delete_view_button", "Delete", "Delete the selected views"
        )
        self.views_box = QGroupBox("Committee views (Black-Litterman)")
        views_layout = QVBoxLayout(self.views_box)
        views_layout.addLayout(button_row(self.add_view_button, self.delete_view_button))
        views_layout.addWidget(refusal_bar(self.views_model, "views_refusal"))
        views_layout.addWidget(self.views_table, 1)
        views_layout.addWidget(hint_label(VIEWS_HINT))

        self.assumptions_model = AssumptionsModel(universe.tickers, groups, undo_stack, self)
        self.assumptions_table, cma_delegates = _editable_table(
            "assumptions_table", self.assumptions_model, (CMA_RETURN,), SOURCE
        )
        self._delegates = views_delegates + cma_delegates
        self.assumptions_table.setColumnWidth(0, 110)
        self.assumptions_table.setColumnWidth(1, 110)
        self.add_assumption_button = push_button(
            "add_assumption_button", "Add", "Add an assumption for an asset class or ETF"
        )
        self.delete_assumption_button = push_button(
            "delete_assumption_button", "Delete", "Delete the selected assumptions"
        )
        self.import_assumptions_button = push_button(
            "import_assumptions_button",
            "Import CSV…",
            "Replace the assumptions with a CSV file's (asset, expected_return, source; undoable)",
        )
        self.assumptions_box = QGroupBox("Capital market assumptions")
        cma_layout = QVBoxLayout(self.assumptions_box)
        cma_layout.addLayout(
            button_row(
                self.add_assumption_button,
                self.delete_assumption_button,
                self.import_assumptions_button,
            )
        )
        cma_layout.addWidget(refusal_bar(self.assumptions_model, "assumptions_refusal"))
        cma_layout.addWidget(self.assumptions_table, 1)
        cma_layout.addWidget(hint_label(CMA_HINT))

        self.returns_model = DataFrameModel(parent=self)
        self.returns_table = read_only_table("returns_in_use_table", self.returns_model)
        self.returns_note = QLabel()
        self.returns_note.setObjectName("returns_in_use_note")
        self.returns_note.setWordWrap(True)
        self.returns_box = QGroupBox("Expected returns in use (annual, total)")
        returns_layout = QVBoxLayout(self.returns_box)
        returns_layout.addWidget(self.returns_table, 1)
        returns_layout.addWidget(self.returns_note)

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.views_box, 3)
        row.addWidget(self.assumptions_box, 3)
        row.addWidget(self.returns_box, 2)
        self.setMinimumHeight(250)

        self.views_model.state_changed.connect(self._on_views_model_state_changed)
        self.assumptions_model.state_changed.connect(self._on_assumptions_model_state_changed)
        self.views_model.edit_rejected.connect(self.status_message)
        self.assumptions_model.edit_rejected.connect(self.status_message)
        self.add_view_button.clicked.connect(self._on_add_view_button_clicked)
        self.delete_view_button.clicked.connect(self._on_delete_view_button_clicked)
        self.add_assumption_button.clicked.connect(self._on_add_assumption_button_clicked)
        self.delete_assumption_button.clicked.connect(self._on_delete_assumption_button_clicked)
        self.import_assumptions_button.clicked.connect(self._on_import_assumptions_button_clicked)
        self.show_estimator(ReturnEstimator.BAYES_STEIN)

    # -- what the window set ---------------------------------------------------------------------
    def show_estimator(self, estimator: ReturnEstimator) -> None:
        """Show the views (Black-Litterman) or the assumptions; hide the panel otherwise."""
        views = estimator is ReturnEstimator.BLACK_LITTERMAN
        assumptions = estimator is ReturnEstimator.CAPITAL_MARKET_ASSUMPTIONS
        self.views_box.setVisible(views)
        self.assumptions_box.setVisible(assumptions)
        self.setVisible(views or assumptions)

    def set_inputs(
        self, views: tuple[View, ...], assumptions: tuple[MarketAssumption, ...]
    ) -> None:
        """Show a project's views and assumptions (no undo step, no change request)."""
        self._restoring = True
        try:
            if views != self.views_model.views():
                self.views_model.set_state(tuple(views))
            if assumptions != self.assumptions_model.assumptions():
                self.assumptions_model.set_state(tuple(assumptions))
        finally:
            self._restoring = False

    def show_inputs(self, inputs: MarketInputs) -> None:
        """The expected returns of the analysis on screen, per ETF, with where they come from."""
        bl = inputs.black_litterman
        if bl is not None:
            frame = pd.DataFrame(
                {"prior": bl.prior, "posterior": bl.posterior, "difference": bl.difference},
                index=list(inputs.tickers),
            )
            specs = [
                ColumnSpec("prior", "Prior\n(equilibrium)", fmt.PERCENT, decimals=2),
                ColumnSpec("posterior", "Posterior", fmt.PERCENT, decimals=2),
                ColumnSpec("difference", "Difference", fmt.PERCENT, decimals=2),
            ]
            lines = [bl.describe() + "."]
            for i, view in enumerate(bl.views):
                lines.append(
                    f"View {bl.numbers[i]}: {view.describe()}: the prior implies "
                    f"{bl.prior_view_returns[i]:.2%}, the posterior {bl.posterior_view_returns[i]:.2%} "
                    f"(implied confidence {bl.implied_confidence[i]:.0%})."
                )
            if not bl.views:
                lines.append("No view with a confidence above 0%: the posterior is the prior.")
            note = "\n".join(lines)
        else:
            frame = pd.DataFrame({"expected": inputs.expected_returns}, index=list(inputs.tickers))
            specs = [ColumnSpec("expected", "Expected return", fmt.PERCENT, decimals=2)]
            if inputs.return_sources:
                frame["source"] = list(inputs.return_sources)
                specs.append(ColumnSpec("source", "Source"))
            note = f"Expected returns: {inputs.return_estimator.value}."
        self.returns_model.set_frame(frame, specs)
        self.returns_table.resizeColumnsToContents()
        self.returns_note.setText(note)

    # -- user actions ---------------------------------------------------------------------------
    @Slot(object)
    def _on_views_model_state_changed(self, views: object) -> None:
        if not self._restoring:
            self.views_changed.emit(views)

    @Slot(object)
    def _on_assumptions_model_state_changed(self, assumptions: object) -> None:
        if not self._restoring:
            self.assumptions_changed.emit(assumptions)

    @Slot()
    def _on_add_view_button_clicked(self) -> None:
        if self.views_model.add_view():
            self.views_table.setCurrentIndex(
                self.views_model.index(self.views_model.rowCount() - 1, 1)
            )

    @Slot()
    def _on_delete_view_button_clicked(self) -> None:
        if not self.views_model.remove_rows_at(_selected_rows(self.views_table), "view"):
            self.status_message.emit("Select the views to delete first.")

    @Slot()
    def _on_add_assumption_button_clicked(self) -> None:
        self.assumptions_model.add_assumption()

    @Slot()
    def _on_delete_assumption_button_clicked(self) -> None:
        rows = _selected_rows(self.assumptions_table)
        if not self.assumptions_model.remove_rows_at(rows, "assumption"):
            self.status_message.emit("Select the assumptions to delete first.")

    @Slot()
    def _on_import_assumptions_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import capital market assumptions", "", CSV_FILTER
        )
        if path:
            self.import_assumptions(path)

    def import_assumptions(self, path: str | Path) -> bool:
        """Read ``path`` and replace the assumptions as one undo step; False with a message."""
        try:
            items = load_assumptions_csv(path)
        except IPSStudioError as exc:
            self.status_message.emit(f"Assumptions not imported: {exc}")
            return False
        if self.assumptions_model.import_assumptions(items, Path(path).name):
            self.status_message.emit(f"Imported {len(items)} assumptions from {path}.")
            return True
        return False
