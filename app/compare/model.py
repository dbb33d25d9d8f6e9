"""The comparison table model: a read-only adapter over a :class:`PolicyComparison`.

Rows: the portfolio of each column, whether it passes every policy rule, the policy it is
checked against, then every :class:`~core.branches.table.ComparisonRow`. The best value of a
row is bold on the "pass" colour, a failed rule on the "fail" colour, and the item of a row
whose columns differ on the "highlight" colour (:func:`app.kit.theme.cell_brushes`, readable in
light and dark palettes). :meth:`ComparisonModel.set_only_differences` hides rows whose columns
agree.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.kit import formatting as fmt
from app.kit.dataframe_model import LEFT, RIGHT, bold_font
from app.kit.theme import cell_brushes
from core.analytics.summary import MetricKind
from core.branches.table import ComparisonRow, PolicyComparison

FIXED = ("Section", "Item", "Better")
HEADER_ROWS = ("Portfolio", "Policy compliant", "Checked against the policy")
KINDS = {
    MetricKind.PERCENT: fmt.PERCENT,
    MetricKind.RATIO: fmt.RATIO,
    MetricKind.CURRENCY: fmt.CURRENCY,
    MetricKind.COUNT: fmt.COUNT,
}
Index = QModelIndex | QPersistentModelIndex


class ComparisonModel(QAbstractTableModel):
    """The table of the module docstring (empty until :meth:`set_comparison`)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._comparison: PolicyComparison | None = None
        self._rows: tuple[ComparisonRow, ...] = ()
        self._only_differences = False
        self._sort: tuple[int, Qt.SortOrder] = (-1, Qt.SortOrder.AscendingOrder)

    @property
    def comparison(self) -> PolicyComparison | None:
        return self._comparison

    def set_comparison(self, comparison: PolicyComparison | None) -> None:
        self.beginResetModel()
        self._comparison = comparison
        self._select_rows()
        self.endResetModel()

    def set_only_differences(self, only: bool) -> None:
        self.beginResetModel()
        self._only_differences = only
        self._select_rows()
        self.endResetModel()

    def _select_rows(self) -> None:
        rows = self._comparison.rows if self._comparison is not None else ()
        rows = tuple(r for r in rows if r.differs) if self._only_differences else rows
        column, order = self._sort
        if column >= 0:
            rows = tuple(sorted(rows, key=lambda r: self._sort_key(r, column)))
            if order == Qt.SortOrder.DescendingOrder:
                rows = rows[::-1]
        self._rows = rows

    @staticmethod
    def _sort_key(row: ComparisonRow, column: int) -> tuple[int, Any]:
        if column < len(FIXED):
            return (0, (row.section.value, row.item, row.better.value)[column])
        value = row.values[column - len(FIXED)]
        return (1, 0.0) if value != value else (0, value)  # missing values last

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the figure rows by a column (the header rows stay on top); -1: table order."""
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        self._select_rows()
        self.layoutChanged.emit()

    def comparison_row(self, row: int) -> ComparisonRow | None:
        """The comparison row shown at ``row`` (None for the header rows)."""
        k = row - len(HEADER_ROWS)
        return self._rows[k] if 0 <= k < len(self._rows) else None

    # -- Qt model ------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt
        if parent.isValid() or self._comparison is None:
            return 0
        return len(HEADER_ROWS) + len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt
        if parent.isValid() or self._comparison is None:
            return 0
        return len(FIXED) + len(self._comparison.columns)

    def headerData(  # noqa: N802 - Qt override
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or self._comparison is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if section < len(FIXED):
                return FIXED[section]
            return self._comparison.columns[section - len(FIXED)]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        comparison = self._comparison
        if not index.isValid() or comparison is None:
            return None
        r, c = index.row(), index.column()
        k = c - len(FIXED)
        if r < len(HEADER_ROWS):
            return self._header_cell(comparison, r, c, k, role)
        row = self._rows[r - len(HEADER_ROWS)]
        if c < len(FIXED):
            if role == Qt.ItemDataRole.DisplayRole:
                return (row.section.value, row.item, row.better.value)[c]
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(LEFT)
            if c == 1 and row.differs and role in _BRUSH_ROLES:
                return _brush("highlight", role)
            if role == Qt.ItemDataRole.ToolTipRole and c == 1:
                return "The portfolios differ on this row." if row.differs else "All equal."
            return None
        value = row.values[k]
        kind = KINDS[row.kind]
        passed = row.passed[k] if row.passed is not None else None
        best = k in row.best
        if role == Qt.ItemDataRole.DisplayRole:
            text = fmt.format_value(value, kind, decimals=2)
            return f"{text} ({'PASS' if passed else 'FAIL'})" if passed is not None else text
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = fmt.full_precision(value, kind)
            if best:
                tip += f"; best of the row ({row.better.value} is better)"
            return tip
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(RIGHT)
        if role == Qt.ItemDataRole.FontRole and best:
            return bold_font()
        if role in _BRUSH_ROLES:
            if passed is False:
                return _brush("fail", role)
            if best:
                return _brush("pass", role)
        return None

    def _header_cell(self, comparison: PolicyComparison, r: int, c: int, k: int, role: int) -> Any:
        if c < len(FIXED):
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADER_ROWS[r] if c == 1 else ""
            if role == Qt.ItemDataRole.FontRole:
                return bold_font()
            return None
        if r == 1:
            ok = comparison.compliant[k]
            if role == Qt.ItemDataRole.DisplayRole:
                return "PASS" if ok else "FAIL"
            if role in _BRUSH_ROLES:
                return _brush("pass" if ok else "fail", role)
        elif role == Qt.ItemDataRole.DisplayRole:
            return comparison.portfolios[k] if r == 0 else comparison.policies[k]
        if role == Qt.ItemDataRole.FontRole:
            return bold_font()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(RIGHT)
        return None


_BRUSH_ROLES = (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole)


def _brush(style: str, role: int) -> Any:
    foreground, background = cell_brushes(style)
    return foreground if role == Qt.ItemDataRole.ForegroundRole else background
