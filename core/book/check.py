"""The pass over one account: valuation, IPS compliance, drift, trades, post-trade compliance.

The trades are the Rebalancing tab's own program (:func:`core.rebalance.rebalance` with the
profile's hard limits); an account opened in the window is solved again there at the tab's
tighter gap, so its plan is the same or better by at most the book's stated gap. The analysis
behind the targets runs once per profile (:func:`profile_targets`); each account then needs
only its :class:`ProfileTargets`, small enough to ship to a cluster's workers.

Exceptions (:class:`~core.book.model.AccountException`), with margins in decimal weight
(negative = outside by that much):

* ``IPS``: a hard rule of the IPS the account breaks before trading (every rule of
  :func:`core.rebalance.compliance.compliance_table`: single-ETF cap, ETF minimums and caps,
  asset-class ranges, group limits); margin = the rule's slack (the
  validation table's: negative = outside by that much).
* ``BAND``: an ETF or asset class whose drift is beyond its band; margin = band - |drift|
  (an ETF held at a zero target: margin = - its weight).
* ``POST_TRADE``: a rule the plan still breaks after trading (whole shares, the minimum trade or
  the cash buffer made it impossible); margin = the rule's slack (the
  validation table's: negative = outside by that much).

The optimality gap is stated, not hidden: the book solves the Rebalancing tab's program with the
absolute part of its gap at :data:`BOOK_OPTIMALITY_GAP` of each account (5 bp: $1,000 on a $2M
account, under two shares of SPY) instead of the tab's 1e-6, so the LP relaxation's rounding is
accepted by proof (:mod:`core.rebalance.trade_rounding`) on most accounts, the MILP runs only
where it is not (at the relative gap that the best rounding turns the stated gap into), and one
pass over the post-trade total is enough; every plan is within ``1e-4 x objective +
BOOK_OPTIMALITY_GAP x value`` of the best whole-share plan at its post-trade total (the proof
is in :mod:`core.rebalance.trade_model`). The manifest and the exceptions workbook's Summary
sheet say so (:func:`gap_statement`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.book.model import AccountException, AccountResult, BookAccount, ExceptionKind, TradeRow
from core.errors import IPSStudioError
from core.policy.profile import IPSProfile
from core.rebalance.compliance import ComplianceRow
from core.rebalance.drift import DriftReport, effective_band
from core.universe import Universe

BOOK_OPTIMALITY_GAP = 5e-4
"""Absolute part of the whole-share plan's stated optimality gap in the book, a fraction of each
account's value (module docstring); the Rebalancing tab keeps 1e-6."""


def gap_statement() -> str:
    """The book's stated optimality gap in words, for its outputs."""
    return (
        "each whole-share plan is within 1e-4 x its objective + "
        f"{BOOK_OPTIMALITY_GAP:g} x the account's value of the best whole-share plan "
        "(the Rebalancing tab's program; the tab itself uses 1e-6 of the account)"
    )


@dataclass(frozen=True)
class ProfileTargets:
    """What every account of one profile is checked and traded against (decimal weights)."""

    key: str
    profile: IPSProfile
    universe: Universe
    targets: pd.Series
    recommended: str


def profile_targets(
    key: str, profile: IPSProfile, dataset: object, universe: Universe
) -> ProfileTargets:
    """Run the analysis of ``profile`` once (:func:`core.pipeline.run_analysis`) and keep its
    recommended weights as the targets (round-off below 1e-9 set to 0)."""
    from core.pipeline import run_analysis
    from core.rebalance import rebalance_targets

    result = run_analysis(profile, dataset, universe)  # type: ignore[arg-type]
    return ProfileTargets(
        key,
        profile,
        result.universe,
        rebalance_targets(result.recommended.weights),
        result.recommended_name,
    )


def _ips_exceptions(rows: tuple[ComplianceRow, ...], *, post: bool) -> list[AccountException]:
    out = []
    for row in rows:
        passed = row.post_trade_passed if post else row.current_passed
        if passed:
            continue
        value = row.post_trade if post else row.current
        margin = row.post_trade_margin if post else row.current_margin
        out.append(
            AccountException(
                ExceptionKind.POST_TRADE if post else ExceptionKind.IPS,
                row.rule,
                row.limit_text,
                float(value),
                float(margin),
                row.unit,
            )
        )
    return out


def _band_exceptions(drift: DriftReport) -> list[AccountException]:
    out = []
    for etf in drift.etfs:
        if not etf.breach:
            continue
        if etf.off_target:
            margin, limit = -etf.current_weight, "target 0%: hold none"
        else:
            band = effective_band(etf.target_weight, drift.bands)
            margin, limit = band - abs(etf.drift), f"target {etf.target_weight:.2%} +/- {band:.2%}"
        out.append(
            AccountException(
                ExceptionKind.BAND,
                f"{etf.ticker} drift",
                limit,
                etf.current_weight,
                margin,
                "weight",
            )
        )
    for asset_class in drift.classes:
        if asset_class.breach and asset_class.band is not None:
            out.append(
                AccountException(
                    ExceptionKind.BAND,
                    f"{asset_class.asset_class} class drift",
                    f"target {asset_class.target_weight:.2%} +/- {asset_class.band:.2%}",
                    asset_class.current_weight,
                    asset_class.band - abs(asset_class.drift),
                    "weight",
                )
            )
    return out


def check_account(account: BookAccount, targets: ProfileTargets) -> AccountResult:
    """Value, check and trade one account (module docstring). An account the trade program
    cannot trade (an infeasible withdrawal, a solver failure) gets its pre-trade checks and the
    reason in ``error``; it never raises for a problem of its own."""
    from core.rebalance import rebalance
    from core.rebalance.compliance import compliance_table
    from core.rebalance.drift import drift_report

    holdings = account.holdings
    value = holdings.total_value
    base = dict(
        account_id=account.account_id,
        name=account.name,
        household=account.household,
        profile=targets.profile.name,
        value=value,
        cash=holdings.cash,
    )
    try:
        plan = rebalance(
            holdings,
            targets.targets,
            bands=targets.profile.drift_bands,
            asset_classes=targets.universe,
            profile=targets.profile,
            optimality_gap=BOOK_OPTIMALITY_GAP,
            **account.settings.rebalance_kwargs(),
        )
    except IPSStudioError as exc:
        try:
            compliance = compliance_table(holdings, holdings, targets.profile, targets.universe)
            drift = drift_report(
                holdings, targets.targets, targets.profile.drift_bands, targets.universe
            )
            found = _ips_exceptions(compliance.rows, post=False) + _band_exceptions(drift)
        except IPSStudioError:
            found = []
        return AccountResult(
            **base,  # type: ignore[arg-type]
            in_ips=not any(e.kind is ExceptionKind.IPS for e in found),
            in_bands=not any(e.kind is ExceptionKind.BAND for e in found),
            post_trade_in_ips=None,
            exceptions=tuple(found),
            trades=(),
            turnover=0.0,
            cost=0.0,
            cash_after=None,
            error=str(exc),
        )
    assert plan.compliance is not None  # a profile was given
    ips = _ips_exceptions(plan.compliance.rows, post=False)
    bands = _band_exceptions(plan.drift)
    post = _ips_exceptions(plan.compliance.rows, post=True)
    trades = tuple(
        TradeRow(line.ticker, line.shares, line.price, line.notional, line.estimated_cost)
        for line in plan.lines
        if line.shares != 0
    )
    traded = sum(abs(t.notional) for t in trades)
    return AccountResult(
        **base,  # type: ignore[arg-type]
        in_ips=not ips,
        in_bands=not bands,
        post_trade_in_ips=not post,
        exceptions=tuple(ips + bands + post),
        trades=trades,
        turnover=traded / value if value > 0 else 0.0,
        cost=sum(t.cost for t in trades),
        cash_after=plan.cash_after,
        limits_relaxed=plan.limits_relaxed,
    )


def check_chunk(
    accounts: list[BookAccount], targets: dict[str, ProfileTargets]
) -> list[AccountResult]:
    """:func:`check_account` over a chunk of accounts (the unit of work sent to a worker)."""
    return [check_account(a, targets[a.profile]) for a in accounts]
