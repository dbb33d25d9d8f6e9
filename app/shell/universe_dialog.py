"""Data > Edit universe…: add or remove an ETF with its asset class, validated by the core.

Every change builds a new :class:`core.universe.Universe` (which refuses duplicates, unknown
asset classes and a missing cash ticker) and is checked against the project: a ticker that the
IPS profile names (benchmark, caps, minimums, groups, anchor), that the account holds or that a
custom stress scenario shocks cannot be removed, and the message says which and what to change
first. Nothing is applied until OK; the window then rebuilds its tabs for the new universe
(:meth:`app.shell.project_controller.ProjectController.apply_universe`).
"""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.kit.dataframe_model import ColumnSpec, DataFrameModel
from core.errors import PolicyError
from core.project import Project
from core.universe import Asset, Universe

SPECS = (ColumnSpec("asset_class", "Asset class"), ColumnSpec("name", "Name"))


def removal_problem(project: Project, universe: Universe, ticker: str) -> str | None:
    """Why ``ticker`` cannot leave ``universe`` for ``project`` (None when it can)."""
    remaining = tuple(a for a in universe.assets if a.ticker != ticker)
    try:
        candidate = Universe(remaining, universe.asset_classes, universe.cash_ticker, universe.name)
        project.profile.check_universe(candidate)
    except PolicyError as exc:
        return f"{ticker} cannot be removed while the IPS profile uses it. {exc}"
    if project.holdings is not None and project.holdings.positions.get(ticker, 0.0):
        return f"{ticker} cannot be removed: the account holds it. Sell it in the Rebalancing tab first."
    for scenario in project.custom_scenarios:
        if scenario.shocks.get(ticker, 0.0):
            return (
                f"{ticker} cannot be removed: custom stress scenario '{scenario.name}' shocks it by "
                f"{scenario.shocks[ticker]:.1%}. Set that shock to 0 or delete the scenario first."
            )
    return None


class UniverseDialog(QDialog):
    """The universe editor (module docstring). Drive it with :meth:`add_ticker` / :meth:`remove_ticker`."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("universe_dialog")
        self.setWindowTitle("Edit universe")
        self._project = project
        self._original = project.universe
        self._universe = project.universe

        self.model = DataFrameModel(parent=self)
        self.table = QTableView()
        self.table.setObjectName("universe_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.ticker_edit = QLineEdit()
        self.ticker_edit.setObjectName("universe_ticker_edit")
        self.ticker_edit.setPlaceholderText("Ticker, e.g. VTI")
        self.ticker_edit.setMaxLength(12)
        self.class_combo = QComboBox()
        self.class_combo.setObjectName("universe_class_combo")
        self.class_combo.addItems(list(project.universe.asset_classes))
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("universe_name_edit")
        self.name_edit.setPlaceholderText("Name (optional)")
        self.add_button = QPushButton("Add")
        self.add_button.setObjectName("universe_add_button")
        self.add_button.setToolTip("Add the ETF with its asset class")
        self.remove_button = QPushButton("Remove selected")
        self.remove_button.setObjectName("universe_remove_button")
        self.remove_button.setToolTip(
            "Remove the selected ETF (refused while the IPS, the account or a "
            "custom scenario uses it)"
        )
        self.message_label = QLabel(
            "Add or remove an ETF. Market or imported data must then cover the "
            "new ticker; synthetic data models it from its asset class."
        )
        self.message_label.setObjectName("universe_message")
        self.message_label.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        add_row = QHBoxLayout()
        for widget in (self.ticker_edit, self.class_combo, self.name_edit, self.add_button):
            add_row.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(add_row)
        layout.addWidget(self.remove_button)
        layout.addWidget(self.message_label)
        layout.addWidget(buttons)
        self.resize(560, 520)
        self._show()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.ticker_edit.returnPressed.connect(self._on_add_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)

    def universe(self) -> Universe:
        return self._universe

    def changed(self) -> bool:
        return self._universe != self._original

    def message(self) -> str:
        return self.message_label.text()

    def _show(self) -> None:
        frame = pd.DataFrame(
            {
                "asset_class": [a.asset_class for a in self._universe.assets],
                "name": [a.name for a in self._universe.assets],
            },
            index=list(self._universe.tickers),
        )
        self.model.set_frame(frame, SPECS)

    def _say(self, text: str) -> None:
        self.message_label.setText(text)

    def add_ticker(self, ticker: str, asset_class: str, name: str = "") -> bool:
        """Add an ETF; False (and a message) when the core refuses the new universe."""
        ticker = ticker.strip().upper()
        if not ticker or any(ch.isspace() for ch in ticker):
            self._say("Type a ticker without spaces, e.g. VTI.")
            return False
        asset = Asset(ticker, asset_class, name.strip() or ticker)
        try:
            universe = Universe(
                self._universe.assets + (asset,),
                self._universe.asset_classes,
                self._universe.cash_ticker,
                self._universe.name,
            )
        except PolicyError as exc:
            self._say(f"{ticker} not added: {exc}")
            return False
        self._universe = universe
        self._show()
        self._say(f"{ticker} added as {asset_class}. Custom scenarios get a 0% shock for it.")
        return True

    def remove_ticker(self, ticker: str) -> bool:
        """Remove an ETF; False (and the reason) when the project still uses it."""
        if ticker not in self._universe.tickers:
            self._say(f"{ticker} is not in the universe.")
            return False
        problem = removal_problem(self._project, self._universe, ticker)
        if problem is not None:
            self._say(problem)
            return False
        self._universe = Universe(
            tuple(a for a in self._universe.assets if a.ticker != ticker),
            self._universe.asset_classes,
            self._universe.cash_ticker,
            self._universe.name,
        )
        self._show()
        self._say(f"{ticker} removed.")
        return True

    @Slot()
    def _on_add_button_clicked(self) -> None:
        if self.add_ticker(
            self.ticker_edit.text(), self.class_combo.currentText(), self.name_edit.text()
        ):
            self.ticker_edit.clear()
            self.name_edit.clear()

    @Slot()
    def _on_remove_button_clicked(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self._say("Select the ETF to remove first.")
            return
        self.remove_ticker(self._universe.tickers[rows[0].row()])
