"""Expected returns and covariance from monthly returns.

Conventions: inputs are monthly simple returns, shape (T, n). Outputs are annualized:
expected returns = monthly estimate x 12 (arithmetic), covariance = monthly estimate x 12.
The risk-free rate is the mean of the monthly cash-proxy return x 12.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.errors import DataError

if TYPE_CHECKING:
    from core.optimize.black_litterman import BlackLittermanResult, View
    from core.optimize.market_assumptions import MarketAssumption

PERIODS_PER_YEAR = 12
DEFAULT_HALF_LIFE_MONTHS = 36.0
"""Half-life of the exponentially weighted covariance: three years of monthly data, so a
month three years back counts half as much as the latest one. Long enough for a strategic
allocation to see a full cycle of correlations, short enough to lean on the recent regime."""


class CovarianceEstimator(str, Enum):
    SAMPLE = "Sample covariance"
    LEDOIT_WOLF = "Ledoit-Wolf shrinkage"
    EXPONENTIAL = "Exponentially weighted"


class ReturnEstimator(str, Enum):
    HISTORICAL_MEAN = "Historical mean"
    BAYES_STEIN = "Bayes-Stein shrinkage"
    EQUILIBRIUM = "Benchmark-implied equilibrium"
    BLACK_LITTERMAN = "Black-Litterman (equilibrium + committee views)"
    CAPITAL_MARKET_ASSUMPTIONS = "Capital market assumptions"


DEFAULT_ESTIMATORS_REASON = (
    "Expected returns default to Bayes-Stein shrinkage (Jorion 1986), not the in-sample "
    "historical mean: sample means are the noisiest input of a mean-variance optimizer (their "
    "standard error is the volatility over the square root of the years: about 4 percentage "
    "points a year for an ETF with 15% volatility over 15 years) and the "
    "optimizer leans hardest on the ETFs whose means are overstated by chance. Bayes-Stein "
    "pulls every mean towards the minimum-variance portfolio's mean by a weight the data "
    "choose (the Estimation row shows it), so only return differences the sample supports "
    "move the recommendation; it still uses nothing but the data, unlike equilibrium returns "
    "(which assume the policy benchmark is optimal) or views and capital market assumptions "
    "(which need the committee's input). The historical mean, benchmark-implied equilibrium, "
    "Black-Litterman with committee views and capital market assumptions are one choice away "
    "(Allocation tab, project file, the CLI's --returns-estimator). Covariance defaults to "
    "Ledoit-Wolf shrinkage, better conditioned than the sample covariance for this many ETFs; "
    "sample or exponentially weighted covariance (half-life 36 months unless set) are chosen "
    "the same way (--covariance)."
)
"""Why the defaults of :class:`core.pipeline.AnalysisSettings` are what they are (the workbook's
Methodology sheet states it)."""


@dataclass(frozen=True)
class MarketInputs:
    """Annualized optimizer inputs in universe order.

    expected_returns : shape (n,), annual arithmetic, decimal.
    covariance : shape (n, n), annual.
    risk_free : annual, decimal.
    shrinkage : covariance shrinkage intensity in [0, 1] (0 for the sample estimator).
    half_life : months, the exponentially weighted covariance's half-life (NaN for the others).
    return_shrinkage : weight on the shrinkage target of expected returns (0 for historical means).
    black_litterman : prior, posterior and views (Black-Litterman only).
    return_sources : per ETF, where its expected return comes from (capital market assumptions).
    """

    tickers: tuple[str, ...]
    expected_returns: np.ndarray
    covariance: np.ndarray
    risk_free: float
    covariance_estimator: CovarianceEstimator
    return_estimator: ReturnEstimator
    shrinkage: float
    return_shrinkage: float
    months: int
    half_life: float = float("nan")
    black_litterman: BlackLittermanResult | None = None
    return_sources: tuple[str, ...] = ()

    @property
    def volatilities(self) -> np.ndarray:
        return np.sqrt(np.diag(self.covariance))

    def input_lines(self) -> tuple[str, ...]:
        """One line per committee input behind the expected returns (views with what the prior
        and the posterior say about each; assumptions with their source); empty otherwise."""
        bl = self.black_litterman
        if bl is not None:
            return tuple(
                f"View {bl.numbers[i]}: {view.describe()}; the prior implies "
                f"{bl.prior_view_returns[i]:.2%}, "
                f"the posterior {bl.posterior_view_returns[i]:.2%}."
                for i, view in enumerate(bl.views)
            ) or ("No committee view above 0% confidence: the posterior is the prior.",)
        if not self.return_sources:
            return ()
        return tuple(
            f"{t}: {r:.2%} from {s}."
            for t, r, s in zip(
                self.tickers, self.expected_returns, self.return_sources, strict=True
            )
        )

    def describe(self) -> str:
        cov = self.covariance_estimator.value
        if self.covariance_estimator is CovarianceEstimator.LEDOIT_WOLF:
            cov += f" (intensity {self.shrinkage:.2f})"
        elif self.covariance_estimator is CovarianceEstimator.EXPONENTIAL:
            cov += f" (half-life {self.half_life:g} months)"
        ret = self.return_estimator.value
        if self.return_estimator is ReturnEstimator.BAYES_STEIN:
            ret += f" (weight on target {self.return_shrinkage:.2f})"
        elif self.black_litterman is not None:
            ret = self.black_litterman.describe()
        elif self.return_sources:
            ret += " (per ETF with its source)"
        return f"Expected returns: {ret}; covariance: {cov}; {self.months} months, annualized x12."


def sample_covariance(x: np.ndarray) -> np.ndarray:
    """Unbiased sample covariance (ddof 1) of ``x``, shape (T, n) -> (n, n)."""
    return np.cov(x, rowvar=False, ddof=1)


def exponential_covariance(
    x: np.ndarray, half_life: float = DEFAULT_HALF_LIFE_MONTHS
) -> np.ndarray:
    """Exponentially weighted covariance of ``x``, shape (T, n) -> (n, n), per period.

    Observation ``t`` (1 = oldest, T = latest) has weight ``2 ** (-(T - t) / half_life)``,
    normalized to ``w`` summing to 1. With the weighted mean ``m = sum w_t x_t``, the estimate is
    ``sum w_t (x_t - m)(x_t - m)' / (1 - sum w_t^2)``: the unbiased reliability-weighted form, so an
    infinite half-life gives the sample covariance (ddof 1). It equals
    ``np.cov(x, rowvar=False, aweights=w)`` and pandas' ``ewm(halflife=half_life).cov()`` at the
    last row.

    Parameters
    ----------
    x : ndarray, shape (T, n), T >= 2
        Observations (monthly returns).
    half_life : float
        In periods (months), > 0.
    """
    if not (np.isfinite(half_life) and half_life > 0):
        raise DataError(
            f"The covariance half-life {half_life!r} must be a positive number of months, e.g. 36."
        )
    t = x.shape[0]
    age = np.arange(t - 1, -1, -1, dtype=float)  # T - t: the latest month has age 0
    w = 0.5 ** (age / half_life)
    w /= w.sum()
    centred = x - w @ x
    return (centred * w[:, None]).T @ centred / (1.0 - float(w @ w))


def ledoit_wolf(x: np.ndarray) -> tuple[np.ndarray, float]:
    """Ledoit-Wolf (2004) shrinkage of the covariance towards a scaled identity.

    Parameters
    ----------
    x : ndarray, shape (T, n)
        Observations (e.g. monthly returns).

    Returns
    -------
    covariance : ndarray, shape (n, n)
        ``delta * mu * I + (1 - delta) * S`` where ``S`` is the maximum-likelihood covariance
        (divides by T) of the demeaned data and ``mu = trace(S) / n``.
    delta : float
        Shrinkage intensity in [0, 1], the estimator of Ledoit and Wolf (2004), "A well-conditioned
        estimator for large-dimensional covariance matrices".
    """
    t, n = x.shape
    xc = x - x.mean(axis=0)
    s = xc.T @ xc / t
    mu = np.trace(s) / n
    target = mu * np.eye(n)
    d2 = np.sum((s - target) ** 2)
    row_norms = np.sum(xc**2, axis=1)
    b2_bar = (np.sum(row_norms**2) - t * np.sum(s**2)) / t**2
    b2 = min(b2_bar, d2)
    delta = 0.0 if d2 == 0 else b2 / d2
    return delta * target + (1 - delta) * s, float(delta)


def bayes_stein_means(x: np.ndarray) -> tuple[np.ndarray, float]:
    """Jorion (1986) Bayes-Stein expected returns, per period.

    Shrinks sample means towards the mean return of the minimum-variance portfolio:
    ``mu_bs = (1 - phi) * mu_hat + phi * mu_0``, with
    ``phi = (n + 2) / ((n + 2) + T (mu_hat - mu_0)' S^-1 (mu_hat - mu_0))``
    and ``S = (T - 1) / (T - n - 2) * sample covariance``. Requires ``T > n + 2``.
    """
    t, n = x.shape
    if t <= n + 2:
        raise DataError(f"Bayes-Stein needs more than {n + 2} months; the sample has {t}.")
    mu_hat = x.mean(axis=0)
    s = sample_covariance(x) * (t - 1) / (t - n - 2)
    s_inv = np.linalg.inv(s)
    ones = np.ones(n)
    mu0 = float(ones @ s_inv @ mu_hat / (ones @ s_inv @ ones))
    diff = mu_hat - mu0
    phi = (n + 2) / ((n + 2) + t * float(diff @ s_inv @ diff))
    return (1 - phi) * mu_hat + phi * mu0, float(phi)


def estimate_inputs(
    returns: pd.DataFrame,
    risk_free: pd.Series | None = None,
    *,
    covariance: CovarianceEstimator = CovarianceEstimator.LEDOIT_WOLF,
    expected: ReturnEstimator = ReturnEstimator.HISTORICAL_MEAN,
    benchmark_weights: np.ndarray | None = None,
    risk_aversion: float = 4.0,
    half_life: float = DEFAULT_HALF_LIFE_MONTHS,
    views: Sequence[View] = (),
    assumptions: Sequence[MarketAssumption] = (),
    groups: Mapping[str, Sequence[str]] | None = None,
) -> MarketInputs:
    """Estimate annualized optimizer inputs from monthly returns (see module docstring).

    ``half_life`` (months) is used by ``CovarianceEstimator.EXPONENTIAL`` only.

    ``EQUILIBRIUM`` returns are ``rf + risk_aversion * Sigma @ w_benchmark`` (reverse
    optimization: the returns under which the benchmark is the unconstrained optimum).
    ``BLACK_LITTERMAN`` blends those equilibrium returns (the prior) with ``views``
    (:mod:`core.optimize.black_litterman`); the covariance stays the chosen estimator's.
    ``CAPITAL_MARKET_ASSUMPTIONS`` takes each ETF's return from ``assumptions`` (by ticker, else
    by its asset class in ``groups``; :mod:`core.optimize.market_assumptions`).
    """
    x = returns.to_numpy(dtype=float)
    if not np.isfinite(x).all():
        raise DataError(
            "Returns contain missing or non-finite values; clean the data before optimizing."
        )
    t, n = x.shape
    if t < 24:
        raise DataError(
            f"At least 24 months are needed to estimate a covariance; the sample has {t}."
        )
    rf = float(risk_free.mean() * PERIODS_PER_YEAR) if risk_free is not None else 0.0
    if covariance is CovarianceEstimator.LEDOIT_WOLF:
        cov_m, shrink = ledoit_wolf(x)
    elif covariance is CovarianceEstimator.EXPONENTIAL:
        cov_m, shrink = exponential_covariance(x, half_life), 0.0
    else:
        cov_m, shrink = sample_covariance(x), 0.0
    cov = cov_m * PERIODS_PER_YEAR
    ret_shrink = 0.0
    bl_result = None
    sources: tuple[str, ...] = ()
    tickers = tuple(str(c) for c in returns.columns)
    if expected is ReturnEstimator.HISTORICAL_MEAN:
        mu = x.mean(axis=0) * PERIODS_PER_YEAR
    elif expected is ReturnEstimator.BAYES_STEIN:
        mu_m, ret_shrink = bayes_stein_means(x)
        mu = mu_m * PERIODS_PER_YEAR
    elif expected is ReturnEstimator.CAPITAL_MARKET_ASSUMPTIONS:
        from core.optimize.market_assumptions import assumed_returns

        if not assumptions:
            raise DataError(
                "Capital market assumptions are chosen but none are entered: type or import an "
                "expected return per ETF or asset class, or choose another estimator."
            )
        mu, sources = assumed_returns(assumptions, tickers, groups)
    else:
        if benchmark_weights is None:
            raise DataError("Equilibrium returns need benchmark weights.")
        mu = rf + risk_aversion * cov @ np.asarray(benchmark_weights, dtype=float)
        if expected is ReturnEstimator.BLACK_LITTERMAN:
            from core.optimize.black_litterman import black_litterman

            bl_result = black_litterman(
                mu,
                cov,
                views,
                tickers,
                groups=groups,
                risk_aversion=risk_aversion,
                risk_free=rf,
            )
            mu = bl_result.posterior
    return MarketInputs(
        tickers=tickers,
        expected_returns=mu,
        covariance=cov,
        risk_free=rf,
        covariance_estimator=covariance,
        return_estimator=expected,
        shrinkage=shrink,
        return_shrinkage=ret_shrink,
        months=t,
        half_life=float(half_life)
        if covariance is CovarianceEstimator.EXPONENTIAL
        else float("nan"),
        black_litterman=bl_result,
        return_sources=sources,
    )
