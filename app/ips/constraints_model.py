"""The IPS constraints table: every policy limit of a profile as an editable row.

Rows, in order: one per asset-class range (minimum, maximum), one per ETF of the universe
(minimum, cap), one per group limit, then the scalar limits (maximum volatility, maximum
drawdown, maximum single-ETF weight, absolute drift band; maximum column only), then the
Outlook's policy numbers (return objective, inflation assumption, spending as a percent of
assets a year, liquidity reserve; the value in the maximum column; a blank objective or spending
removes it).

Cells show percentages; typed or pasted input is in percent units with or without ``%`` (the
grammar of :mod:`core.inputs`). The table is an editable value-table model
(:mod:`app.kit.editable_model`) over the profile: every accepted edit or paste is one undo
command that replaces the profile with ``profile.with_changes(...)``; the core re-validates it,
and a :class:`PolicyError` (minimum above maximum, ...) is refused with
``edit_rejected(message)``, the table unchanged. Each edit is also checked against the whole
policy (:func:`core.policy.constraints.check_feasibility`): a limit that leaves no portfolio
meeting every rule is refused when typed, naming the rule it collides with. A pasted block of Minimum / Maximum cells is
one command; cells pasted on the Constraint and Type columns are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QUndoStack

from app.kit import formatting as fmt
from app.kit.editable_model import Cell, EditableTableModel, EditRefused
from core.errors import IPSStudioError, PolicyError
from core.policy.constraints import build_constraints, check_feasibility
from core.policy.profile import GroupLimit, IPSProfile, Range, SpendingKind, SpendingPolicy
from core.universe import Universe

LABEL, SECTION, MINIMUM, MAXIMUM = range(4)
HEADERS = ("Constraint", "Type", "Minimum", "Maximum")


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


OUTLOOK = "Outlook"
OUTLOOK_FIELDS = (
    (
        "target_return",
        "Return objective (annual; nominal, or x above inflation)",
        True,
        "The return the policy must earn a year over its horizon (the Outlook tab's objective): "
        "nominal, or the x of 'inflation + x%' when the objective basis (left) says so. "
        "Blank: none stated (the Outlook then asks only to preserve capital, or purchasing "
        "power).",
    ),
    (
        "inflation",
        "Inflation assumption (annual)",
        False,
        "The inflation the 'inflation + x%' objective assumes, a constant rate a year; the "
        "Outlook tests (1 + inflation)(1 + x) - 1 a year. Not used by a nominal objective.",
    ),
    (
        "spending_percent",
        "Spending (% of assets a year)",
        True,
        "Paid monthly, e.g. 5 for an endowment's 5% rule. Blank: no spending. Contributions and "
        "fixed-amount rules are set in the profile file (shown here as blank).",
    ),
    (
        "liquidity_reserve",
        "Liquidity reserve (of starting assets)",
        False,
        "Assets that must remain: the Outlook counts a path falling below it as a shortfall.",
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
    rows += [
        ConstraintRow(OUTLOOK, label, field, False, True, optional, tip)
        for field, label, optional, tip in OUTLOOK_FIELDS
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
    if row.key == "target_return":
        return profile.target_return
    if row.key == "spending_percent":
        spending = profile.spending
        return spending.value if spending.kind is SpendingKind.PERCENT_OF_ASSETS else None
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
    if row.key == "spending_percent":
        spending = (
            SpendingPolicy()
            if value is None
            else SpendingPolicy(SpendingKind.PERCENT_OF_ASSETS, value)
        )
        return profile.with_changes(spending=spending)
    return profile.with_changes(**{row.key: value})


class ConstraintsModel(EditableTableModel):
    """Editable view of a profile's limits (see module docstring)."""

    profile_changed = Signal(object)

    def __init__(
        self,
        profile: IPSProfile,
        universe: Universe,
        undo_stack: QUndoStack | None = None,
        parent: Any = None,
    ) -> None:
        self._universe = universe
        super().__init__(profile, undo_stack, parent)
        self.state_changed.connect(self.profile_changed)

    @property
    def profile(self) -> IPSProfile:
        return self.state()

    @property
    def universe(self) -> Universe:
        return self._universe

    def row_of(self, section: str, key: Any) -> int:
        """Row number of the ``(section, key)`` row, e.g. ``("Asset class", "Equity")``; -1 if absent."""
        for i, row in enumerate(self._layout):
            if row.section == section and row.key == key:
                return i
        return -1

    def replace_profile(self, profile: IPSProfile, text: str | None = None) -> None:
        """Switch to another profile as one undoable command."""
        if profile != self.profile:
            self.replace_state(profile, text or f"Switch to profile {profile.name}")

    # -- the editable value-table hooks ------------------------------------------------------
    def headers(self) -> tuple[str, ...]:
        return HEADERS

    def header_tooltip(self, column: int) -> str | None:
        return fmt.PERCENT_INPUT_HELP if column in (MINIMUM, MAXIMUM) else None

    def row_keys(self, state: IPSProfile) -> tuple[ConstraintRow, ...]:
        return constraint_rows(state, self._universe)

    @property
    def _layout(self) -> tuple[ConstraintRow, ...]:
        return self._keys  # the row keys of the profile shown are its row layout

    def cells(self, state: IPSProfile) -> tuple[tuple[Cell, ...], ...]:
        return tuple(self._row_cells(state, row) for row in constraint_rows(state, self._universe))

    def _row_cells(self, profile: IPSProfile, row: ConstraintRow) -> tuple[Cell, ...]:
        out = [
            Cell(row.label, row.label, row.tooltip or None),
            Cell(row.section, row.section, row.tooltip or None),
        ]
        for column in (MINIMUM, MAXIMUM):
            value = cell_value(profile, row, column)
            editable = _editable(row, column)
            if value is None:
                text = fmt.MISSING if editable else ""
            else:
                text = fmt.format_value(value, fmt.PERCENT, fmt.percent_decimals(value))
            tooltip = None
            if editable:
                shown = "no limit" if value is None else fmt.full_precision(value, fmt.PERCENT)
                tooltip = (
                    f"{row.label} {HEADERS[column].lower()}: {shown}. {fmt.PERCENT_INPUT_HELP}"
                )
            style = None if editable else "readonly"
            if value is None and style is None:
                style = "blank"
            out.append(
                Cell(
                    value,
                    text,
                    tooltip,
                    numeric=True,
                    editable=editable,
                    style=style,
                    clip="" if value is None else f"{value * 100:.10g}%",
                    edit=fmt.percent_edit_value(value),
                )
            )
        return tuple(out)

    def edited(self, row: int, column: int, value: Any) -> tuple[IPSProfile, str]:
        layout = self._layout[row]
        what = f"{layout.label} {HEADERS[column].lower()}"
        question = fmt.ambiguous_fraction(
            value, fmt.percent_edit_value(cell_value(self.profile, layout, column))
        )
        if question:
            raise EditRefused(f"{what} not changed: {question}")
        try:
            decimal = fmt.parse_percent(value, optional=layout.optional)
            after = with_cell(self.profile, layout, column, decimal)
            self._check_whole_policy(after)
        except (ValueError, IPSStudioError) as exc:
            raise EditRefused(f"{what} not changed: {exc}") from None
        shown = "blank" if decimal is None else fmt.format_value(decimal, fmt.PERCENT, 2)
        return after, f"Set {what} to {shown}"

    def pasted(self, block: list[list[str]], row: int, column: int) -> tuple[IPSProfile, str]:
        width = max(map(len, block))
        if column < 0 or column + width > len(HEADERS) or row < 0:
            raise EditRefused(f"the block is {width} columns wide and does not fit from there.")
        if row + len(block) > len(self._layout):
            raise EditRefused(
                f"the block has {len(block)} rows; only {len(self._layout) - row} fit below "
                "this row (the table has one row per limit)."
            )
        profile = self.profile
        for offset, cells in enumerate(block):
            layout = self._layout[row + offset]
            for k, value in enumerate(cells):
                c = column + k
                if c not in (MINIMUM, MAXIMUM):
                    continue  # labels copied with the numbers
                where = f"{layout.label} {HEADERS[c].lower()}"
                if not _editable(layout, c):
                    if str(value).strip():
                        raise EditRefused(
                            f"{where} cannot be set (this limit has no {HEADERS[c].lower()})."
                        )
                    continue
                try:
                    decimal = fmt.parse_percent(value, optional=layout.optional)
                    profile = with_cell(profile, layout, c, decimal)
                except (ValueError, PolicyError) as exc:
                    raise EditRefused(f"{where}: {exc}") from None
        try:
            self._check_whole_policy(profile)
        except IPSStudioError as exc:
            raise EditRefused(str(exc)) from None
        return profile, f"Paste {len(block)} x {width} limits"

    def _check_whole_policy(self, profile: IPSProfile) -> None:
        """Refuse an edit that leaves no portfolio meeting every limit together (an SPY minimum
        above the single-ETF cap, a 1% cap on every ETF, a 0% cash maximum under a 5% SGOV
        minimum...): said when typed, with the rule it collides with and the smallest change
        that fixes it, instead of failing at Optimize."""
        check_feasibility(build_constraints(profile, self._universe))


def _editable(row: ConstraintRow, column: int) -> bool:
    return (column == MINIMUM and row.min_editable) or (column == MAXIMUM and row.max_editable)
