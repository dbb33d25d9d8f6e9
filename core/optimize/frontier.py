"""The true constrained efficient frontier under an IPS's constraints.

For a grid of target returns ``r_k`` from the minimum-variance portfolio's expected return to
the highest expected return any policy portfolio reaches (an LP), each point solves the QP::

    minimize w' S w   subject to   mu' w >= r_k   and every constraint of the ConstraintSet

with DAQP (:func:`core.optimize.qp.solve_qp`, exit flag and feasibility checked on every
solve). The inequality (rather than ``mu' w == r_k``) keeps every point on the efficient,
upper branch. Inputs are the annualized :class:`~core.optimize.estimation.MarketInputs`, so
returns and volatilities are annual decimals; Sharpe uses ``inputs.risk_free``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import DataError
from core.optimize.estimation import MarketInputs
from core.optimize.qp import max_linear, solve_qp
from core.policy.constraints import ConstraintSet

DEFAULT_POINTS = 25
# The top target sits this far below the LP maximum so that round-off cannot make it infeasible.
_TOP_MARGIN = 1e-10


@dataclass(frozen=True)
class Frontier:
    """Points of the efficient frontier, lowest return first.

    Attributes
    ----------
    tickers : tuple of str, length n
    target_returns : ndarray, shape (k,)
        The return floors solved for, annual decimals.
    returns : ndarray, shape (k,)
        Ex-ante expected return ``mu' w`` of each point (>= its target), annual decimal.
    volatilities : ndarray, shape (k,)
        Ex-ante ``sqrt(w' S w)``, annual decimal; non-decreasing.
    weights : ndarray, shape (k, n)
    risk_free : float
        Annual decimal, the rate in :attr:`sharpe_ratios`.
    """

    tickers: tuple[str, ...]
    target_returns: np.ndarray
    returns: np.ndarray
    volatilities: np.ndarray
    weights: np.ndarray
    risk_free: float

    @property
    def points(self) -> int:
        return int(self.returns.size)

    @property
    def sharpe_ratios(self) -> np.ndarray:
        """``(return - risk_free) / volatility`` per point, shape (k,)."""
        return (self.returns - self.risk_free) / self.volatilities

    @property
    def max_sharpe_index(self) -> int:
        """Index of the grid point with the highest Sharpe ratio."""
        return int(np.argmax(self.sharpe_ratios))

    def weights_frame(self) -> pd.DataFrame:
        """Shape (k, n): one row per point, one column per ticker, decimal weights."""
        return pd.DataFrame(self.weights, columns=list(self.tickers))

    def to_frame(self) -> pd.DataFrame:
        """One row per point: point, target_return, expected_return, volatility, sharpe_ratio,
        then ``weight_<TICKER>`` columns (annual decimals; weights decimal)."""
        frame = pd.DataFrame(
            {
                "point": np.arange(1, self.points + 1),
                "target_return": self.target_returns,
                "expected_return": self.returns,
                "volatility": self.volatilities,
                "sharpe_ratio": self.sharpe_ratios,
            }
        )
        weights = self.weights_frame().add_prefix("weight_")
        return pd.concat([frame, weights], axis=1)


def minimum_variance_at(
    inputs: MarketInputs, constraints: ConstraintSet, target_return: float
) -> np.ndarray:
    """The policy portfolio of least variance with ``mu' w >= target_return``, shape (n,).

    Raises
    ------
    InfeasibleError
        No policy portfolio reaches ``target_return``.
    SolverError
        DAQP did not return a verified optimum.
    """
    sol = solve_qp(
        2.0 * inputs.covariance,
        np.zeros(constraints.n),
        constraints,
        extra_rows=inputs.expected_returns[None, :],
        extra_lower=np.array([float(target_return)]),
        extra_upper=np.array([np.inf]),
        what=f"frontier portfolio at {target_return:.2%} expected return",
    )
    return sol.weights


def efficient_frontier(
    inputs: MarketInputs, constraints: ConstraintSet, points: int = DEFAULT_POINTS
) -> Frontier:
    """The constrained efficient frontier at ``points`` evenly spaced target returns.

    Parameters
    ----------
    inputs : MarketInputs
        Annualized expected returns (n,) and covariance (n, n), same order as ``constraints``.
    constraints : ConstraintSet
    points : int
        Number of grid points, >= 2. If every policy portfolio has the same expected return,
        the frontier is the single minimum-variance point.

    Returns
    -------
    Frontier
        Lowest return first; the first point is the minimum-variance portfolio.

    Raises
    ------
    DataError
        ``points < 2`` or inputs and constraints disagree on the tickers.
    InfeasibleError, SolverError
        From the LP or a QP (see :func:`minimum_variance_at`).
    """
    if points < 2:
        raise DataError(f"Ask for at least 2 frontier points (got {points}).")
    if tuple(inputs.tickers) != tuple(constraints.tickers):
        raise DataError(
            "Market inputs and constraints list different tickers or orders: rebuild one of them."
        )
    mu, cov = inputs.expected_returns, inputs.covariance
    w_min = solve_qp(
        2.0 * cov, np.zeros(constraints.n), constraints, what="minimum-variance portfolio"
    ).weights
    r_min = float(mu @ w_min)
    r_max = float(mu @ max_linear(mu, constraints))
    if r_max - r_min <= _TOP_MARGIN:
        targets = np.array([r_min])
        weights = [w_min]
    else:
        targets = np.linspace(r_min, r_max - _TOP_MARGIN, points)
        weights = [w_min] + [minimum_variance_at(inputs, constraints, r) for r in targets[1:]]
    stacked = np.vstack(weights)
    variances = np.einsum("ki,ij,kj->k", stacked, cov, stacked)
    vols = np.sqrt(np.clip(variances, 0.0, None))
    rets = stacked @ mu
    if not (np.isfinite(vols).all() and math.isfinite(inputs.risk_free)):
        raise DataError(
            "The frontier has non-finite values: check the covariance and expected returns."
        )
    return Frontier(tuple(inputs.tickers), targets, rets, vols, stacked, float(inputs.risk_free))
