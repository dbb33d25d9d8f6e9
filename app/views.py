"""Small view widgets shared by the tabs."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QHeaderView, QTableView, QWidget


class FittedTableView(QTableView):
    """A table whose columns fit their contents and share any spare width evenly.

    Unlike ``QHeaderView.Stretch`` no column gets narrower than its contents (no elided
    headers); unlike ``ResizeToContents`` no empty band is left on the right.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

    def setModel(self, model: QAbstractItemModel | None) -> None:  # noqa: N802 - Qt override
        super().setModel(model)
        if model is not None:
            model.modelReset.connect(self.fit_columns)

    def fit_columns(self) -> None:
        """Size columns to contents, then spread the remaining viewport width over them.

        A hidden table (one on a tab not shown) only notes that it needs fitting and fits when it
        is shown: measuring every cell costs a model call per cell and role, on the GUI thread.
        """
        model = self.model()
        if model is None or model.columnCount() == 0:
            return
        if not self.isVisible():
            self._fit_pending = True
            return
        self._fit_pending = False
        self.resizeColumnsToContents()
        header = self.horizontalHeader()
        columns = model.columnCount()
        spare = self.viewport().width() - header.length()
        if spare > columns:
            extra, rest = divmod(spare - 1, columns)
            for column in range(columns):
                header.resizeSection(column, header.sectionSize(column) + extra + (column < rest))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if getattr(self, "_fit_pending", False):
            self.fit_columns()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.fit_columns()
