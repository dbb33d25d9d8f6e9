"""The true constrained efficient frontier under an IPS's constraints.

For a grid of target returns ``r_k`` from the minimum-variance portfolio's expected return to
the highest expected return any policy portfolio reaches (an LP), each point solves the QP::

    minimize w' S w   subject to   mu' w >= r_k   and every constraint of the ConstraintSet

The inequality (rather than ``mu' w == r_k``) keeps every point on the efficient, upper branch.
Small universes solve each point with DAQP (:func:`core.optimize.qp.solve_qp`); larger ones
sweep the targets in order with the working-set solver, each point warm-started from the
previous one (:func:`frontier_weights`): its free set, and a first round that lifts the return
to the next target. When that cannot reach the target, the start is the convex combination of
the previous point and the highest-return policy portfolio that meets it exactly (feasible by
convexity). Every point is certified optimal and checked against the constraints.

Inputs are the annualized :class:`~core.optimize.estimation.MarketInputs`, so returns and
volatilities are annual decimals; Sharpe uses ``inputs.risk_free``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import DataError, InfeasibleError, SolverError
from core.optimize import active_set
from core.optimize.active_set import Hessian
from core.optimize.estimation import MarketInputs
from core.optimize.feasible_start import PartitionFill
from core.optimize.qp import DAQP_MAX_N, FEASIBILITY_TOL, max_linear, policy_rows, solve_qp
from core.policy.constraints import ConstraintSet

DEFAULT_POINTS = 25
# The top target sits this far below the LP maximum so that round-off cannot make it infeasible.
_TOP_MARGIN = 1e-10
# Held assets closest to entering that start free at the next frontier point (saves a round).
_ENTERING = 8


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


def frontier_weights(
    cov: np.ndarray | Hessian,
    expected_returns: np.ndarray,
    constraints: ConstraintSet,
    targets: np.ndarray,
) -> np.ndarray:
    """Least-variance policy portfolios with ``mu' w >= t`` for each target, shape (k, n).

    Parameters
    ----------
    cov : ndarray (n, n) or Hessian
        The covariance ``S`` (annual), or ``2 S`` as a :class:`~core.optimize.active_set.Hessian`
        (e.g. factored, ``Hessian.factored(F, 2 d, 2.0)`` for ``S = F'F + diag(d)``).
    expected_returns : ndarray, shape (n,)
        Annual decimals.
    constraints : ConstraintSet
    targets : ndarray, shape (k,)
        Return floors, annual decimals, any order (row ``k`` of the result is for ``targets[k]``).

    Raises
    ------
    InfeasibleError
        A target above the highest return any policy portfolio reaches.
    SolverError
        A point could not be certified optimal.
    """
    mu = np.asarray(expected_returns, dtype=float)
    targets = np.asarray(targets, dtype=float)
    n = constraints.n
    if not isinstance(cov, Hessian) and n <= DAQP_MAX_N:
        return _daqp_sweep(np.asarray(cov, dtype=float), mu, constraints, targets)
    hessian = cov if isinstance(cov, Hessian) else Hessian.dense(2.0 * np.asarray(cov, dtype=float))
    lower, upper = constraints.lower, constraints.upper
    a, lo, hi = policy_rows(constraints, mu[None, :], np.array([-np.inf]), np.array([np.inf]))
    qp = active_set.WorkingSetQP(hessian, np.zeros(n), lower, upper, a)
    tops: list[np.ndarray] = []  # high-return vertices: the greedy one, then the LP's
    out = np.empty((targets.size, n))
    previous: active_set.ActiveSetSolution | None = None
    # Highest target first: it starts from a high-return vertex, and every later (lower) target
    # starts from the previous point, which already meets it.
    for k in np.argsort(targets, kind="stable")[::-1]:
        target = float(targets[k])
        what = f"frontier portfolio at {target:.2%} expected return"
        lo[-1] = target
        if previous is None or float(mu @ previous.x) < target:
            # only the first point, or unsorted duplicates: start on a vertex that reaches the target
            top = _high_return_vertex(tops, mu, constraints, target)
            sol = qp.run(lo, hi, top, None if previous is None else previous.free, what=what)
        else:
            sol = qp.run(lo, hi, previous.x, previous.warm_set(_ENTERING), what=what)
        if sol is None:  # only a repair start returns None, and none is asked for here
            raise SolverError(f"The QP solver could not start the {what}.")
        out[k] = sol.x  # certified: every bound and row (the return floor too) holds to 1e-9
        previous = sol
    return out


def _high_return_vertex(
    tops: list[np.ndarray], mu: np.ndarray, constraints: ConstraintSet, target: float
) -> np.ndarray:
    """A policy portfolio with ``mu' w >= target`` (cached in ``tops``): the greedy vertex that
    fills the rows with the highest returns first when it gets there, else the LP's maximum.

    Raises
    ------
    InfeasibleError
        Not even the LP's maximum reaches ``target``.
    """
    if not tops:
        a, lo, hi = policy_rows(constraints)
        structure = PartitionFill.of(a)
        greedy = (
            structure.fill(constraints.lower, constraints.upper, lo, hi, -mu) if structure else None
        )
        if greedy is not None:
            tops.append(greedy)
    for top in tops:
        if float(mu @ top) >= target:
            return top
    best = max_linear(mu, constraints)
    tops.append(best)
    if float(mu @ best) < target - 1e-12:
        raise InfeasibleError(
            f"No policy portfolio reaches {target:.2%} expected return (the highest is "
            f"{float(mu @ best):.2%}): lower the target."
        )
    return best


def _daqp_sweep(
    cov: np.ndarray, mu: np.ndarray, constraints: ConstraintSet, targets: np.ndarray
) -> np.ndarray:
    """Small universes: DAQP on matrices set up once, each target warm-started from the previous
    point's active set; each exit flag checked and each point verified against the constraints."""
    import daqp

    n = constraints.n
    a, blower, bupper, sense = _stacked_with_return(constraints, mu)
    rows_lower, rows_upper = blower[n:], bupper[n:]
    model = daqp.Model()
    model.settings = {"primal_tol": 1e-10}
    out = np.empty((targets.size, n))
    for k, target in enumerate(targets):
        blower[-1] = target
        if k == 0:
            model.setup(np.ascontiguousarray(cov + cov.T), np.zeros(n), a, bupper, blower, sense)
        else:
            model.update(blower=blower)
        x, _, exitflag, _ = model.solve()
        what = f"frontier portfolio at {target:.2%} expected return"
        if exitflag == -1:
            raise InfeasibleError(f"No policy portfolio reaches the {what}: lower the target.")
        if exitflag != 1:
            raise SolverError(f"The QP solver did not find the {what} (DAQP exit flag {exitflag}).")
        w = np.minimum(np.maximum(x, constraints.lower), constraints.upper)
        if active_set.row_violation(a @ w, rows_lower, rows_upper) > FEASIBILITY_TOL:
            raise SolverError(f"The {what} breaks a constraint; it was not used.")
        out[k] = w
    return out


def _stacked_with_return(
    constraints: ConstraintSet, mu: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """DAQP's layout: bounds first, then budget, policy rows and the return row (``mu' w >= t``)."""
    a, lo, hi = policy_rows(constraints, mu[None, :], np.array([-np.inf]), np.array([np.inf]))
    n = constraints.n
    blower = np.concatenate([constraints.lower, lo])
    bupper = np.concatenate([constraints.upper, hi])
    sense = np.zeros(blower.size, dtype=np.int32)
    sense[n] = 5  # the budget row is an equality
    return np.ascontiguousarray(a), blower, bupper, sense


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
        stacked = w_min[None, :]
    else:
        targets = np.linspace(r_min, r_max - _TOP_MARGIN, points)
        stacked = np.vstack([w_min, frontier_weights(cov, mu, constraints, targets[1:])])
    variances = np.einsum("ki,ij,kj->k", stacked, cov, stacked)
    vols = np.sqrt(np.clip(variances, 0.0, None))
    rets = stacked @ mu
    if not (np.isfinite(vols).all() and math.isfinite(inputs.risk_free)):
        raise DataError(
            "The frontier has non-finite values: check the covariance and expected returns."
        )
    return Frontier(tuple(inputs.tickers), targets, rets, vols, stacked, float(inputs.risk_free))
