"""A generic read-mostly table model over a pandas DataFrame with per-column specs.

Rows are the frame's index (shown in the vertical header), columns follow the
:class:`ColumnSpec` list. Each spec says how its cells are formatted, whether they can be
edited and how typed input is coerced. ``row_kinds`` can override the format per row (a
metrics table mixes percentages and ratios down one column).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from app.kit import formatting as fmt

Index = QModelIndex | QPersistentModelIndex

_BOLD: list[QFont] = []


def bold_font() -> QFont:
    """One shared bold font, made on first use (a QFont wants the application to exist)."""
    if not _BOLD:
        font = QFont()
        font.setBold(True)
        _BOLD.append(font)
    return _BOLD[0]


RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter

PASS_BACKGROUND = QColor("#d4edda")
PASS_FOREGROUND = QColor("#155724")
FAIL_BACKGROUND = QColor("#f8d7da")
FAIL_FOREGROUND = QColor("#721c24")
HIGHLIGHT_BACKGROUND = QColor("#fff4cc")
SUBTOTAL_BACKGROUND = QColor("#eef1f5")


@dataclass(frozen=True)
class ColumnSpec:
    """How one column is shown and edited.

    key : the DataFrame column label.
    title : header text (defaults to ``str(key)``).
    kind : a :mod:`app.kit.formatting` kind ("percent", "ratio", "currency", "count",
        "text", "status"); "status" cells holding PASS / FAIL are coloured.
    editable : whether the user may edit the cells.
    coerce : turns typed input into the stored value; raises ``ValueError`` on bad input.
    formatter : overrides the kind's display format.
    decimals : decimals of percent display.
    tooltip : header tooltip.
    """

    key: Any
    title: str | None = None
    kind: str = fmt.TEXT
    editable: bool = False
    coerce: Callable[[Any], Any] | None = None
    formatter: Callable[[Any], str] | None = None
    decimals: int = 1
    tooltip: str = ""


class DataFrameModel(QAbstractTableModel):
    """Table model over a DataFrame; see module docstring.

    Edits (``setData`` on editable columns) are coerced, stored in the frame and announced
    with ``value_edited(row, column key, value)``; bad input returns False and emits
    ``edit_rejected(message)``. The model never opens a dialog.
    """

    value_edited = Signal(int, object, object)
    edit_rejected = Signal(str)

    def __init__(
        self,
        frame: pd.DataFrame | None = None,
        specs: Sequence[ColumnSpec] | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._frame = pd.DataFrame()
        self._specs: tuple[ColumnSpec, ...] = ()
        self._row_kinds: tuple[str | None, ...] = ()
        self._row_labels: tuple[str, ...] = ()
        self._bold_rows: frozenset[int] = frozenset()
        self._highlight_key: Any = None
        self._cells: list[list[Any]] = []
        self._role_cache: dict[tuple[int, int, int], Any] = {}
        if frame is not None:
            self.set_frame(frame, specs)

    # -- wholesale replacement -------------------------------------------------------------
    def set_frame(
        self,
        frame: pd.DataFrame,
        specs: Sequence[ColumnSpec] | None = None,
        *,
        row_kinds: Sequence[str | None] | None = None,
        row_labels: Sequence[str] | None = None,
        bold_rows: Iterable[int] = (),
        highlight_key: Any = None,
    ) -> None:
        """Replace the whole table (one model reset)."""
        self.beginResetModel()
        self._frame = frame.copy()
        self._specs = (
            tuple(specs) if specs is not None else tuple(ColumnSpec(c) for c in frame.columns)
        )
        missing = [s.key for s in self._specs if s.key not in self._frame.columns]
        if missing:
            self.endResetModel()
            raise KeyError(f"Column specs name columns the frame lacks: {missing}")
        n = len(self._frame)
        self._row_kinds = tuple(row_kinds) if row_kinds is not None else (None,) * n
        self._row_labels = (
            tuple(row_labels)
            if row_labels is not None
            else tuple(str(i) for i in self._frame.index)
        )
        self._bold_rows = frozenset(bold_rows)
        self._highlight_key = highlight_key
        # Plain Python values per column (and, in data(), each answer remembered per role): data()
        # is called for every cell on every paint and column fit, and pandas indexing per call
        # made a table of a few hundred cells cost a noticeable fraction of a second.
        self._cells = [self._frame[spec.key].tolist() for spec in self._specs]
        self._role_cache: dict[tuple[int, int, int], Any] = {}
        self.endResetModel()

    def frame(self) -> pd.DataFrame:
        """A copy of the data shown."""
        return self._frame.copy()

    def column_of(self, key: Any) -> int:
        """Column number of ``key``; -1 if absent."""
        for i, spec in enumerate(self._specs):
            if spec.key == key:
                return i
        return -1

    def row_of(self, label: Any) -> int:
        """Row number whose index label is ``label``; -1 if absent."""
        for i, value in enumerate(self._frame.index):
            if value == label:
                return i
        return -1

    # -- Qt model API ----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._frame)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._specs)

    def _kind(self, row: int, spec: ColumnSpec) -> str:
        override = self._row_kinds[row] if row < len(self._row_kinds) else None
        if override is not None and spec.kind in fmt.NUMERIC_KINDS:
            return override
        return spec.kind

    def _value(self, row: int, column: int) -> Any:
        value = self._cells[column][row]
        return value.item() if hasattr(value, "item") else value

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """:meth:`cell_data`, remembered per cell and role until the table changes: a view asks
        for about eight roles of every visible cell on every paint, and each answer computed in
        Python cost the GUI thread tens of milliseconds per repaint of a tab."""
        if not index.isValid():
            return None
        key = (index.row(), index.column(), role)
        cache = self._role_cache
        if key in cache:
            return cache[key]
        row, column = key[0], key[1]
        if not (0 <= row < len(self._frame) and 0 <= column < len(self._specs)):
            return None
        value = self.cell_data(row, column, role)
        cache[key] = value
        return value

    def cell_data(self, row: int, column: int, role: int) -> Any:
        """The value of ``role`` for a cell inside the table (subclasses extend this, not data())."""
        spec = self._specs[column]
        value = self._value(row, column)
        kind = self._kind(row, spec)
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                spec.formatter(value)
                if spec.formatter is not None
                else fmt.format_value(value, kind, spec.decimals)
            )
        if role == Qt.ItemDataRole.EditRole:
            if kind == fmt.PERCENT:
                return None if fmt.is_missing(value) else fmt.percent_edit_value(float(value))
            return value
        if role == Qt.ItemDataRole.ToolTipRole:
            return fmt.full_precision(value, kind) or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if kind in fmt.NUMERIC_KINDS else LEFT
        if role == Qt.ItemDataRole.BackgroundRole:
            if kind == fmt.STATUS and value in ("PASS", "FAIL"):
                return QBrush(PASS_BACKGROUND if value == "PASS" else FAIL_BACKGROUND)
            if self._highlight_key is not None and spec.key == self._highlight_key:
                return QBrush(HIGHLIGHT_BACKGROUND)
            if row in self._bold_rows:
                return QBrush(SUBTOTAL_BACKGROUND)
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if kind == fmt.STATUS and value in ("PASS", "FAIL"):
                return QBrush(PASS_FOREGROUND if value == "PASS" else FAIL_FOREGROUND)
            return None
        if role == Qt.ItemDataRole.FontRole:
            bold = row in self._bold_rows or (kind == fmt.STATUS and value in ("PASS", "FAIL"))
            return bold_font() if bold else None
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        count = self.columnCount() if horizontal else self.rowCount()
        if not 0 <= section < count:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if horizontal:
                spec = self._specs[section]
                return spec.title if spec.title is not None else str(spec.key)
            return self._row_labels[section]
        if role == Qt.ItemDataRole.ToolTipRole and horizontal:
            return self._specs[section].tooltip or None
        if role == Qt.ItemDataRole.FontRole:
            bold = (
                self._specs[section].key == self._highlight_key
                if horizontal
                else section in self._bold_rows
            )
            if bold:
                font = QFont()
                font.setBold(True)
                return font
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._specs[index.column()].editable:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        spec = self._specs[index.column()]
        if not spec.editable:
            return False
        try:
            coerced = spec.coerce(value) if spec.coerce is not None else value
        except (TypeError, ValueError) as exc:
            self.edit_rejected.emit(str(exc))
            return False
        column = self._frame.columns.get_loc(spec.key)
        self._frame.iat[index.row(), column] = coerced
        self._cells[index.column()][index.row()] = coerced
        self._role_cache.clear()
        self.dataChanged.emit(
            index,
            index,
            [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole],
        )
        self.value_edited.emit(index.row(), spec.key, coerced)
        return True
