"""The IPS constraints table: every policy limit of a profile as an editable row.

Rows, in order: one per asset-class range (minimum, maximum), one per ETF of the universe
(minimum, cap), one per group limit, then the scalar limits (maximum volatility, maximum
drawdown, maximum single-ETF weight, absolute drift band; maximum column only).

Cells show percentages; typed input is in percent units with or without ``%`` (see
:func:`app.kit.formatting.parse_percent`). Every accepted edit becomes one
:class:`~app.kit.undo.ReplaceValueCommand` on the undo stack, which replaces the profile with
``profile.with_changes(...)``: the core re-validates it, and a :class:`PolicyError`
(minimum above maximum, ...) is refused with ``edit_rejected(message)``, the table unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QUndoStack

from app.kit import formatting as fmt
from app.kit.dataframe_model import LEFT, RIGHT, SUBTOTAL_BACKGROUND
from app.kit.undo import ReplaceValueCommand
from core.errors import PolicyError
from core.policy.profile import GroupLimit, IPSProfile, Range
from core.universe import Universe

Index = QModelIndex | QPersistentModelIndex

LABEL, SECTION, MINIMUM, MAXIMUM = range(4)
HEADERS = ("Constraint", "Type", "Minimum", "Maximum")
BLANK_FOREGROUND = QColor("#8a8f98")


@dataclass(frozen=True)
class ConstraintRow:
    """One table row: which part of the profile it shows and which cells are editable."""

    section: str  # "Asset class", "ETF", "Group", "Limit"
    label: str
    key: Any  # asset class, ticker, group position or profile field name
    min_editable: bool
    max_editable: bool
    optional: bool  # blank input removes the limit
    tooltip: str = ""


SCALAR_LIMITS = (
    ("max_volatility", "Maximum volatility (annualized)", "Ex-ante annualized volatility target."),
    (
        "max_drawdown",
        "Maximum drawdown tolerance",
        "Largest peak-to-trough loss the committee accepts.",
    ),
    (
        "max_single_weight",
        "Maximum single-ETF weight",
        "Upper limit on any one ETF unless it has a lower cap.",
    ),
    (
        "drift_absolute",
        "Drift band (absolute)",
        "Distance from target weight that triggers a rebalance.",
    ),
)


def constraint_rows(profile: IPSProfile, universe: Universe) -> tuple[ConstraintRow, ...]:
    """The row layout for ``profile`` over ``universe``."""
    rows = [
        ConstraintRow("Asset class", cls, cls, True, True, False, f"{cls} allocation range")
        for cls in universe.asset_classes
    ]
    rows += [
        ConstraintRow(
            "ETF",
            f"{a.ticker} — {a.description}" if a.description else a.ticker,
            a.ticker,
            True,
            True,
            True,
            f"{a.name} ({a.asset_class}). Blank cap: the maximum single-ETF weight applies.",
        )
        for a in universe.assets
    ]
    rows += [
        ConstraintRow("Group", g.name, i, True, True, True, " + ".join(g.tickers))
        for i, g in enumerate(profile.groups)
    ]
    rows += [
        ConstraintRow("Limit", label, field, False, True, False, tip)
        for field, label, tip in SCALAR_LIMITS
    ]
    return tuple(rows)


def cell_value(profile: IPSProfile, row: ConstraintRow, column: int) -> float | None:
    """Decimal value of a Minimum / Maximum cell, None when the profile sets no limit."""
    lower = column == MINIMUM
    if row.section == "Asset class":
        rng = profile.class_ranges.get(row.key)
        return None if rng is None else (rng.minimum if lower else rng.maximum)
    if row.section == "ETF":
        return (profile.asset_minimums if lower else profile.asset_caps).get(row.key)
    if row.section == "Group":
        group = profile.groups[row.key]
        return group.minimum if lower else group.maximum
    if lower:
        return None
    if row.key == "drift_absolute":
        return profile.drift_bands.absolute
    return float(getattr(profile, row.key))


def with_cell(
    profile: IPSProfile, row: ConstraintRow, column: int, value: float | None
) -> IPSProfile:
    """``profile`` with one cell changed; :class:`PolicyError` if the result is invalid."""
    lower = column == MINIMUM
    if row.section == "Asset class":
        ranges = dict(profile.class_ranges)
        old = ranges.get(row.key, Range())
        ranges[row.key] = replace(old, minimum=value) if lower else replace(old, maximum=value)
        return profile.with_changes(class_ranges=ranges)
    if row.section == "ETF":
        field = "asset_minimums" if lower else "asset_caps"
        mapping = dict(getattr(profile, field))
        if value is None:
            mapping.pop(row.key, None)
        else:
            mapping[row.key] = value
        return profile.with_changes(**{field: mapping})
    if row.section == "Group":
        groups = list(profile.groups)
        group: GroupLimit = groups[row.key]
        groups[row.key] = replace(group, minimum=value) if lower else replace(group, maximum=value)
        return profile.with_changes(groups=tuple(groups))
    if row.key == "drift_absolute":
        return profile.with_changes(drift_bands=replace(profile.drift_bands, absolute=value))
    return profile.with_changes(**{row.key: value})


class ConstraintsModel(QAbstractTableModel):
    """Editable view of a profile's limits (see module docstring)."""

    profile_changed = Signal(object)
    edit_rejected = Signal(str)

    def __init__(
        self,
        profile: IPSProfile,
        universe: Universe,
        undo_stack: QUndoStack | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._profile = profile
        self._universe = universe
        self._undo_stack = undo_stack
        self._rows = constraint_rows(profile, universe)

    @property
    def profile(self) -> IPSProfile:
        return self._profile

    @property
    def universe(self) -> Universe:
        return self._universe

    def row_of(self, section: str, key: Any) -> int:
        """Row number of the ``(section, key)`` row, e.g. ``("Asset class", "Equity")``; -1 if absent."""
        for i, row in enumerate(self._rows):
            if row.section == section and row.key == key:
                return i
        return -1

    # -- changes ---------------------------------------------------------------------------
    def replace_profile(self, profile: IPSProfile, text: str | None = None) -> None:
        """Switch to another profile as one undoable command."""
        if profile == self._profile:
            return
        self._push(self._profile, profile, text or f"Switch to profile {profile.name}")

    def _push(self, before: IPSProfile, after: IPSProfile, text: str) -> None:
        if self._undo_stack is None:
            self._apply_profile(after)
        else:
            self._undo_stack.push(ReplaceValueCommand(self._apply_profile, before, after, text))

    def _apply_profile(self, profile: IPSProfile) -> None:
        rows = constraint_rows(profile, self._universe)
        if rows != self._rows:
            self.beginResetModel()
            self._profile, self._rows = profile, rows
            self.endResetModel()
        else:
            self._profile = profile
            if self._rows:
                self.dataChanged.emit(
                    self.index(0, 0), self.index(len(self._rows) - 1, len(HEADERS) - 1)
                )
        self.profile_changed.emit(profile)

    # -- Qt model API ----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(HEADERS)

    def _editable(self, row: ConstraintRow, column: int) -> bool:
        return (column == MINIMUM and row.min_editable) or (column == MAXIMUM and row.max_editable)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        value = cell_value(self._profile, row, column) if column in (MINIMUM, MAXIMUM) else None
        numeric = column in (MINIMUM, MAXIMUM)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == LABEL:
                return row.label
            if column == SECTION:
                return row.section
            if value is None:
                return fmt.MISSING if self._editable(row, column) else ""
            return fmt.format_value(value, fmt.PERCENT, fmt.percent_decimals(value))
        if role == Qt.ItemDataRole.EditRole:
            if numeric:
                return fmt.percent_edit_value(value)
            return row.label if column == LABEL else row.section
        if role == Qt.ItemDataRole.ToolTipRole:
            if not numeric:
                return row.tooltip or None
            if not self._editable(row, column):
                return None
            shown = "no limit" if value is None else fmt.full_precision(value, fmt.PERCENT)
            return f"{row.label} {HEADERS[column].lower()}: {shown}. {fmt.PERCENT_INPUT_HELP}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if numeric else LEFT
        if role == Qt.ItemDataRole.ForegroundRole:
            if numeric and value is None:
                return QBrush(BLANK_FOREGROUND)
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            if numeric and not self._editable(row, column):
                return QBrush(SUBTOTAL_BACKGROUND)
            return None
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section in (MINIMUM, MAXIMUM):
            return fmt.PERCENT_INPUT_HELP
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._editable(self._rows[index.row()], index.column()):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        row, column = self._rows[index.row()], index.column()
        if not self._editable(row, column):
            return False
        what = f"{row.label} {HEADERS[column].lower()}"
        try:
            decimal = fmt.parse_percent(value, optional=row.optional)
            after = with_cell(self._profile, row, column, decimal)
        except (ValueError, PolicyError) as exc:
            self.edit_rejected.emit(f"{what} not changed: {exc}")
            return False
        if after == self._profile:
            return True
        shown = "blank" if decimal is None else fmt.format_value(decimal, fmt.PERCENT, 2)
        self._push(self._profile, after, f"Set {what} to {shown}")
        return True
