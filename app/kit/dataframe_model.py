"""A generic read-mostly table model over a pandas DataFrame with per-column specs.

Rows are the frame's index (shown in the vertical header), columns follow the
:class:`ColumnSpec` list. Each spec says how its cells are formatted, whether they can be
edited and how typed input is coerced. ``row_kinds`` can override the format per row (a
metrics table mixes percentages and ratios down one column).

Colours: every cell's colours come from ONE hook, :meth:`DataFrameModel.cell_style`, which
names a style of :func:`app.kit.theme.cell_brushes` (PASS / FAIL status, the highlighted
column, subtotal rows, or a column's own ``ColumnSpec.style``); the theme gives the foreground
and background together for the palette in use, so nothing is light-on-light in dark mode.

Sorting: :meth:`DataFrameModel.sort` (a view with sorting enabled calls it) shows the rows in
another order without touching the frame: subclasses and ``cell_data`` always see *frame*
rows (:meth:`DataFrameModel.frame_row` maps a row on screen to its frame row); column -1
restores the frame's own order (grouped tables: subtotal rows above their members).

Copying: :data:`CLIP_ROLE` gives each cell's full-precision text for the clipboard
(``app.kit.views.copy_selection``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont

from app.kit import formatting as fmt
from app.kit import theme

Index = QModelIndex | QPersistentModelIndex

_BOLD: list[QFont] = []


def bold_font() -> QFont:
    """One shared bold font, made on first use (a QFont wants the application to exist)."""
    if not _BOLD:
        font = QFont()
        font.setBold(True)
        _BOLD.append(font)
    return _BOLD[0]


CLIP_ROLE = int(Qt.ItemDataRole.UserRole) + 1
"""Role of a cell's clipboard text: full precision, no thousands separators, ``12.5%``."""
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


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
    style : the column's colour hook: a cell value -> a style name of
        :func:`app.kit.theme.cell_brushes` (``"pass"``, ``"fail"``...) or None.
    """

    key: Any
    title: str | None = None
    kind: str = fmt.TEXT
    editable: bool = False
    coerce: Callable[[Any], Any] | None = None
    formatter: Callable[[Any], str] | None = None
    decimals: int = 1
    tooltip: str = ""
    style: Callable[[Any], str | None] | None = None


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
        self._order: list[int] = []  # row on screen -> frame row
        self._sort: tuple[int, Qt.SortOrder] = (-1, Qt.SortOrder.AscendingOrder)
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
        self._role_cache = {}
        self._order = self._sorted_order(*self._sort)
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
        """Row on screen whose index label is ``label``; -1 if absent."""
        for i, value in enumerate(self._frame.index):
            if value == label:
                return self._order.index(i)
        return -1

    def frame_row(self, row: int) -> int:
        """The frame row shown at ``row`` (they differ once the table is sorted)."""
        return self._order[row]

    # -- sorting ---------------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Show the rows ordered by ``column`` (numbers by value, blanks last); -1: the frame's
        own order. Selections and current cells follow their rows."""
        self._sort = (column, order)
        new_order = self._sorted_order(column, order)
        if new_order == self._order:
            return
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        frame_rows = [self._order[i.row()] for i in before]
        self._order = new_order
        where = {frame_row: position for position, frame_row in enumerate(new_order)}
        self.changePersistentIndexList(
            before,
            [self.index(where[r], i.column()) for r, i in zip(frame_rows, before, strict=True)],
        )
        self._role_cache.clear()
        self.layoutChanged.emit()

    def _sorted_order(self, column: int, order: Qt.SortOrder) -> list[int]:
        rows = list(range(len(self._frame)))
        if not 0 <= column < len(self._specs):
            return rows
        values = [self._value(r, column) for r in rows]

        def key(row: int) -> tuple[int, Any]:
            value = values[row]
            if fmt.is_missing(value):
                return (2, 0)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return (0, float(value))
            return (1, str(value).casefold())

        present = sorted(
            (r for r in rows if key(r)[0] < 2),
            key=key,
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
        return present + [r for r in rows if key(r)[0] == 2]  # blanks last either way

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
        if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole):
            style = self.data(index, _STYLE_ROLE)  # the style is remembered, not the brush:
            if style is None:  # the palette (light or dark) decides the colours at paint time
                return None
            return theme.cell_brushes(style)[0 if role == Qt.ItemDataRole.ForegroundRole else 1]
        key = (index.row(), index.column(), role)
        cache = self._role_cache
        if key in cache:
            return cache[key]
        row, column = key[0], key[1]
        if not (0 <= row < len(self._frame) and 0 <= column < len(self._specs)):
            return None
        frame_row = self._order[row]
        if role == _STYLE_ROLE:
            value = self.cell_style(frame_row, column)
        else:
            value = self.cell_data(frame_row, column, role)
        cache[key] = value
        return value

    def cell_style(self, row: int, column: int) -> str | None:
        """The colour style of a cell (frame ``row``): the one colour hook of this model.
        Subclasses extend it; :func:`app.kit.theme.cell_brushes` turns it into colours."""
        spec = self._specs[column]
        value = self._value(row, column)
        if self._kind(row, spec) == fmt.STATUS and value in ("PASS", "FAIL"):
            return "pass" if value == "PASS" else "fail"
        if spec.style is not None:
            style = spec.style(value)
            if style is not None:
                return style
        if self._highlight_key is not None and spec.key == self._highlight_key:
            return "highlight"
        if row in self._bold_rows:
            return "subtotal"
        return None

    def cell_data(self, row: int, column: int, role: int) -> Any:
        """The value of ``role`` for a cell of frame ``row`` (subclasses extend this, not
        data(); colours are :meth:`cell_style`'s)."""
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
        if role == CLIP_ROLE:
            return _clip_text(value, kind)
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
            return self._row_labels[self._order[section]]
        if role == Qt.ItemDataRole.ToolTipRole and horizontal:
            return self._specs[section].tooltip or None
        if role == Qt.ItemDataRole.FontRole:
            bold = (
                self._specs[section].key == self._highlight_key
                if horizontal
                else self._order[section] in self._bold_rows
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
        column, row = self._frame.columns.get_loc(spec.key), self._order[index.row()]
        self._frame.iat[row, column] = coerced
        self._cells[index.column()][row] = coerced
        self._role_cache.clear()
        self.dataChanged.emit(
            index,
            index,
            [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole],
        )
        self.value_edited.emit(row, spec.key, coerced)
        return True


_STYLE_ROLE = int(Qt.ItemDataRole.UserRole) + 2  # cached colour style name of a cell (internal)


def _clip_text(value: Any, kind: str) -> str:
    """Full-precision clipboard text of a cell: ``12.5%`` for percentages, no separators."""
    if value is None or fmt.is_missing(value):
        return ""
    if isinstance(value, str) or kind in (fmt.TEXT, fmt.STATUS):
        return str(value)
    if isinstance(value, bool):
        return str(value)
    number = float(value)
    if kind == fmt.PERCENT:
        return f"{number * 100:.10g}%"
    return f"{number:.12g}"
