"""Calibrate the synthetic generator from real month-end adjusted closes.

The calibration is a set of plain statistics of *real* monthly ETF returns over a fixed window
(2008-01 .. 2024-12 by default): per-ETF annualized arithmetic mean and volatility, the full
correlation matrix, and OLS loadings of each ETF's excess return on a small set of named,
return-based factor proxies built from the same ETFs:

=========  ==================  ==============================================================
factor     proxy (long - short) meaning
=========  ==================  ==============================================================
MKT        SPY - cash           U.S. equity market excess return
SMB        IWM - SPY            small minus large caps
HML        SPY - QQQ            value-ish minus growth (broad market minus Nasdaq-100)
TERM       TLT - cash           long Treasury duration premium (Fama-French TERM style)
CREDIT     HYG - AGG            high-yield spread return over the core bond index
COMMODITY  DBC - cash           broad commodity futures excess return
GOLD       GLD - cash           gold excess return
DOLLAR     SPY - EFA            U.S. minus developed-international equity, a dollar-strength proxy
=========  ==================  ==============================================================

"cash" is the universe cash ticker (SGOV), taken from its stated proxy (BIL) for the months
before SGOV's own history begins. Excess returns are returns minus that cash series.

Run once as ``python -m core.data.calibrate PATH_TO_CSV --out resources/synthetic_calibration.json``.
The CSV is never bundled; only the resulting figures are.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError
from core.resources import resource_path

FACTOR_PROXIES: dict[str, tuple[str, str]] = {
    "MKT": ("SPY", "CASH"),
    "SMB": ("IWM", "SPY"),
    "HML": ("SPY", "QQQ"),
    "TERM": ("TLT", "CASH"),
    "CREDIT": ("HYG", "AGG"),
    "COMMODITY": ("DBC", "CASH"),
    "GOLD": ("GLD", "CASH"),
    "DOLLAR": ("SPY", "EFA"),
}
"""Named factor -> (long leg, short leg); ``"CASH"`` is the spliced cash series."""

# fmt: off
DEFAULT_TICKERS: tuple[str, ...] = (
    "SPY", "QQQ", "IWM", "EFA", "EEM", "AGG", "TLT", "SHY", "LQD", "HYG", "VNQ", "GLD", "DBC", "SGOV",
)
# fmt: on
SOURCE_NOTE = (
    "figures carried over from real Yahoo adjusted closes, see SOURCES.md of the shared realdata"
)


def _month_label(stamp: pd.Timestamp) -> str:
    return stamp.strftime("%Y-%m")


def _rounded(values: pd.Series, digits: int = 6) -> dict[str, float]:
    # "+ 0.0" turns -0.0 into 0.0 so the JSON reads cleanly.
    return {str(k): round(float(v), digits) + 0.0 for k, v in values.items()}


def _matrix_dict(frame: pd.DataFrame, digits: int = 6) -> dict[str, Any]:
    return {
        "tickers": [str(c) for c in frame.columns],
        "matrix": (np.round(frame.to_numpy(dtype=float), digits) + 0.0).tolist(),
    }


def window_returns(
    prices: pd.DataFrame,
    *,
    tickers: Sequence[str],
    start: str,
    end: str,
    cash_proxy_map: Mapping[str, str],
) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    """Monthly simple returns of ``tickers`` over [start, end], proxies spliced in where stated.

    Parameters
    ----------
    prices : DataFrame, shape (M, k)
        Month-end adjusted closes; month-end DatetimeIndex, ticker columns, NaN before inception.
    tickers : sequence of str
        Columns to return.
    start, end : str
        First and last month-end of the return window (inclusive).
    cash_proxy_map : mapping
        ``{ticker: proxy}``; the proxy's return is used for months where the ticker has none.

    Returns
    -------
    returns : DataFrame, shape (T, len(tickers))
        Decimal monthly returns, no NaN.
    proxied : dict
        ``{ticker: {"proxy", "first", "last", "months"}}`` for each spliced ticker.
    """
    if not isinstance(prices.index, pd.DatetimeIndex):
        raise DataError("Calibration prices need a DatetimeIndex of month-ends.")
    needed = set(tickers) | set(cash_proxy_map.values())
    missing = sorted(needed - {str(c) for c in prices.columns})
    if missing:
        raise DataError(
            f"Calibration prices lack columns {', '.join(missing)}: add them to the file."
        )
    frame = prices.sort_index().astype(float)
    if ((frame <= 0) | np.isinf(frame)).to_numpy().any():
        raise DataError("Calibration prices must be positive and finite (empty cells are allowed).")
    returns = frame / frame.shift(1) - 1.0
    returns = returns.loc[pd.Timestamp(start) : pd.Timestamp(end)]
    if returns.empty:
        raise DataError(f"No monthly returns between {start} and {end}: check the window.")
    proxied: dict[str, dict[str, Any]] = {}
    for ticker, proxy in cash_proxy_map.items():
        if ticker not in tickers:
            continue
        gaps = returns[ticker].isna()
        if gaps.any():
            returns[ticker] = returns[ticker].where(~gaps, returns[proxy])
            months = returns.index[gaps]
            proxied[ticker] = {
                "proxy": proxy,
                "first": _month_label(months[0]),
                "last": _month_label(months[-1]),
                "months": int(gaps.sum()),
            }
    out = returns[list(tickers)]
    holes = out.columns[out.isna().any()].tolist()
    if holes:
        raise DataError(
            f"{', '.join(holes)} have no return for some months between {start} and {end}: "
            "shorten the window or state a proxy for them."
        )
    return out, proxied


def factor_returns(returns: pd.DataFrame, cash: pd.Series) -> pd.DataFrame:
    """Named factor proxies (see :data:`FACTOR_PROXIES`), shape (T, 8), decimal monthly."""
    legs = returns.assign(CASH=cash)
    missing = sorted({leg for pair in FACTOR_PROXIES.values() for leg in pair} - set(legs.columns))
    if missing:
        raise DataError(f"Factor proxies need {', '.join(missing)}: add them to the price file.")
    return pd.DataFrame(
        {name: legs[long] - legs[short] for name, (long, short) in FACTOR_PROXIES.items()}
    )


def fit_loadings(
    excess: pd.DataFrame, factors: pd.DataFrame
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """OLS of each excess-return column on the factors with an intercept.

    Returns
    -------
    loadings : DataFrame, shape (n, k)
    alpha : Series, shape (n,), monthly decimal intercepts
    residuals : DataFrame, shape (T, n); columns spanned exactly by the factors are set to 0
    """
    design = np.column_stack([np.ones(len(factors)), factors.to_numpy(dtype=float)])
    target = excess.to_numpy(dtype=float)
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    residuals = target - design @ coef
    # Proxies built from an ETF span it exactly; keep float dust out of the residual covariance.
    exact = residuals.std(axis=0) < 1e-10
    residuals[:, exact] = 0.0
    loadings = pd.DataFrame(coef[1:].T, index=excess.columns, columns=factors.columns)
    alpha = pd.Series(coef[0], index=excess.columns)
    return loadings, alpha, pd.DataFrame(residuals, index=excess.index, columns=excess.columns)


def calibrate_from_prices(
    prices: pd.DataFrame,
    start: str = "2008-01-31",
    end: str = "2024-12-31",
    cash_proxy_map: Mapping[str, str] | None = None,
    *,
    tickers: Sequence[str] | None = None,
    cash_ticker: str = "SGOV",
) -> dict[str, Any]:
    """Statistics of real monthly returns that the synthetic generator reproduces.

    Parameters
    ----------
    prices : DataFrame, shape (M, k)
        Month-end adjusted closes (month-end DatetimeIndex, ticker columns, NaN before a fund
        exists). Must hold ``tickers``, the cash proxies and the factor legs.
    start, end : str
        First and last month-end of the return window, inclusive.
    cash_proxy_map : mapping, default ``{"SGOV": "BIL"}``
        Proxy used for a ticker's months before its own history begins; recorded in the output.
    tickers : sequence of str, optional
        ETFs to calibrate; the 14-ETF default universe when None.
    cash_ticker : str
        The cash ETF: the factors' short "cash" leg, excluded from the loadings fit.

    Returns
    -------
    dict
        JSON-ready: ``period``, ``proxied``, ``annual_mean`` and ``annual_vol`` (decimal,
        arithmetic, 12 x mean and sqrt(12) x sd with ddof=1), ``correlation``, ``factors``
        (definitions, moments, correlation), ``loadings``, ``alpha_annual``, ``r_squared``,
        ``residual_covariance_monthly`` (of the excess returns).
    """
    proxy_map = dict({"SGOV": "BIL"} if cash_proxy_map is None else cash_proxy_map)
    names = list(DEFAULT_TICKERS if tickers is None else tickers)
    if cash_ticker not in names:
        raise DataError(f"Cash ticker {cash_ticker} must be among the calibrated tickers.")
    returns, proxied = window_returns(
        prices, tickers=names, start=start, end=end, cash_proxy_map=proxy_map
    )
    if len(returns) < 24:
        raise DataError(f"Only {len(returns)} months in the calibration window: use at least 24.")
    cash = returns[cash_ticker]
    factors = factor_returns(returns, cash)
    risky = [t for t in names if t != cash_ticker]
    excess = returns[risky].sub(cash, axis=0)
    loadings, alpha, residuals = fit_loadings(excess, factors)
    r_squared = 1.0 - residuals.var() / excess.var()
    return {
        "schema_version": 1,
        "period": {
            "start": _month_label(returns.index[0]),
            "end": _month_label(returns.index[-1]),
            "months": len(returns),
        },
        "cash_ticker": cash_ticker,
        "proxied": proxied,
        "tickers": names,
        "annual_mean": _rounded(returns.mean() * 12.0),
        "annual_vol": _rounded(returns.std() * np.sqrt(12.0)),
        "correlation": _matrix_dict(returns.corr()),
        "factors": {
            "definitions": {
                k: f"{a} - {b}".replace("CASH", "cash") for k, (a, b) in FACTOR_PROXIES.items()
            },
            "annual_mean": _rounded(factors.mean() * 12.0),
            "annual_vol": _rounded(factors.std() * np.sqrt(12.0)),
            "correlation": _matrix_dict(factors.corr()),
        },
        "loadings": {t: _rounded(loadings.loc[t]) for t in risky},
        "alpha_annual": _rounded(alpha * 12.0),
        "r_squared": _rounded(r_squared),
        "residual_covariance_monthly": _matrix_dict(residuals.cov(), digits=10),
        "conventions": (
            "Monthly simple returns from month-end adjusted closes; annual mean = 12 x monthly "
            "mean, annual vol = sqrt(12) x monthly sd (ddof=1); loadings from OLS with intercept "
            "of ETF minus cash on the factor proxies."
        ),
    }


def load_calibration(path: str | Path | None = None) -> dict[str, Any]:
    """The calibration JSON written by :mod:`core.data.calibrate` (the bundled file when None)."""
    file = Path(path) if path is not None else resource_path("synthetic_calibration.json")
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(
            f"Cannot read the synthetic calibration {file}: {exc}. Reinstall or regenerate it."
        ) from None


def dump_json(data: Mapping[str, Any]) -> str:
    """JSON text with 1-space indentation and each flat list (a matrix row) on one line."""
    text = json.dumps(data, indent=1)
    return re.sub(r"\[[^\[\]{}]*\]", lambda m: " ".join(m.group(0).split()), text) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: read a month-end price CSV, write the calibration JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="CSV with a date column and one column per ticker")
    parser.add_argument("--out", type=Path, default=Path("resources/synthetic_calibration.json"))
    parser.add_argument("--start", default="2008-01-31")
    parser.add_argument("--end", default="2024-12-31")
    args = parser.parse_args(argv)
    prices = pd.read_csv(args.csv, index_col="date", parse_dates=True)
    result = calibrate_from_prices(prices, start=args.start, end=args.end)
    proxy_notes = [
        f"{t}: {p['proxy']} returns used for {p['first']}..{p['last']} ({p['months']} months), "
        f"{t}'s own returns afterwards"
        for t, p in result["proxied"].items()
    ]
    result = {
        "source": {
            "file": f"{args.csv.name} (shared realdata; not bundled with the application)",
            "period": f"{result['period']['start']}..{result['period']['end']}",
            "cash_proxy": "; ".join(proxy_notes) or "none",
            "note": SOURCE_NOTE,
        },
        **result,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(dump_json(result), encoding="utf-8")
    print(f"Wrote {args.out} ({result['period']['months']} months)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
