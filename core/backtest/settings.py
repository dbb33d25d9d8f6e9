"""Settings of the walk-forward test (:mod:`core.backtest.walk_forward`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from core.backtest.holding import WithinPeriod
from core.errors import PolicyError
from core.rebalance.settings import DEFAULT_COST_BPS, MAX_COST_BPS

RECOMMENDATION_RULE = "IPS Recommended (selection rule)"
BENCHMARK_RULE = "Benchmark"
MIN_WINDOW_MONTHS = 24  # the covariance estimators' own minimum


class WindowKind(str, Enum):
    EXPANDING = "Expanding (every month up to the decision)"
    ROLLING = "Rolling (the latest months only)"


class RuleKind(str, Enum):
    CANDIDATE = "Candidate construction"
    SELECTION = "IPS selection rule"
    BENCHMARK = "Policy benchmark"


@dataclass(frozen=True)
class WalkForwardSettings:
    """How the walk-forward runs (all stated with its results).

    min_months : months of history before the first decision (>= 24; default 60, five years).
    window : expanding or rolling estimation window.
    window_months : length of the rolling window, months (ignored when expanding).
    hold_months : months between decisions, a divisor of 12 (3 = calendar quarter-ends).
    cost_bps : trading cost per unit of turnover, basis points; by default the trade settings'
        default (:data:`core.rebalance.settings.DEFAULT_COST_BPS`); the report passes the
        project's ``TradeSettings.cost_bps``.
    within : drift until the next decision, or monthly rebalancing.
    cost_source : where ``cost_bps`` comes from, in words (stated with the results).
    """

    min_months: int = 60
    window: WindowKind = WindowKind.EXPANDING
    window_months: int = 60
    hold_months: int = 3
    cost_bps: float = DEFAULT_COST_BPS
    within: WithinPeriod = WithinPeriod.DRIFT
    cost_source: str = "the default trade settings"

    def __post_init__(self) -> None:
        if not (isinstance(self.min_months, int) and self.min_months >= MIN_WINDOW_MONTHS):
            raise PolicyError(
                f"The walk-forward needs at least {MIN_WINDOW_MONTHS} months before its first "
                f"decision; {self.min_months!r} was given: enter 60 (five years) or more."
            )
        if self.window is WindowKind.ROLLING and not (
            isinstance(self.window_months, int) and self.window_months >= MIN_WINDOW_MONTHS
        ):
            raise PolicyError(
                f"A rolling window of {self.window_months!r} months is too short: enter at "
                f"least {MIN_WINDOW_MONTHS}."
            )
        if self.hold_months not in (1, 2, 3, 4, 6, 12):
            raise PolicyError(
                f"Holding {self.hold_months!r} months between decisions does not divide the "
                "year: enter 1, 2, 3, 4, 6 or 12 (3 = quarterly)."
            )
        if not (math.isfinite(self.cost_bps) and 0.0 <= self.cost_bps <= MAX_COST_BPS):
            raise PolicyError(
                f"Trading cost {self.cost_bps!r} bps is outside 0..{MAX_COST_BPS:g} bps."
            )

    def describe(self) -> str:
        window = (
            f"expanding window (at least {self.min_months} months)"
            if self.window is WindowKind.EXPANDING
            else f"rolling {self.window_months}-month window (first decision after "
            f"{self.min_months} months)"
        )
        every = "quarter-end" if self.hold_months == 3 else f"{self.hold_months}-month"
        return (
            f"Re-estimated at every {every} on an {window}; "
            f"{self.within.value[0].lower()}{self.within.value[1:]}; "
            f"trades cost {self.cost_bps:g} bps of turnover ({self.cost_source})."
        )
