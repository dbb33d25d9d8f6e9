"""Resampled efficient frontier (Michaud) and the stability of the recommended weights.

Each of ``resamples`` draws builds a new return history of the same length, either by
bootstrap (months drawn with replacement, so fat tails and cross-correlations are kept) or
parametrically (multivariate normal with the full-sample mean and covariance). For each draw
the inputs are re-estimated: Bayes-Stein means when the analysis uses them, otherwise sample
means (equilibrium, views and assumptions are not sample statistics); Ledoit-Wolf covariance
when the analysis uses it, otherwise the sample covariance. Then the constrained
frontier is solved at ``points`` targets equally spaced in return from the draw's
minimum-variance portfolio to its highest-return policy portfolio, and the mean-variance
utility portfolio of the profile is solved too. Frontier weights are averaged rank by rank
(Michaud 1998); every average is policy feasible because the constraint set is convex.

The resampled candidate is the averaged-frontier point with the highest penalized utility
under the full-sample inputs among those within the IPS volatility target. Its weight band per
ETF is the 5th-95th percentile of that rank's weights across draws. Weight stability is the
spread, across draws, of the utility portfolio's weights.

Small universes are solved with DAQP directly on prebuilt matrices (about 27 QPs per draw).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
import pandas as pd

from core.errors import DataError, SolverError
from core.jobs import CancelToken, ProgressCallback, no_progress
from core.optimize.candidates import Candidate, Strategy, penalized_utility
from core.optimize.estimation import (
    CovarianceEstimator,
    MarketInputs,
    ReturnEstimator,
    bayes_stein_means,
    ledoit_wolf,
    sample_covariance,
)
from core.optimize.qp import policy_rows
from core.policy.constraints import ConstraintSet
from core.policy.profile import IPSProfile

PERIODS_PER_YEAR = 12


class ResamplingMethod(str, Enum):
    BOOTSTRAP = "Bootstrap (months with replacement)"
    PARAMETRIC = "Parametric (multivariate normal)"


@dataclass(frozen=True)
class ResampledFrontier:
    """Averaged frontier and weight bands.

    mean_weights, lower, upper : shape (points, n), decimal weights (lower/upper: 5th/95th pct).
    returns, volatilities : shape (points,), ex-ante under the full-sample inputs, annual.
    stability_mean, stability_std, stability_low, stability_high : shape (n,), the utility
    portfolio's weights across draws.
    """

    tickers: tuple[str, ...]
    method: ResamplingMethod
    resamples: int
    mean_weights: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    returns: np.ndarray
    volatilities: np.ndarray
    stability_mean: np.ndarray
    stability_std: np.ndarray
    stability_low: np.ndarray
    stability_high: np.ndarray
    seed: int

    def stability_frame(self, base: np.ndarray | None = None) -> pd.DataFrame:
        """Per ETF: base weight (if given), mean, std, 5th and 95th percentile across draws."""
        frame = pd.DataFrame(
            {
                "mean": self.stability_mean,
                "std": self.stability_std,
                "p05": self.stability_low,
                "p95": self.stability_high,
            },
            index=list(self.tickers),
        )
        if base is not None:
            frame.insert(0, "weight", base)
        return frame


DAQP_INFEASIBLE = -1
DAQP_EXIT_FLAGS = {
    2: "soft optimal",
    -1: "infeasible",
    -2: "cycling",
    -3: "unbounded",
    -4: "iteration limit",
    -5: "non-convex problem",
    -6: "initial active set overdetermined",
}
"""DAQP's exit flags other than 1 (optimal), as its documentation names them."""


class _Solver:
    """DAQP on prebuilt constraint matrices (budget, policy rows, one return row)."""

    def __init__(self, cs: ConstraintSet) -> None:
        import daqp

        self._daqp = daqp
        n = cs.n
        a, lo, hi = policy_rows(cs)
        self.n = n
        self.rows = a.shape[0]
        self.a = np.ascontiguousarray(np.vstack([a, np.zeros((1, n))]))
        self.lo = np.concatenate([cs.lower, lo, [-np.inf]])
        self.hi = np.concatenate([cs.upper, hi, [np.inf]])
        self.sense = np.zeros(len(self.lo), dtype=np.int32)
        self.sense[n] = 5  # budget row
        self.cs = cs

    def solve(
        self, h: np.ndarray, f: np.ndarray, mu: np.ndarray | None = None, floor: float = -np.inf
    ) -> np.ndarray:
        if mu is not None:
            self.a[-1] = mu
        else:
            self.a[-1] = 0.0
        self.lo[-1] = floor
        x, _, flag, _ = self._daqp.solve(
            h, f, self.a, self.hi, self.lo, self.sense.copy(), primal_tol=1e-10
        )
        if flag != 1:
            if flag == DAQP_INFEASIBLE and mu is not None:
                raise SolverError(
                    f"A resampled QP is infeasible (DAQP exit flag {flag}): no policy portfolio "
                    f"earns the return floor {floor:.2%} under these expected returns; ask for "
                    "a floor between the minimum-variance and the highest-return portfolio's."
                )
            raise SolverError(
                f"A resampled QP did not solve (DAQP exit flag {flag}: "
                f"{DAQP_EXIT_FLAGS.get(flag, 'unknown')})."
            )
        return np.clip(np.asarray(x), self.cs.lower, self.cs.upper)


def resampled_frontier(
    returns: pd.DataFrame,
    cs: ConstraintSet,
    inputs: MarketInputs,
    profile: IPSProfile,
    *,
    resamples: int = 500,
    points: int = 25,
    method: ResamplingMethod = ResamplingMethod.BOOTSTRAP,
    seed: int = 20240601,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ResampledFrontier:
    """Run the resampling of the module docstring; ``returns`` are monthly, shape (T, n)."""
    method = ResamplingMethod(method)  # also accepts the enum's value, e.g. from a combo box
    if resamples < 10 or points < 2:
        raise DataError("Use at least 10 resamples and 2 frontier points.")
    x = returns[list(cs.tickers)].to_numpy(dtype=float)
    t, n = x.shape
    rng = np.random.default_rng(seed)
    report = progress or no_progress
    solver = _Solver(cs)
    mu_full = x.mean(axis=0)
    chol = np.linalg.cholesky(sample_covariance(x) + 1e-12 * np.eye(n))
    shrink = inputs.covariance_estimator is CovarianceEstimator.LEDOIT_WOLF
    shrink_means = inputs.return_estimator is ReturnEstimator.BAYES_STEIN
    lam, gamma = profile.risk_aversion, profile.concentration_penalty
    frontiers = np.empty((resamples, points, n))
    utility_weights = np.empty((resamples, n))
    eps = 1e-7 * np.eye(n)
    step = max(1, resamples // 50)
    for b in range(resamples):
        if b % step == 0:
            if cancel is not None:
                cancel.raise_if_cancelled()
            report(b / resamples, f"Resample {b + 1} of {resamples}")
        if method is ResamplingMethod.BOOTSTRAP:
            draw = x[rng.integers(0, t, size=t)]
        else:
            draw = mu_full + rng.standard_normal((t, n)) @ chol.T
        cov = (ledoit_wolf(draw)[0] if shrink else sample_covariance(draw)) * PERIODS_PER_YEAR
        mu = (bayes_stein_means(draw)[0] if shrink_means else draw.mean(axis=0)) * PERIODS_PER_YEAR
        h = np.ascontiguousarray(2 * cov)
        w_min = solver.solve(h, np.zeros(n))
        w_top = solver.solve(np.ascontiguousarray(eps), -mu)
        r_lo, r_hi = float(mu @ w_min), float(mu @ w_top)
        for k, target in enumerate(np.linspace(r_lo, r_hi, points)):
            if k == 0:
                frontiers[b, k] = w_min
            elif k == points - 1:
                # The top of the frontier is the highest-return portfolio itself: a floor at
                # its return, 1e-12 below, was infeasible to DAQP after rounding (exit flag -1
                # on Balanced Growth's 500-draw default: "Resampling failed").
                frontiers[b, k] = w_top
            else:
                frontiers[b, k] = solver.solve(h, np.zeros(n), mu, min(target, r_hi - 1e-12))
        utility_weights[b] = solver.solve(
            np.ascontiguousarray(lam * cov + 2 * gamma * np.eye(n)), -mu
        )
    report(1.0, "Averaging")
    mean_w = frontiers.mean(axis=0)
    rets = mean_w @ inputs.expected_returns
    vols = np.sqrt(np.einsum("ki,ij,kj->k", mean_w, inputs.covariance, mean_w))
    return ResampledFrontier(
        tickers=cs.tickers,
        method=method,
        resamples=resamples,
        mean_weights=mean_w,
        lower=np.percentile(frontiers, 5, axis=0),
        upper=np.percentile(frontiers, 95, axis=0),
        returns=rets,
        volatilities=vols,
        stability_mean=utility_weights.mean(axis=0),
        stability_std=utility_weights.std(axis=0, ddof=1),
        stability_low=np.percentile(utility_weights, 5, axis=0),
        stability_high=np.percentile(utility_weights, 95, axis=0),
        seed=seed,
    )


def resampled_candidate(
    frontier: ResampledFrontier, inputs: MarketInputs, profile: IPSProfile
) -> Candidate:
    """The averaged-frontier point chosen by the rule of the module docstring, as a candidate."""
    lam, gamma = profile.risk_aversion, profile.concentration_penalty
    eligible = [
        k
        for k in range(len(frontier.volatilities))
        if frontier.volatilities[k] <= profile.max_volatility
    ]
    ranks = eligible or [int(np.argmin(frontier.volatilities))]
    best = max(ranks, key=lambda k: penalized_utility(frontier.mean_weights[k], inputs, lam, gamma))
    bands = ", ".join(
        f"{t} {lo:.0%}-{hi:.0%}"
        for t, lo, hi in zip(
            frontier.tickers, frontier.lower[best], frontier.upper[best], strict=True
        )
        if hi > 0.005
    )
    notes: tuple[str, ...] = (
        f"Average of {frontier.resamples} resampled frontiers ({frontier.method.value}, seed {frontier.seed}); "
        f"point {best + 1} of {len(frontier.volatilities)}.",
        f"5th-95th percentile weight bands: {bands}.",
    )
    if not eligible:
        notes += (
            "No averaged-frontier point meets the volatility target; the lowest-volatility one is shown.",
        )
    return Candidate(
        Strategy.RESAMPLED, frontier.mean_weights[best].copy(), "Resampled frontier (DAQP)", notes
    )
