"""The stress drivers' history and covariance, implied by the ETF returns of the data set.

The drivers of :mod:`core.stress.drivers` (equity, rates, investment-grade and high-yield
spreads, dollar, commodities, gold) have no series of their own in the data set. Their moves
are recovered from the ETF returns through the same exposures the hypothetical scenarios use:
with ``B`` the linear exposure matrix (ETFs x drivers; the convexity term left out), each
month's ETF returns ``r_t`` are explained by driver moves ``f_t`` solving the cross-sectional
least-squares problem ``min ||r_t - B f_t||``, so ``f_t = (B'B)^-1 B' r_t``. The drivers'
covariance is the sample covariance of ``f_t`` times 12 (annual).

Units of a driver move, everywhere in this module: basis points for rates and spreads (a
+100bp rate move is 100), a decimal return for the others (a -30% equity move is -0.30). A
row of ``B`` is an ETF's decimal return per unit move of each driver, so for rates it is
``-duration / 10,000``.

Limits, stated where the result is shown: bond-ETF returns carry their income, so the implied
rate moves have a drift (the covariance removes the mean and is not affected); a driver no
ETF of the universe is exposed to cannot be recovered and is left out (it cannot move the
portfolio either).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from core.errors import DataError
from core.stress.drivers import BASIS_POINT, Driver, DriverExposure
from core.universe import Universe

MONTHS_PER_YEAR = 12

LABELS: dict[Driver, str] = {
    Driver.EQUITY: "U.S. equity (S&P 500)",
    Driver.RATES: "Treasury yields",
    Driver.IG_SPREAD: "Investment-grade spread",
    Driver.HY_SPREAD: "High-yield spread",
    Driver.DOLLAR: "U.S. dollar (broad)",
    Driver.COMMODITIES: "Commodities",
    Driver.GOLD: "Gold",
}


def unit_of(driver: Driver) -> str:
    """``"bp"`` for rates and spreads, ``"return"`` for the others."""
    return "bp" if driver.in_basis_points else "return"


def exposure_row(exposure: DriverExposure) -> dict[Driver, float]:
    """An ETF's decimal return per unit move of each driver (linear terms of the formula)."""
    return {
        Driver.EQUITY: exposure.equity_beta,
        Driver.RATES: -exposure.duration * BASIS_POINT,
        Driver.IG_SPREAD: -exposure.spread_duration * exposure.ig_credit_share * BASIS_POINT,
        Driver.HY_SPREAD: -exposure.spread_duration * exposure.hy_credit_share * BASIS_POINT,
        Driver.DOLLAR: exposure.dollar_beta,
        Driver.COMMODITIES: exposure.commodity_beta,
        Driver.GOLD: exposure.gold_beta,
    }


def exposure_matrix(
    tickers: list[str],
    exposures: Mapping[str, DriverExposure],
    universe: Universe | None = None,
    class_proxies: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """``B``: index ``tickers``, columns the drivers some ETF is exposed to (enum order).

    An ETF with no exposures of its own takes its asset class representative's (``universe``
    and ``class_proxies`` given), as the built-in scenarios do; otherwise it has none.
    """
    rows = {}
    for ticker in tickers:
        exposure = exposures.get(ticker)
        if exposure is None and universe is not None and class_proxies is not None:
            proxy = class_proxies.get(universe.asset_class_of(ticker))
            exposure = exposures.get(proxy) if proxy is not None else None
        rows[ticker] = exposure_row(exposure or DriverExposure(ticker))
    frame = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=list(Driver))
    used = [d for d in Driver if bool((frame[d] != 0).any())]
    if not used:
        raise DataError(
            "No ETF of the universe is exposed to any stress driver: add exposures for them "
            "in resources/scenarios/etf_drivers.json."
        )
    return frame[used].astype(float)


def implied_driver_moves(returns: pd.DataFrame, exposures: pd.DataFrame) -> pd.DataFrame:
    """``f_t`` for every month: the least-squares driver moves explaining that month's ETF
    returns (module docstring). ``returns``: months x tickers, monthly simple returns;
    ``exposures``: ``B`` over the same tickers. Returns months x drivers in driver units.

    Raises :class:`DataError` when two drivers cannot be told apart (``B`` rank-deficient).
    """
    tickers = list(exposures.index)
    missing = [t for t in tickers if t not in returns.columns]
    if missing:
        raise DataError(
            f"The returns have no column for {', '.join(missing)}: the driver moves need every "
            "ETF of the exposure matrix."
        )
    b = exposures.to_numpy(dtype=float)
    if np.linalg.matrix_rank(b) < b.shape[1]:
        raise DataError(
            "The ETFs' exposures cannot tell the stress drivers "
            f"{', '.join(d.value for d in exposures.columns)} apart: give one ETF its own "
            "exposure to each driver in resources/scenarios/etf_drivers.json."
        )
    r = returns[tickers].to_numpy(dtype=float)
    if not np.isfinite(r).all():
        raise DataError("The returns have missing months: the driver moves need complete rows.")
    moves, *_ = np.linalg.lstsq(b, r.T, rcond=None)
    return pd.DataFrame(moves.T, index=returns.index, columns=exposures.columns)


def driver_covariance(moves: pd.DataFrame) -> pd.DataFrame:
    """Annual covariance (sample, times 12) of monthly driver moves, in driver units squared."""
    if len(moves) < 2:
        raise DataError("At least two months are needed for the drivers' covariance.")
    return moves.cov() * MONTHS_PER_YEAR
