"""Performance and risk metrics on monthly simple returns.

Conventions, for every function here (one line per metric in :data:`CONVENTIONS`, which the
report's Methodology sheet prints):

* Input: monthly **simple** returns in decimals (0.01 = 1%), a 1-D ``numpy.ndarray`` or
  ``pandas.Series`` of shape ``(N,)``. Paired series (returns and benchmark, returns and
  risk-free) must have the same length, and the same index when both are Series: nothing is
  aligned, dropped or zero-filled silently.
* NaN policy: a NaN or infinite value raises :class:`~core.errors.DataError` naming the series
  and the first bad month; too-short input raises it saying how many months are needed.
* Annualization: mean returns x 12, volatilities x sqrt(12), CAGR compounds to 12 months.
* Risk-free rate / target (``RiskFree``): a monthly series of shape ``(N,)`` (e.g. the cash
  ETF's returns) or a float **annual** rate, converted to monthly as ``(1 + rf) ** (1/12) - 1``.
* VaR and CVaR are one-month returns at confidence ``level``, not annualized; negative = loss.
* A standard deviation below 1e-12 a month is treated as zero (rounding noise of a constant).
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import TypeAlias

import numpy as np
import pandas as pd

from core.errors import DataError

PERIODS_PER_YEAR = 12
_SQRT_YEAR = math.sqrt(PERIODS_PER_YEAR)
_TINY = 1e-12

Returns: TypeAlias = np.ndarray | pd.Series
RiskFree: TypeAlias = float | np.ndarray | pd.Series


def _label(values: object, role: str) -> str:
    name = values.name if isinstance(values, pd.Series) else None
    return f"{role} '{name}'" if name is not None else role


def _clean(values: Returns, role: str, min_periods: int, purpose: str) -> np.ndarray:
    """Finite float array of shape (N,), or :class:`DataError` naming the series."""
    label = _label(values, role)
    try:
        if isinstance(values, pd.Series):
            array = values.to_numpy(dtype=float, na_value=np.nan)
        else:
            array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"{label} has non-numeric values: use decimal returns.") from None
    if array.ndim != 1:
        raise DataError(f"{label} must be one series of monthly returns, not shape {array.shape}.")
    if array.size < min_periods:
        raise DataError(
            f"{label} has {array.size} month(s); {purpose} needs at least {min_periods}."
        )
    bad = ~np.isfinite(array)
    if bad.any():
        first = int(np.argmax(bad))
        where = f"position {first}"
        if isinstance(values, pd.Series):
            stamp = values.index[first]
            where = stamp.strftime("%Y-%m") if isinstance(stamp, pd.Timestamp) else str(stamp)
        raise DataError(
            f"{label} has {int(bad.sum())} missing or infinite value(s), the first at {where}: "
            "fill or drop those months before computing metrics (nothing is zero-filled)."
        )
    return array


def _pair(
    first: Returns, second: Returns, roles: tuple[str, str], min_periods: int, purpose: str
) -> tuple[np.ndarray, np.ndarray]:
    """Two cleaned arrays over the same months."""
    a = _clean(first, roles[0], min_periods, purpose)
    b = _clean(second, roles[1], min_periods, purpose)
    label_a, label_b = _label(first, roles[0]), _label(second, roles[1])
    if a.size != b.size:
        raise DataError(
            f"{label_b} has {b.size} months but {label_a} has {a.size}: use the same months."
        )
    if isinstance(first, pd.Series) and isinstance(second, pd.Series):
        if not first.index.equals(second.index):
            raise DataError(f"{label_a} and {label_b} cover different months: align them first.")
    return a, b


def _excess(r: Returns, rate: RiskFree, role: str, min_periods: int, purpose: str) -> np.ndarray:
    """``r - rate_monthly``; a scalar ``rate`` is annual and is compounded down to one month."""
    if isinstance(rate, (int, float, np.integer, np.floating)):
        annual = float(rate)
        if not math.isfinite(annual) or annual <= -1.0:
            raise DataError(
                f"The annual {role} {annual} must be finite and above -100% (0.02 = 2%)."
            )
        x = _clean(r, "returns", min_periods, purpose)
        return x - ((1.0 + annual) ** (1.0 / PERIODS_PER_YEAR) - 1.0)
    x, monthly = _pair(r, rate, ("returns", role), min_periods, purpose)
    return x - monthly


def _compoundable(r: Returns, purpose: str) -> np.ndarray:
    x = _clean(r, "returns", 1, purpose)
    if (x < -1.0).any():
        raise DataError(
            f"{_label(r, 'returns')} has a month below -100%, which cannot be compounded: check the data."
        )
    return x


def _check_level(level: float) -> float:
    if not 0.0 < float(level) < 1.0:
        raise DataError(f"Confidence level {level} must be strictly between 0 and 1 (e.g. 0.95).")
    return float(level)


def _std(x: np.ndarray) -> float:
    return float(np.std(x, ddof=1))


def _normal_quantile(level: float) -> float:
    # The stdlib (Wichura AS241, ~1e-16) spares the first analysis the slow scipy.stats import.
    return NormalDist().inv_cdf(1.0 - _check_level(level))


def annualized_return(r: Returns) -> float:
    """CAGR ``prod(1 + r) ** (12 / N) - 1`` (geometric), annualized decimal; N >= 1, r >= -1."""
    x = _compoundable(r, "the annualized return")
    return float(np.prod(1.0 + x) ** (PERIODS_PER_YEAR / x.size) - 1.0)


def annualized_volatility(r: Returns) -> float:
    """``std(r, ddof=1) * sqrt(12)``, annualized decimal; N >= 2."""
    return _std(_clean(r, "returns", 2, "the volatility")) * _SQRT_YEAR


def sharpe_ratio(r: Returns, rf: RiskFree) -> float:
    """Annualized Sharpe ratio ``mean(r - rf_m) * 12 / (std(r - rf_m, ddof=1) * sqrt(12))``.

    Arithmetic annualized excess return over annualized excess volatility; ``r`` shape (N,),
    N >= 2; ``rf`` a monthly series or an annual float. Returns 0.0 (not infinity) when the
    excess volatility is ~0: a constant excess return carries no measurable risk.
    """
    excess = _excess(r, rf, "risk-free rate", 2, "the Sharpe ratio")
    volatility = _std(excess)
    if volatility < _TINY:
        return 0.0
    return float(excess.mean() * PERIODS_PER_YEAR / (volatility * _SQRT_YEAR))


def _downside(excess: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.minimum(excess, 0.0) ** 2)) * _SQRT_YEAR)


def downside_deviation(r: Returns, target: RiskFree = 0.0) -> float:
    """``sqrt(mean(min(r - target_m, 0) ** 2)) * sqrt(12)`` over ALL N months, annualized.

    Months above target count as zero shortfall; they are not dropped (the old engine's stdev of
    negative months only is not used). ``target``: monthly series or annual float, like ``rf``.
    """
    return _downside(_excess(r, target, "target", 1, "the downside deviation"))


def sortino_ratio(r: Returns, rf: RiskFree) -> float:
    """``mean(r - rf_m) * 12 / downside_deviation(r, rf)``, annualized.

    ``rf`` is both the hurdle and the downside target. Returns nan when the downside deviation is
    ~0: no month fell short of ``rf``, so the ratio is unbounded rather than zero.
    """
    excess = _excess(r, rf, "risk-free rate", 1, "the Sortino ratio")
    downside = _downside(excess)
    return math.nan if downside < _TINY else float(excess.mean() * PERIODS_PER_YEAR / downside)


def drawdown_series(r: Returns) -> pd.Series:
    """Drawdown after each month: Series of shape (N,) on the returns' index, decimals in [-1, 0].

    Wealth starts at ``W_0 = 1`` BEFORE the first month, ``W_t = prod(1 + r_1..t)``, and
    ``drawdown_t = W_t / max(W_0..W_t) - 1``, so a first-month loss counts. Arrays get a
    RangeIndex.
    """
    x = _compoundable(r, "the drawdown")
    wealth = np.cumprod(1.0 + x)
    peak = np.maximum.accumulate(np.concatenate(([1.0], wealth)))[1:]
    index = r.index if isinstance(r, pd.Series) else pd.RangeIndex(x.size)
    return pd.Series(wealth / peak - 1.0, index=index, name="drawdown")


def max_drawdown(r: Returns) -> float:
    """Deepest value of :func:`drawdown_series`, a NEGATIVE decimal (-0.156 = a 15.6% fall)."""
    return float(drawdown_series(r).min())


def max_drawdown_duration(r: Returns) -> int:
    """Longest run of consecutive months below a previous wealth peak (``W_0 = 1`` included).

    A spell still open at the sample's end counts up to the last month; 0 if never under water.
    """
    longest = run = 0
    for under_water in drawdown_series(r).to_numpy() < -_TINY:
        run = run + 1 if under_water else 0
        longest = max(longest, run)
    return longest


def tracking_error(r: Returns, b: Returns) -> float:
    """``std(r - b, ddof=1) * sqrt(12)``, annualized decimal; ``r``, ``b`` shape (N,), N >= 2."""
    a, bench = _pair(r, b, ("returns", "benchmark"), 2, "the tracking error")
    return _std(a - bench) * _SQRT_YEAR


def information_ratio(r: Returns, b: Returns) -> float:
    """``mean(r - b) * 12 / tracking_error(r, b)``: arithmetic active return, not a CAGR gap.

    Returns 0.0 when the tracking error is ~0 (for instance the benchmark against itself).
    """
    a, bench = _pair(r, b, ("returns", "benchmark"), 2, "the information ratio")
    active = a - bench
    error = _std(active) * _SQRT_YEAR
    return 0.0 if error < _TINY else float(active.mean() * PERIODS_PER_YEAR / error)


def beta(r: Returns, b: Returns) -> float:
    """``cov(r, b, ddof=1) / var(b, ddof=1)`` of monthly returns; nan for a constant benchmark."""
    a, bench = _pair(r, b, ("returns", "benchmark"), 2, "beta")
    if _std(bench) < _TINY:
        return math.nan
    return float(np.cov(a, bench, ddof=1)[0, 1] / np.var(bench, ddof=1))


def correlation(r: Returns, b: Returns) -> float:
    """Pearson correlation of the monthly series, in [-1, 1]; nan if either is constant."""
    a, bench = _pair(r, b, ("returns", "benchmark"), 2, "the correlation")
    if _std(a) < _TINY or _std(bench) < _TINY:
        return math.nan
    return float(np.clip(np.corrcoef(a, bench)[0, 1], -1.0, 1.0))


def _capture(r: Returns, b: Returns, up: bool) -> float:
    a, bench = _pair(r, b, ("returns", "benchmark"), 1, "the up/down capture")
    months = bench > 0.0 if up else bench < 0.0
    return float(a[months].mean() / bench[months].mean()) if months.any() else math.nan


def up_capture(r: Returns, b: Returns) -> float:
    """Arithmetic up capture: mean ``r`` over months with ``b > 0`` / mean ``b`` over them.

    A ratio (1.0 = one-for-one with the benchmark); nan if the benchmark never rose.
    """
    return _capture(r, b, up=True)


def down_capture(r: Returns, b: Returns) -> float:
    """Arithmetic down capture: mean ``r`` over months with ``b < 0`` / mean ``b`` over them.

    A ratio; below 1.0 the portfolio lost less than the benchmark; nan if it never fell.
    """
    return _capture(r, b, up=False)


def historical_var(r: Returns, level: float = 0.95) -> float:
    """The ``1 - level`` quantile of monthly returns, linear interpolation (numpy default).

    A one-month RETURN, not annualized, not a positive loss: -0.05 means "lose 5%".
    """
    q = 1.0 - _check_level(level)
    return float(np.quantile(_clean(r, "returns", 1, "the historical VaR"), q))


def historical_cvar(r: Returns, level: float = 0.95) -> float:
    """Mean of the monthly returns at or below :func:`historical_var` (VaR point included).

    A one-month return <= the VaR; negative = loss.
    """
    q = 1.0 - _check_level(level)
    x = _clean(r, "returns", 1, "the historical CVaR")
    var = np.quantile(x, q)
    # When (N - 1) q is an integer k but lands a hair below it in floating point, var is a hair
    # below sorted[k]: snap to sorted[k] so that the VaR observation stays in the tail.
    k = min(int(math.floor((x.size - 1) * q + 1e-9)), x.size - 1)
    cutoff = max(var, np.sort(x)[k])
    return float(x[x <= cutoff].mean())


def parametric_var(r: Returns, level: float = 0.95) -> float:
    """Gaussian VaR ``mean + z * std(ddof=1)``, ``z = norm.ppf(1 - level)``; one-month return."""
    z = _normal_quantile(level)
    x = _clean(r, "returns", 2, "the parametric VaR")
    return float(x.mean() + z * _std(x))


def cornish_fisher_var(r: Returns, level: float = 0.95) -> float:
    """Cornish-Fisher VaR ``mean + z_cf * std(ddof=1)``, a one-month return; N >= 4.

    ``z_cf = z + (z^2 - 1) S / 6 + (z^3 - 3z) K / 24 - (2z^3 - 5z) S^2 / 36`` with
    ``z = norm.ppf(1 - level)``, S the sample skewness and K the excess kurtosis, both
    BIAS-CORRECTED (``scipy.stats.skew`` / ``kurtosis`` with ``bias=False``: G1 and G2).
    A constant series has no shape to correct: the result is its mean.
    """
    z = _normal_quantile(level)
    x = _clean(r, "returns", 4, "the Cornish-Fisher VaR")
    std = _std(x)
    if std < _TINY:
        return float(x.mean())
    # G1 and G2 in closed form (the same as scipy.stats skew/kurtosis with bias=False, which
    # the tests use as the reference), computed with numpy because this runs on every re-analysis.
    n = x.size
    d = x - x.mean()
    m2, m3, m4 = float(d @ d) / n, float(d**2 @ d) / n, float(d**2 @ d**2) / n
    g1, g2 = m3 / m2**1.5, m4 / m2**2 - 3.0
    s = g1 * np.sqrt(n * (n - 1)) / (n - 2)
    k = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6)
    z_cf = z + (z**2 - 1) * s / 6 + (z**3 - 3 * z) * k / 24 - (2 * z**3 - 5 * z) * s**2 / 36
    return float(x.mean() + z_cf * std)


def best_month(r: Returns) -> float:
    """Highest monthly return, decimal."""
    return float(_clean(r, "returns", 1, "the best month").max())


def worst_month(r: Returns) -> float:
    """Lowest monthly return, decimal."""
    return float(_clean(r, "returns", 1, "the worst month").min())


def positive_month_share(r: Returns) -> float:
    """Share of months with a strictly positive return, in [0, 1] (a zero month is not positive)."""
    return float(np.mean(_clean(r, "returns", 1, "the positive-month share") > 0.0))


def portfolio_returns(returns_frame: pd.DataFrame, weights: pd.Series | np.ndarray) -> pd.Series:
    """Returns of constant weights rebalanced monthly, ``returns_frame @ w``, Series of shape (N,).

    ``returns_frame`` is (N, n), one column per ticker. ``weights`` (n,) are decimals: a Series
    is aligned by ticker and must name exactly the frame's columns (0 is a valid weight; nothing
    is zero-filled); an array is taken in column order. Weights need not sum to 1 (active
    weights are allowed). The result has the frame's index and the weights' name, if any.
    """
    if not isinstance(returns_frame, pd.DataFrame) or returns_frame.empty:
        raise DataError("The returns table is empty: load monthly returns first.")
    tickers = [str(t) for t in returns_frame.columns]
    if isinstance(weights, pd.Series):
        extra = [str(t) for t in weights.index.difference(returns_frame.columns)]
        missing = [str(t) for t in returns_frame.columns.difference(weights.index)]
        if extra or missing or weights.index.has_duplicates or returns_frame.columns.has_duplicates:
            raise DataError(
                "Weights and returns must list the same tickers once each: "
                f"no returns for [{', '.join(extra)}], no weight for [{', '.join(missing)}] "
                "(0 is a valid weight)."
            )
        w = weights.reindex(returns_frame.columns).to_numpy(dtype=float, na_value=np.nan)
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (len(tickers),):
            raise DataError(
                f"Got {w.size} weights for {len(tickers)} tickers: give one per column."
            )
    try:
        values = returns_frame.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise DataError("The returns table has non-numeric values: use decimal returns.") from None
    bad_weights = [t for t, ok in zip(tickers, np.isfinite(w), strict=True) if not ok]
    bad_returns = [
        t for t, ok in zip(tickers, np.isfinite(values).all(axis=0), strict=True) if not ok
    ]
    if bad_weights or bad_returns:
        raise DataError(
            f"Missing or infinite weights for [{', '.join(bad_weights)}] or returns for "
            f"[{', '.join(bad_returns)}]: fill or drop them first (nothing is zero-filled)."
        )
    name = (
        weights.name if isinstance(weights, pd.Series) and weights.name is not None else "portfolio"
    )
    return pd.Series(values @ w, index=returns_frame.index, name=name)
