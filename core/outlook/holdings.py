"""The account's current holdings as a portfolio of the Outlook.

The account (:class:`core.rebalance.account.Holdings`, valued at the data set's prices: see
:func:`core.report.inputs.priced_project`) becomes decimal weights over the universe: each
position's market value over the account's total, and uninvested cash held in the universe's
cash ETF (SGOV by default), whose monthly return it is assumed to earn. With no cash ETF in
the universe, cash stays out of the weights and earns 0%. The simulation then rebalances
these weights monthly, as it does every portfolio.
"""

from __future__ import annotations

import pandas as pd

from core.errors import DataError
from core.rebalance.account import CASH_LABEL, Holdings
from core.universe import Universe

CURRENT_HOLDINGS = "Current holdings"
NO_HOLDINGS = (
    "The account has no holdings: the Outlook simulates the recommended portfolio, the "
    "candidates and the benchmark only. Enter or import holdings on the Rebalancing tab to "
    "see the account beside them."
)


def has_holdings(holdings: Holdings | None) -> bool:
    """True when the account holds a position with value or cash."""
    return holdings is not None and holdings.total_value > 0


def holdings_weights(holdings: Holdings, universe: Universe) -> pd.Series:
    """Decimal weights by ticker (module docstring), index the universe's tickers.

    Raises :class:`DataError` for an empty account or a position outside the universe.
    """
    if not has_holdings(holdings):
        raise DataError(NO_HOLDINGS)
    weights = holdings.weights
    outside = sorted(t for t in weights.index if t != CASH_LABEL and t not in universe.tickers)
    if outside:
        raise DataError(
            f"The account holds {', '.join(outside)}, outside the universe: add "
            f"{'it' if len(outside) == 1 else 'them'} to the universe (Data > Edit universe) to "
            "simulate the account."
        )
    out = weights.drop(CASH_LABEL).reindex(list(universe.tickers), fill_value=0.0)
    cash = float(weights.get(CASH_LABEL, 0.0))
    if universe.cash_ticker is not None:
        out[universe.cash_ticker] += cash
    return out.astype(float)


def describe_holdings(holdings: Holdings, universe: Universe) -> str:
    """``"$12,345,678 account (positions at the data set's prices; 2.0% cash, held as SGOV)"``."""
    cash = float(holdings.weights.get(CASH_LABEL, 0.0))
    where = (
        f"held as {universe.cash_ticker}"
        if universe.cash_ticker is not None
        else "earning 0% (no cash ETF in the universe)"
    )
    return (
        f"${holdings.total_value:,.0f} account (positions at the data set's prices; "
        f"{cash:.1%} cash, {where})"
    )
