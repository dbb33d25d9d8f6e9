"""The committee's inputs as editable tables: Black-Litterman views and capital market assumptions.

Both are :class:`~app.kit.editable_model.EditableTableModel` subclasses over a tuple of core
values (:class:`~core.optimize.black_litterman.View`,
:class:`~core.optimize.market_assumptions.MarketAssumption`). Every edit, add, delete or import
is ONE undo command; core checks the whole new tuple against the universe
(:func:`~core.optimize.black_litterman.check_view`,
:func:`~core.optimize.market_assumptions.check_assumptions`) and a refusal names the cell
("View 2, Long: XYZ is not an ETF ..."). Percent cells take percent units (``2`` or ``2%``).

Views: the Type cell takes ``absolute`` / ``relative`` (or ``a`` / ``r``). Typing a short side
into an absolute view makes it relative; clearing the short side of a relative view makes it
absolute. Tickers and asset classes are separated by commas or ``+``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from PySide6.QtGui import QUndoStack

from app.kit import formatting as fmt
from app.kit.editable_model import Cell, EditableTableModel, EditRefused
from core.errors import DataError
from core.inputs import check_text, parse_percent
from core.optimize.black_litterman import View, ViewKind, check_view
from core.optimize.market_assumptions import MarketAssumption, check_assumptions

KIND, LONG, SHORT, RETURN, CONFIDENCE = range(5)
VIEW_HEADERS = ("Type", "Long", "Short", "Expected return", "Confidence")
VIEW_TOOLTIPS = (
    "Absolute: the long side returns the expected return a year.\n"
    "Relative: the long side outperforms the short side by it.\nType a or r.",
    "ETF tickers or asset classes, separated by commas (equally weighted)",
    "What the long side outperforms (relative views only); clear it for an absolute view",
    "Annual total return (absolute) or return difference (relative), in percent: 2 or 2%",
    "Idzorek confidence, 0-100%: 100% makes the posterior meet the view exactly, 0% ignores it",
)
ASSET, CMA_RETURN, SOURCE = range(3)
CMA_HEADERS = ("Asset", "Expected return", "Source")
CMA_TOOLTIPS = (
    "An ETF ticker or an asset class (the class's ETFs without their own row take it)",
    "Annual total expected return, in percent: 7 or 7%",
    "Where the number comes from, e.g. 'JPM LTCMA 2026' or 'committee'",
)


def _names(text: Any, what: str) -> tuple[str, ...]:
    raw = check_text(text, what=what)
    return tuple(part.strip() for part in re.split(r"[,+;]", raw) if part.strip())


def _percent_cell(value: float, tooltip: str) -> Cell:
    return Cell(
        value,
        fmt.format_value(value, fmt.PERCENT, fmt.percent_decimals(value)),
        f"{fmt.full_precision(value, fmt.PERCENT)}\n{tooltip}",
        numeric=True,
        editable=True,
        clip=f"{value * 100:.10g}%",
        edit=fmt.percent_edit_value(value),
    )


class _CommitteeModel(EditableTableModel):
    """What both tables share: the universe they are checked against, add and delete."""

    def __init__(
        self,
        tickers: Sequence[str],
        groups: Mapping[str, Sequence[str]],
        undo_stack: QUndoStack | None = None,
        parent: Any = None,
    ) -> None:
        self._tickers = tuple(tickers)
        self._groups = {c: tuple(m) for c, m in groups.items()}
        super().__init__((), undo_stack, parent)

    def set_universe(self, tickers: Sequence[str], groups: Mapping[str, Sequence[str]]) -> None:
        self._tickers = tuple(tickers)
        self._groups = {c: tuple(m) for c, m in groups.items()}

    def row_keys(self, state: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(range(len(state)))

    def remove_rows_at(self, rows: Iterable[int], what: str) -> bool:
        current = self.state()
        doomed = sorted({r for r in rows if 0 <= r < len(current)})
        if not doomed:
            return False
        kept = tuple(x for i, x in enumerate(current) if i not in doomed)
        numbers = ", ".join(str(r + 1) for r in doomed)
        return self.replace_state(kept, f"Delete {what} {numbers}")

    def _refuse(self, row: int, column: int, exc: Exception, headers: Sequence[str]) -> EditRefused:
        return EditRefused(f"{self.row_header(row)}, {headers[column]}: {exc}")


class ViewsModel(_CommitteeModel):
    """Black-Litterman committee views, one row each (module docstring)."""

    def views(self) -> tuple[View, ...]:
        return self.state()

    def headers(self) -> tuple[str, ...]:
        return VIEW_HEADERS

    def header_tooltip(self, column: int) -> str | None:
        return VIEW_TOOLTIPS[column]

    def row_header(self, row: int) -> str:
        return f"View {row + 1}"

    def validated(self, state: tuple[View, ...]) -> tuple[View, ...]:
        for i, view in enumerate(state, start=1):
            try:
                check_view(view, self._tickers, self._groups, where=f"View {i}")
            except DataError as exc:
                raise EditRefused(str(exc)) from None
        return tuple(state)

    def cells(self, state: tuple[View, ...]) -> tuple[tuple[Cell, ...], ...]:
        rows = []
        for view in state:
            about = view.describe()
            rows.append(
                (
                    Cell(view.kind.value, view.kind.value, about, editable=True),
                    Cell(", ".join(view.long), ", ".join(view.long), about, editable=True),
                    Cell(", ".join(view.short), ", ".join(view.short), about, editable=True),
                    _percent_cell(view.expected_return, VIEW_TOOLTIPS[RETURN]),
                    _percent_cell(view.confidence, VIEW_TOOLTIPS[CONFIDENCE]),
                )
            )
        return tuple(rows)

    def edited(self, row: int, column: int, value: Any) -> tuple[tuple[View, ...], str]:
        current = self.views()
        view = current[row]
        try:
            changed = self._changed(view, column, value)
        except (ValueError, DataError) as exc:
            raise self._refuse(row, column, exc, VIEW_HEADERS) from None
        try:
            where = f"{self.row_header(row)}, {VIEW_HEADERS[column]}"
            check_view(changed, self._tickers, self._groups, where=where)
        except DataError as exc:
            raise EditRefused(str(exc)) from None
        after = current[:row] + (changed,) + current[row + 1 :]
        return after, f"Edit view {row + 1} {VIEW_HEADERS[column].lower()}"

    def _changed(self, view: View, column: int, value: Any) -> View:
        if column == KIND:
            word = check_text(value, what="the type").lower()
            if not word or not ("absolute".startswith(word) or "relative".startswith(word)):
                raise ValueError("type absolute or relative (a or r)")
            if word[0] == "a":
                return dataclasses.replace(view, kind=ViewKind.ABSOLUTE, short=())
            short = view.short or self._default_short(view.long)
            return dataclasses.replace(view, kind=ViewKind.RELATIVE, short=short)
        if column == LONG:
            return dataclasses.replace(view, long=_names(value, "the long side"))
        if column == SHORT:
            short = _names(value, "the short side")
            kind = ViewKind.RELATIVE if short else ViewKind.ABSOLUTE
            return dataclasses.replace(view, short=short, kind=kind)
        number = parse_percent(
            value,
            lower=-50.0 if column == RETURN else 0.0,
            upper=50.0 if column == RETURN else 100.0,
            what="a percentage",
            example="2 or 2%" if column == RETURN else "50 or 50%",
        )
        if number is None:
            raise ValueError("a number is needed")
        if column == RETURN:
            return dataclasses.replace(view, expected_return=number)
        return dataclasses.replace(view, confidence=number)

    def _default_short(self, long: tuple[str, ...]) -> tuple[str, ...]:
        other = next((t for t in self._tickers if t not in long), None)
        return (other,) if other else ()

    def add_view(self, view: View | None = None) -> bool:
        """Append ``view`` or a new one: the first ETF returns 5% a year, 50% confidence."""
        if view is None:
            view = View(ViewKind.ABSOLUTE, self._tickers[:1], (), 0.05, 0.5)
        return self.replace_state(self.views() + (view,), f"Add view {len(self.views()) + 1}")


class AssumptionsModel(_CommitteeModel):
    """Capital market assumptions, one row per ETF or asset class (module docstring)."""

    def assumptions(self) -> tuple[MarketAssumption, ...]:
        return self.state()

    def headers(self) -> tuple[str, ...]:
        return CMA_HEADERS

    def header_tooltip(self, column: int) -> str | None:
        return CMA_TOOLTIPS[column]

    def row_header(self, row: int) -> str:
        return f"Assumption {row + 1}"

    def validated(self, state: tuple[MarketAssumption, ...]) -> tuple[MarketAssumption, ...]:
        try:
            check_assumptions(state, self._tickers, self._groups)
        except DataError as exc:
            raise EditRefused(str(exc)) from None
        return tuple(state)

    def cells(self, state: tuple[MarketAssumption, ...]) -> tuple[tuple[Cell, ...], ...]:
        return tuple(
            (
                Cell(a.target, a.target, a.describe(), editable=True),
                _percent_cell(a.expected_return, CMA_TOOLTIPS[CMA_RETURN]),
                Cell(a.source, a.source, a.describe(), editable=True),
            )
            for a in state
        )

    def edited(self, row: int, column: int, value: Any) -> tuple[tuple[MarketAssumption, ...], str]:
        current = self.assumptions()
        item = current[row]
        try:
            if column == ASSET:
                item = dataclasses.replace(item, target=check_text(value, what="the asset"))
            elif column == SOURCE:
                item = dataclasses.replace(item, source=check_text(value, what="the source"))
            else:
                number = parse_percent(
                    value, lower=None, upper=None, what="a return", example="7 or 7%"
                )
                if number is None:
                    raise ValueError("a number is needed; type 7 for 7%")
                item = dataclasses.replace(item, expected_return=number)
        except ValueError as exc:
            raise self._refuse(row, column, exc, CMA_HEADERS) from None
        after = current[:row] + (item,) + current[row + 1 :]
        try:
            check_assumptions(after, self._tickers, self._groups)
        except DataError as exc:
            name = f"{self.row_header(row)} ({item.target or 'no asset'})"
            named = f"{self.row_header(row)}, {CMA_HEADERS[column]} ({item.target or 'no asset'})"
            raise EditRefused(str(exc).replace(name, named, 1)) from None
        return after, f"Edit assumption {row + 1} {CMA_HEADERS[column].lower()}"

    def add_assumption(self) -> bool:
        """Append a row for the first asset class (else ETF) without one: 5% a year, 'committee'."""
        taken = {a.target for a in self.assumptions()}
        free = [c for c in self._groups if c not in taken] + [
            t for t in self._tickers if t not in taken
        ]
        if not free:
            self.edit_rejected.emit("Every asset class and ETF already has an assumption.")
            return False
        item = MarketAssumption(free[0], 0.05, "committee")
        return self.replace_state(self.assumptions() + (item,), f"Add assumption for {free[0]}")

    def import_assumptions(self, items: Sequence[MarketAssumption], origin: str) -> bool:
        """Replace every row with ``items`` (a file's) as ONE undo command."""
        return self.replace_state(
            tuple(items), f"Import assumptions from {origin}", refusal=f"{origin} refused"
        )
