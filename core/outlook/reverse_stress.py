"""Reverse stress: the most plausible move of the stress drivers that costs the drawdown tolerance.

Basis: the stress drivers of :mod:`core.stress.drivers` (equity, Treasury yields, IG and HY
spreads, dollar, commodities, gold) under their annual covariance ``S``, implied by the data
set's ETF returns (:mod:`core.stress.driver_moves`). An ETF's return is linear in the driver
moves, ``r = B f`` (the exposures of the hypothetical scenarios without the convexity term),
so the portfolio's return is ``b'f`` with ``b = B'w``. The move ``f`` with ``b'f = -L`` (a loss
equal to the tolerance ``L``) closest to no move in Mahalanobis distance ``sqrt(f' S^-1 f)`` is,
by a Lagrange multiplier,

    f* = -L S b / (b' S b),   distance = L / sqrt(b' S b),

each driver moving in proportion to its covariance with the portfolio's driver exposure.
``f*_j / sqrt(S_jj)`` is how many of its own standard deviations driver ``j`` moves. The horizon
of the move is that of ``S``: one year. Driver units: basis points for rates and spreads, a
decimal return for the others. The ETF moves it implies are ``B f*``; the loss with the
convexity term of the scenario formula is stated beside (it is smaller for a bond-heavy
portfolio when yields rise). The worst historical window of the same length (12 months) of
the portfolio in the data is given for comparison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.errors import DataError
from core.stress.driver_moves import (
    LABELS,
    driver_covariance,
    exposure_matrix,
    implied_driver_moves,
    unit_of,
)
from core.stress.drivers import Driver, DriverExposure, DriverScenario, driver_shock
from core.stress.scenarios import ScenarioError

if TYPE_CHECKING:
    from core.pipeline import AnalysisResult

BASIS = (
    "stress drivers (equity, Treasury yields, IG and HY spreads, dollar, commodities, gold) "
    "under their annual covariance, implied month by month from the data set's ETF returns "
    "through the scenario exposures (linear terms)"
)
NAME = "Reverse stress (most plausible breach)"
"""How the derived row is named beside the scenarios of the Stress tab."""


@dataclass(frozen=True)
class ReverseStress:
    """The minimum-distance driver move.

    drivers : one row per driver (index :class:`Driver`): ``move`` (bp for rates and spreads,
        decimal return otherwise), ``unit``, ``standard_deviation`` (annual, same unit) and
        ``standard_deviations`` (move / standard deviation).
    etf_shocks : the ETF returns the move implies, ``B f*`` (decimal, index tickers).
    distance : Mahalanobis distance of the move (the portfolio's driver standard deviations).
    loss : the portfolio loss under the move (= the tolerance), positive decimal, linear map.
    loss_with_convexity : the loss under the full scenario formula (convexity included).
    worst_window_return / worst_window_end : the portfolio's worst compounded return over
        ``window_months`` consecutive months of the data, and the window's last month.
    months : the number of months the drivers' covariance is estimated from.
    """

    portfolio: str
    tolerance: float
    drivers: pd.DataFrame
    etf_shocks: pd.Series
    distance: float
    loss: float
    loss_with_convexity: float
    basis: str
    window_months: int
    worst_window_return: float
    worst_window_end: pd.Timestamp | None
    months: int

    @property
    def one_in_years(self) -> float:
        """Under a normal approximation, how rare a move this far out is: one year in ``1 / P``
        with ``P = Phi(-distance)`` (annual moves)."""
        tail = 0.5 * math.erfc(self.distance / math.sqrt(2.0))
        return math.inf if tail <= 0 else 1.0 / tail

    def return_of(self, weights: pd.Series) -> float:
        """A portfolio's decimal return under the move (linear: ``weights . B f*``)."""
        aligned = weights.reindex(self.etf_shocks.index, fill_value=0.0)
        return float(aligned.to_numpy(dtype=float) @ self.etf_shocks.to_numpy(dtype=float))


def format_move(driver: Driver, move: float) -> str:
    """``"+152bp"`` for rates and spreads, ``"-31.0%"`` for the others."""
    return f"{move:+.0f}bp" if driver.in_basis_points else f"{move:+.1%}"


def minimum_distance_shock(
    exposure: np.ndarray, covariance: np.ndarray, loss: float
) -> tuple[np.ndarray, float]:
    """``(f*, distance)``: the closed form of the module docstring for ``b = exposure``.
    Shapes (k,), (k, k)."""
    b = np.asarray(exposure, dtype=float)
    s = np.asarray(covariance, dtype=float)
    variance = float(b @ s @ b)
    if not variance > 0:
        raise DataError("The portfolio has no variance: no shock can make it lose anything.")
    return -loss * (s @ b) / variance, loss / math.sqrt(variance)


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
    exposures: pd.DataFrame,
    covariance: pd.DataFrame,
    tolerance: float,
    history: pd.DataFrame,
    *,
    driver_exposures: dict[str, DriverExposure] | None = None,
    window_months: int = 12,
    months: int = 0,
) -> ReverseStress:
    """The minimum-Mahalanobis driver move that costs ``weights`` exactly ``tolerance``
    (positive decimal), with the worst historical window of ``window_months``.

    ``exposures``: ``B`` (tickers x drivers, :func:`core.stress.driver_moves.exposure_matrix`);
    ``covariance``: the drivers' covariance over ``window_months`` (annual for 12), driver
    units; ``driver_exposures``: the full exposures, for the loss with convexity (None: the
    linear loss is repeated). ``history``: monthly ETF returns.
    """
    tickers = list(exposures.index)
    drivers = list(exposures.columns)
    w = weights.reindex(tickers, fill_value=0.0).to_numpy(dtype=float)
    b_matrix = exposures.to_numpy(dtype=float)
    s = covariance.loc[drivers, drivers].to_numpy(dtype=float)
    move, distance = minimum_distance_shock(b_matrix.T @ w, s, tolerance)
    sds = np.sqrt(np.diag(s))
    with np.errstate(divide="ignore", invalid="ignore"):
        sizes = np.where(sds > 0, move / sds, 0.0)
    table = pd.DataFrame(
        {
            "move": move,
            "unit": [unit_of(d) for d in drivers],
            "standard_deviation": sds,
            "standard_deviations": sizes,
        },
        index=pd.Index(drivers, name="driver"),
    )
    etf = pd.Series(b_matrix @ move, index=tickers)
    loss = float(-(w @ etf.to_numpy()))
    full = loss
    if driver_exposures is not None:
        try:
            scenario = DriverScenario("reverse", dict(zip(drivers, map(float, move), strict=True)))
            full = -sum(
                weights.get(t, 0.0) * driver_shock(driver_exposures[t], scenario)
                for t in tickers
                if t in driver_exposures
            )
        except ScenarioError:  # a move beyond what the convexity formula handles
            full = math.nan
    series = history.reindex(columns=tickers, fill_value=0.0).to_numpy(dtype=float) @ w
    worst, end = worst_window(pd.Series(series, index=history.index), window_months)
    return ReverseStress(
        portfolio=portfolio,
        tolerance=tolerance,
        drivers=table,
        etf_shocks=etf,
        distance=distance,
        loss=loss,
        loss_with_convexity=float(full),
        basis=BASIS,
        window_months=window_months,
        worst_window_return=worst,
        worst_window_end=end,
        months=months or len(history),
    )


@dataclass(frozen=True)
class DriverModel:
    """The drivers' exposure matrix and covariance of one data set (inputs of
    :func:`reverse_stress`)."""

    exposures: pd.DataFrame
    covariance: pd.DataFrame
    driver_exposures: dict[str, DriverExposure]
    months: int


def driver_model(result: AnalysisResult) -> DriverModel:
    """``B`` over ``result``'s universe (class representatives for ETFs without exposures) and
    the drivers' annual covariance implied by its data set (:mod:`core.stress.driver_moves`)."""
    from core.stress.defaults import load_class_proxies
    from core.stress.drivers import load_exposures

    tickers = list(result.inputs.tickers)
    loaded = load_exposures()
    proxies = load_class_proxies()
    b = exposure_matrix(tickers, loaded, result.universe, proxies)
    full = {}
    for t in tickers:
        proxy = proxies.get(result.universe.asset_class_of(t), "")
        found = loaded.get(t, loaded.get(proxy))
        if found is not None:
            full[t] = found
    returns = result.dataset.returns[tickers]
    moves = implied_driver_moves(returns, b)
    return DriverModel(b, driver_covariance(moves), full, len(moves))


def portfolio_reverse_stress(
    result: AnalysisResult, portfolio: str, weights: pd.Series, model: DriverModel | None = None
) -> ReverseStress:
    """:func:`reverse_stress` of ``weights`` at ``result``'s IPS drawdown tolerance."""
    model = model if model is not None else driver_model(result)
    return reverse_stress(
        portfolio,
        weights,
        model.exposures,
        model.covariance,
        result.profile.max_drawdown,
        result.dataset.returns,
        driver_exposures=model.driver_exposures,
        months=model.months,
    )


def recommended_reverse_stress(result: AnalysisResult) -> ReverseStress | None:
    """The reverse stress of ``result``'s recommended portfolio; None when no driver move can
    make it lose (a riskless portfolio) or the drivers cannot be estimated."""
    try:
        return portfolio_reverse_stress(result, result.recommended_name, result.recommended.weights)
    except DataError:
        return None


def describe(reverse: ReverseStress, moves: int = 3) -> str:
    """One sentence: distance, rarity, the largest driver moves and the worst historical window."""
    largest = reverse.drivers["standard_deviations"].abs().sort_values(ascending=False).head(moves)
    named = ", ".join(
        f"{LABELS[d]} {format_move(d, reverse.drivers.loc[d, 'move'])} "
        f"({reverse.drivers.loc[d, 'standard_deviations']:+.1f} sd)"
        for d in largest.index
    )
    window = (
        f"; worst {reverse.window_months}-month window in the data {reverse.worst_window_return:+.1%} "
        f"(to {reverse.worst_window_end:%b %Y})"
        if reverse.worst_window_end is not None
        else ""
    )
    return (
        f"Reverse stress of {reverse.portfolio}: the most plausible one-year move of the stress "
        f"drivers costing the {reverse.tolerance:.0%} drawdown tolerance is {reverse.distance:.2f} "
        f"standard deviations away (about one year in {reverse.one_in_years:,.0f} under a normal "
        f"approximation); largest moves {named}{window}. Basis: {reverse.basis}."
    )
