"""Candidate allocation strategies under the IPS constraints.

Every strategy returns a :class:`Candidate` or raises a typed error; none silently returns
a starting point. Inputs are the annualized :class:`~core.optimize.estimation.MarketInputs`.

Strategies
----------
Policy Anchor
    The committee's anchor weights from the profile, as given (no optimization).
Minimum Volatility
    ``min w' S w`` (QP).
Maximum Sharpe
    ``max (mu - rf)' w / sqrt(w' S w)``, solved exactly by the Charnes-Cooper transform:
    ``min y' S y`` s.t. ``(mu - rf)' y = 1`` and every constraint homogenized with
    ``kappa = sum(y)``; then ``w = y / sum(y)``. One QP, no finite differences.
Target Volatility
    The highest expected return whose ex-ante volatility does not exceed the IPS
    target: bisection on the return floor of ``min w' S w s.t. mu' w >= r``. If even the
    minimum-volatility portfolio exceeds the target, or the target does not bind, a note says so.
ETF Risk Parity
    Equal risk contribution per ETF (each ETF's ``w_i (S w)_i`` the same). Exact equal risk
    contributions (Newton on Spinu's convex formulation,
    :mod:`core.optimize.risk_parity`) when that portfolio meets the policy. Otherwise, equal risk
    as closely as the IPS bounds allow: minimizes ``sum_i (w_i (S w)_i / w' S w - 1/n)^2`` by
    damped Gauss-Newton, each step a QP over the policy constraints (DAQP), from the policy
    portfolio closest to the unconstrained equal-risk one, until the point is first-order optimal.
    The remaining dispersion is reported. When the bounds bind (an equity floor, say), this
    least-squares fit of risk shares lowers the over-budget ETFs' shares by raising total risk:
    it prefers the riskier bonds (HYG, LQD) to Treasuries (TLT, SHY), whose low, equity-hedging
    risk would raise the equities' share, and can hold no Treasuries at all; the note says so.
Asset-Class Risk Parity
    Equal risk contribution per asset class inside the IPS bounds
    (:mod:`core.optimize.class_risk_parity`), what committees usually mean by risk parity.
Mean-Variance Utility
    ``max mu' w - (lambda / 2) w' S w - gamma ||w||^2`` with the profile's risk aversion
    ``lambda`` and concentration penalty ``gamma`` (QP). If its volatility exceeds the IPS
    target, ``lambda`` is raised (bisection) until it does not; the note gives the value used.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from core.errors import InfeasibleError, SolverError
from core.optimize.estimation import MarketInputs
from core.optimize.qp import max_linear, solve_qp
from core.optimize.risk_parity import equal_risk_contribution
from core.policy.constraints import ConstraintSet


class Strategy(str, Enum):
    POLICY_ANCHOR = "Policy Anchor"
    MIN_VOLATILITY = "Minimum Volatility"
    MAX_SHARPE = "Maximum Sharpe"
    TARGET_VOLATILITY = "Target Volatility"
    RISK_PARITY = "ETF Risk Parity"
    CLASS_RISK_PARITY = "Asset-Class Risk Parity"
    MEAN_VARIANCE = "Mean-Variance Utility"
    RESAMPLED = "Resampled Frontier"
    IPS_OPTIMUM = "IPS Optimum"
    CURRENT_HOLDINGS = "Current Holdings"
    """The account as it is, measured beside the candidates (never built or selected)."""


@dataclass(frozen=True)
class Candidate:
    """One strategy's weights (shape (n,), universe order) with how they were obtained."""

    strategy: Strategy
    weights: np.ndarray
    method: str
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.strategy.value


def portfolio_volatility(w: np.ndarray, cov: np.ndarray) -> float:
    """Ex-ante annualized volatility ``sqrt(w' S w)``."""
    return float(np.sqrt(max(w @ cov @ w, 0.0)))


def penalized_utility(
    w: np.ndarray, inputs: MarketInputs, risk_aversion: float, gamma: float
) -> float:
    """``mu' w - (lambda / 2) w' S w - gamma ||w||^2``, annual decimal return units."""
    return float(
        w @ inputs.expected_returns
        - 0.5 * risk_aversion * w @ inputs.covariance @ w
        - gamma * w @ w
    )


def policy_anchor(anchor: np.ndarray, cs: ConstraintSet) -> Candidate:
    notes: tuple[str, ...] = ()
    broken = cs.violations(anchor)
    if broken:
        notes = ("The committee anchor breaks the policy: " + "; ".join(broken) + ".",)
    return Candidate(
        Strategy.POLICY_ANCHOR, anchor.copy(), "Committee anchor weights from the profile", notes
    )


def minimum_volatility(inputs: MarketInputs, cs: ConstraintSet) -> Candidate:
    sol = solve_qp(2 * inputs.covariance, np.zeros(cs.n), cs, what="minimum-volatility portfolio")
    return Candidate(
        Strategy.MIN_VOLATILITY, sol.weights, f"QP ({sol.solver}, {sol.iterations} iterations)"
    )


def maximum_sharpe(inputs: MarketInputs, cs: ConstraintSet) -> Candidate:
    n = cs.n
    excess = inputs.expected_returns - inputs.risk_free
    best = max_linear(excess, cs)
    if best @ excess <= 1e-12:
        raise InfeasibleError(
            "No policy-compliant portfolio has an expected return above the risk-free rate, so the "
            "Maximum Sharpe portfolio is undefined."
        )
    ones = np.ones(n)
    eye = np.eye(n)
    # Homogenized constraints in y with kappa = sum(y): all written as rows >= 0.
    rows = [eye - np.outer(cs.lower, ones), np.outer(cs.upper, ones) - eye]
    if len(cs.rows):
        rows += [cs.A - np.outer(cs.row_lower, ones), np.outer(cs.row_upper, ones) - cs.A]
    g = np.vstack(rows)
    m = g.shape[0]
    a = np.vstack([excess[None, :], g])
    lo = np.concatenate([[1.0], np.zeros(m)])
    hi = np.concatenate([[1.0], np.full(m, np.inf)])
    import daqp

    h = np.ascontiguousarray(2 * inputs.covariance)
    x, _, exitflag, info = daqp.solve(
        h,
        np.zeros(n),
        np.ascontiguousarray(a),
        np.ascontiguousarray(hi[: a.shape[0]]),
        np.ascontiguousarray(lo[: a.shape[0]]),
        np.array([5] + [0] * m, dtype=np.int32),
        primal_tol=1e-12,
    )
    if exitflag != 1:
        raise SolverError(f"The Maximum Sharpe QP did not solve (exit flag {exitflag}).")
    y = np.asarray(x)
    kappa = y.sum()
    if kappa <= 0:
        raise SolverError("The Maximum Sharpe transform returned a non-positive scale.")
    w = np.clip(y / kappa, cs.lower, cs.upper)
    if cs.max_violation(w) > 1e-8:
        raise SolverError(
            "The Maximum Sharpe solution breaks a constraint after rescaling; it was not used."
        )
    return Candidate(
        Strategy.MAX_SHARPE, w, f"Charnes-Cooper QP (DAQP, {info.get('iterations', 0)} iterations)"
    )


def _min_var_at_return(inputs: MarketInputs, cs: ConstraintSet, floor: float) -> np.ndarray:
    sol = solve_qp(
        2 * inputs.covariance,
        np.zeros(cs.n),
        cs,
        extra_rows=inputs.expected_returns[None, :],
        extra_lower=np.array([floor]),
        extra_upper=np.array([np.inf]),
        what="frontier portfolio",
    )
    return sol.weights


def target_volatility(
    inputs: MarketInputs, cs: ConstraintSet, target: float, *, tol: float = 1e-13
) -> Candidate:
    cov, mu = inputs.covariance, inputs.expected_returns
    w_min = minimum_volatility(inputs, cs).weights
    vol_min = portfolio_volatility(w_min, cov)
    if vol_min > target:
        return Candidate(
            Strategy.TARGET_VOLATILITY,
            w_min,
            "Minimum-volatility fallback",
            (
                f"Target volatility {target:.1%} is unreachable: the lowest volatility the policy allows is "
                f"{vol_min:.2%}. The minimum-volatility portfolio is shown.",
            ),
        )
    w_top = max_linear(mu, cs)
    r_lo, r_hi = float(mu @ w_min), float(mu @ w_top)
    w_best = _min_var_at_return(inputs, cs, r_hi - 1e-12)
    if portfolio_volatility(w_best, cov) <= target:
        return Candidate(
            Strategy.TARGET_VOLATILITY,
            w_best,
            "Frontier (QP)",
            (
                f"Target volatility {target:.1%} does not bind: the highest-return policy portfolio has "
                f"volatility {portfolio_volatility(w_best, cov):.2%}.",
            ),
        )
    w_best = w_min
    for _ in range(100):
        mid = 0.5 * (r_lo + r_hi)
        w = _min_var_at_return(inputs, cs, mid)
        if portfolio_volatility(w, cov) <= target:
            r_lo, w_best = mid, w
        else:
            r_hi = mid
        if r_hi - r_lo < tol:
            break
    vol = portfolio_volatility(w_best, cov)
    return Candidate(
        Strategy.TARGET_VOLATILITY,
        w_best,
        "Frontier bisection (QP)",
        (f"Ex-ante volatility {vol:.2%} against the {target:.1%} target.",),
    )


_TREASURIES = frozenset({"TLT", "SHY", "IEF", "GOVT", "SCHR", "VGSH", "VGIT", "VGLT"})
"""Treasury ETFs named in the ETF Risk Parity note when the fit leaves them out."""
RISK_PARITY_STATIONARITY_TOL = 1e-8  # projected-gradient step (weights) at which the search stops
_RISK_PARITY_STALL_TOL = 1e-6  # accepted when no step can lower the objective any more (rounding)
_RISK_PARITY_MAX_ITERATIONS = 500


def risk_parity(inputs: MarketInputs, cs: ConstraintSet) -> Candidate:
    cov = inputs.covariance
    n = cs.n
    erc = equal_risk_contribution(
        cov, scipy_lapack=False
    )  # no scipy.linalg import on the analysis path
    if cs.max_violation(erc) <= 1e-9:
        return Candidate(
            Strategy.RISK_PARITY,
            erc,
            "Newton on Spinu's convex formulation (exact)",
            ("Equal risk contributions per ETF achieved.",),
        )
    # Start from the policy portfolio closest (Euclidean) to the unconstrained equal-risk one.
    start = solve_qp(2 * np.eye(n), -2 * erc, cs, what="risk-parity start").weights
    w, iterations, solver = _closest_equal_risk(cov, cs, start)
    if cs.max_violation(w) > 1e-7:
        raise SolverError(
            "Risk parity did not converge within the policy bounds: the result breaks a limit."
        )
    s = cov @ w
    share = w * s / (w @ s)
    spread = float(share.max() - share.min())
    note = (
        "Equal risk contributions per ETF achieved."
        if spread < 1e-4
        else f"The policy bounds prevent equal risk per ETF: contributions range {share.min():.1%} to {share.max():.1%}."
    )
    notes = [note]
    unheld = [t for t, x in zip(cs.tickers, w, strict=True) if x < 1e-6 and t in _TREASURIES]
    if unheld and spread >= 1e-4:
        notes.append(
            f"{', '.join(unheld)} held at 0%: with the bounds binding, the closest fit of equal "
            "risk shares lowers the largest shares by raising total risk, so it prefers riskier "
            "bonds to Treasuries, whose low risk would raise the others' shares. Asset-Class "
            "Risk Parity balances risk by class instead."
        )
    return Candidate(
        Strategy.RISK_PARITY,
        w,
        f"Gauss-Newton with {solver} subproblems ({iterations} iterations)",
        tuple(notes),
    )


def _risk_share_residuals(w: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Risk shares minus ``1/n``, shape (n,), and their Jacobian, shape (n, n)."""
    s = cov @ w
    var = float(w @ s)
    residual = w * s / var - 1.0 / len(w)
    jacobian = (np.diag(s) + w[:, None] * cov) / var - np.outer(w * s, 2 * s) / var**2
    return residual, jacobian


def _projected_gradient_step(w: np.ndarray, gradient: np.ndarray, cs: ConstraintSet) -> float:
    """``max |P(w - gradient) - w|`` with ``P`` the projection onto the policy set: 0 exactly at a
    first-order (KKT) point of the constrained problem."""
    projected = solve_qp(
        np.eye(cs.n), gradient - w, cs, what="risk-parity optimality check"
    ).weights
    return float(np.max(np.abs(projected - w)))


def _closest_equal_risk(
    cov: np.ndarray, cs: ConstraintSet, start: np.ndarray
) -> tuple[np.ndarray, int, str]:
    """Minimize ``sum_i (w_i (S w)_i / w' S w - 1/n)^2`` over the policy set, from ``start``.

    Gauss-Newton with Levenberg-Marquardt damping: each step minimizes the linearized residuals
    plus ``damping * |step|^2`` over the policy constraints (a convex QP); the damping follows the
    ratio of actual to predicted decrease (Nielsen's rule). Stops at a first-order point (the
    projected-gradient step below :data:`RISK_PARITY_STATIONARITY_TOL`), or when rounding leaves no
    step that lowers the objective and that step is below 1e-6. Returns the weights, the number of
    steps and the QP solver used.

    Raises
    ------
    SolverError
        Neither stopping rule holds within the iteration limit.
    """
    n = cs.n
    w = start
    residual, jacobian = _risk_share_residuals(w, cov)
    value = float(residual @ residual)
    gram = jacobian.T @ jacobian
    scale = max(float(np.max(np.diag(gram))), 1e-12)
    # The residuals are scale-invariant (J w = 0), so J'J is singular along w. A step keeps sum(w) = 1,
    # so curvature along the budget normal changes no subproblem and makes each Hessian definite.
    budget_curvature = 2.0 * scale * np.ones((n, n))
    damping, growth = 1e-3 * scale, 2.0
    stationarity = _projected_gradient_step(w, 2.0 * jacobian.T @ residual, cs)
    solver, rejected, iterations = "DAQP", 0, 0
    while stationarity > RISK_PARITY_STATIONARITY_TOL and iterations < _RISK_PARITY_MAX_ITERATIONS:
        iterations += 1
        gradient = 2.0 * jacobian.T @ residual
        hessian = 2.0 * (gram + damping * np.eye(n)) + budget_curvature
        ratio = -1.0
        try:
            step_solution = solve_qp(hessian, gradient - hessian @ w, cs, what="risk-parity step")
        except (SolverError, InfeasibleError):
            step_solution = None  # a numerically hard subproblem: retry with more damping
        if step_solution is not None:
            solver = step_solution.solver
            trial = step_solution.weights
            linear_change = jacobian @ (trial - w)
            predicted = -(2.0 * residual @ linear_change + linear_change @ linear_change)
            trial_residual, trial_jacobian = _risk_share_residuals(trial, cov)
            trial_value = float(trial_residual @ trial_residual)
            if predicted > 0.0:
                ratio = (value - trial_value) / predicted
        if ratio > 0.0:
            w, residual, jacobian, value = trial, trial_residual, trial_jacobian, trial_value
            gram = jacobian.T @ jacobian
            damping = max(damping * max(1.0 / 3.0, 1.0 - (2.0 * ratio - 1.0) ** 3), 1e-12 * scale)
            growth, rejected = 2.0, 0
            stationarity = _projected_gradient_step(w, 2.0 * jacobian.T @ residual, cs)
        else:
            damping *= growth
            growth *= 2.0
            rejected += 1
            if rejected >= 8:
                break
    if stationarity > RISK_PARITY_STATIONARITY_TOL and not (
        rejected >= 8 and stationarity <= _RISK_PARITY_STALL_TOL
    ):
        raise SolverError(
            f"Risk parity did not converge within the policy bounds: after {iterations} Gauss-Newton steps "
            f"the optimality measure is {stationarity:.1e}."
        )
    return w, iterations, solver


def mean_variance_utility(
    inputs: MarketInputs,
    cs: ConstraintSet,
    risk_aversion: float,
    gamma: float,
    vol_target: float | None,
) -> Candidate:
    cov, mu = inputs.covariance, inputs.expected_returns
    n = cs.n

    def solve(lam: float) -> np.ndarray:
        return solve_qp(
            lam * cov + 2 * gamma * np.eye(n), -mu, cs, what="mean-variance portfolio"
        ).weights

    w = solve(risk_aversion)
    notes = [f"Risk aversion {risk_aversion:g}, concentration penalty {gamma:g}."]
    if vol_target is not None and portfolio_volatility(w, cov) > vol_target:
        w_min = minimum_volatility(inputs, cs).weights
        if portfolio_volatility(w_min, cov) > vol_target:
            notes.append(f"No policy portfolio reaches the {vol_target:.1%} volatility target.")
        else:
            lo, hi = risk_aversion, risk_aversion
            while portfolio_volatility(solve(hi), cov) > vol_target and hi < 1e7:
                lo, hi = hi, hi * 2
            for _ in range(100):
                mid = np.sqrt(lo * hi)
                if portfolio_volatility(solve(mid), cov) > vol_target:
                    lo = mid
                else:
                    hi = mid
                if hi / lo < 1 + 1e-13:
                    break
            w = solve(hi)
            notes.append(
                f"Risk aversion raised to {hi:.3g} so that ex-ante volatility meets the "
                f"{vol_target:.1%} target."
            )
    return Candidate(Strategy.MEAN_VARIANCE, w, "QP (DAQP)", tuple(notes))
