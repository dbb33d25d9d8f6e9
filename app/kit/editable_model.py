"""One editable value-table model for every editable table (holdings, IPS limits, scenarios).

A subclass holds its state as one immutable core value (a :class:`~core.rebalance.Holdings`,
an :class:`~core.policy.profile.IPSProfile`, a tuple of scenarios) and says, cell by cell,
what is shown (:meth:`EditableTableModel.cell`) and what an edit or a paste makes of the state
(:meth:`EditableTableModel.edited`, :meth:`EditableTableModel.pasted`). The base class does the
rest, the same way for every table:

* the Qt ladder of roles (Display, Edit, ToolTip, alignment, colours from the theme hook
  :func:`app.kit.theme.cell_brushes`, bold), ``flags`` and headers;
* ``setData`` and :meth:`EditableTableModel.paste` read input with :mod:`core.inputs`, let
  core validate the whole new state, then push ONE :class:`~app.kit.undo.ReplaceValueCommand`
  that swaps the state, or refuse everything with ``edit_rejected(message)`` naming the cell;
* applying a state emits the narrowest signals (``dataChanged`` on the changed rows, rows
  inserted or removed where the row keys show it, a reset otherwise) and ``state_changed``;
* :meth:`EditableTableModel.copy_text` copies a block as Excel pastes it (TSV, CRLF, full
  precision);
* a paste of :data:`BACKGROUND_PASTE_CELLS` cells or more (thousands of pasted scenarios) is read
  and validated in a worker thread (``paste_busy`` says so, the window stays responsive), then
  applied as the same one undo step; if the table changed meanwhile the paste is refused, never
  merged into a state it was not read against.

Thread rule for the background paste: the worker runs only :meth:`pasted` and :meth:`validated`,
which read the model's immutable state value and plain Python attributes and touch no Qt object;
the undo command is pushed in the GUI thread when the result arrives.

The model never opens a dialog.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QUndoStack

from app.kit import theme
from app.kit.dataframe_model import LEFT, RIGHT, bold_font
from app.kit.undo import ReplaceValueCommand
from core.inputs import split_block

Index = QModelIndex | QPersistentModelIndex

BACKGROUND_PASTE_CELLS = 20_000
"""A pasted block with at least this many cells is read in a worker thread (about 0.1 s of
parsing on the GUI thread below it; 10,000 scenarios of 14 ETFs took 1-3 s)."""


class EditRefused(ValueError):
    """An edit or paste the table cannot take; the message names the cell and what to do."""


@dataclass(frozen=True)
class Cell:
    """What one cell shows.

    value : the raw value (a float, text or None); the Edit role unless ``edit`` is given.
    text : the Display text.
    tooltip : the ToolTip text (None: none).
    numeric : right-aligned.
    editable : the user may type in it.
    style : a colour style of :func:`app.kit.theme.cell_brushes` ("subtotal", "blank", ...).
    bold : shown in bold.
    clip : the text copied to the clipboard (full precision, no separators).
    edit : the Edit-role value when it differs from ``value`` (percent cells edit in percent).
    """

    value: Any
    text: str
    tooltip: str | None = None
    numeric: bool = False
    editable: bool = False
    style: str | None = None
    bold: bool = False
    clip: str | None = None
    edit: Any = None


class EditableTableModel(QAbstractTableModel):
    """Base of the editable tables (module docstring). Subclasses implement the hooks below."""

    edit_rejected = Signal(str)
    state_changed = Signal(object)
    paste_busy = Signal(str)
    """A background paste started ("Reading 10,000 pasted rows…") or ended ("")."""
    paste_finished = Signal(bool)
    """A background paste ended: True when it was applied (one undo step), False if refused."""

    def __init__(self, state: Any, undo_stack: QUndoStack | None = None, parent: Any = None):
        super().__init__(parent)
        self._undo_stack = undo_stack
        self._state = state
        self._keys: tuple[Hashable, ...] = ()
        self._rows: dict[int, tuple[Cell, ...]] = {}  # row -> its cells, made when first asked
        self._paste_runner: Any = None  # a JobRunner, made on the first background paste
        self._paste_pending = False
        self._store(state)

    # -- hooks ---------------------------------------------------------------------------------
    def headers(self) -> Sequence[str]:
        """Column titles."""
        raise NotImplementedError

    def header_tooltip(self, column: int) -> str | None:
        return None

    def row_header(self, row: int) -> str:
        return str(row + 1)

    def row_header_tooltip(self, row: int) -> str | None:
        return None

    def row_keys(self, state: Any) -> tuple[Hashable, ...]:
        """One key per row of ``state``, the same for a row that stays (insert/remove signals)."""
        raise NotImplementedError

    def cells(self, state: Any) -> tuple[tuple[Cell, ...], ...]:
        """Every row's cells for ``state`` (small tables: made at once). A table that may hold
        thousands of rows (pasted scenarios) overrides :meth:`row_cells` instead."""
        return tuple(self.row_cells(state, row) for row in range(len(self.row_keys(state))))

    def row_cells(self, state: Any, row: int) -> tuple[Cell, ...]:
        """One row's cells, made when a view first asks for that row (see :meth:`cells`)."""
        raise NotImplementedError

    LAZY_ROWS: bool = False
    """True when the cells of a row are made on first use (:meth:`row_cells`)."""

    def edited(self, row: int, column: int, value: Any) -> tuple[Any, str]:
        """The new state after typing ``value`` in the cell, and the undo text; raises
        :class:`EditRefused` (or ``ValueError``) with a message naming the cell."""
        raise NotImplementedError

    def pasted(self, block: list[list[str]], row: int, column: int) -> tuple[Any, str]:
        """The new state after pasting ``block`` with its top-left cell at (row, column)."""
        raise EditRefused("this table takes no paste")

    def validated(self, state: Any) -> Any:
        """``state`` as core accepts it here (a hook for table-wide rules); raises EditRefused."""
        return state

    # -- state -----------------------------------------------------------------------------------
    def state(self) -> Any:
        return self._state

    def set_state(self, state: Any) -> None:
        """Replace everything without an undo entry (start-up, a project file): one reset."""
        self.beginResetModel()
        self._store(state)
        self.endResetModel()
        self.state_changed.emit(state)

    def replace_state(self, after: Any, text: str, *, refusal: str = "") -> bool:
        """Validate ``after`` and push ONE command swapping it in; False (and ``edit_rejected``)
        when it is refused. ``refusal`` starts the message ("Paste refused")."""
        try:
            after = self.validated(after)
        except ValueError as exc:
            self.edit_rejected.emit(f"{refusal or text + ' refused'}: {exc}")
            return False
        self._push(after, text)
        return True

    def _push(self, after: Any, text: str) -> None:
        """Swap in an already validated ``after`` as one undo step (nothing when unchanged)."""
        if after == self._state and self.row_keys(after) == self._keys:
            return
        if self._undo_stack is None:
            self._apply(after)
        else:
            self._undo_stack.push(ReplaceValueCommand(self._apply, self._state, after, text))

    def paste(self, text: str, row: int, column: int) -> bool:
        """Paste a tab-separated block at (``row``, ``column``) as ONE command, or refuse all."""
        try:
            block = split_block(text)
        except ValueError as exc:
            self.edit_rejected.emit(f"Paste refused, nothing changed: {exc}.")
            return False
        if not block:
            self.edit_rejected.emit(
                "Paste refused: the clipboard holds no cells; copy a block first."
            )
            return False
        if sum(map(len, block)) >= BACKGROUND_PASTE_CELLS:
            return self._paste_in_background(block, row, column)
        try:
            after, undo_text = self.pasted(block, row, column)
        except ValueError as exc:
            self.edit_rejected.emit(f"Paste refused, nothing changed: {exc}")
            return False
        return self.replace_state(after, undo_text, refusal="Paste refused, nothing changed")

    def use_job_runner(self, runner: Any) -> None:
        """Read large pastes on ``runner`` (the owning tab's :class:`~app.kit.workers.JobRunner`):
        the tab's ``retire()`` then cancels a paste in flight with its other jobs, so no result
        reaches a model that is gone (lifetime rules: :mod:`app.kit.feature`). Without one the
        model makes its own runner, parented to itself (tests, a model used alone)."""
        self._paste_runner = runner

    @property
    def pasting(self) -> bool:
        """True from the start of a background paste until its outcome was delivered."""
        return self._paste_pending

    def _paste_in_background(self, block: list[list[str]], row: int, column: int) -> bool:
        """Read a large block in a worker (module docstring); True when the reading started."""
        from app.kit.workers import Job, JobRunner

        if self.pasting:
            self.edit_rejected.emit(
                "Paste refused: the previous paste is still being read; wait for it to finish."
            )
            return False
        if self._paste_runner is None:
            self._paste_runner = JobRunner(self)
        before = self._state

        def read(progress: Any, cancel: Any) -> tuple[bool, Any, str]:
            # Worker thread: pure reading of immutable values (thread rule, module docstring).
            try:
                after, undo_text = self.pasted(block, row, column)
                return True, self.validated(after), undo_text
            except ValueError as exc:
                return False, None, str(exc)

        def done(outcome: tuple[bool, Any, str]) -> None:
            ok, after, text = outcome
            self._paste_pending = False
            self.paste_busy.emit("")
            applied = False
            if not ok:
                self.edit_rejected.emit(f"Paste refused, nothing changed: {text}")
            elif self._state is not before:
                self.edit_rejected.emit(
                    "Paste refused, nothing changed: the table was edited while the pasted "
                    "block was read; paste it again."
                )
            else:
                self._push(after, text)
                applied = True
            self.paste_finished.emit(applied)

        def failed(message: str) -> None:
            self._paste_pending = False
            self.paste_busy.emit("")
            self.edit_rejected.emit(f"Paste refused, nothing changed: {message}")
            self.paste_finished.emit(False)

        self._paste_pending = True
        self.paste_busy.emit(f"Reading {len(block):,} pasted rows…")
        self._paste_runner.start(
            Job(f"paste {id(self)}", read).connect(
                result=done, error=failed, cancelled=lambda: setattr(self, "_paste_pending", False)
            )
        )
        return True

    def copy_text(self, indexes: Iterable[Index]) -> str:
        """The bounding rectangle of ``indexes`` as TSV (full precision, no separators; CRLF
        line ends, as Excel writes them); cells not chosen stay empty."""
        chosen = {(i.row(), i.column()) for i in indexes if i.isValid()}
        if not chosen:
            return ""
        rows = range(min(r for r, _ in chosen), max(r for r, _ in chosen) + 1)
        columns = range(min(c for _, c in chosen), max(c for _, c in chosen) + 1)
        lines = [
            "\t".join(self._clip(r, c) if (r, c) in chosen else "" for c in columns) for r in rows
        ]
        return "\r\n".join(lines) + "\r\n"

    def cell_at(self, row: int, column: int) -> Cell:
        return self._cells_at(row)[column]

    def _cells_at(self, row: int) -> tuple[Cell, ...]:
        cells = self._rows.get(row)
        if cells is None:
            cells = self.row_cells(self._state, row)
            self._rows[row] = cells
        return cells

    # -- applying a state ------------------------------------------------------------------------
    def _store(self, state: Any) -> None:
        self._state = state
        self._keys = tuple(self.row_keys(state))
        self._rows = {} if self.LAZY_ROWS else dict(enumerate(self.cells(state)))

    def _apply(self, state: Any) -> None:
        old_keys, old_rows = self._keys, self._rows
        new_keys = tuple(self.row_keys(state))
        old, new = len(old_keys), len(new_keys)
        prefix = next(
            (i for i, (a, b) in enumerate(zip(old_keys, new_keys, strict=False)) if a != b),
            min(old, new),
        )
        suffix = 0
        while (
            suffix < min(old, new) - prefix
            and old_keys[old - 1 - suffix] == new_keys[new - 1 - suffix]
        ):
            suffix += 1
        if old == new:  # the same rows (some may be renamed in place)
            self._store(state)
        elif new > old and prefix + suffix == old:
            self.beginInsertRows(QModelIndex(), prefix, prefix + new - old - 1)
            self._store(state)
            self.endInsertRows()
        elif new < old and prefix + suffix == new:
            self.beginRemoveRows(QModelIndex(), prefix, prefix + old - new - 1)
            self._store(state)
            self.endRemoveRows()
        else:
            self.beginResetModel()
            self._store(state)
            self.endResetModel()
            self.state_changed.emit(state)
            return
        # dataChanged over the rows whose cells differ (after an insert or remove: every row
        # whose content moved or changed), in one block.
        count = len(self._keys)
        if old == new and not self.LAZY_ROWS:
            changed = [r for r in range(count) if self._rows[r] != old_rows[r]]
        elif old == new:  # rows made lazily: a row whose key changed is a changed row
            changed = [r for r in range(count) if self._keys[r] != old_keys[r]] or list(
                range(count)
            )
        else:
            changed = list(range(count))
        if changed:
            self.dataChanged.emit(
                self.index(min(changed), 0), self.index(max(changed), self.columnCount() - 1)
            )
        self.state_changed.emit(state)

    def _clip(self, row: int, column: int) -> str:
        cell = self._cells_at(row)[column]
        if cell.clip is not None:
            return cell.clip
        value = cell.value
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        return f"{float(value):.12g}"

    # -- Qt model API ----------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._keys)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self.headers())

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (
            0 <= index.row() < len(self._keys) and 0 <= index.column() < self.columnCount()
        ):
            return None
        cell = self._cells_at(index.row())[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell.text
        if role == Qt.ItemDataRole.EditRole:
            return cell.edit if cell.edit is not None else cell.value
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell.tooltip
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if cell.numeric else LEFT
        if role == Qt.ItemDataRole.ForegroundRole and cell.style is not None:
            return theme.cell_brushes(cell.style)[0]
        if role == Qt.ItemDataRole.BackgroundRole and cell.style is not None:
            return theme.cell_brushes(cell.style)[1]
        if role == Qt.ItemDataRole.FontRole and cell.bold:
            return bold_font()
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if not 0 <= section < (self.columnCount() if horizontal else self.rowCount()):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.headers()[section] if horizontal else self.row_header(section)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.header_tooltip(section) if horizontal else self.row_header_tooltip(section)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid() or not 0 <= index.row() < len(self._keys):
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._cells_at(index.row())[index.column()].editable:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (
            role != Qt.ItemDataRole.EditRole
            or not index.isValid()
            or not self.flags(index) & Qt.ItemFlag.ItemIsEditable
        ):
            return False
        try:
            after, text = self.edited(index.row(), index.column(), value)
        except ValueError as exc:
            self.edit_rejected.emit(str(exc))
            return False
        return self.replace_state(after, text)
