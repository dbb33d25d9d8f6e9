"""The stress results table: one row per scenario of a :class:`~core.stress.engine.StressResult`,
with drawdown-tolerance breaches in red, and a last, derived row (italic): the reverse stress,
the most plausible move of the stress drivers whose loss equals the drawdown tolerance."""

from __future__ import annotations

from typing import Any

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from app.kit import formatting as fmt
from app.kit.dataframe_model import (
    ColumnSpec,
    DataFrameModel,
)
from core.outlook.reverse_stress import NAME as REVERSE_NAME
from core.outlook.reverse_stress import ReverseStress
from core.outlook.reverse_stress import describe as describe_reverse
from core.stress.defaults import DEFAULT_MARK
from core.stress.engine import StressResult

BREACH, WITHIN = "BREACH", "no"
DERIVED_KIND = "Derived (reverse stress)"
AT_TOLERANCE = "= tolerance"
SCENARIO_COLUMN, BREACH_COLUMN = "scenario", "breach"


def stress_frame(stress: StressResult, reverse: ReverseStress | None = None) -> pd.DataFrame:
    """One row per scenario: scenario, kind, start-to-end returns and the portfolio's path
    drawdown (decimal), P&L ($), breach text; then, with ``reverse``, one derived row: the
    most plausible driver move costing exactly the tolerance (linear map, one period, so its
    path drawdown is its loss)."""
    frame = pd.DataFrame(
        {
            SCENARIO_COLUMN: [o.name for o in stress.outcomes],
            "kind": [o.kind.label for o in stress.outcomes],
            "portfolio_return": [o.portfolio_return for o in stress.outcomes],
            "path_drawdown": [o.path_drawdown for o in stress.outcomes],
            "benchmark_return": [o.benchmark_return for o in stress.outcomes],
            "relative_performance": [o.relative_performance for o in stress.outcomes],
            "portfolio_pnl": [o.portfolio_pnl for o in stress.outcomes],
            BREACH_COLUMN: [
                BREACH if o.breaches_drawdown_tolerance else WITHIN for o in stress.outcomes
            ],
        }
    )
    if reverse is None or not stress.outcomes:
        return frame
    portfolio = -reverse.loss
    benchmark = reverse.return_of(stress.outcomes[0].benchmark_weights)
    derived = {
        SCENARIO_COLUMN: REVERSE_NAME,
        "kind": DERIVED_KIND,
        "portfolio_return": portfolio,
        "path_drawdown": min(portfolio, 0.0),
        "benchmark_return": benchmark,
        "relative_performance": portfolio - benchmark,
        "portfolio_pnl": portfolio * stress.portfolio_value,
        BREACH_COLUMN: AT_TOLERANCE,
    }
    return pd.concat([frame, pd.DataFrame([derived])], ignore_index=True)


def stress_specs(stress: StressResult) -> list[ColumnSpec]:
    tolerance = (
        f"path drawdown deeper than the IPS drawdown tolerance of {stress.drawdown_tolerance:.0%}"
    )
    return [
        ColumnSpec(SCENARIO_COLUMN, "Scenario"),
        ColumnSpec("kind", "Kind"),
        ColumnSpec(
            "portfolio_return",
            "Portfolio",
            fmt.PERCENT,
            decimals=2,
            tooltip="Portfolio total return over the scenario, start to end",
        ),
        ColumnSpec(
            "path_drawdown",
            "Path drawdown",
            fmt.PERCENT,
            decimals=2,
            tooltip="Portfolio's deepest peak-to-trough fall: on the monthly path of a historical "
            "replay (weights rebalanced monthly), the loss itself for a one-period scenario. "
            "The drawdown tolerance is compared with this",
        ),
        ColumnSpec(
            "benchmark_return",
            "Benchmark",
            fmt.PERCENT,
            decimals=2,
            tooltip="Benchmark total return over the scenario, start to end",
        ),
        ColumnSpec(
            "relative_performance",
            "Relative",
            fmt.PERCENT,
            decimals=2,
            tooltip="Portfolio minus benchmark return (positive = the portfolio does better)",
        ),
        ColumnSpec(
            "portfolio_pnl",
            "P&L",
            fmt.CURRENCY,
            tooltip=f"Dollar gain or loss on ${stress.portfolio_value:,.0f}",
        ),
        ColumnSpec(BREACH_COLUMN, "Breach", tooltip=f"BREACH = {tolerance}"),
    ]


class StressResultsModel(DataFrameModel):
    """A read-only :class:`DataFrameModel` whose breach cells are red and whose scenario cells
    carry the scenario's description and source as tooltip."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent=parent)
        self._stress: StressResult | None = None
        self._reverse: ReverseStress | None = None
        self._breaches: tuple[bool, ...] = ()

    def set_stress(self, stress: StressResult, reverse: ReverseStress | None = None) -> None:
        """Show ``stress``, and ``reverse`` as a last, derived row (italic, its sentence as
        tooltip)."""
        self._stress = stress
        self._reverse = reverse
        # Each outcome derives its figures with pandas on every access; paint calls data() per
        # cell and role, so the flags are read once here.
        self._breaches = tuple(o.breaches_drawdown_tolerance for o in stress.outcomes)
        frame = stress_frame(stress, reverse)
        self._breaches += (False,) * (len(frame) - len(self._breaches))
        self.set_frame(frame, stress_specs(stress))

    def scenario_at(self, row: int) -> str | None:
        """The scenario shown at ``row`` (on screen: the table may be sorted)."""
        frame = self.frame()
        if not 0 <= row < len(frame):
            return None
        return str(frame[SCENARIO_COLUMN].iloc[self.frame_row(row)])

    def cell_style(self, row: int, column: int) -> str | None:
        if (
            self._stress is not None
            and self._breaches[row]
            and column == self.column_of(BREACH_COLUMN)
        ):
            return "fail"
        return super().cell_style(row, column)

    def cell_data(self, row: int, column: int, role: int) -> Any:
        value = super().cell_data(row, column, role)
        if self._stress is None:
            return value
        if row >= len(self._stress.outcomes):  # the derived reverse-stress row
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setItalic(True)
                return font
            if role == Qt.ItemDataRole.ToolTipRole and self._reverse is not None:
                return (
                    "Derived, not a scenario: computed from the stress drivers' covariance, not "
                    "from history or a committee's story.\n" + describe_reverse(self._reverse)
                )
            return value
        breach = self._breaches[row]
        if column == self.column_of(BREACH_COLUMN) and breach:
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
        if column == self.column_of(SCENARIO_COLUMN) and role == Qt.ItemDataRole.ToolTipRole:
            scenario = self._stress.outcomes[row].scenario
            parts = [
                scenario.name,
                scenario.description,
                scenario.period,
                scenario.source and f"Source: {scenario.source}",
                # an ETF the scenario does not cover itself (one added to the universe)
                *(scenario.note(t) for t, note in scenario.notes.items() if DEFAULT_MARK in note),
            ]
            return "\n".join(p for p in parts if p)
        return value
