"""Item delegates: every editable cell is edited as text.

A cell editor hands the model exactly what was typed (``1,234``, ``$99.50``, ``15%`` or a
mistyped word), and the model reads or refuses it by :mod:`core.inputs` rules, instead of a spin
box silently clamping or rounding it. :class:`TextCellDelegate` is the one editor;
:class:`PercentDelegate` is its percent-cell form (``15`` or ``15%``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QLineEdit, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from app.kit.formatting import PERCENT_INPUT_HELP

Index = QModelIndex | QPersistentModelIndex


def _plain(value: Any) -> str:
    """The edit text of a cell value: text as is, numbers at full precision, no separators."""
    if value is None:
        return ""
    return value if isinstance(value, str) else f"{float(value):.12g}"


class TextCellDelegate(QStyledItemDelegate):
    """Edit a cell as text (module docstring); numbers right-aligned unless ``left(index)``."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        placeholder: str = "",
        tooltip: str = "",
        text: Callable[[Any], str] = _plain,
        left: Callable[[Index], bool] = lambda index: False,
    ) -> None:
        super().__init__(parent)
        self._placeholder, self._tooltip, self._text, self._left = placeholder, tooltip, text, left

    def createEditor(  # noqa: N802 - Qt override
        self, parent: QWidget, option: QStyleOptionViewItem, index: Index
    ) -> QWidget:
        editor = QLineEdit(parent)
        editor.setFrame(False)
        if self._placeholder:
            editor.setPlaceholderText(self._placeholder)
        if self._tooltip:
            editor.setToolTip(self._tooltip)
        if not self._left(index):
            editor.setAlignment(Qt.AlignmentFlag.AlignRight)
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802 - Qt override
        if isinstance(editor, QLineEdit):
            editor.setText(self._text(index.data(Qt.ItemDataRole.EditRole)))
            editor.selectAll()

    def setModelData(  # noqa: N802 - Qt override
        self, editor: QWidget, model: QAbstractItemModel, index: Index
    ) -> None:
        if isinstance(editor, QLineEdit):
            model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)


class PercentDelegate(TextCellDelegate):
    """A percent cell: the editor shows the value in percent units (``15`` for 15%)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            parent,
            placeholder="e.g. 15 or 15%",
            tooltip=PERCENT_INPUT_HELP,
            text=lambda value: "" if value is None else f"{value:g}",
        )
