"""The mixed-integer program behind :func:`core.rebalance.trades.rebalance` (HiGHS via scipy).

See :mod:`core.rebalance.trades` for the model in words. The details that live here:

* **Post-trade total.** Targets and bands are fractions of the post-trade total
  ``P = base - costs``. The fractional-share model uses ``P`` exactly (it is linear in the
  trades). The whole-share model uses a constant ``P_hat`` instead, starting from the
  fractional solution's costs and re-solved with the whole-share costs until the two agree
  (at most :data:`MAX_TOTAL_PASSES` solves; in practice one or two), so the plan is judged by
  the same weights as the drift report. The passes stop early when the remaining change of the
  total cannot move the plan's standing by more than the share of the stated gap kept for it
  (:data:`SOLVE_SHARE`, :func:`total_sensitivity`).
* **Stated gap.** Every whole-share plan is within ``MIP_REL_GAP x objective + gap_fraction x
  base`` (currency) of the best whole-share plan at its post-trade total: the solve proves
  ``max(MIP_REL_GAP x objective, SOLVE_SHARE x gap_fraction x base)`` (a rounding of the LP
  relaxation accepted by proof, :mod:`core.rebalance.trade_rounding`, or HiGHS's MILP), and
  stopping the passes with the total still moving by ``d`` costs at most
  ``2 x total_sensitivity x d <= (1 - SOLVE_SHARE) x gap_fraction x base``.
* **Rounding cuts.** With constant targets, each ETF's penalty ``g(t) = max(0, |value(t) -
  T| - B)`` is a convex function of its whole-share trade ``t``. Its chord between the two
  integers around each kink is a valid inequality for whole shares and makes the LP relaxation
  see the rounding residual. Without them HiGHS had to branch on nearly every ETF to prove
  optimality and hit a 30 s time limit on the 14-ETF demo account; with them it takes well
  under a second.
* **Scaling.** Every constraint row is divided by its largest coefficient before the solve.
* **Hard limits.** The IPS limits (:class:`HardLimits`, from a
  :class:`~core.policy.constraints.ConstraintSet`) are constraints on the post-trade weights,
  always against the exact post-trade total ``P = base - costs`` (linear in the trades, so exact
  in both models): ``lower_i P <= value_i <= upper_i P`` and ``row_lower_k P <= A_k value (+ cash
  after, for the cash class) <= row_upper_k P``. When whole shares, the minimum trade or the
  cash buffer make them impossible, the program is solved again with an elastic slack ``s >= 0``
  (currency) on every limit, priced at :data:`ELASTIC_PENALTY` per unit: the plan then breaks
  the limits as little as it can, and the caller reports what it could not meet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.errors import InfeasibleError, SolverError

TIE_BREAK = 1e-6
MIP_REL_GAP = 1e-4
"""Relative optimality gap HiGHS must prove. The objective is in currency: the drift beyond the
bands (band edge, hundreds to thousands) or the distance to target (tens of thousands on a $2M
account), plus costs; 1e-4 is a few cents to a dollar or two of distance on such an account.
1e-7 asked HiGHS to rank near-equal buy combinations of a band-edge rebalance with a
contribution (a subset-sum) to a hundredth of a cent, and 1e-5 still took 30 s without a proof
for a to-target plan with a withdrawal and a cash buffer under hard IPS limits (0.4 s at 1e-4)."""
TIME_LIMIT_SECONDS = 5.0
ACCEPTED_GAP = 1e-3
"""A plan found when the time limit stops HiGHS is used when its proven gap to the optimum is at
most this (relative, on the currency objective: 0.1%). Proving 1e-5 can take minutes when many
near-equal whole-share combinations exist (to target with a withdrawal and a cash buffer under
hard IPS limits: 30 s and no proof), while the incumbent's gap was 2e-5 after 3 s."""
MAX_TOTAL_PASSES = 4
SOLVE_SHARE = 0.9
"""Share of the stated absolute gap (``TradeModel.gap_fraction``) the whole-share solve may use;
the rest bounds the cost of stopping the post-trade-total passes early (module docstring). On
the Rebalancing tab's 1e-6 the rest is $0.20 on $2M, so the passes run to convergence as before;
on the book's 5e-4 one pass is enough."""
EXACT_GAP_FRACTION = 1e-6
"""The Rebalancing tab's absolute gap: 1e-6 of the account ($2 on $2M), beside MIP_REL_GAP."""
FEASIBILITY_TOLERANCE = 1e-5
"""Largest row violation (rows scaled to a unit largest coefficient, so about currency / price)
accepted from HiGHS before the plan is re-solved without presolve."""
ELASTIC_PENALTY = 1_000.0
"""Objective cost of one unit of currency by which a hard limit is broken (elastic solve only).
A unit of trade moves the drift and cost terms by at most a few units, so any reduction of a
breach is worth more than any drift it causes."""


@dataclass(frozen=True)
class HardLimits:
    """Hard limits on post-trade weights, in the trade model's ticker order (decimal weights).

    ``lower``/``upper`` shape (n,); ``rows`` shape (m, n) membership of asset-class and group
    rows; ``row_cash`` shape (m,) 1 where the row also holds the account's cash after trading.
    """

    lower: np.ndarray
    upper: np.ndarray
    rows: np.ndarray
    row_cash: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray

    def specs(self) -> list[tuple[np.ndarray, float, float, int]]:
        """``(members, cash flag, fraction, sense)`` of each binding side: sense +1 for
        ``value >= fraction P``, -1 for ``value <= fraction P``; sides at 0 / 100% are left out."""
        n = len(self.lower)
        out: list[tuple[np.ndarray, float, float, int]] = []
        for i in range(n):
            unit = np.zeros(n)
            unit[i] = 1.0
            if self.lower[i] > 0:
                out.append((unit, 0.0, float(self.lower[i]), 1))
            if self.upper[i] < 1:
                out.append((unit, 0.0, float(self.upper[i]), -1))
        for k in range(self.rows.shape[0]):
            if self.row_lower[k] > 0:
                out.append((self.rows[k], float(self.row_cash[k]), float(self.row_lower[k]), 1))
            if self.row_upper[k] < 1:
                out.append((self.rows[k], float(self.row_cash[k]), float(self.row_upper[k]), -1))
        return out


@dataclass(frozen=True)
class TradeModel:
    """Data of one rebalancing problem (arrays in ticker order; amounts in currency)."""

    tickers: list[str]
    price: np.ndarray
    held: np.ndarray
    cost: np.ndarray  # fraction of notional
    weight: np.ndarray  # target weights, sum 1
    band: np.ndarray  # half-width of each ETF's free zone, decimal weight (0 for TO_TARGET)
    class_rows: np.ndarray  # (K, n) membership
    class_cash: np.ndarray  # (K,) 1 where the class holds the cash line
    class_band: float
    cash: float
    contribution: float
    buffer: float
    center_reserve: float  # cash set aside before the targets are applied
    base: float
    min_trade: float
    limits: HardLimits | None = None
    gap_fraction: float = EXACT_GAP_FRACTION
    """The stated optimality gap's absolute part, a fraction of the account (``base``): the plan
    is within ``max(MIP_REL_GAP x objective, gap_fraction x base)`` of the whole-share optimum."""

    def trade_costs(self, trades: np.ndarray) -> np.ndarray:
        """Cost of each signed share trade, currency."""
        return self.cost * np.abs(trades) * self.price


def solve_trades(
    model: TradeModel, *, whole_shares: bool, continuous: np.ndarray | None = None
) -> tuple[np.ndarray, bool]:
    """Signed share trades (+ buy) of the optimal plan, and whether the hard limits had to be
    relaxed (the elastic solve); see the module docstring.

    ``continuous`` (the fractional-share solution, if already known) seeds the whole-share
    model's post-trade total.
    """
    if not whole_shares:
        return _solve(model, whole_shares=False, post_total=None)
    if continuous is None:
        continuous = _solve(model, whole_shares=False, post_total=None)[0]
    estimate = model.base - float(model.trade_costs(continuous).sum())
    trades, elastic = np.zeros(len(model.tickers)), False
    allowance = (1 - SOLVE_SHARE) * model.gap_fraction * max(model.base, 1.0)
    sensitivity = total_sensitivity(model)
    for _ in range(MAX_TOTAL_PASSES):
        trades, elastic = _solve(model, whole_shares=True, post_total=estimate)
        actual = model.base - float(model.trade_costs(trades).sum())
        moved = abs(actual - estimate)
        if moved <= 1e-9 * max(model.base, 1.0) or 2 * sensitivity * moved <= allowance:
            break
        estimate = actual
    return trades, elastic


def total_sensitivity(model: TradeModel) -> float:
    """Largest change of the whole-share objective per currency unit of the post-trade total
    ``P`` it is solved for, the same for every plan: each ETF's drift beyond its band,
    ``max(0, |value - w (P - reserve)| - b P)``, moves by at most ``w + b``, each class's by at
    most ``W + class band``; costs do not depend on ``P``.

    So a plan within ``g`` of the optimum at an estimate ``E`` is within ``g + 2 x sensitivity x
    |P - E|`` of the optimum at its actual total ``P`` (its own objective moves by at most
    ``sensitivity x |P - E|``, and so does the optimum's).
    """
    classes = model.class_rows @ model.weight  # (K,); empty when no class rows
    return float(np.sum(model.weight + model.band) + np.sum(classes + model.class_band))


def _chord_cuts(model: TradeModel, i: int, post_total: float) -> list[tuple[float, float]]:
    """``(slope, intercept)`` pairs with ``e_i >= intercept + slope t`` valid for whole-share ``t``."""
    price, held = float(model.price[i]), float(model.held[i])
    target = float(model.weight[i]) * (post_total - model.center_reserve)
    band = float(model.band[i]) * post_total

    def penalty(t: float) -> float:
        return max(0.0, abs(price * (held + t) - target) - band)

    cuts = []
    for kink in sorted({(target - band) / price - held, (target + band) / price - held}):
        low = math.floor(kink)
        left, right = penalty(low), penalty(low + 1)
        if left > 0 or right > 0:
            cuts.append((right - left, left - low * (right - left)))
    return cuts


def _solve(
    model: TradeModel, *, whole_shares: bool, post_total: float | None
) -> tuple[np.ndarray, bool]:
    """The hard-limit program, or its elastic version when that is infeasible."""
    specs = model.limits.specs() if model.limits is not None else []
    try:
        return _solve_once(
            model, whole_shares=whole_shares, post_total=post_total, specs=specs, elastic=False
        ), False
    except InfeasibleError:
        if not specs:
            raise
    trades = _solve_once(
        model, whole_shares=whole_shares, post_total=post_total, specs=specs, elastic=True
    )
    return trades, True


def _solve_once(
    model: TradeModel,
    *,
    whole_shares: bool,
    post_total: float | None,
    specs: list[tuple[np.ndarray, float, float, int]],
    elastic: bool,
    one_side: bool = False,
) -> np.ndarray:
    from scipy.optimize import Bounds, LinearConstraint, milp

    m = model
    n, k = len(m.tickers), m.class_rows.shape[0]
    use_min = m.min_trade > 0
    # With hard limits, whole-share plans always get one side per ETF: a buy and a sell of one
    # ETF (paying costs to burn cash) loosens the limits, and the LP relaxation that allows it
    # is so weak that HiGHS hit the 30 s limit on the demo account; with the flags it takes 0.05 s.
    use_flags = use_min or one_side or (whole_shares and bool(specs))
    n_core = 3 * n + k + (2 * n if use_flags else 0)
    nvar = n_core + len(specs)
    slack = slice(n_core, nvar)
    buy, sell, exc, cls = slice(0, n), slice(n, 2 * n), slice(2 * n, 3 * n), slice(3 * n, 3 * n + k)
    zb, zs = slice(3 * n + k, 4 * n + k), slice(4 * n + k, 5 * n + k)
    wealth = m.cash + max(m.contribution, 0.0) + float(m.held @ m.price)
    buy_cap, sell_cap = wealth / m.price, m.held.copy()
    if whole_shares:
        buy_cap, sell_cap = np.floor(buy_cap), np.floor(sell_cap + 1e-9)

    rows: list[np.ndarray] = []
    lower: list[float] = []
    upper: list[float] = []

    def add(row: np.ndarray, lo: float, hi: float) -> None:
        rows.append(row)
        lower.append(lo)
        upper.append(hi)

    cash_out = np.zeros(nvar)  # cash spent: sum p(1+c) buy - sum p(1-c) sell
    cash_out[buy] = m.price * (1 + m.cost)
    cash_out[sell] = -m.price * (1 - m.cost)
    add(cash_out, -np.inf, m.cash + m.contribution - m.buffer)
    # P = base - costs.x when exact (post_total None), else the constant post_total
    costs = np.zeros(nvar)
    if post_total is None:
        costs[buy] = costs[sell] = m.cost * m.price
    total = m.base if post_total is None else post_total
    invest = total - m.center_reserve

    def band_rows(value: np.ndarray, start: float, weight: float, band: float, slack: int) -> None:
        # value - weight (P - reserve) - band P <= slack  and  weight (P - reserve) - value - band P <= slack
        over = value + (weight + band) * costs
        under = -value + (band - weight) * costs
        over[slack] = under[slack] = -1.0
        add(over, -np.inf, weight * invest + band * total - start)
        add(under, -np.inf, -weight * invest + band * total + start)

    held_value = m.held * m.price
    for i in range(n):
        value = np.zeros(nvar)
        value[buy.start + i], value[sell.start + i] = m.price[i], -m.price[i]
        band_rows(value, float(held_value[i]), float(m.weight[i]), float(m.band[i]), exc.start + i)
        if whole_shares and post_total is not None:
            for slope, intercept in _chord_cuts(m, i, post_total):
                cut = np.zeros(nvar)  # e_i - slope (buy_i - sell_i) >= intercept
                cut[exc.start + i], cut[buy.start + i], cut[sell.start + i] = 1.0, -slope, slope
                add(cut, intercept, np.inf)
    for j in range(k):
        value = np.zeros(nvar)
        value[buy] = m.class_rows[j] * m.price
        value[sell] = -m.class_rows[j] * m.price
        value -= m.class_cash[j] * cash_out
        start = float(m.class_rows[j] @ held_value + m.class_cash[j] * (m.cash + m.contribution))
        band_rows(value, start, float(m.class_rows[j] @ m.weight), m.class_band, cls.start + j)
    if use_flags:
        for i in range(n):
            for trade, flag, cap in ((buy, zb, buy_cap), (sell, zs, sell_cap)):
                floor_row, cap_row = np.zeros(nvar), np.zeros(nvar)
                floor_row[trade.start + i], floor_row[flag.start + i] = m.price[i], -m.min_trade
                cap_row[trade.start + i], cap_row[flag.start + i] = 1.0, -cap[i]
                if use_min:
                    add(floor_row, 0.0, np.inf)
                add(cap_row, -np.inf, 0.0)
            side_row = np.zeros(nvar)
            side_row[zb.start + i] = side_row[zs.start + i] = 1.0
            add(side_row, -np.inf, 1.0)
    exact_costs = np.zeros(nvar)  # P = base - exact_costs.x, whatever post_total is
    exact_costs[buy] = exact_costs[sell] = m.cost * m.price
    for j, (members, cash_flag, fraction, sense) in enumerate(specs):
        # value - fraction P >= 0 (sense +1) or <= 0 (sense -1), with slack s_j on the wrong side
        row = np.zeros(nvar)
        row[buy] = members * m.price
        row[sell] = -members * m.price
        row -= cash_flag * cash_out
        row += fraction * exact_costs
        start = float(members @ held_value + cash_flag * (m.cash + m.contribution))
        row[slack.start + j] = float(sense)
        if sense > 0:
            add(row, fraction * m.base - start, np.inf)
        else:
            add(row, -np.inf, fraction * m.base - start)

    objective = np.zeros(nvar)
    objective[buy] = objective[sell] = (m.cost + TIE_BREAK) * m.price
    objective[exc] = objective[cls] = 1.0
    objective[slack] = ELASTIC_PENALTY
    hi_bounds = np.full(nvar, np.inf)
    if not elastic:
        hi_bounds[slack] = 0.0
    hi_bounds[buy], hi_bounds[sell] = buy_cap, sell_cap
    integrality = np.zeros(nvar)
    if whole_shares:
        integrality[buy] = integrality[sell] = 1
    if use_flags:
        hi_bounds[zb] = hi_bounds[zs] = 1.0
        integrality[zb] = integrality[zs] = 1
    matrix, low, high = np.array(rows), np.array(lower), np.array(upper)
    # rows range from share counts to currency; unit-max scaling avoids HiGHS "solve error"
    # verdicts (an optimum rejected for 1e-6 infeasibilities) seen on unscaled rows
    scale = np.abs(matrix).max(axis=1)
    scale[scale == 0] = 1.0
    constraints = LinearConstraint(matrix / scale[:, None], low / scale, high / scale)
    if whole_shares and not elastic:
        from core.rebalance.trade_rounding import Program, milp_within_gap, round_relaxation

        program = Program(
            objective=objective,
            matrix=matrix / scale[:, None],
            low=low / scale,
            high=high / scale,
            upper_bounds=hi_bounds,
            buy=buy,
            sell=sell,
            aux=slice(exc.start, cls.stop),
            flags=(zb, zs) if use_flags else None,
        )
        absolute = SOLVE_SHARE * m.gap_fraction
        rounded = round_relaxation(
            program, base=m.base, relative_gap=MIP_REL_GAP, absolute_fraction=absolute
        )
        if rounded is not None and rounded.accepted:
            return np.round(rounded.x[buy] - rounded.x[sell])
        if rounded is not None:
            quick = milp_within_gap(
                program,
                integrality,
                rounded,
                base=m.base,
                relative_gap=MIP_REL_GAP,
                absolute_fraction=absolute,
                time_limit=TIME_LIMIT_SECONDS,
                tolerance=FEASIBILITY_TOLERANCE,
            )
            if quick is not None:
                return np.round(quick[buy] - quick[sell])
    options = {"mip_rel_gap": MIP_REL_GAP, "time_limit": TIME_LIMIT_SECONDS}
    result = milp(
        objective,
        constraints=constraints,
        integrality=integrality,
        bounds=Bounds(np.zeros(nvar), hi_bounds),
        options=options,
    )
    scaled = matrix / scale[:, None]

    def infeasible(x: np.ndarray | None) -> bool:
        # HiGHS can report "optimal" for a MIP point that its postsolve left outside a row
        # (seen: $5.88 over a class maximum on a $1.9M account); never pass that on.
        if x is None:
            return False
        values = scaled @ x
        return bool(
            np.any(values < low / scale - FEASIBILITY_TOLERANCE)
            or np.any(values > high / scale + FEASIBILITY_TOLERANCE)
        )

    # Numerical trouble ("Solve error") or an infeasible "optimum": HiGHS's verdict depends on
    # its presolve, its gap and even the objective's scale (a hypothesis account that fails at
    # gap 1e-4 solves at 1e-5, another fails with every setting but solves with the objective
    # times 10 or 0.1, the same optimum), so retry with other settings before giving up.
    for factor, retry in (
        (1.0, {"presolve": False}),
        (1.0, {"mip_rel_gap": MIP_REL_GAP / 10}),
        (10.0, {}),
        (0.1, {}),
        (10.0, {"presolve": False}),
    ):
        if not (result.status == 4 or (result.status == 0 and infeasible(result.x))):
            break
        result = milp(
            objective * factor,
            constraints=constraints,
            integrality=integrality,
            bounds=Bounds(np.zeros(nvar), hi_bounds),
            options={**options, **retry},
        )
    if result.status == 2:
        if specs and not elastic:
            raise InfeasibleError("The hard IPS limits cannot all be met by this trade list.")
        raise InfeasibleError(
            "No trade list keeps the cash buffer"
            + (f" with a minimum trade of {m.min_trade:,.2f}" if use_min else "")
            + ": lower the minimum trade size, the cash buffer or the withdrawal."
        )
    if result.status == 0 and infeasible(result.x):
        raise SolverError(
            "The trade optimizer returned a plan that breaks its own constraints; allow "
            "fractional shares or report this case."
        )
    near_optimal = (
        result.status == 1
        and result.x is not None
        and not infeasible(result.x)
        and getattr(result, "mip_gap", None) is not None
        and result.mip_gap <= ACCEPTED_GAP
    )
    if (result.status != 0 and not near_optimal) or result.x is None:
        raise SolverError(
            f"The trade optimizer stopped without an optimal plan ({result.message}); "
            "allow fractional shares, remove the minimum trade size or try again."
        )
    bought, sold = result.x[buy], result.x[sell]
    if not use_flags and np.any(np.minimum(bought * m.price, sold * m.price) > 1e-6):
        # Buying and selling one ETF pays costs for nothing, which loosens a hard limit (it burns
        # cash); the trade list nets the two, so forbid it (one side per ETF) and solve again.
        return _solve_once(
            model,
            whole_shares=whole_shares,
            post_total=post_total,
            specs=specs,
            elastic=elastic,
            one_side=True,
        )
    trades = bought - sold
    if whole_shares:
        return np.round(trades)
    trades[np.abs(trades * m.price) < 1e-9 * max(m.base, 1.0)] = 0.0
    return trades
