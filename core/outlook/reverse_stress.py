"""Reverse stress: the most plausible joint move that makes the portfolio lose its tolerance.

Basis: the ETFs' own returns under their covariance (``S``, the analysis covariance, annual).
The stress drivers of :mod:`core.stress.drivers` (rates, spreads, equity, dollar, commodities)
have no return history in the data set, so no driver covariance can be estimated; the shock is
found among the ETF returns and stated as such.

For a linear loss ``-w'x`` the point ``x`` with ``w'x = -L`` (loss equal to the tolerance ``L``)
closest to no move in Mahalanobis distance ``sqrt(x' S^-1 x)`` is, by a Lagrange multiplier,

    x* = -L S w / (w' S w),   distance = L / sqrt(w' S w),

each ETF moving in proportion to its covariance with the portfolio. ``x*_i / sqrt(S_ii)`` is how
many of its own standard deviations ETF ``i`` moves. The horizon of the shock is the horizon of
``S`` (a year for the annual covariance).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.errors import DataError

if TYPE_CHECKING:
    from core.pipeline import AnalysisResult

BASIS = "ETF returns under the analysis covariance (annual)"


@dataclass(frozen=True)
class ReverseStress:
    """The minimum-distance shock.

    shocks : per-ETF decimal return of the shock (index tickers).
    standard_deviations : shocks / each ETF's volatility over the covariance's horizon.
    distance : Mahalanobis distance of the shock (portfolio standard deviations).
    loss : the portfolio loss under the shock (= the tolerance), positive decimal.
    worst_window_return / worst_window_end : the portfolio's worst compounded return over a
        historical window of ``window_months`` (the shock's horizon), and the window's last month.
    """

    portfolio: str
    tolerance: float
    shocks: pd.Series
    standard_deviations: pd.Series
    distance: float
    loss: float
    basis: str
    window_months: int
    worst_window_return: float
    worst_window_end: pd.Timestamp | None

    @property
    def one_in_years(self) -> float:
        """Under a normal approximation, how rare a loss this large is: one year in ``1 / P``
        with ``P = Phi(-distance)`` (annual shocks)."""
        tail = 0.5 * math.erfc(self.distance / math.sqrt(2.0))
        return math.inf if tail <= 0 else 1.0 / tail

    def frame(self) -> pd.DataFrame:
        """One row per ETF: weight-free shock and its size in standard deviations."""
        return pd.DataFrame({"shock": self.shocks, "standard_deviations": self.standard_deviations})


def minimum_distance_shock(
    weights: np.ndarray, covariance: np.ndarray, loss: float
) -> tuple[np.ndarray, float]:
    """``(x*, distance)``: the closed form of the module docstring. Shapes (n,), (n, n)."""
    w = np.asarray(weights, dtype=float)
    s = np.asarray(covariance, dtype=float)
    variance = float(w @ s @ w)
    if not variance > 0:
        raise DataError("The portfolio has no variance: no shock can make it lose anything.")
    return -loss * (s @ w) / variance, loss / math.sqrt(variance)


def worst_window(returns: pd.Series, months: int) -> tuple[float, pd.Timestamp | None]:
    """The worst compounded return over ``months`` consecutive months of ``returns`` (monthly
    simple), and that window's last month; (nan, None) when the history is shorter."""
    if len(returns) < months:
        return math.nan, None
    log_growth = np.log1p(returns.to_numpy(dtype=float))
    sums = np.convolve(log_growth, np.ones(months), mode="valid")
    worst = int(np.argmin(sums))
    return float(np.expm1(sums[worst])), pd.Timestamp(returns.index[worst + months - 1])


def reverse_stress(
    portfolio: str,
    weights: pd.Series,
    covariance: pd.DataFrame,
    tolerance: float,
    history: pd.DataFrame,
    *,
    window_months: int = 12,
) -> ReverseStress:
    """The minimum-Mahalanobis shock to the ETF returns that costs ``weights`` exactly
    ``tolerance`` (positive decimal), with the worst historical window of ``window_months``.
    ``covariance``: index and columns tickers, over ``window_months`` (annual for 12)."""
    tickers = list(covariance.index)
    w = weights.reindex(tickers, fill_value=0.0).to_numpy(dtype=float)
    s = covariance.loc[tickers, tickers].to_numpy(dtype=float)
    shock, distance = minimum_distance_shock(w, s, tolerance)
    vols = np.sqrt(np.diag(s))
    with np.errstate(divide="ignore", invalid="ignore"):
        sizes = np.where(vols > 0, shock / vols, 0.0)
    series = history.reindex(columns=tickers, fill_value=0.0).to_numpy(dtype=float) @ w
    worst, end = worst_window(pd.Series(series, index=history.index), window_months)
    return ReverseStress(
        portfolio=portfolio,
        tolerance=tolerance,
        shocks=pd.Series(shock, index=tickers),
        standard_deviations=pd.Series(sizes, index=tickers),
        distance=distance,
        loss=float(-(w @ shock)),
        basis=BASIS,
        window_months=window_months,
        worst_window_return=worst,
        worst_window_end=end,
    )


def recommended_reverse_stress(result: AnalysisResult) -> ReverseStress | None:
    """:func:`reverse_stress` of ``result``'s recommended portfolio at its IPS drawdown
    tolerance, under the analysis covariance (annual); None for a riskless portfolio."""
    tickers = list(result.inputs.tickers)
    covariance = pd.DataFrame(result.inputs.covariance, index=tickers, columns=tickers)
    try:
        return reverse_stress(
            result.recommended_name,
            result.recommended.weights,
            covariance,
            result.profile.max_drawdown,
            result.dataset.returns,
        )
    except DataError:
        return None


def describe(reverse: ReverseStress, moves: int = 3) -> str:
    """One sentence: distance, rarity, the largest moves and the worst historical window."""
    largest = reverse.shocks.sort_values().head(moves)
    named = ", ".join(
        f"{t} {largest[t]:+.0%} ({reverse.standard_deviations[t]:+.1f} sd)" for t in largest.index
    )
    window = (
        f"; worst {reverse.window_months}-month window in the data {reverse.worst_window_return:+.1%} "
        f"(to {reverse.worst_window_end:%b %Y})"
        if reverse.worst_window_end is not None
        else ""
    )
    return (
        f"Reverse stress of {reverse.portfolio}: the most plausible one-year move costing the "
        f"{reverse.tolerance:.0%} drawdown tolerance is {reverse.distance:.2f} portfolio standard "
        f"deviations away (about one year in {reverse.one_in_years:,.0f}); largest moves {named}"
        f"{window}. Basis: {reverse.basis}."
    )
