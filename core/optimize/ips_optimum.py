"""The IPS Optimum: the highest penalized utility subject to every rule of the IPS at once.

Problem (annual decimal units, ``w`` shape (n,) in universe order)::

    maximize    U(w) = mu' w - (lambda / 2) w' S w - gamma ||w||^2
    subject to  the policy's linear limits (budget, long only, ETF minimums and caps, class
                ranges, groups: :class:`~core.policy.constraints.ConstraintSet`)
                sqrt(w' S w) <= volatility target                      (ex-ante, annualized)
                max drawdown of the compounded monthly path <= drawdown tolerance

The drawdown rule is the one :func:`core.policy.validation.validate_portfolio` checks: wealth
``W_t = prod_{k<=t} (1 + r_k' w)`` from ``W_0 = 1`` (constant weights rebalanced monthly over the
sample's months ``r_k``), and ``1 - W_t / W_s <= D`` for every ``s < t``. In log wealth that is,
for every pair of months,

    g_st(w) = sum_{k = s+1..t} log(1 + r_k' w) >= log(1 - D),

and ``g_st`` is concave (a sum of logs of affine functions), so the compounded drawdown rule is a
convex constraint and the whole problem is convex: its optimum is global.

Method
------
- **Drawdown: outer-approximation cutting planes (Kelley).** Solve the QP with the cuts found so
  far; find the deepest compounded drawdown of the solution; if it breaks the tolerance, add the
  tangent of ``g_st`` at the solution for that worst peak ``s`` and trough ``t``::

      sum_k r_k' w / (1 + r_k' w0)  >=  log(1 - D) - g_st(w0) + sum_k r_k' w0 / (1 + r_k' w0),

  and solve again. Each cut is the simple-sum drawdown row ``sum_{k=s+1..t} r_k' w >= -D'`` (the
  linear constraint on the cumulative-return path) with each month weighted by
  ``1 / (1 + r_k' w0)`` and its limit tightened from the compounded path; at ``w0 = 0`` it is
  exactly the simple-sum row with ``D' = -log(1 - D)``. A tangent of a concave function lies
  above it, so every cut keeps every compliant portfolio: the cuts never cut off the optimum, and
  they stop when the compounded path holds. The cuts aim ``1e-9`` (log wealth) inside the
  tolerance so the result passes strictly. Tightening a fixed simple-sum limit until the
  compounded path holds would also give a compliant portfolio, but not the optimum.
- **Volatility: bisection on the risk-aversion multiplier.** If the solution breaks the target,
  ``lambda`` is raised (geometric bisection) until the volatility meets it. The volatility of the
  solution falls as ``lambda`` rises, and by convex duality the optimum of the constrained problem
  is the penalized optimum at ``lambda + 2 nu`` with the target's multiplier ``nu``. The cuts are
  valid for every ``lambda``, so they are kept across the bisection.
- Every QP is DAQP through :class:`~core.optimize.qp.PolicyQP` (status checked every time).

When no portfolio meets every rule, :class:`~core.errors.InfeasibleError` names the rules in
conflict (:mod:`core.optimize.ips_conflicts`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from core.errors import DataError, InfeasibleError, SolverError
from core.optimize.candidates import Candidate, Strategy, portfolio_volatility
from core.optimize.estimation import MarketInputs
from core.optimize.qp import PolicyQP
from core.policy.constraints import ConstraintSet

CUT_MARGIN = 1e-9
"""Log-wealth margin by which the cuts aim inside the drawdown tolerance."""
MAX_CUTS = 400
BINDS = 1e-7
"""A rule within this of its limit (decimal) is reported as binding."""
_BISECTION_RATIO = 1 + 1e-13


def compounded_drawdown_pair(path_returns: np.ndarray) -> tuple[float, int, int]:
    """Deepest compounded drawdown of a monthly return path, with its peak and trough.

    Parameters
    ----------
    path_returns : ndarray, shape (T,)
        Monthly simple returns of the portfolio (decimals, > -1).

    Returns
    -------
    (log_drawdown, peak, trough)
        ``log_drawdown = log(W_trough / W_peak) <= 0``; ``peak`` and ``trough`` index log wealth
        ``L_0 = 0, L_t = sum_{k<=t} log(1 + r_k)``, so the fall covers months ``peak+1..trough``
        (rows ``peak..trough-1`` of the returns). The drawdown as a loss is
        ``1 - exp(log_drawdown)``.
    """
    log_wealth = np.concatenate(([0.0], np.cumsum(np.log1p(path_returns))))
    running_peak = np.maximum.accumulate(log_wealth)
    depth = log_wealth - running_peak
    trough = int(np.argmin(depth))
    peak = int(np.argmax(log_wealth[: trough + 1]))
    return float(depth[trough]), peak, trough


@dataclass
class _DrawdownCuts:
    """The tangent cuts found so far (rows ``a' w >= b``) on the sample's monthly returns."""

    returns: np.ndarray  # (T, n)
    floor: float  # log(1 - D) + CUT_MARGIN
    rows: list[np.ndarray] = field(default_factory=list)
    limits: list[float] = field(default_factory=list)

    def violation(self, w: np.ndarray) -> tuple[float, int, int]:
        """``log(1 - D) - worst log drawdown`` (> 0 breaks the rule), with the peak and trough."""
        depth, peak, trough = compounded_drawdown_pair(self.returns @ w)
        return self.floor - CUT_MARGIN - depth, peak, trough

    def add(self, w: np.ndarray, peak: int, trough: int) -> None:
        months = self.returns[peak:trough]
        growth = 1.0 + months @ w
        gradient = (months / growth[:, None]).sum(axis=0)
        self.rows.append(gradient)
        self.limits.append(self.floor - float(np.log(growth).sum()) + float(gradient @ w))

    def solve(self, H: np.ndarray, f: np.ndarray, cs: ConstraintSet, what: str) -> np.ndarray:
        """The QP's optimum over the limits and the drawdown rule (cuts added until it holds).

        Raises
        ------
        InfeasibleError
            The QP with the cuts is infeasible: no portfolio within the limits meets the drawdown
            tolerance (the cuts keep every compliant portfolio).
        SolverError
            The cuts did not converge within :data:`MAX_CUTS`.
        """
        for _ in range(MAX_CUTS):
            extra = {}
            if self.rows:
                extra = {
                    "extra_rows": np.vstack(self.rows),
                    "extra_lower": np.array(self.limits),
                    "extra_upper": np.full(len(self.limits), np.inf),
                }
            w = PolicyQP(H, f, cs, **extra).solve(what=what)
            weights = w.weights
            excess, peak, trough = self.violation(weights)
            if excess <= 0.0:
                return weights
            self.add(weights, peak, trough)
        raise SolverError(
            f"The {what} did not converge: {MAX_CUTS} drawdown cuts did not bring the compounded "
            "drawdown within the tolerance."
        )


def ips_optimum(
    inputs: MarketInputs,
    cs: ConstraintSet,
    monthly_returns: np.ndarray,
    *,
    risk_aversion: float,
    gamma: float,
    vol_target: float,
    drawdown_tolerance: float,
) -> Candidate:
    """The IPS Optimum (module docstring).

    Parameters
    ----------
    inputs : annualized expected returns and covariance, universe order.
    cs : the policy's linear limits (already checked feasible).
    monthly_returns : ndarray, shape (T, n)
        The sample's monthly simple returns in universe order: the path the drawdown tolerance is
        checked on (the same the validation uses).
    risk_aversion, gamma : the profile's ``lambda`` and concentration penalty.
    vol_target : annualized volatility limit, decimal.
    drawdown_tolerance : largest peak-to-trough loss allowed, positive decimal (0.25 = 25%).

    Raises
    ------
    InfeasibleError
        No portfolio meets every rule; the message names the rules in conflict.
    SolverError
        A QP did not solve, or the cuts or the bisection did not converge.
    """
    returns = np.asarray(monthly_returns, dtype=float)
    if returns.ndim != 2 or returns.shape[1] != cs.n or not np.isfinite(returns).all():
        raise DataError(
            f"The IPS Optimum needs finite monthly returns of shape (months, {cs.n}); got "
            f"{returns.shape}."
        )
    if not 0 < drawdown_tolerance < 1:
        raise DataError(f"Drawdown tolerance {drawdown_tolerance!r} must be between 0 and 1.")
    from core.optimize import ips_conflicts

    cov, mu, n = inputs.covariance, inputs.expected_returns, cs.n
    cuts = _DrawdownCuts(returns, math.log1p(-drawdown_tolerance) + CUT_MARGIN)
    what = "IPS Optimum"

    def solve(lam: float) -> np.ndarray:
        return cuts.solve(lam * cov + 2 * gamma * np.eye(n), -mu, cs, what)

    try:
        w = solve(risk_aversion)
    except InfeasibleError:
        raise ips_conflicts.drawdown_conflict(cs, returns, drawdown_tolerance) from None
    notes = [f"Risk aversion {risk_aversion:g}, concentration penalty {gamma:g}."]
    if portfolio_volatility(w, cov) > vol_target:
        w_min = solve_min_variance(cuts, cov, cs)
        if portfolio_volatility(w_min, cov) > vol_target:
            raise ips_conflicts.volatility_conflict(
                cs, cov, vol_target, drawdown_tolerance, portfolio_volatility(w_min, cov), cuts
            )
        lo, hi = risk_aversion, risk_aversion
        while portfolio_volatility(solve(hi), cov) > vol_target:
            if hi > 1e9:
                raise SolverError(
                    f"The {what}: no risk aversion up to 1e9 brings the volatility to the "
                    f"{vol_target:.1%} target."
                )
            lo, hi = hi, hi * 2
        while hi / lo > _BISECTION_RATIO:
            mid = math.sqrt(lo * hi)
            if portfolio_volatility(solve(mid), cov) > vol_target:
                lo = mid
            else:
                hi = mid
        w = solve(hi)
        notes.append(
            f"The volatility target binds: risk aversion raised to {hi:.4g} (bisection on the "
            "multiplier)."
        )
    loss = 1 - math.exp(compounded_drawdown_pair(returns @ w)[0])
    # The same checks as the policy validation, before the point is handed on.
    if (
        loss > drawdown_tolerance
        or portfolio_volatility(w, cov) > vol_target + 1e-12
        or cs.max_violation(w) > 1e-8
    ):
        raise SolverError(
            f"The {what} breaks a rule after solving (drawdown {loss:.6%}, volatility "
            f"{portfolio_volatility(w, cov):.6%}); it was not used."
        )
    if loss >= drawdown_tolerance - BINDS:
        notes.append(
            f"The drawdown tolerance binds ({len(cuts.rows)} drawdown cuts): historical maximum "
            f"drawdown {loss:.4%} against the {drawdown_tolerance:.2%} tolerance."
        )
    else:
        notes.append(
            f"The drawdown tolerance does not bind (historical maximum drawdown {loss:.2%}): "
            "this is the Mean-Variance Utility portfolio, which already meets every rule."
        )
    return Candidate(
        Strategy.IPS_OPTIMUM,
        w,
        "QP with drawdown cutting planes and bisection on the volatility multiplier (DAQP)",
        tuple(notes),
    )


def solve_min_variance(cuts: _DrawdownCuts, cov: np.ndarray, cs: ConstraintSet) -> np.ndarray:
    """Lowest-variance portfolio within the limits and the drawdown tolerance (cuts shared)."""
    return cuts.solve(2 * cov, np.zeros(cs.n), cs, "lowest-volatility compliant portfolio")
