"""Rolling-window risk metrics of a portfolio and its benchmark.

Each window of ``window`` consecutive months ending at month ``t`` gives one row dated ``t``
(the first ``window - 1`` months have no row). Per window, with the conventions of
:mod:`core.analytics.metrics` applied to the slice:

* ``rolling_return``: compounded return over the window, ``prod(1 + r) - 1`` (NOT annualized;
  the 12-month return for the default window);
* ``rolling_volatility``: ``std(r, ddof=1) * sqrt(12)``;
* ``rolling_sharpe_ratio``: :func:`~core.analytics.metrics.sharpe_ratio` on the slice with the
  monthly risk-free series (mean excess x 12 / (std of excess x sqrt(12)); 0 if that std is ~0);
* ``rolling_max_drawdown``: the deepest drawdown inside the window, wealth starting at 1 at the
  window's start, so a loss in the window's first month counts; negative decimal;
* ``rolling_beta``: ``cov(r, b, ddof=1) / var(b, ddof=1)`` against the benchmark (nan if the
  benchmark is constant over the window);
* ``rolling_tracking_error``: ``std(r - b, ddof=1) * sqrt(12)``.

The benchmark's own rows measure it against itself (beta 1, tracking error 0) so that both
series share one layout. Inputs must be finite: nothing is dropped or filled.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from core.errors import DataError

PERIODS_PER_YEAR = 12
DEFAULT_WINDOW = 12
PORTFOLIO_SERIES = "Portfolio"
BENCHMARK_SERIES = "Benchmark"
METRIC_COLUMNS: tuple[str, ...] = (
    "rolling_return",
    "rolling_volatility",
    "rolling_sharpe_ratio",
    "rolling_max_drawdown",
    "rolling_beta",
    "rolling_tracking_error",
)
_TINY = 1e-12


def _finite(series: pd.Series, role: str) -> np.ndarray:
    values = series.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        stamp = series.index[int(np.argmax(bad))]
        when = stamp.strftime("%Y-%m") if isinstance(stamp, pd.Timestamp) else str(stamp)
        raise DataError(
            f"The {role} series has a missing or infinite value at {when}: fill or drop it before "
            "computing rolling metrics (nothing is zero-filled)."
        )
    return values


def _window_metrics(
    r: np.ndarray, b: np.ndarray, rf: np.ndarray, window: int
) -> dict[str, np.ndarray]:
    """Metric arrays of shape (N - window + 1,) for ``r`` against ``b``; all inputs shape (N,)."""
    rw, bw = sliding_window_view(r, window), sliding_window_view(b, window)
    excess = sliding_window_view(r - rf, window)
    active = rw - bw
    wealth = np.cumprod(1.0 + rw, axis=1)
    peak = np.maximum.accumulate(
        np.concatenate([np.ones((wealth.shape[0], 1)), wealth], axis=1), axis=1
    )
    excess_std = np.std(excess, axis=1, ddof=1)
    safe_std = np.where(excess_std < _TINY, 1.0, excess_std)
    sharpe = np.where(
        excess_std < _TINY,
        0.0,
        excess.mean(axis=1) * PERIODS_PER_YEAR / (safe_std * math.sqrt(PERIODS_PER_YEAR)),
    )
    b_dev = bw - bw.mean(axis=1, keepdims=True)
    b_var = np.sum(b_dev**2, axis=1) / (window - 1)
    cov = np.sum((rw - rw.mean(axis=1, keepdims=True)) * b_dev, axis=1) / (window - 1)
    flat = np.sqrt(b_var) < _TINY
    beta = np.where(flat, np.nan, cov / np.where(flat, 1.0, b_var))
    return {
        "rolling_return": np.prod(1.0 + rw, axis=1) - 1.0,
        "rolling_volatility": np.std(rw, axis=1, ddof=1) * math.sqrt(PERIODS_PER_YEAR),
        "rolling_sharpe_ratio": sharpe,
        "rolling_max_drawdown": np.min(wealth / peak[:, 1:] - 1.0, axis=1),
        "rolling_beta": beta,
        "rolling_tracking_error": np.std(active, axis=1, ddof=1) * math.sqrt(PERIODS_PER_YEAR),
    }


def rolling_metrics(
    portfolio: pd.Series,
    benchmark: pd.Series,
    risk_free: pd.Series | float = 0.0,
    *,
    window: int = DEFAULT_WINDOW,
    names: tuple[str, str] = (PORTFOLIO_SERIES, BENCHMARK_SERIES),
) -> pd.DataFrame:
    """Rolling metrics (module docstring) for the portfolio and the benchmark, stacked.

    Parameters
    ----------
    portfolio, benchmark : Series, shape (N,)
        Monthly simple returns, decimal, on the same (date) index.
    risk_free : Series of shape (N,) on that index, or float
        Monthly risk-free returns; a float is an ANNUAL rate, converted to
        ``(1 + rf) ** (1/12) - 1`` a month as in :mod:`core.analytics.metrics`.
    window : int
        Months per window, 2 <= window <= N.
    names : (str, str)
        Labels of the two series in the ``series`` column.

    Returns
    -------
    DataFrame
        Shape (2 (N - window + 1), 8): columns ``date, series`` and :data:`METRIC_COLUMNS`,
        portfolio rows first, each block in date order. Decimals; ratios for Sharpe and beta.

    Raises
    ------
    DataError
        Misaligned indexes, non-finite values, a return <= -100%, or a bad window.
    """
    if not portfolio.index.equals(benchmark.index):
        raise DataError(
            "Portfolio and benchmark returns must cover the same months in the same order."
        )
    n = len(portfolio)
    if not isinstance(window, int | np.integer) or window < 2:
        raise DataError(f"The rolling window must be a whole number of months >= 2 (got {window}).")
    if window > n:
        raise DataError(
            f"The rolling window of {window} months is longer than the {n}-month sample: shorten it."
        )
    r, b = _finite(portfolio, "portfolio"), _finite(benchmark, "benchmark")
    if isinstance(risk_free, pd.Series):
        if not risk_free.index.equals(portfolio.index):
            raise DataError(
                "The risk-free series must cover the same months as the portfolio returns."
            )
        rf = _finite(risk_free, "risk-free")
    else:
        if not math.isfinite(float(risk_free)):
            raise DataError(f"Risk-free rate {risk_free} must be a finite annual decimal.")
        rf = np.full(n, (1.0 + float(risk_free)) ** (1.0 / PERIODS_PER_YEAR) - 1.0)
    if (r <= -1.0).any() or (b <= -1.0).any():
        raise DataError("A monthly return of -100% or worse cannot be compounded: check the data.")
    dates = portfolio.index[window - 1 :]
    blocks = []
    for label, x in zip(names, (r, b), strict=True):
        block = pd.DataFrame({"date": dates, "series": label, **_window_metrics(x, b, rf, window)})
        blocks.append(block)
    return pd.concat(blocks, ignore_index=True)
