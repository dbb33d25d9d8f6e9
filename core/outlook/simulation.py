"""Wealth paths of fixed-weight portfolios, rebalanced monthly, with the IPS's cash flows.

Conventions
-----------
* Returns are monthly simple decimal returns. A portfolio rebalanced to fixed weights ``w`` at
  the start of every month earns ``w' r_t`` in month ``t``, so each portfolio's historical
  return series is computed once and the bootstrap gathers it: every portfolio sees the SAME
  resampled months (common random numbers, so differences between portfolios are not noise).
* Wealth starts at 1 (the starting assets). Month ``t``: ``W_t = W_{t-1} (1 + r_t) - c_t``,
  the cash flow paid at the month's end, after its return:

  - :attr:`CashFlowKind.FIXED`: ``c_t = a / 12`` with ``a`` the annual amount as a fraction of
    the starting assets (a constant nominal amount); a path whose wealth reaches 0 is exhausted
    and stays at 0 (nothing more can be paid).
  - :attr:`CashFlowKind.PERCENT`: ``c_t = (p / 12) W_{t-1} (1 + r_t)``, ``p`` a fraction of
    assets per year (an endowment's 5% rule is ``p = 0.05``).
  - Contributions are negative amounts or rates.

  Closed forms, used instead of a loop over months: with the growth index
  ``G_t = prod_{s<=t} (1 + r_s)`` and ``S_t = sum_{s<=t} 1 / G_s``, fixed spending gives
  ``W_t = G_t max(1 - c S_t, 0)`` and percent spending ``W_t = G_t (1 - p / 12)^t``.
* Drawdowns are measured on the growth index ``G`` (time-weighted: spending is not a loss),
  from a starting peak of 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np
import pandas as pd

from core.errors import DataError
from core.jobs import CancelToken, ProgressCallback, no_progress
from core.outlook.bootstrap import stationary_bootstrap_indices

MONTHS_PER_YEAR = 12
DEFAULT_PATHS = 10_000
DEFAULT_BLOCK_LENGTH = 12.0
DEFAULT_SEED = 17
FAN_PERCENTILES = (5, 25, 50, 75, 95)


class ReturnModel(str, Enum):
    """Where the monthly returns of a path come from."""

    BOOTSTRAP = "bootstrap"  # stationary block bootstrap of the monthly history (default)
    PARAMETRIC = "parametric"  # normal, from the capital market assumptions


@dataclass(frozen=True)
class CapitalMarket:
    """Capital market assumptions of the parametric model: annual arithmetic expected returns
    (shape (n,), decimal) and annual covariance (shape (n, n)) of ``tickers``. Monthly simple
    returns are drawn normal with mean ``expected_returns / 12`` and covariance
    ``covariance / 12`` (no autocorrelation, no fat tails: the bootstrap keeps those)."""

    tickers: tuple[str, ...]
    expected_returns: np.ndarray
    covariance: np.ndarray


class CashFlowKind(str, Enum):
    """How the policy pays out (or takes in) cash each year, in twelve monthly payments."""

    NONE = "none"
    FIXED = "fixed"  # a fixed amount a year
    PERCENT = "percent"  # a percentage of assets a year


@dataclass(frozen=True)
class CashFlows:
    """The cash-flow rule of a simulation.

    ``annual`` is, for FIXED, the amount a year as a decimal of the starting assets (0.04 = 4%
    of the starting value, every year); for PERCENT, the decimal of current assets a year
    (0.05 = the 5% rule). Positive pays out (spending), negative puts in (contributions).
    """

    kind: CashFlowKind = CashFlowKind.NONE
    annual: float = 0.0

    def __post_init__(self) -> None:
        if not np.isfinite(self.annual) or abs(self.annual) > 12:
            raise DataError(f"Cash flow of {self.annual!r} a year is not a usable number.")

    @property
    def monthly(self) -> float:
        """The monthly payment (FIXED: fraction of starting assets; PERCENT: of current assets)."""
        return 0.0 if self.kind is CashFlowKind.NONE else self.annual / MONTHS_PER_YEAR

    def describe(self) -> str:
        if self.kind is CashFlowKind.NONE or self.annual == 0:
            return "no spending or contributions"
        verb = "spending" if self.annual > 0 else "contributing"
        if self.kind is CashFlowKind.FIXED:
            return f"{verb} {abs(self.annual):.2%} of the starting assets a year, paid monthly"
        return f"{verb} {abs(self.annual):.2%} of assets a year, paid monthly"


@dataclass(frozen=True)
class SimulationSettings:
    """Paths, horizon (years, whole months), expected block length (months) and seed."""

    paths: int = DEFAULT_PATHS
    horizon_years: float = 10.0
    block_length: float = DEFAULT_BLOCK_LENGTH
    seed: int = DEFAULT_SEED
    model: ReturnModel = ReturnModel.BOOTSTRAP

    def __post_init__(self) -> None:
        if not 1 <= self.paths <= 1_000_000:
            raise DataError(f"Number of paths is {self.paths}; use 1 to 1,000,000.")
        if not 0 < self.horizon_years <= 100:
            raise DataError(f"Horizon is {self.horizon_years} years; use more than 0, at most 100.")
        if not np.isfinite(self.block_length) or self.block_length < 1:
            raise DataError(f"Block length is {self.block_length} months; it must be at least 1.")

    @property
    def months(self) -> int:
        return max(1, round(self.horizon_years * MONTHS_PER_YEAR))

    def describe(self) -> str:
        if self.model is ReturnModel.PARAMETRIC:
            return (
                f"{self.paths:,} paths x {self.months} months, normal monthly returns from the "
                f"capital market assumptions, seed {self.seed}"
            )
        return (
            f"{self.paths:,} paths x {self.months} months, stationary block bootstrap "
            f"(expected block {self.block_length:g} months), seed {self.seed}"
        )


def growth_paths(
    portfolio_returns: np.ndarray, indices: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Resampled monthly returns and their growth index for one portfolio.

    ``portfolio_returns`` shape (T,); ``indices`` shape (paths, months). Returns ``(r, G)``, both
    shape (paths, months), ``G_t = prod_{s<=t} (1 + r_s)``.
    """
    returns = portfolio_returns[indices]
    return returns, np.cumprod(1.0 + returns, axis=1)


def wealth_from_growth(growth: np.ndarray, cash_flows: CashFlows) -> np.ndarray:
    """Wealth after each month's cash flow, shape like ``growth`` (see module docstring)."""
    rate = cash_flows.monthly
    if cash_flows.kind is CashFlowKind.NONE or rate == 0:
        return growth.copy()
    if cash_flows.kind is CashFlowKind.PERCENT:
        months = np.arange(1, growth.shape[1] + 1)
        return growth * (1.0 - rate) ** months
    inverse_sum = np.cumsum(1.0 / np.maximum(growth, 1e-300), axis=1)
    return growth * np.maximum(1.0 - rate * inverse_sum, 0.0)


def max_drawdowns(growth: np.ndarray) -> np.ndarray:
    """Largest peak-to-trough loss of each path's growth index (positive decimal), shape (paths,);
    the starting value 1 counts as a peak."""
    peaks = np.maximum(np.maximum.accumulate(growth, axis=1), 1.0)
    return np.max(1.0 - growth / peaks, axis=1)


@dataclass(frozen=True)
class SimulatedPortfolio:
    """One portfolio's simulated paths, reduced to what the answers need.

    ``wealth_percentiles``: shape (5, months + 1), the 5/25/50/75/95th percentiles of wealth at
    each month end (column 0 is the start, all 1). ``terminal_wealth``, ``max_drawdown``,
    ``annualized_return`` (geometric, time-weighted), ``max_spending_rate`` (the largest fixed
    annual amount, as a fraction of starting assets, that this path could pay without wealth
    falling below the reserve; see :func:`max_fixed_spending`) and ``short``: shape (paths,).
    """

    name: str
    weights: pd.Series
    wealth_percentiles: np.ndarray
    terminal_wealth: np.ndarray
    max_drawdown: np.ndarray
    annualized_return: np.ndarray
    max_spending_rate: np.ndarray
    short: np.ndarray


def max_fixed_spending(growth: np.ndarray, reserve: float) -> np.ndarray:
    """Per path, the largest fixed annual amount (fraction of starting assets, paid monthly) that
    keeps wealth at or above ``reserve`` at every month end: ``12 min_t (1 - F / G_t) / S_t``
    (from ``W_t = G_t (1 - c S_t) >= F``), at least 0. Shape (paths,)."""
    inverse_sum = np.cumsum(1.0 / np.maximum(growth, 1e-300), axis=1)
    per_month = np.min((1.0 - reserve / growth) / inverse_sum, axis=1)
    return np.maximum(per_month, 0.0) * MONTHS_PER_YEAR


def shortfall(wealth: np.ndarray, cash_flows: CashFlows, reserve: float) -> np.ndarray:
    """True for a path on which, at some month end, spending could not be paid in full (wealth
    exhausted) or wealth after paying fell below the liquidity reserve ``reserve`` (a fraction
    of the starting assets). Shape (paths,)."""
    exhausted = np.zeros(wealth.shape[0], dtype=bool)
    if cash_flows.kind is CashFlowKind.FIXED and cash_flows.monthly > 0:
        exhausted = np.any(wealth <= 0.0, axis=1)
    if reserve > 0:
        exhausted |= np.any(wealth < reserve, axis=1)
    return exhausted


def summarise_paths(
    name: str,
    weights: pd.Series,
    returns: np.ndarray,
    cash_flows: CashFlows,
    reserve: float,
    cancel: CancelToken | None = None,
) -> SimulatedPortfolio:
    """One portfolio's :class:`SimulatedPortfolio` from its monthly returns, shape
    (paths, months); ``cancel`` is polled between the steps (each well under a second)."""

    def check() -> None:
        if cancel is not None:
            cancel.raise_if_cancelled()

    growth = np.cumprod(1.0 + returns, axis=1)
    check()
    wealth = wealth_from_growth(growth, cash_flows)
    check()
    months = returns.shape[1]
    percentiles = np.ones((len(FAN_PERCENTILES), months + 1))
    percentiles[:, 1:] = np.percentile(wealth, FAN_PERCENTILES, axis=0)
    return SimulatedPortfolio(
        name=name,
        weights=weights,
        wealth_percentiles=percentiles,
        terminal_wealth=wealth[:, -1].copy(),
        max_drawdown=max_drawdowns(growth),
        annualized_return=growth[:, -1] ** (MONTHS_PER_YEAR / months) - 1.0,
        max_spending_rate=max_fixed_spending(growth, reserve),
        short=shortfall(wealth, cash_flows, reserve),
    )


def _weights_matrix(
    items: Sequence[tuple[str, pd.Series]], tickers: Sequence[str], where: str
) -> np.ndarray:
    """Shape (n, k): each portfolio's weights in ``tickers`` order."""
    columns = []
    for name, weights in items:
        missing = sorted(set(weights.index[weights.abs() > 0]) - set(tickers))
        if missing:
            raise DataError(f"Portfolio {name!r} holds {', '.join(missing)}, absent from {where}.")
        columns.append(weights.reindex(list(tickers), fill_value=0.0).to_numpy(dtype=float))
    return np.column_stack(columns) if columns else np.zeros((len(tickers), 0))


def parametric_factors(market: CapitalMarket, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(mean, factor)`` of the portfolios' joint monthly returns: mean shape (k,), factor
    shape (k, k) with ``factor @ factor.T = W' (S / 12) W`` (a symmetric square root, so a
    singular covariance, e.g. two identical portfolios, is fine)."""
    mean = (np.asarray(market.expected_returns, dtype=float) / MONTHS_PER_YEAR) @ weights
    covariance = (
        weights.T @ (np.asarray(market.covariance, dtype=float) / MONTHS_PER_YEAR) @ weights
    )
    values, vectors = np.linalg.eigh((covariance + covariance.T) / 2)
    return mean, vectors * np.sqrt(np.clip(values, 0.0, None))


def simulate(
    history: pd.DataFrame,
    portfolios: Mapping[str, pd.Series] | Sequence[tuple[str, pd.Series]],
    settings: SimulationSettings,
    cash_flows: CashFlows = CashFlows(),
    reserve: float = 0.0,
    *,
    market: CapitalMarket | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[SimulatedPortfolio, ...]:
    """Simulate every portfolio on one set of paths (drawn once, from ``settings.seed``).

    ``history``: monthly simple returns, shape (T, n), columns tickers, no NaN. ``portfolios``:
    name -> decimal weights by ticker (rebalanced monthly to these weights). ``reserve``: the
    liquidity reserve as a fraction of the starting assets. ``market``: the capital market
    assumptions, needed by :attr:`ReturnModel.PARAMETRIC` (whose paths are normal draws shared by
    every portfolio: one standard normal per portfolio dimension, month and path).
    """
    items = list(portfolios.items()) if isinstance(portfolios, Mapping) else list(portfolios)
    if settings.model is ReturnModel.PARAMETRIC:
        if market is None:
            raise DataError("The parametric model needs capital market assumptions.")
        weights = _weights_matrix(items, market.tickers, "the capital market assumptions")
        mean, factor = parametric_factors(market, weights)
        progress(0.0, "Drawing normal paths")
        rng = np.random.default_rng(settings.seed)
        shocks = rng.standard_normal(
            (settings.paths, settings.months, len(items)), dtype=np.float32
        )
        out = []
        for i, (name, w) in enumerate(items):
            if cancel is not None:
                cancel.raise_if_cancelled()
            progress(i / max(len(items), 1), f"Simulating {name}")
            returns = mean[i] + shocks @ factor[i].astype(np.float32)
            out.append(summarise_paths(name, w, returns.astype(float), cash_flows, reserve, cancel))
        progress(1.0, "Simulation done")
        return tuple(out)
    if history.isna().to_numpy().any():
        raise DataError("The return history has missing values; fill or drop them first.")
    series = history.to_numpy(dtype=float) @ _weights_matrix(items, history.columns, "the history")
    progress(0.0, "Drawing bootstrap paths")
    rng = np.random.default_rng(settings.seed)
    indices = stationary_bootstrap_indices(
        len(history), settings.paths, settings.months, settings.block_length, rng
    )
    out = []
    for i, (name, weights) in enumerate(items):
        if cancel is not None:
            cancel.raise_if_cancelled()
        progress(i / max(len(items), 1), f"Simulating {name}")
        out.append(
            summarise_paths(name, weights, series[:, i][indices], cash_flows, reserve, cancel)
        )
    progress(1.0, "Simulation done")
    return tuple(out)
