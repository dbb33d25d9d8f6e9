"""Cash-balanced trades in whole shares, solved as a small mixed-integer program (HiGHS).

Model (one row per ETF ``i``; currency amounts; ``V`` = account value before trading,
``C`` = contribution (< 0: withdrawal), ``base = V + C``, ``R`` = cash to keep)::

    variables   buy_i, sell_i >= 0 (integers when whole_shares), sell_i <= shares held
                e_i >= 0 (deviation beyond the band), f_k >= 0 (class deviation beyond its band)
                zb_i, zs_i in {0, 1} (only with a minimum trade size)
    value_i    = (held_i + buy_i - sell_i) price_i
    costs      = sum cost_i price_i (buy_i + sell_i)
    cash_after = cash + C - sum price_i buy_i + sum price_i sell_i - costs >= R
    P          = base - costs                      (post-trade total = sum value_i + cash_after)
    e_i       >= |value_i - target_i (P - Q)| - B_i P
    minimize    sum e_i + sum f_k + costs + TIE_BREAK sum price_i (buy_i + sell_i)   (currency)

* TO_TARGET: ``B_i = 0`` and ``Q = R`` (the buffer is set aside, the rest is invested at the
  target weights): the L1 distance to the target values. TO_BAND_EDGE: ``Q = 0``, ``B_i`` is the
  ETF's effective band (:func:`~core.rebalance.drift.effective_band`) and class terms
  ``f_k >= |class value_k - class target_k P| - class band P`` (the cash line counts in the cash
  class) are added, so a position inside its band costs nothing and a breach is traded exactly
  back to the band edge. Because targets and bands are fractions of the post-trade total ``P``,
  the plan is judged by the same rule as the drift report. (The whole-share model holds ``P``
  at its cost estimate and re-solves until the estimate is exact, and adds rounding cuts: see
  :mod:`core.rebalance.trade_model`.)
* cost_i is ``cost_bps / 10,000`` of the notional and is paid from cash.
* ``TIE_BREAK`` (1e-6 per unit of currency traded, in :mod:`~core.rebalance.trade_model`) picks the smallest trade among equally close
  solutions. The objective stays in currency (not divided by ``base``) so that cost and
  tie-break coefficients stay far above HiGHS's 1e-7 dual tolerance.
* Minimum trade: ``price_i buy_i >= m zb_i`` and ``buy_i <= U_i zb_i`` (big-M ``U_i`` = shares
  the whole account could buy), the same for sells, and ``zb_i + zs_i <= 1``.
* The cash buffer ``R = max(cash_buffer x base, cash_buffer_amount)``: ``cash_buffer`` is a
  fraction of the account value after the contribution, ``cash_buffer_amount`` currency.
* Post-trade weights are computed from post-trade shares and cash after trading (cash absorbs
  every rounding remainder and cost), so they add up to 1 up to floating-point rounding.
* The continuous solution is the same model with fractional shares (the binaries of the
  minimum trade size stay binary), solved beside the whole-share one.
* Whole-share sells are at most ``floor(shares held)``: a fractional remainder is kept.

Hard IPS limits (when ``profile`` is given)
-------------------------------------------
Every weight limit of the profile's :class:`~core.policy.constraints.ConstraintSet` (single-ETF
cap, ETF minimums and caps, asset-class ranges, group limits) is a constraint on the post-trade
weights (the account's cash counts in the cash class); the cash buffer is one already; the drift
bands stay the objective. So band-edge mode trades an account that breaks the IPS back inside
it even when every position sits inside its band. When whole shares, the minimum trade or the
buffer make the limits impossible, an elastic version breaks them as little as it can and the
plan names each unmet limit and its shortfall (:attr:`RebalancePlan.unmet_limits`), never
silently. :attr:`RebalancePlan.compliance` holds every rule before and after the trades.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from core.errors import DataError, InfeasibleError, PolicyError, SolverError
from core.policy.clauses import drift_band_clauses
from core.policy.profile import DriftBands, IPSProfile
from core.rebalance.account import Holdings
from core.rebalance.compliance import compliance_table
from core.rebalance.drift import check_targets, class_map, drift_report, effective_band
from core.rebalance.plan import (
    ContinuousSolution,
    RebalanceMethod,
    RebalancePlan,
    TradeAction,
    TradeLine,
)
from core.rebalance.trade_model import EXACT_GAP_FRACTION, HardLimits, TradeModel, solve_trades
from core.universe import Universe


def _costs(cost_bps: float | Mapping[str, float], tickers: list[str]) -> np.ndarray:
    if isinstance(cost_bps, Mapping):
        missing = [t for t in tickers if t not in cost_bps]
        if missing:
            raise PolicyError(
                f"No transaction cost for {', '.join(missing)}: give a cost in bps for every ETF."
            )
        values = np.array([float(cost_bps[t]) for t in tickers])
    else:
        values = np.full(len(tickers), float(cost_bps))
    if not np.all(np.isfinite(values)) or (values < 0).any() or (values >= 10_000).any():
        raise PolicyError("Transaction costs must be between 0 and 10,000 bps.")
    return values / 10_000.0


def _apply(
    model: TradeModel, holdings: Holdings, trades: np.ndarray
) -> tuple[Holdings, np.ndarray, float]:
    """Post-trade holdings, per-ETF cost and exact cash after trading."""
    cost = model.trade_costs(trades)
    cash_after = model.cash + model.contribution - float(trades @ model.price) - float(cost.sum())
    tolerance = 1e-6 * max(model.base, 1.0)
    if cash_after < model.buffer - tolerance:
        raise SolverError(
            f"The optimizer's plan leaves {cash_after:,.2f} cash, below the {model.buffer:,.2f} "
            "to keep; report this case."
        )
    post = np.maximum(model.held + trades, 0.0)
    positions = dict(zip(model.tickers, post.tolist(), strict=True))
    prices = {**holdings.prices, **dict(zip(model.tickers, model.price.tolist(), strict=True))}
    return (
        Holdings(
            positions, prices, max(cash_after, 0.0), holdings.cost_basis, holdings.price_sources
        ),
        cost,
        max(cash_after, 0.0),
    )


def _check_cash_can_be_raised(
    holdings: Holdings,
    held: np.ndarray,
    price: np.ndarray,
    cost: np.ndarray,
    contribution: float,
    buffer: float,
    min_trade: float,
    whole_shares: bool,
) -> None:
    """Raise :class:`InfeasibleError` when even selling everything cannot fund the withdrawal and buffer."""
    value = holdings.total_value
    if value + contribution <= 0:
        raise InfeasibleError(
            f"The withdrawal of {-contribution:,.2f} is not less than the account's value of {value:,.2f}: "
            "withdraw less than the account holds."
        )
    sellable = np.floor(held + 1e-9) if whole_shares else held
    proceeds = sellable * price * (1 - cost)
    if min_trade > 0:
        proceeds = np.where(sellable * price >= min_trade, proceeds, 0.0)
    needed = buffer - holdings.cash - contribution
    if needed > float(proceeds.sum()) + 1e-9 * max(value, 1.0):
        asks = [f"a withdrawal of {-contribution:,.2f}"] * (contribution < 0)
        asks += [f"a cash buffer of {buffer:,.2f}"] * (buffer > 0)
        fixes = ["the withdrawal"] * (contribution < 0) + ["the cash buffer"] * (buffer > 0)
        fixes += ["the minimum trade size"] * (min_trade > 0)
        raise InfeasibleError(
            f"{' and '.join(asks).capitalize()} need{'s' if len(asks) == 1 else ''} {needed:,.2f} from "
            f"sales, but selling every {'whole ' if whole_shares else ''}share"
            f"{' worth at least the minimum trade' if min_trade > 0 else ''} "
            f"raises only {float(proceeds.sum()):,.2f} after costs: lower {', '.join(fixes[:-1])}"
            f"{' or ' if len(fixes) > 1 else ''}{fixes[-1]}."
        )


def _hard_limits(
    profile: IPSProfile,
    universe: Universe,
    tickers: list[str],
    cash_class: str | None,
) -> HardLimits:
    """The profile's weight limits (its :class:`ConstraintSet`) in the trade model's order."""
    from core.policy.constraints import build_constraints

    limits = build_constraints(profile, universe)
    outside = [t for t in tickers if t not in limits.tickers]
    if outside:
        raise DataError(
            f"{', '.join(outside)} {'is' if len(outside) == 1 else 'are'} not in the universe of "
            "the policy, so its limits are unknown: add the ETF to the universe or sell it."
        )
    order = [limits.tickers.index(t) for t in tickers]
    class_of = class_map(universe)
    row_cash = np.array(
        [
            1.0
            if row.kind == "asset_class"
            and cash_class is not None
            and class_of[row.tickers[0]] == cash_class
            else 0.0
            for row in limits.rows
        ]
    )
    return HardLimits(
        lower=limits.lower[order],
        upper=limits.upper[order],
        rows=limits.A[:, order].reshape(len(limits.rows), len(tickers)),
        row_cash=row_cash,
        row_lower=limits.row_lower,
        row_upper=limits.row_upper,
    )


def rebalance(
    holdings: Holdings,
    targets: pd.Series,
    *,
    bands: DriftBands,
    method: RebalanceMethod = RebalanceMethod.TO_TARGET,
    asset_classes: Mapping[str, str] | Universe | None = None,
    cost_bps: float | Mapping[str, float] = 0.0,
    min_trade_value: float = 0.0,
    cash_buffer: float = 0.0,
    cash_buffer_amount: float = 0.0,
    contribution: float = 0.0,
    whole_shares: bool = True,
    cash_asset_class: str = "Cash",
    profile: IPSProfile | None = None,
    optimality_gap: float | None = None,
) -> RebalancePlan:
    """Trade ``holdings`` towards ``targets`` with cash-balanced trades (model in the module docstring).

    Parameters
    ----------
    holdings : Holdings
        The account; every target ETF needs a price in ``holdings.prices``.
    targets : Series
        Decimal target weights by ticker, adding up to 1 (``result.recommended.weights``).
    bands : DriftBands
        Bands for the breach flags and for ``TO_BAND_EDGE``.
    method : RebalanceMethod
    asset_classes : mapping, Universe or None
        ``{ticker: class}``; needed for class bands. None: classes are not used.
    cost_bps : float or mapping
        Transaction cost in basis points of notional, one number or ``{ticker: bps}`` for every ETF.
    min_trade_value : float
        Smallest notional of a trade, currency; smaller trades are not made (0 = no minimum).
    cash_buffer : float
        Cash to keep, as a fraction of the account value after the contribution (0.02 = 2%).
    cash_buffer_amount : float
        Cash to keep, currency; the larger of the two buffers applies.
    contribution : float
        Cash added before trading, currency; negative for a withdrawal.
    whole_shares : bool
        Trade whole shares (the MILP); False trades fractional shares.
    cash_asset_class : str
        Asset class that the account's cash line counts in (class drift and class bands).
    profile : IPSProfile, optional
        The IPS whose hard limits the post-trade account must meet (module docstring);
        ``asset_classes`` must then be its :class:`Universe`. Without it only the bands and the
        cash buffer are used and the plan has no compliance table.
    optimality_gap : float, optional
        The absolute part of the whole-share plan's stated optimality gap, as a fraction of the
        account: the plan is within ``1e-4 x objective + optimality_gap x account`` (currency)
        of the best whole-share plan at its post-trade total. Default :data:`~core.rebalance.trade_model.EXACT_GAP_FRACTION`
        (1e-6, $2 on $2M: the Rebalancing tab); the firm's book states a looser one
        (:data:`core.book.check.BOOK_OPTIMALITY_GAP`).

    Raises
    ------
    InfeasibleError
        The withdrawal or buffer exceeds what the account can raise, or the minimum trade size
        prevents raising it; the message says what to lower.
    PolicyError, DataError
        Malformed targets, costs or parameters; a target ETF without a price.
    SolverError
        HiGHS did not prove optimality (time limit).
    """
    method = RebalanceMethod(method)  # "to_band_edge" must not silently mean TO_TARGET below
    target = check_targets(targets)
    if profile is not None and not isinstance(asset_classes, Universe):
        raise PolicyError(
            "Give the universe as asset_classes when a profile is given: its limits are set on "
            "the universe's ETFs and asset classes."
        )
    for label, value in (
        ("minimum trade size", min_trade_value),
        ("cash buffer amount", cash_buffer_amount),
    ):
        if not math.isfinite(value) or value < 0:
            raise PolicyError(f"The {label} is {value!r}; enter 0 or more.")
    if not (0 <= cash_buffer < 1):
        raise PolicyError(
            f"The cash buffer is {cash_buffer!r}; enter a fraction from 0 up to (not incl.) 1."
        )
    if not math.isfinite(contribution):
        raise PolicyError("The contribution must be a number (negative for a withdrawal).")
    tickers = list(target.index) + [t for t in holdings.tickers if t not in target.index]
    unpriced = [t for t in tickers if t not in holdings.prices]
    if unpriced:
        raise DataError(
            f"No price for {', '.join(unpriced)}: type a price so the ETF can be traded."
        )
    classified = asset_classes is not None
    classes = (
        class_map(asset_classes)
        if asset_classes is not None
        else dict.fromkeys(tickers, "Unclassified")
    )
    cash_class = cash_asset_class if classified else None
    class_source = asset_classes if asset_classes is not None else classes
    band_clauses = drift_band_clauses(profile) if profile is not None else None
    report = drift_report(
        holdings,
        target,
        bands,
        class_source,
        cash_asset_class=cash_class,
        band_clauses=band_clauses,
    )
    price = np.array([holdings.prices[t] for t in tickers])
    held = np.array([holdings.positions.get(t, 0.0) for t in tickers])
    cost = _costs(cost_bps, tickers)
    value = holdings.total_value
    base = value + contribution
    buffer = max(cash_buffer * max(base, 0.0), cash_buffer_amount)
    _check_cash_can_be_raised(
        holdings, held, price, cost, contribution, buffer, min_trade_value, whole_shares
    )
    w = target.reindex(tickers, fill_value=0.0).to_numpy()
    band_edge = method is RebalanceMethod.TO_BAND_EDGE
    bands_weight = (
        np.array([effective_band(x, bands) for x in w]) if band_edge else np.zeros(len(tickers))
    )
    class_names = [c.asset_class for c in report.classes]
    if not (classified and band_edge and bands.asset_class is not None):
        class_names = []
    membership = np.array(
        [[1.0 if classes[t] == c else 0.0 for t in tickers] for c in class_names]
    ).reshape(len(class_names), len(tickers))
    class_cash = np.array([1.0 if c == cash_class else 0.0 for c in class_names])
    model = TradeModel(
        tickers=tickers,
        price=price,
        held=held,
        cost=cost,
        weight=w,
        band=bands_weight,
        class_rows=membership,
        class_cash=class_cash,
        class_band=float(bands.asset_class or 0.0),
        cash=holdings.cash,
        contribution=contribution,
        buffer=buffer,
        center_reserve=0.0 if band_edge else buffer,
        base=base,
        min_trade=min_trade_value,
        gap_fraction=EXACT_GAP_FRACTION if optimality_gap is None else float(optimality_gap),
        limits=(
            _hard_limits(profile, asset_classes, tickers, cash_asset_class)
            if profile is not None and isinstance(asset_classes, Universe)
            else None
        ),
    )
    continuous, continuous_elastic = solve_trades(model, whole_shares=False)
    trades, elastic = (
        solve_trades(model, whole_shares=True, continuous=continuous)
        if whole_shares
        else (continuous, continuous_elastic)
    )
    post, cost_paid, cash_after = _apply(model, holdings, trades)
    cont_post, cont_cost, cont_cash = _apply(model, holdings, continuous)
    post_weights = post.weights
    lines = tuple(
        TradeLine(
            ticker=t,
            asset_class=classes.get(t, "Unclassified"),
            price=float(price[i]),
            current_shares=float(held[i]),
            current_weight=report.etf(t).current_weight,
            target_weight=float(w[i]),
            breach=report.etf(t).breach,
            shares=float(trades[i]),
            estimated_cost=float(cost_paid[i]),
            post_trade_shares=post.positions[t],
            post_trade_weight=float(post_weights[t]),
            continuous_shares=float(continuous[i]),
            price_source=holdings.price_point(t),
        )
        for i, t in enumerate(tickers)
    )
    post_report = drift_report(
        post, target, bands, class_source, cash_asset_class=cash_class, band_clauses=band_clauses
    )
    compliance = (
        compliance_table(
            holdings,
            post,
            profile,
            asset_classes,
            cash_asset_class=cash_asset_class,
            cash_buffer=buffer,
        )
        if profile is not None and isinstance(asset_classes, Universe)
        else None
    )
    return RebalancePlan(
        method=method,
        lines=lines,
        value_before=value,
        cash_before=holdings.cash,
        contribution=contribution,
        cash_buffer=buffer,
        cash_after=cash_after,
        whole_shares=whole_shares,
        min_trade_value=min_trade_value,
        drift=report,
        post_trade_drift=post_report,
        post_trade_holdings=post,
        continuous=ContinuousSolution(
            shares=pd.Series(continuous, index=tickers, name="shares"),
            post_trade_weights=cont_post.weights,
            cash_after=cont_cash,
            total_cost=float(cont_cost.sum()),
        ),
        compliance=compliance,
        limits_relaxed=elastic,
    )


__all__ = [
    "ContinuousSolution",
    "RebalanceMethod",
    "RebalancePlan",
    "TradeAction",
    "TradeLine",
    "rebalance",
]
