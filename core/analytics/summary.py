"""Tier-3 summary of :mod:`core.analytics.metrics`: every figure for one series in a frozen
dataclass, with labels, format kinds and the one-line convention of each (the report's
Methodology sheet prints :data:`CONVENTIONS`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from core.analytics.metrics import (
    Returns,
    RiskFree,
    _check_level,
    _pair,
    annualized_return,
    annualized_volatility,
    best_month,
    beta,
    cornish_fisher_var,
    correlation,
    down_capture,
    historical_cvar,
    historical_var,
    information_ratio,
    max_drawdown,
    max_drawdown_duration,
    parametric_var,
    positive_month_share,
    sharpe_ratio,
    sortino_ratio,
    tracking_error,
    up_capture,
    worst_month,
)
from core.errors import DataError


class MetricKind(str, Enum):
    """How a figure is formatted: ``PERCENT`` 0.0123 -> 1.23%, ``CURRENCY`` in dollars."""

    PERCENT = "percent"
    RATIO = "ratio"
    CURRENCY = "currency"
    COUNT = "count"


@dataclass(frozen=True)
class MetricSpec:
    """Column name, human label and format kind of one :class:`PerformanceMetrics` figure."""

    name: str
    label: str
    kind: MetricKind


_P, _R, _C, _N = MetricKind.PERCENT, MetricKind.RATIO, MetricKind.CURRENCY, MetricKind.COUNT
# (name, label, kind, convention); "{level}" in a label becomes e.g. "95%".
_METRICS: tuple[tuple[str, str, MetricKind, str], ...] = (
    ("annualized_return", "Annualized return (CAGR)", _P,
     "Geometric: prod(1 + r)^(12/N) - 1 on monthly simple returns."),
    ("annualized_volatility", "Annualized volatility", _P,
     "Sample std (ddof 1) of monthly returns x sqrt(12)."),
    ("sharpe_ratio", "Sharpe ratio", _R,
     "Mean monthly excess over rf x 12 / (std of excess x sqrt(12)); 0 if that std is ~0."),
    ("sortino_ratio", "Sortino ratio", _R,
     "Mean excess over rf x 12 / downside deviation below rf over all months x sqrt(12); "
     "undefined (nan) if no month fell below rf."),
    ("max_drawdown", "Maximum drawdown", _P,
     "Worst fall of wealth from its running peak, wealth starting at 1 before month 1; negative."),
    ("max_drawdown_duration", "Longest drawdown (months)", _N,
     "Most consecutive months spent below a previous wealth peak."),
    ("tracking_error", "Tracking error", _P,
     "Std (ddof 1) of monthly portfolio minus benchmark returns x sqrt(12)."),
    ("information_ratio", "Information ratio", _R,
     "Mean monthly active return x 12 / tracking error (arithmetic, not CAGR difference); 0 if TE ~0."),
    ("beta", "Beta", _R, "Cov(portfolio, benchmark) / Var(benchmark) of monthly returns, ddof 1."),
    ("correlation", "Correlation", _R, "Pearson correlation of monthly portfolio and benchmark returns."),
    ("up_capture", "Up capture", _R,
     "Mean portfolio return / mean benchmark return over months the benchmark rose (arithmetic)."),
    ("down_capture", "Down capture", _R,
     "Mean portfolio return / mean benchmark return over months the benchmark fell (arithmetic)."),
    ("var_95", "Historical VaR {level} (1 month)", _P,
     "(1 - level) quantile of monthly returns, linear interpolation; monthly, negative = loss."),
    ("cvar_95", "Historical CVaR {level} (1 month)", _P,
     "Mean of monthly returns at or below historical VaR; monthly, negative = loss."),
    ("parametric_var_95", "Parametric VaR {level} (1 month)", _P,
     "Mean + z x std (ddof 1) of monthly returns, z the normal (1 - level) quantile; negative = loss."),
    ("cornish_fisher_var_95", "Cornish-Fisher VaR {level} (1 month)", _P,
     "Parametric VaR with z adjusted for bias-corrected sample skewness and excess kurtosis."),
    ("var_95_dollar", "Historical VaR {level} ($, 1 month)", _C,
     "Historical VaR return x portfolio value; negative = loss."),
    ("cvar_95_dollar", "Historical CVaR {level} ($, 1 month)", _C,
     "Historical CVaR return x portfolio value; negative = loss."),
    ("best_month", "Best month", _P, "Highest monthly simple return."),
    ("worst_month", "Worst month", _P, "Lowest monthly simple return."),
    ("positive_month_share", "Positive months", _P, "Share of months with a return above zero."),
    ("months", "Months", _N, "Number of monthly returns in the sample."),
)  # fmt: skip

CONVENTIONS: dict[str, str] = {name: convention for name, _, _, convention in _METRICS}
"""One-line statement of each metric's convention, keyed by :class:`PerformanceMetrics` field."""


@dataclass(frozen=True)
class PerformanceMetrics:
    """Every figure of :data:`CONVENTIONS` for one return series against one benchmark.

    Percent figures are decimals (0.05 = 5%); VaR/CVaR are one-month returns at ``level``
    (the ``_95`` names refer to the default level), negative = loss. ``var_95_dollar`` and
    ``cvar_95_dollar`` are those returns times ``portfolio_value``, in dollars.
    """

    annualized_return: float
    annualized_volatility: float
    sharpe_ratio: float
    sortino_ratio: float
    max_drawdown: float
    max_drawdown_duration: int
    tracking_error: float
    information_ratio: float
    beta: float
    correlation: float
    up_capture: float
    down_capture: float
    var_95: float
    cvar_95: float
    parametric_var_95: float
    cornish_fisher_var_95: float
    best_month: float
    worst_month: float
    positive_month_share: float
    months: int
    portfolio_value: float = 100_000_000.0
    level: float = 0.95

    @property
    def var_95_dollar(self) -> float:
        return self.var_95 * self.portfolio_value

    @property
    def cvar_95_dollar(self) -> float:
        return self.cvar_95 * self.portfolio_value

    @classmethod
    def specs(cls, level: float = 0.95) -> tuple[MetricSpec, ...]:
        """Report columns in display order, labels showing ``level`` as a percentage."""
        shown = f"{level * 100:g}%"
        return tuple(
            MetricSpec(n, label.format(level=shown), kind) for n, label, kind, _ in _METRICS
        )

    def to_dict(self) -> dict[str, float | int]:
        """``{name: value}`` for every column of :meth:`specs`, in that order."""
        return {spec.name: getattr(self, spec.name) for spec in self.specs(self.level)}


def performance_metrics(
    returns: Returns,
    benchmark: Returns,
    rf: RiskFree,
    portfolio_value: float = 100_000_000.0,
    level: float = 0.95,
) -> PerformanceMetrics:
    """All :class:`PerformanceMetrics` of ``returns`` against ``benchmark``.

    Parameters
    ----------
    returns, benchmark : ndarray or Series, shape (N,)
        Monthly simple returns over the same months, N >= 4. The benchmark against itself is
        legitimate (tracking error 0, beta 1).
    rf : float or ndarray or Series
        Monthly risk-free series of shape (N,) or a float annual rate (see :func:`sharpe_ratio`).
    portfolio_value : float
        Dollars, > 0; scales the dollar VaR and CVaR.
    level : float
        VaR/CVaR confidence level in (0, 1).
    """
    _pair(returns, benchmark, ("returns", "benchmark"), 4, "the performance summary")
    if not (math.isfinite(portfolio_value) and portfolio_value > 0):
        raise DataError(f"Portfolio value {portfolio_value} must be a positive dollar amount.")
    return PerformanceMetrics(
        annualized_return=annualized_return(returns),
        annualized_volatility=annualized_volatility(returns),
        sharpe_ratio=sharpe_ratio(returns, rf),
        sortino_ratio=sortino_ratio(returns, rf),
        max_drawdown=max_drawdown(returns),
        max_drawdown_duration=max_drawdown_duration(returns),
        tracking_error=tracking_error(returns, benchmark),
        information_ratio=information_ratio(returns, benchmark),
        beta=beta(returns, benchmark),
        correlation=correlation(returns, benchmark),
        up_capture=up_capture(returns, benchmark),
        down_capture=down_capture(returns, benchmark),
        var_95=historical_var(returns, level),
        cvar_95=historical_cvar(returns, level),
        parametric_var_95=parametric_var(returns, level),
        cornish_fisher_var_95=cornish_fisher_var(returns, level),
        best_month=best_month(returns),
        worst_month=worst_month(returns),
        positive_month_share=positive_month_share(returns),
        months=len(returns),
        portfolio_value=float(portfolio_value),
        level=_check_level(level),
    )
