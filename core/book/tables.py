"""The book's results as pandas tables (the output files are these, written by
:mod:`core.book.files`).

Conventions: weights and margins are decimal (a margin is negative when outside the limit, by
that much); amounts in currency; shares signed (+ buy, - sell).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from core.book.model import AccountResult, Book

EXCEPTION_COLUMNS = [
    "account_id",
    "account_name",
    "household",
    "profile",
    "kind",
    "rule",
    "limit",
    "unit",
    "value",
    "margin",
    "account_worst_margin",
    "post_trade_in_ips",
]
ACCOUNT_COLUMNS = [
    "account_id",
    "account_name",
    "household",
    "profile",
    "status",
    "value",
    "cash",
    "in_ips",
    "ips_breaches",
    "in_bands",
    "band_breaches",
    "post_trade_in_ips",
    "unmet_after_trades",
    "limits_relaxed",
    "trades",
    "turnover",
    "cost",
    "cash_after",
    "message",
]


def exceptions_table(results: Sequence[AccountResult]) -> pd.DataFrame:
    """One row per rule or band an account breaks; accounts worst first (most negative weight
    margin), then by account id; within an account, worst margin first."""
    rows = [
        {
            "account_id": r.account_id,
            "account_name": r.name,
            "household": r.household,
            "profile": r.profile,
            "kind": e.kind.value,
            "rule": e.rule,
            "limit": e.limit,
            "unit": e.unit,
            "value": e.value,
            "margin": e.margin,
            "account_worst_margin": r.worst_margin,
            "post_trade_in_ips": r.post_trade_in_ips,
        }
        for r in results
        for e in r.exceptions
    ]
    frame = pd.DataFrame(rows, columns=EXCEPTION_COLUMNS)
    if frame.empty:
        return frame
    return frame.sort_values(
        ["account_worst_margin", "account_id", "margin"], kind="mergesort"
    ).reset_index(drop=True)


def accounts_table(results: Sequence[AccountResult], book: Book) -> pd.DataFrame:
    """One row per account of the book: the checked ones in book order, then the skipped ones
    (status ``skipped`` with their problems in ``message``)."""
    rows = [
        {
            "account_id": r.account_id,
            "account_name": r.name,
            "household": r.household,
            "profile": r.profile,
            "status": "failed" if r.error else "checked",
            "value": r.value,
            "cash": r.cash,
            "in_ips": r.in_ips,
            "ips_breaches": sum(1 for e in r.exceptions if e.kind.name == "IPS"),
            "in_bands": r.in_bands,
            "band_breaches": sum(1 for e in r.exceptions if e.kind.name == "BAND"),
            "post_trade_in_ips": r.post_trade_in_ips,
            "unmet_after_trades": sum(1 for e in r.exceptions if e.kind.name == "POST_TRADE"),
            "limits_relaxed": r.limits_relaxed,
            "trades": len(r.trades),
            "turnover": r.turnover,
            "cost": r.cost,
            "cash_after": r.cash_after,
            "message": r.error,
        }
        for r in results
    ]
    rows += [
        {
            "account_id": account_id,
            "status": "skipped",
            "message": "; ".join(str(p) for p in problems),
        }
        for account_id, problems in book.skipped
    ]
    return pd.DataFrame(rows, columns=ACCOUNT_COLUMNS)


def trades_table(results: Sequence[AccountResult]) -> pd.DataFrame:
    """One row per account and traded ETF: signed shares, price, notional (+ buy) and cost."""
    rows = [
        {
            "account_id": r.account_id,
            "profile": r.profile,
            "ticker": t.ticker,
            "shares": t.shares,
            "price": t.price,
            "notional": t.notional,
            "cost": t.cost,
        }
        for r in results
        for t in r.trades
    ]
    return pd.DataFrame(
        rows, columns=["account_id", "profile", "ticker", "shares", "price", "notional", "cost"]
    )


def orders_table(trades: pd.DataFrame) -> pd.DataFrame:
    """Net shares per ETF across the book (one block order each): shares bought, sold, net,
    net notional and the number of accounts trading it; ETFs whose net is 0 are kept (their
    accounts still trade), sorted by ticker."""
    columns = ["ticker", "buy_shares", "sell_shares", "net_shares", "net_notional", "accounts"]
    if trades.empty:
        return pd.DataFrame(columns=columns)
    grouped = trades.groupby("ticker", sort=True)
    return pd.DataFrame(
        {
            "buy_shares": grouped["shares"].apply(lambda s: float(s[s > 0].sum())),
            "sell_shares": grouped["shares"].apply(lambda s: float(-s[s < 0].sum())),
            "net_shares": grouped["shares"].sum(),
            "net_notional": grouped["notional"].sum(),
            "accounts": grouped["account_id"].nunique(),
        }
    ).reset_index()[columns]


def summary_table(results: Sequence[AccountResult], book: Book) -> pd.DataFrame:
    """Counts per profile: accounts checked, inside the IPS, outside the IPS, outside their
    bands, outside the IPS after the trades, failed; plus the skipped accounts (profile
    unknown when skipped, so in a row of their own)."""
    frame = pd.DataFrame(
        [
            {
                "profile": r.profile,
                "accounts": 1,
                "in_ips": int(r.in_ips),
                "outside_ips": int(not r.in_ips),
                "outside_bands": int(not r.in_bands),
                "outside_ips_after_trades": int(r.post_trade_in_ips is False),
                "failed": int(bool(r.error)),
            }
            for r in results
        ],
        columns=[
            "profile",
            "accounts",
            "in_ips",
            "outside_ips",
            "outside_bands",
            "outside_ips_after_trades",
            "failed",
        ],
    )
    summary = frame.groupby("profile", sort=True).sum().reset_index()
    skipped = pd.DataFrame([{"profile": "(skipped: bad input)", "accounts": len(book.skipped)}])
    return pd.concat([summary, skipped], ignore_index=True).fillna(0)


def problems_table(book: Book) -> pd.DataFrame:
    """Every problem of the skipped accounts: account, file, row, column, message."""
    return pd.DataFrame(
        [
            {
                "account_id": p.account_id,
                "source": p.source,
                "row": p.row,
                "column": p.column,
                "message": p.message,
            }
            for p in book.problems
        ],
        columns=["account_id", "source", "row", "column", "message"],
    )
