"""Custom stress scenarios as an editable table: one row per scenario, ``Name`` then one column
per universe ETF holding its shock (the ETF's total return over the scenario).

Shock cells show percentages and take percent units, as every percent cell of the app:
``-20``, ``-20%`` and ``−20 %`` all mean -20%. Each edit rebuilds a core
:class:`~core.stress.scenarios.Scenario`, so core validates it (:func:`parse_shock` refuses text
and shocks below -100%, :class:`Scenario` a blank name); tickers outside the universe (a pasted
header row, a loaded file) are refused by :func:`check_tickers` and duplicate names by
:func:`check_unique_names` or :meth:`CustomScenariosModel.set_reserved_names` (the bundled
scenarios' names). A refusal emits ``edit_rejected(message)`` and leaves the model unchanged.

The table is an editable value-table model (:mod:`app.kit.editable_model`): every accepted
change (one cell, an add, a delete, a paste, a load) is ONE undo command that swaps the whole
tuple of scenarios; applying it emits the narrowest signals (``dataChanged`` on the changed
rows, rows inserted or removed, a reset only for a wholesale replacement) and
``scenarios_changed(tuple)``. Names are text cells of at most
:data:`core.inputs.MAX_CELL_CHARS` characters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QUndoStack

from app.kit import formatting as fmt
from app.kit.editable_model import Cell, EditableTableModel, EditRefused
from core.inputs import check_text, parse_percent
from core.stress.scenarios import (
    Scenario,
    ScenarioError,
    ScenarioKind,
    check_tickers,
    check_unique_names,
    parse_shock,
)

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


class CustomScenariosModel(EditableTableModel):
    """Editable table of custom scenarios (module docstring)."""

    scenarios_changed = Signal(object)

    def __init__(
        self, tickers: Sequence[str], undo_stack: QUndoStack | None = None, parent: Any = None
    ) -> None:
        self._tickers = tuple(tickers)
        self._reserved: frozenset[str] = frozenset()
        super().__init__((), undo_stack, parent)
        self.state_changed.connect(self.scenarios_changed)

    # -- state -----------------------------------------------------------------------------
    @property
    def tickers(self) -> tuple[str, ...]:
        return self._tickers

    def scenarios(self) -> tuple[Scenario, ...]:
        return self.state()

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
        self.set_state(self.validate(scenarios))

    # -- undoable changes ------------------------------------------------------------------
    def replace_scenarios(self, scenarios: Iterable[Scenario], text: str) -> bool:
        """Validate and push one command; False (and ``edit_rejected``) when core refuses."""
        return self.replace_state(tuple(scenarios), text)

    def add_scenario(self, scenario: Scenario | None = None) -> bool:
        """Append ``scenario`` or a new one with every shock at 0%."""
        current = self.scenarios()
        if scenario is None:
            taken = {s.name.casefold() for s in current} | self._reserved
            number = next(
                n for n in range(1, len(taken) + 2) if f"custom scenario {n}" not in taken
            )
            scenario = Scenario(
                f"Custom scenario {number}",
                ScenarioKind.CUSTOM,
                dict.fromkeys(self._tickers, 0.0),
                description="Typed in by the user.",
            )
        return self.replace_scenarios(current + (scenario,), f"Add scenario {scenario.name!r}")

    def remove_rows_at(self, rows: Iterable[int]) -> bool:
        current = self.scenarios()
        doomed = sorted({r for r in rows if 0 <= r < len(current)})
        if not doomed:
            return False
        names = ", ".join(repr(current[r].name) for r in doomed)
        kept = tuple(s for i, s in enumerate(current) if i not in doomed)
        return self.replace_scenarios(kept, f"Delete scenario {names}")

    # -- the editable value-table hooks ------------------------------------------------------
    def validated(self, state: tuple[Scenario, ...]) -> tuple[Scenario, ...]:
        try:
            return self.validate(state)
        except ScenarioError as exc:
            raise EditRefused(str(exc)) from None

    def headers(self) -> tuple[str, ...]:
        return ("Name", *self._tickers)

    def header_tooltip(self, column: int) -> str | None:
        if column == NAME:
            return "Scenario name (unique)"
        return f"{self._tickers[column - 1]}: {SHOCK_HELP}"

    def row_header_tooltip(self, row: int) -> str | None:
        return f"{self.scenarios()[row].kind.label} scenario"

    def row_keys(self, state: tuple[Scenario, ...]) -> tuple[Scenario, ...]:
        return state

    LAZY_ROWS = True  # a pasted block may add thousands of scenarios

    def row_cells(self, state: tuple[Scenario, ...], row: int) -> tuple[Cell, ...]:
        return self._row_cells(state[row])

    def _row_cells(self, scenario: Scenario) -> tuple[Cell, ...]:
        about = "\n".join(
            t
            for t in (f"{scenario.kind.label} scenario", scenario.description, scenario.source)
            if t
        )
        out = [Cell(scenario.name, scenario.name, about, editable=True)]
        for ticker in self._tickers:
            value = scenario.shocks.get(ticker)
            shown = (
                "no shock (not covered)"
                if value is None
                else fmt.full_precision(value, fmt.PERCENT)
            )
            note = scenario.note(ticker)
            out.append(
                Cell(
                    value,
                    fmt.MISSING
                    if value is None
                    else fmt.format_value(value, fmt.PERCENT, fmt.percent_decimals(value)),
                    f"{ticker} in {scenario.name!r}: {shown}"
                    + (f"\n{note}" if note else "")
                    + f"\n{SHOCK_HELP}",
                    numeric=True,
                    editable=True,
                    style="blank" if value is None else None,
                    clip="" if value is None else f"{value * 100:.10g}%",
                    edit=fmt.percent_edit_value(value),
                )
            )
        return tuple(out)

    def edited(self, row: int, column: int, value: Any) -> tuple[tuple[Scenario, ...], str]:
        current = self.scenarios()
        scenario = current[row]
        what = "Name" if column == NAME else self._tickers[column - 1]
        if column != NAME:
            question = fmt.ambiguous_fraction(
                value, fmt.percent_edit_value(scenario.shocks.get(what))
            )
            if question:
                raise EditRefused(f"{scenario.name} / {what} not changed: {question}")
        try:
            changed = self._with_cell(scenario, column, value)
        except (ScenarioError, ValueError) as exc:
            raise EditRefused(f"{scenario.name} / {what} not changed: {exc}") from None
        after = tuple(changed if i == row else s for i, s in enumerate(current))
        shown = (
            changed.name
            if column == NAME
            else fmt.format_value(changed.shocks[what], fmt.PERCENT, 2)
        )
        return after, f"Set {scenario.name} / {what} to {shown}"

    def pasted(
        self, block: list[list[str]], row: int, column: int
    ) -> tuple[tuple[Scenario, ...], str]:
        """A block whose first cell is ``Name`` is a header row (Name, tickers...): each
        following line is added as a new scenario. Otherwise cells land from the given cell on;
        lines past the last row add scenarios when the block starts in the Name column."""
        try:
            if block[0][0].strip().casefold() == "name":
                after = self.scenarios() + self._from_header(block)
            else:
                after = self._pasted(block, row, column)
        except ScenarioError as exc:
            raise EditRefused(str(exc)) from None
        return after, f"Paste {len(block)} x {max(map(len, block))} cells"

    def _from_header(self, block: list[list[str]]) -> tuple[Scenario, ...]:
        tickers = [t.strip().upper() for t in block[0][1:]]
        if len(block) < 2:
            raise ScenarioError("the block has a header row but no scenario below it.")
        added = []
        for cells in block[1:]:
            name = _name(cells[0])
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
        scenarios = list(self.scenarios())
        for offset, cells in enumerate(block):
            position = row + offset
            if position >= len(scenarios):
                if column != NAME:
                    raise ScenarioError(
                        "rows below the last scenario need the Name column: start the paste there."
                    )
                scenarios.append(
                    Scenario(
                        _name(cells[0]) or "?",
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
            return replace(scenario, name=_name(value))
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


def _name(value: Any) -> str:
    """A scenario name as typed (bounded like every text cell; Scenario refuses a blank one)."""
    try:
        return check_text(value, what="the scenario name")
    except ValueError as exc:
        raise ScenarioError(str(exc)) from None
