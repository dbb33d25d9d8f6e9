"""Custom stress scenarios as an editable table: one row per scenario, ``Name`` then one column
per universe ETF holding its shock (the ETF's total return over the scenario).

Shock cells show percentages and take percent units, as every percent cell of the app:
``-20``, ``-20%`` and ``−20 %`` all mean -20%. Each edit rebuilds a core
:class:`~core.stress.scenarios.Scenario`, so core validates it (:func:`parse_shock` refuses text
and shocks below -100%, :class:`Scenario` a blank name); tickers outside the universe (a pasted
header row, a loaded file) are refused by :func:`check_tickers` and duplicate names by
:func:`check_unique_names` or :meth:`CustomScenariosModel.set_reserved_names` (the bundled
scenarios' names). A refusal emits ``edit_rejected(message)`` and leaves the model unchanged.

Every accepted change (one cell, an add, a delete, a paste, a load) is ONE
:class:`~app.kit.undo.ReplaceValueCommand` on the undo stack that swaps the whole tuple of scenarios; applying
it emits the narrowest signals (``dataChanged`` on the changed rows, rows inserted or removed,
a reset only for a wholesale replacement) and ``scenarios_changed(tuple)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QUndoStack

from app.ips.constraints_model import BLANK_FOREGROUND
from app.kit import formatting as fmt
from app.kit.dataframe_model import LEFT, RIGHT
from app.kit.undo import ReplaceValueCommand
from core.inputs import parse_percent, split_block
from core.stress.scenarios import (
    Scenario,
    ScenarioError,
    ScenarioKind,
    check_tickers,
    check_unique_names,
    parse_shock,
)

Index = QModelIndex | QPersistentModelIndex

NAME = 0
SHOCK_HELP = (
    "Shock = the ETF's total return over the scenario, in percent: -20 or -20% both mean -20%."
)
EDITED_NOTE = "typed by the user"


def parse_percent_shock(value: Any, *, scenario: str = "", ticker: str = "") -> float:
    """Typed shock in percent units -> decimal (:func:`core.inputs.parse_percent`), then the
    shock rules of :func:`core.stress.parse_shock` (no loss beyond -100%)."""
    where = f"Scenario {scenario!r}, ticker {ticker}" if scenario else f"Ticker {ticker}"
    if isinstance(value, str) and not value.strip():
        raise ScenarioError(f"{where}: a shock is needed; type 0 for unchanged.")
    try:
        decimal = parse_percent(
            value, lower=None, upper=None, what="a number", example="-20 or -20%"
        )
    except ValueError as exc:
        raise ScenarioError(f"{where}: {exc}") from None
    return parse_shock(decimal, scenario=scenario, ticker=ticker)


class CustomScenariosModel(QAbstractTableModel):
    """Editable table of custom scenarios (module docstring)."""

    scenarios_changed = Signal(object)
    edit_rejected = Signal(str)

    def __init__(
        self, tickers: Sequence[str], undo_stack: QUndoStack | None = None, parent: Any = None
    ) -> None:
        super().__init__(parent)
        self._tickers = tuple(tickers)
        self._undo_stack = undo_stack
        self._scenarios: tuple[Scenario, ...] = ()
        self._reserved: frozenset[str] = frozenset()

    # -- state -----------------------------------------------------------------------------
    @property
    def tickers(self) -> tuple[str, ...]:
        return self._tickers

    def scenarios(self) -> tuple[Scenario, ...]:
        return self._scenarios

    def set_reserved_names(self, names: Iterable[str]) -> None:
        """Names custom scenarios may not take (the bundled ones: results are keyed by name)."""
        self._reserved = frozenset(n.casefold() for n in names)

    def validate(self, scenarios: Iterable[Scenario]) -> tuple[Scenario, ...]:
        """The scenarios if core accepts them here, else :class:`ScenarioError`."""
        result = tuple(scenarios)
        for scenario in result:
            check_tickers(scenario, self._tickers)
            if scenario.name.casefold() in self._reserved:
                raise ScenarioError(
                    f"{scenario.name!r} is the name of a bundled scenario: choose another name."
                )
        check_unique_names(result)
        return result

    def set_scenarios(self, scenarios: Iterable[Scenario]) -> None:
        """Replace everything without an undo entry (restoring saved state); raises ScenarioError."""
        checked = self.validate(scenarios)
        self.beginResetModel()
        self._scenarios = checked
        self.endResetModel()
        self.scenarios_changed.emit(checked)

    # -- undoable changes ------------------------------------------------------------------
    def replace_scenarios(self, scenarios: Iterable[Scenario], text: str) -> bool:
        """Validate and push one command; False (and ``edit_rejected``) when core refuses."""
        try:
            after = self.validate(scenarios)
        except ScenarioError as exc:
            self.edit_rejected.emit(f"{text} refused: {exc}")
            return False
        if after == self._scenarios:
            return True
        if self._undo_stack is None:
            self._apply(after)
        else:
            self._undo_stack.push(ReplaceValueCommand(self._apply, self._scenarios, after, text))
        return True

    def add_scenario(self, scenario: Scenario | None = None) -> bool:
        """Append ``scenario`` or a new one with every shock at 0%."""
        if scenario is None:
            taken = {s.name.casefold() for s in self._scenarios} | self._reserved
            number = next(
                n for n in range(1, len(taken) + 2) if f"custom scenario {n}" not in taken
            )
            scenario = Scenario(
                f"Custom scenario {number}",
                ScenarioKind.CUSTOM,
                dict.fromkeys(self._tickers, 0.0),
                description="Typed in by the user.",
            )
        return self.replace_scenarios(
            self._scenarios + (scenario,), f"Add scenario {scenario.name!r}"
        )

    def remove_rows_at(self, rows: Iterable[int]) -> bool:
        doomed = sorted({r for r in rows if 0 <= r < len(self._scenarios)})
        if not doomed:
            return False
        names = ", ".join(repr(self._scenarios[r].name) for r in doomed)
        kept = tuple(s for i, s in enumerate(self._scenarios) if i not in doomed)
        return self.replace_scenarios(kept, f"Delete scenario {names}")

    def paste(self, text: str, row: int, column: int) -> bool:
        """Paste a tab-separated block at (``row``, ``column``) as ONE command, or refuse all of it.

        A block whose first cell is ``Name`` is a header row (Name, tickers...): each following
        line is added as a new scenario. Otherwise cells land from the given cell on; lines past
        the last row add scenarios when the block starts in the Name column.
        """
        block = split_block(text)
        if not block:
            return False
        try:
            if block[0][0].strip().casefold() == "name":
                after = self._scenarios + self._from_header(block)
            else:
                after = self._pasted(block, row, column)
        except ScenarioError as exc:
            self.edit_rejected.emit(f"Paste refused: {exc}")
            return False
        return self.replace_scenarios(after, f"Paste {len(block)} x {max(map(len, block))} cells")

    def _from_header(self, block: list[list[str]]) -> tuple[Scenario, ...]:
        tickers = [t.strip().upper() for t in block[0][1:]]
        if len(block) < 2:
            raise ScenarioError("the block has a header row but no scenario below it.")
        added = []
        for cells in block[1:]:
            name = cells[0].strip()
            shocks = {
                t: parse_percent_shock(v, scenario=name, ticker=t)
                for t, v in zip(tickers, cells[1:], strict=False)
            }
            scenario = Scenario(
                name, ScenarioKind.CUSTOM, shocks, description="Pasted by the user."
            )
            check_tickers(scenario, self._tickers)
            added.append(scenario)
        return tuple(added)

    def _pasted(self, block: list[list[str]], row: int, column: int) -> tuple[Scenario, ...]:
        width = max(map(len, block))
        if column < 0 or column + width > self.columnCount():
            raise ScenarioError(
                f"the block is {width} columns wide and does not fit from column {column + 1}."
            )
        scenarios = list(self._scenarios)
        for offset, cells in enumerate(block):
            position = row + offset
            if position >= len(scenarios):
                if column != NAME:
                    raise ScenarioError(
                        "rows below the last scenario need the Name column: start the paste there."
                    )
                scenarios.append(
                    Scenario(
                        cells[0].strip() or "?",
                        ScenarioKind.CUSTOM,
                        dict.fromkeys(self._tickers, 0.0),
                        description="Pasted by the user.",
                    )
                )
            for k, value in enumerate(cells):
                scenarios[position] = self._with_cell(scenarios[position], column + k, value)
        return tuple(scenarios)

    def _with_cell(self, scenario: Scenario, column: int, value: Any) -> Scenario:
        if column == NAME:
            return replace(scenario, name=str(value if value is not None else ""))
        ticker = self._tickers[column - 1]
        parsed = parse_percent_shock(value, scenario=scenario.name, ticker=ticker)
        if scenario.shocks.get(ticker) == parsed:
            return scenario
        shocks = {**scenario.shocks, ticker: parsed}
        # A hand-edited conditional scenario no longer is the covariance's expectation.
        return replace(
            scenario,
            kind=ScenarioKind.CUSTOM,
            shocks=shocks,
            notes={**scenario.notes, ticker: EDITED_NOTE},
        )

    def _apply(self, scenarios: tuple[Scenario, ...]) -> None:
        before = self._scenarios
        old, new = len(before), len(scenarios)
        prefix = next(
            (i for i, (a, b) in enumerate(zip(before, scenarios, strict=False)) if a != b),
            min(old, new),
        )
        suffix = 0
        while (
            suffix < min(old, new) - prefix
            and before[old - 1 - suffix] == scenarios[new - 1 - suffix]
        ):
            suffix += 1
        if old == new:
            self._scenarios = scenarios
            if prefix < old:
                self.dataChanged.emit(
                    self.index(prefix, 0), self.index(old - 1 - suffix, self.columnCount() - 1)
                )
        elif new > old and prefix + suffix == old:
            self.beginInsertRows(QModelIndex(), prefix, prefix + new - old - 1)
            self._scenarios = scenarios
            self.endInsertRows()
        elif new < old and prefix + suffix == new:
            self.beginRemoveRows(QModelIndex(), prefix, prefix + old - new - 1)
            self._scenarios = scenarios
            self.endRemoveRows()
        else:
            self.beginResetModel()
            self._scenarios = scenarios
            self.endResetModel()
        self.scenarios_changed.emit(scenarios)

    # -- Qt model API ----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._scenarios)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._tickers) + 1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (
            0 <= index.row() < self.rowCount() and 0 <= index.column() < self.columnCount()
        ):
            return None
        scenario = self._scenarios[index.row()]
        if index.column() == NAME:
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
                return scenario.name
            if role == Qt.ItemDataRole.ToolTipRole:
                return "\n".join(
                    t
                    for t in (
                        f"{scenario.kind.label} scenario",
                        scenario.description,
                        scenario.source,
                    )
                    if t
                )
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return LEFT
            return None
        ticker = self._tickers[index.column() - 1]
        value = scenario.shocks.get(ticker)
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                fmt.MISSING
                if value is None
                else fmt.format_value(value, fmt.PERCENT, fmt.percent_decimals(value))
            )
        if role == Qt.ItemDataRole.EditRole:
            return fmt.percent_edit_value(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            shown = (
                "no shock (not covered)"
                if value is None
                else fmt.full_precision(value, fmt.PERCENT)
            )
            note = scenario.note(ticker)
            return (
                f"{ticker} in {scenario.name!r}: {shown}"
                + (f"\n{note}" if note else "")
                + f"\n{SHOCK_HELP}"
            )
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and value is None:
            return QBrush(BLANK_FOREGROUND)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if not 0 <= section < (self.columnCount() if horizontal else self.rowCount()):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if horizontal:
                return "Name" if section == NAME else self._tickers[section - 1]
            return str(section + 1)
        if role == Qt.ItemDataRole.ToolTipRole:
            if horizontal:
                return (
                    "Scenario name (unique)"
                    if section == NAME
                    else f"{self._tickers[section - 1]}: {SHOCK_HELP}"
                )
            return f"{self._scenarios[section].kind.label} scenario"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (
            role != Qt.ItemDataRole.EditRole
            or not index.isValid()
            or not 0 <= index.row() < self.rowCount()
        ):
            return False
        scenario = self._scenarios[index.row()]
        what = "Name" if index.column() == NAME else self._tickers[index.column() - 1]
        try:
            changed = self._with_cell(scenario, index.column(), value)
        except ScenarioError as exc:
            self.edit_rejected.emit(f"{scenario.name} / {what} not changed: {exc}")
            return False
        if changed == scenario:
            return True
        after = tuple(changed if i == index.row() else s for i, s in enumerate(self._scenarios))
        shown = (
            changed.name
            if index.column() == NAME
            else fmt.format_value(changed.shocks[what], fmt.PERCENT, 2)
        )
        return self.replace_scenarios(after, f"Set {scenario.name} / {what} to {shown}")
