"""A whole-share plan from the trade program's LP relaxation, used when it is provably good enough.

The whole-share program of :mod:`core.rebalance.trade_model` is a small MILP (14 ETFs: about 90
variables), but HiGHS spends 0.1-1 s proving its gap, mostly ranking near-equal whole-share
combinations. This module works on **the same program** (the same matrix, bounds and objective,
never a second model):

1. Solve its LP relaxation (shares and one-side flags continuous): its optimum ``L`` is a lower
   bound on every whole-share plan's objective.
2. Round the relaxation's trades: every combination of floor and ceiling of its fractional
   trades (at most :data:`MAX_ENUMERATED` of them; the others to the nearest share), then a
   one-share local search (+1 or -1 share of one ETF, or one share of an ETF bought
   and one of another sold) while it lowers the objective.
   Each candidate's auxiliary variables (drift beyond the bands, one-side flags) take their
   smallest feasible values and every row of the program is checked.
3. The best feasible candidate, objective ``U``, is **accepted only when ``U - L`` is within
   the stated gap** (:func:`accepted_gap`); otherwise the caller runs the MILP, and ``U`` (a
   feasible whole-share plan) tells it how loose a relative gap it may ask HiGHS for
   (:func:`milp_within_gap`, whose proof is checked on HiGHS's answer).

So an accepted plan is within the gap of the whole-share optimum by proof (the LP bound), not
by hope. The chord cuts of the trade model make the relaxation tight: its optimum has only a
few fractional trades (one per binding coupling row such as the cash row), so the bound is
usually within cents of a rounding of it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

MAX_ENUMERATED = 10
"""Fractional trades whose floor and ceiling are both tried (2**10 = 1,024 candidates at most)."""
MAX_LOCAL_STEPS = 50
ROW_TOLERANCE = 1e-9
"""Largest row violation of a rounded plan (rows scaled to a unit largest coefficient): the
rounded plan must be feasible outright, stricter than the MILP's acceptance tolerance."""
ABSOLUTE_GAP_FRACTION = 1e-6
"""The accepted gap's absolute part, as a fraction of the account's post-trade value: $2 on a
$2M account (0.01 bp of the account), a tenth of a share of a $20 ETF."""


def accepted_gap(
    objective: float,
    base: float,
    relative_gap: float,
    absolute_fraction: float = ABSOLUTE_GAP_FRACTION,
) -> float:
    """The largest ``U - L`` (currency) at which a rounded plan is accepted: the MILP's own
    relative gap on the plan's objective, or ``absolute_fraction`` of the account (default
    :data:`ABSOLUTE_GAP_FRACTION`), whichever is larger."""
    return max(relative_gap * abs(objective), absolute_fraction * max(base, 1.0))


@dataclass(frozen=True)
class Program:
    """The trade program in the arrays HiGHS gets (rows already scaled).

    ``buy``/``sell`` are the share columns, ``aux`` the columns of the drift beyond the bands
    (each appears in rows with one sign only), ``flags`` the buy/sell one-side binaries (or None).
    """

    objective: np.ndarray
    matrix: np.ndarray
    low: np.ndarray
    high: np.ndarray
    upper_bounds: np.ndarray
    buy: slice
    sell: slice
    aux: slice
    flags: tuple[slice, slice] | None


@dataclass(frozen=True)
class Rounded:
    """The best feasible whole-share point found, its objective and the LP bound; ``accepted``
    when ``objective - lower_bound`` is within the stated gap (:func:`accepted_gap`)."""

    x: np.ndarray
    objective: float
    lower_bound: float
    accepted: bool


def _points(program: Program, trades: np.ndarray) -> np.ndarray:
    """Full variable vectors (one per row of ``trades``, shape (c, n)) with the smallest
    auxiliary values the rows allow and zero slacks."""
    p = program
    count, nvar = trades.shape[0], p.objective.shape[0]
    x = np.zeros((count, nvar))
    x[:, p.buy] = np.maximum(trades, 0.0)
    x[:, p.sell] = np.maximum(-trades, 0.0)
    if p.flags is not None:
        x[:, p.flags[0]] = (trades > 0).astype(float)
        x[:, p.flags[1]] = (trades < 0).astype(float)
    aux = np.arange(nvar)[p.aux]
    activity = x @ p.matrix.T  # aux columns are still 0
    for j in aux:
        coef = p.matrix[:, j]
        need = np.zeros(count)
        up = (coef < 0) & np.isfinite(p.high)
        if up.any():
            need = np.maximum(need, ((activity[:, up] - p.high[up]) / -coef[up]).max(axis=1))
        down = (coef > 0) & np.isfinite(p.low)
        if down.any():
            need = np.maximum(need, ((p.low[down] - activity[:, down]) / coef[down]).max(axis=1))
        x[:, j] = need
    return x


VIOLATION_PENALTY = 1e6
"""Score of one unit of row violation (scaled rows) in the repair search: any reduction of a
violation beats any change of the objective, so the search first makes the point feasible."""


def _scores(program: Program, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(objective + penalty x violation, feasible)`` of each point (row of ``x``)."""
    p = program
    rows = x @ p.matrix.T
    violation = np.maximum(p.low - rows, 0.0) + np.maximum(rows - p.high, 0.0)
    feasible = np.all(violation <= ROW_TOLERANCE, axis=1)
    in_bounds = np.all(x <= p.upper_bounds + 1e-9, axis=1) & np.all(x >= -1e-12, axis=1)
    score = x @ p.objective + VIOLATION_PENALTY * violation.sum(axis=1)
    return np.where(in_bounds, score, np.inf), feasible & in_bounds


def _best(program: Program, trades: np.ndarray) -> tuple[np.ndarray, float, bool]:
    """The best-scoring row of ``trades``: its trades, score and feasibility."""
    score, feasible = _scores(program, _points(program, trades))
    k = int(np.argmin(score))
    return trades[k], float(score[k]), bool(feasible[k])


def round_relaxation(
    program: Program,
    *,
    base: float,
    relative_gap: float,
    absolute_fraction: float = ABSOLUTE_GAP_FRACTION,
) -> Rounded | None:
    """The best feasible whole-share rounding of the relaxation, ``accepted`` when it is within
    :func:`accepted_gap` of the optimum (otherwise run the MILP).

    None when no rounding is feasible, or when the relaxation is not solved to optimality
    (infeasible, numerical trouble): the MILP then gives the verdict and its message.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    p = program
    relaxed = milp(
        p.objective,
        constraints=LinearConstraint(p.matrix, p.low, p.high),
        bounds=Bounds(np.zeros_like(p.upper_bounds), p.upper_bounds),
        integrality=np.zeros_like(p.objective),
    )
    if relaxed.status != 0 or relaxed.x is None:
        return None
    bound = float(relaxed.fun)
    lp_trades = relaxed.x[p.buy] - relaxed.x[p.sell]
    nearest = np.round(lp_trades)
    fractional = np.flatnonzero(np.abs(lp_trades - nearest) > 1e-7)
    fractional = fractional[np.argsort(-np.abs(lp_trades[fractional] - nearest[fractional]))]
    tried = fractional[:MAX_ENUMERATED]
    if tried.size:
        choices = [(np.floor(lp_trades[i]), np.ceil(lp_trades[i])) for i in tried]
        candidates = np.repeat(nearest[None, :], 2**tried.size, axis=0)
        candidates[:, tried] = np.array(list(itertools.product(*choices)))
    else:
        candidates = nearest[None, :]
    trades, score, feasible = _best(p, candidates)
    n = trades.shape[0]
    eye = np.eye(n)
    pairs = (eye[:, None, :] - eye[None, :, :]).reshape(n * n, n)[~np.eye(n, dtype=bool).ravel()]
    steps = np.vstack([eye, -eye, pairs])  # one share more or less, or one ETF for another
    for _ in range(MAX_LOCAL_STEPS):
        if feasible and score - bound <= accepted_gap(score, base, relative_gap, absolute_fraction):
            break
        step_trades, step_score, step_feasible = _best(p, trades[None, :] + steps)
        if not step_score < score - 1e-12:
            break
        trades, score, feasible = step_trades, step_score, step_feasible
    if not feasible:
        return None
    accepted = score - bound <= accepted_gap(score, base, relative_gap, absolute_fraction)
    return Rounded(_points(p, trades[None, :])[0], score, bound, accepted)


def milp_within_gap(
    program: Program,
    integrality: np.ndarray,
    rounded: Rounded,
    *,
    base: float,
    relative_gap: float,
    absolute_fraction: float,
    time_limit: float,
    tolerance: float,
) -> np.ndarray | None:
    """HiGHS's whole-share plan proved within the stated gap, given a feasible rounding, or None
    (then the caller runs the MILP at its own ``relative_gap`` as before).

    scipy's ``milp`` takes no absolute gap, but a feasible plan of objective ``U`` turns the
    stated absolute gap ``g`` into a relative one: HiGHS stops when ``best - bound <= r x best``,
    so ``r = g / U`` proves ``g`` whenever its best plan is no worse than ``U``. The proof is
    checked on the result (the better of HiGHS's plan and the rounding, against HiGHS's dual
    bound), never assumed; a clean, feasible answer or None. ``U - bound > g`` (the rounding was
    not accepted) and a non-negative objective keep ``r`` below 1.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    relative = absolute_fraction * max(base, 1.0) / max(rounded.objective, 1e-12)
    if not relative_gap < relative < 1:
        return None
    result = milp(
        program.objective,
        constraints=LinearConstraint(program.matrix, program.low, program.high),
        integrality=integrality,
        bounds=Bounds(np.zeros_like(program.upper_bounds), program.upper_bounds),
        options={"mip_rel_gap": relative, "time_limit": time_limit},
    )
    if result.status != 0 or result.x is None or result.mip_dual_bound is None:
        return None
    x = np.asarray(result.x)
    rows = program.matrix @ x
    if np.any(rows < program.low - tolerance) or np.any(rows > program.high + tolerance):
        return None  # HiGHS's postsolve can leave a row outside (see trade_model._solve_once)
    if program.flags is None and np.any(np.minimum(x[program.buy], x[program.sell]) > 0.5):
        return None  # a buy and a sell of one ETF: the caller forbids it and solves again
    best, plan = (
        (float(result.fun), x)
        if result.fun <= rounded.objective
        else (rounded.objective, rounded.x)
    )
    gap = accepted_gap(best, base, relative_gap, absolute_fraction)
    return plan if best - float(result.mip_dual_bound) <= gap else None
