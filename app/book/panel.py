"""The book's exceptions in a window of their own: a filter box, the sortable read-only table
(accounts worst first), the counts, and *Open account* (or a double-click)."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.kit import formatting as fmt
from app.kit.dataframe_model import ColumnSpec, DataFrameModel
from app.kit.views import (
    FittedTableView,
    button_row,
    push_button,
    read_only_table,
    resize_within_screen,
)

SPECS = [
    ColumnSpec("account_id", "Account"),
    ColumnSpec("account_name", "Name"),
    ColumnSpec("household", "Household"),
    ColumnSpec("profile", "Profile"),
    ColumnSpec("kind", "Exception"),
    ColumnSpec("rule", "Rule"),
    ColumnSpec("limit", "Limit"),
    ColumnSpec("value", "Value", fmt.PERCENT, decimals=2),
    ColumnSpec(
        "margin",
        "Margin",
        fmt.PERCENT,
        decimals=2,
        tooltip="negative: outside the limit by that much (decimal weight)",
    ),
]
FILTERED = ("account_id", "account_name", "household", "profile", "rule", "kind")
"""Columns the filter box searches (words matched anywhere, case-insensitive)."""


class BookPanel(QDialog):
    """Exceptions of a book; ``account_requested`` carries the account id to open."""

    account_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("book_panel")
        self.setWindowTitle("Book exceptions")
        resize_within_screen(self, 1400, 650)
        self._frame = pd.DataFrame(columns=[s.key for s in SPECS])
        self._haystack = pd.Series(dtype=str)
        self.summary = QLabel()
        self.summary.setObjectName("book_summary")
        self.summary.setWordWrap(True)  # a long summary must not widen the window past the screen
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("book_filter")
        self.filter_edit.setPlaceholderText("Filter: account, name, household, profile or rule")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)
        self.model = DataFrameModel(parent=self)
        self.table = read_only_table("book_exceptions", self.model, FittedTableView())
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.verticalHeader().hide()  # row numbers of a filtered, sorted list mean nothing
        self.open_button = push_button(
            "book_open_account",
            "Open account",
            "Load the selected account into the Rebalancing tab with its profile",
        )
        self.open_button.clicked.connect(self._on_open_button_clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.table, 1)
        layout.addLayout(button_row(self.open_button))

    def show_exceptions(self, exceptions: pd.DataFrame, summary: str) -> None:
        self._frame = exceptions.reset_index(drop=True)
        # The searchable text of every row, built once: a filter keystroke over a 10,000-account
        # book's 43,000 rows then takes milliseconds (joining the columns per keystroke took 1 s).
        text = self._frame[list(FILTERED)].fillna("").astype(str)
        joined = text.iloc[:, 0].str.cat([text[c] for c in FILTERED[1:]], sep=" ")
        self._haystack = joined.str.lower()
        self.summary.setText(summary)
        self._apply_filter(self.filter_edit.text())

    def visible_accounts(self) -> list[str]:
        model = self.model
        return [
            str(model.data(model.index(r, 0), Qt.ItemDataRole.DisplayRole))
            for r in range(model.rowCount())
        ]

    def _apply_filter(self, text: str) -> None:
        frame = self._frame
        words = text.strip().lower()
        if words:
            frame = frame[self._haystack.str.contains(words, regex=False).to_numpy()]
        self.model.set_frame(frame.reset_index(drop=True), SPECS)

    def _selected_account(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return str(self.model.data(self.model.index(index.row(), 0), Qt.ItemDataRole.DisplayRole))

    def _on_filter_edit_text_changed(self, text: str) -> None:
        self._apply_filter(text)

    def _on_table_double_clicked(self, _index: object) -> None:
        self._on_open_button_clicked()

    def _on_open_button_clicked(self) -> None:
        account = self._selected_account()
        if account:
            self.account_requested.emit(account)
