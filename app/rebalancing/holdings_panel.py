"""The Rebalancing tab's holdings panel: the ``holdings_table`` with Add / Remove / Import… /
Demo account buttons, Ctrl+V (paste a block from Excel as one undoable step) and Ctrl+C (copy
the selection as TSV). The model validates through core; the file dialog lives only in the
Import handler.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.kit.delegates import TextCellDelegate
from app.kit.views import button_row, hint_label, push_button, refusal_bar
from app.kit.workers import Job, JobRunner
from app.rebalancing.holdings_model import PRICE, SHARES, TICKER, VALUE, HoldingsModel
from core.errors import DataError
from core.jobs import CancelToken, ProgressCallback
from core.rebalance import Holdings, demo_holdings, load_holdings_file
from core.universe import Universe

FILE_FILTER = "Holdings (*.csv *.xlsx *.tsv *.txt);;All files (*)"
HINT = (
    "Double-click a cell to edit (the CASH row's Shares cell is the cash balance). Paste a block "
    "from Excel with Ctrl+V (ticker, shares[, price]; a first row 'Ticker, Shares, …' replaces the "
    "table); copy with Ctrl+C. Undo: Ctrl+Z."
)


def start_account(universe: Universe) -> Holdings:
    """The demo account, without the ETFs an edited universe no longer has."""
    try:
        return demo_holdings(universe)
    except DataError:
        demo, kept = demo_holdings(), set(universe.tickers)
        return Holdings(
            {t: s for t, s in demo.positions.items() if t in kept},
            {t: p for t, p in demo.prices.items() if t in kept},
            demo.cash,
            {t: b for t, b in demo.cost_basis.items() if t in kept},
        )


IMPORT_JOB = "import_holdings"


def read_holdings_job(
    path: str,
    universe: Universe,
    prices: Any,
    *,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> Holdings:
    """Worker body (no Qt): a holdings file read and checked (a workbook loads openpyxl)."""
    progress(0.0, f"Reading {Path(path).name}")
    holdings = load_holdings_file(path, universe, prices=prices)
    cancel.raise_if_cancelled()
    return holdings


class HoldingsPanel(QGroupBox):
    """Holdings table and its buttons (module docstring)."""

    status_message = Signal(str)

    def __init__(
        self,
        model: HoldingsModel,
        parent: QWidget | None = None,
        *,
        runner: JobRunner | None = None,
    ) -> None:
        super().__init__("Holdings (the account as of today)", parent)
        self.model = model
        self.runner = runner if runner is not None else JobRunner(self)
        model.use_job_runner(self.runner)  # large pastes are read on the tab's runner
        self.table = QTableView()
        self.table.setObjectName("holdings_table")
        self.table.setModel(model)
        # Cells edited as text: the model reads '1,234' or '$99.50' by core's rules.
        self._delegate = TextCellDelegate(self.table, left=lambda index: index.column() == TICKER)
        self.table.setItemDelegate(self._delegate)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.verticalHeader().setDefaultSectionSize(21)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in ((TICKER, 54), (SHARES, 74), (PRICE, 70), (VALUE, 94)):
            self.table.setColumnWidth(column, width)
        self.paste_action = self._shortcut(
            "Paste", QKeySequence.StandardKey.Paste, self._on_paste_action_triggered
        )
        self.copy_action = self._shortcut(
            "Copy", QKeySequence.StandardKey.Copy, self._on_copy_action_triggered
        )

        self.add_button = push_button(
            "add_holding_button", "Add row", "Add the next ETF of the universe with 0 shares"
        )
        self.remove_button = push_button(
            "remove_holding_button", "Remove", "Remove the selected position rows"
        )
        self.import_button = push_button(
            "import_holdings_button",
            "Import…",
            "Replace the holdings with a CSV or XLSX file "
            "(ticker, shares, optional price, cost_basis; undoable)",
        )
        self.demo_button = push_button(
            "demo_holdings_button",
            "Demo account",
            "Replace the holdings with the bundled demo account (undoable)",
        )
        buttons = button_row(
            self.add_button, self.remove_button, self.import_button, self.demo_button
        )
        hint = hint_label(HINT)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(buttons)
        self.refusal_label = refusal_bar(self.model, "holdings_refusal")
        layout.addWidget(self.refusal_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint)

        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.demo_button.clicked.connect(self._on_demo_button_clicked)

    def _shortcut(
        self, text: str, key: QKeySequence.StandardKey, slot: Callable[[], None]
    ) -> QAction:
        action = QAction(text, self.table)
        action.setShortcut(key)
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(slot)
        self.table.addAction(action)
        return action

    def import_file(self, path: str | Path) -> Job:
        """Read ``path`` (CSV or XLSX) in a worker; then replace the holdings with its own as
        one undoable step, or say why it was refused (the table is not changed)."""
        self.status_message.emit(f"Reading {Path(path).name}…")
        job = self.runner.start(
            Job(
                IMPORT_JOB,
                read_holdings_job,
                str(path),
                self.model.universe,
                self.model.data_prices,
            )
        )
        job.connect(
            result=lambda holdings: self._on_imported(holdings, str(path)),
            error=lambda message: self.status_message.emit(
                f"Import refused, the table was not changed: {message}"
            ),
        )
        return job

    def _on_imported(self, read: Holdings, path: str) -> None:
        try:
            holdings = self.model.priced(read)
        except DataError as exc:
            self.status_message.emit(f"Import refused, the table was not changed: {exc}")
            return
        self.model.replace_holdings(holdings, f"Import holdings from {Path(path).name}")
        self.status_message.emit(
            f"Imported {len(holdings.positions)} positions from {Path(path).name}."
        )
        return True

    # -- slots -----------------------------------------------------------------------------
    @Slot()
    def _on_paste_action_triggered(self) -> None:
        current = self.table.currentIndex()
        row, column = (
            (current.row(), current.column())
            if current.isValid()
            else (self.model.rowCount(), TICKER)
        )
        if self.model.paste(QGuiApplication.clipboard().text(), row, column):
            self.status_message.emit("Pasted; Ctrl+Z undoes the whole paste.")

    @Slot()
    def _on_copy_action_triggered(self) -> None:
        text = self.model.copy_text(
            self.table.selectionModel().selectedIndexes() or [self.table.currentIndex()]
        )
        if text:
            QGuiApplication.clipboard().setText(text)

    @Slot()
    def _on_add_button_clicked(self) -> None:
        if self.model.add_row():
            self.table.setCurrentIndex(self.model.index(self.model.rowCount() - 2, SHARES))

    @Slot()
    def _on_remove_button_clicked(self) -> None:
        rows = {index.row() for index in self.table.selectionModel().selectedIndexes()}
        if not rows and self.table.currentIndex().isValid():
            rows = {self.table.currentIndex().row()}
        self.model.remove_rows(rows)

    @Slot()
    def _on_import_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import holdings", "", FILE_FILTER)
        if path:
            self.import_file(path)

    @Slot()
    def _on_demo_button_clicked(self) -> None:
        try:
            holdings = self.model.priced(start_account(self.model.universe))
        except DataError as exc:
            self.status_message.emit(f"Demo account not loaded: {exc}")
            return
        self.model.replace_holdings(holdings, "Load the demo account")
