"""The rolling metrics the Risk tab offers (column of :func:`core.analytics.rolling.rolling_metrics`,
label, unit). No pyqtgraph here: the tab fills its combo box from this before any chart exists."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RollingMetric:
    """A rolling-metric column of :func:`core.analytics.rolling.rolling_metrics` and how to show it."""

    column: str
    label: str
    percent: bool
    benchmark_shown: bool  # the benchmark against itself has beta 1 and tracking error 0


ROLLING_METRICS: tuple[RollingMetric, ...] = (
    RollingMetric("rolling_return", "Return over the window", True, True),
    RollingMetric("rolling_volatility", "Volatility (annualized)", True, True),
    RollingMetric("rolling_sharpe_ratio", "Sharpe ratio", False, True),
    RollingMetric("rolling_max_drawdown", "Maximum drawdown within the window", True, True),
    RollingMetric("rolling_beta", "Beta to the benchmark", False, False),
    RollingMetric("rolling_tracking_error", "Tracking error (annualized)", True, False),
)
