"""Asset-class risk parity: equal risk contribution per asset class, inside the IPS bounds.

What committees usually mean by risk parity: each asset class (Equity, Fixed Income,
Alternatives, ...) carries the same share of the portfolio's ex-ante variance, where the
class's contribution is ``RC_c = sum_{i in c} w_i (S w)_i`` (they add up to ``w' S w``).

Construction
------------
* The cash class (the universe's cash ETF's class) is a liquidity reserve, not a risk asset: it
  is held at the lowest weight the policy allows and takes no risk budget.
* Inside each risky class the ETFs start at their own equal risk contributions within the class
  (Spinu's method on the class's covariance block, :mod:`core.optimize.risk_parity`).
* Class weights ``x`` solve ``x_c (S_cls x)_c = t`` for every risky class not at a bound, with
  ``S_cls = V' S V`` the class covariance (``V`` the within-class mixes) and the bound classes
  held at their bounds (Newton on that square system, for each choice of bound classes; the
  choice follows the conditions of risk budgeting under bounds, see :func:`_class_weights`).
  A class's range is what the IPS allows it: ``[max(class min, sum of its ETF minimums),
  min(class max, sum of its ETF caps)]``.
* The ETF weights closest to ``V x`` that meet every IPS limit with the class totals ``x``
  (one QP) give new within-class mixes; the steps repeat until the weights stop moving.

The result's risky classes not at a bound have equal risk contributions (to solver precision);
the note names the classes held at a bound.
"""

from __future__ import annotations

import numpy as np

from core.errors import InfeasibleError, SolverError
from core.optimize.candidates import Candidate, Strategy
from core.optimize.estimation import MarketInputs
from core.optimize.qp import solve_qp
from core.optimize.risk_parity import equal_risk_contribution
from core.policy.constraints import ConstraintSet
from core.universe import Universe

_MAX_OUTER = 100
_OUTER_TOL = 1e-12
_NEWTON_TOL = 1e-13


def class_risk_contributions(
    weights: np.ndarray, cov: np.ndarray, membership: np.ndarray
) -> np.ndarray:
    """Each class's share of ``w' S w``: ``membership @ (w * (S w)) / (w' S w)``, shape (K,).

    ``membership`` has shape (K, n), 1 where ETF ``i`` belongs to class ``k``.
    """
    marginal = cov @ weights
    return membership @ (weights * marginal) / float(weights @ marginal)


def _class_ranges(
    cs: ConstraintSet, membership: np.ndarray, classes: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray]:
    lo = membership @ cs.lower
    hi = np.minimum(membership @ cs.upper, 1.0)
    for k, cls in enumerate(classes):
        for row, lower, upper in zip(cs.rows, cs.row_lower, cs.row_upper, strict=True):
            if row.kind == "asset_class" and row.label == f"{cls} allocation":
                lo[k], hi[k] = max(lo[k], lower), min(hi[k], upper)
    return lo, hi


def equal_class_risk(
    cov: np.ndarray, fixed: dict[int, float], total: float, free: list[int]
) -> np.ndarray:
    """Class weights, shape (K,): ``fixed`` classes at their weights; the ``free`` ones sum to
    ``total`` with equal risk contributions ``x_c (S x)_c`` (Newton on the square system).

    Raises
    ------
    SolverError
        No positive solution (e.g. a free class hedges the rest so strongly that its marginal
        risk is negative).
    """
    k = cov.shape[0]
    x = np.zeros(k)
    for c, value in fixed.items():
        x[c] = value
    block = cov[np.ix_(free, free)]
    start = equal_risk_contribution(block, scipy_lapack=False) if len(free) > 1 else np.ones(1)
    x[free] = start * total
    fixed_idx = list(fixed)
    g = cov[np.ix_(free, fixed_idx)] @ x[fixed_idx] if fixed_idx else np.zeros(len(free))
    y = x[free]
    t = float(np.mean(y * (block @ y + g)))
    m = len(free)
    for _ in range(100):
        marginal = block @ y + g
        residual = np.concatenate([y * marginal - t, [y.sum() - total]])
        if np.max(np.abs(residual)) < _NEWTON_TOL:
            break
        jac = np.zeros((m + 1, m + 1))
        jac[:m, :m] = np.diag(marginal) + y[:, None] * block
        jac[:m, m] = -1.0
        jac[m, :m] = 1.0
        step = np.linalg.solve(jac, -residual)
        scale = 1.0
        while np.any(y + scale * step[:m] <= 0) and scale > 1e-8:
            scale *= 0.5
        y, t = y + scale * step[:m], t + scale * step[m]
    else:
        raise SolverError("Asset-class risk parity: Newton did not converge on the class weights.")
    if np.any(y <= 0) or t <= 0:
        raise SolverError(
            "Asset-class risk parity has no solution with positive class weights: a class "
            "hedges the others so strongly that it cannot carry an equal share of risk."
        )
    x[free] = y
    return x


def _class_weights(
    cov_cls: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    cash: int | None,
    first: tuple[int, ...] | None = None,
) -> tuple[np.ndarray, list[int], tuple[int, ...]]:
    """Equal risk over the risky classes within their ranges; returns weights and bound classes.

    Each risky class is free, at its minimum or at its maximum. A combination is admissible when
    its free classes solve :func:`equal_class_risk` inside their ranges and each bound class
    wants to go further out (at its minimum its risk contribution ``x_c (S x)_c`` is at least
    the free classes' common one; at its maximum at most): the conditions of risk budgeting
    under bounds. The admissible combination with the fewest bound classes is taken (then the
    smallest spread of risk contributions); the unconstrained solution is tried first.
    """
    import itertools

    risky = [c for c in range(len(lo)) if c != cash]
    base: dict[int, float] = {cash: float(lo[cash])} if cash is not None else {}
    combos = sorted(itertools.product((0, 1, 2), repeat=len(risky)), key=np.count_nonzero)
    if first is not None:
        combos.insert(0, first)
    for states in combos:  # each class free (0), at its minimum (1) or at its maximum (2)
        fixed = dict(base)
        fixed.update(
            {c: float(lo[c] if s == 1 else hi[c]) for c, s in zip(risky, states, strict=True) if s}
        )
        free = [c for c in risky if c not in fixed]
        total = 1.0 - sum(fixed.values())
        if not free or total <= 0:
            continue
        try:
            x = equal_class_risk(cov_cls, fixed, total, free)
        except SolverError:
            continue
        if np.any(x[free] < lo[free] - 1e-10) or np.any(x[free] > hi[free] + 1e-10):
            continue
        contributions = x * (cov_cls @ x)
        level = float(np.mean(contributions[free]))
        tol = 1e-9 * max(level, 1e-12)
        if any(
            contributions[c] < level - tol if s == 1 else contributions[c] > level + tol
            for c, s in zip(risky, states, strict=True)
            if s
        ):
            continue
        return x, [c for c in fixed if c != cash], tuple(states)
    raise InfeasibleError(
        "Asset-class risk parity: no class weights inside the asset-class ranges balance "
        "the risk of the classes left free; widen the asset-class ranges."
    )


def asset_class_risk_parity(
    cov: np.ndarray, cs: ConstraintSet, universe: Universe
) -> tuple[np.ndarray, str]:
    """Weights, shape (n,), universe order, and a note (module docstring).

    Raises
    ------
    InfeasibleError, SolverError
        The class ranges cannot be balanced, or the ETF limits cannot hold the class totals
        (e.g. group limits across classes).
    """
    classes = tuple(c for c in universe.asset_classes if universe.class_members(c))
    membership = np.array(
        [
            [1.0 if universe.asset_class_of(t) == c else 0.0 for t in universe.tickers]
            for c in classes
        ]
    )
    cash_class = (
        universe.asset_class_of(universe.cash_ticker) if universe.cash_ticker is not None else None
    )
    cash = classes.index(cash_class) if cash_class in classes else None
    lo, hi = _class_ranges(cs, membership, classes)
    mixes = np.zeros_like(membership)
    for k in range(len(classes)):
        members = np.flatnonzero(membership[k])
        block = cov[np.ix_(members, members)]
        mixes[k, members] = (
            equal_risk_contribution(block, scipy_lapack=False) if len(members) > 1 else 1.0
        )
    weights = mixes.T @ np.full(len(classes), 1.0 / len(classes))
    bound: list[int] = []
    combo: tuple[int, ...] | None = None
    for _ in range(_MAX_OUTER):
        cov_cls = mixes @ cov @ mixes.T
        x, bound, combo = _class_weights(cov_cls, lo, hi, cash, combo)
        target = mixes.T @ x
        new = solve_qp(
            2.0 * np.eye(cs.n),
            -2.0 * target,
            cs,
            extra_rows=membership,
            extra_lower=x,
            extra_upper=x,
            what="asset-class risk parity (ETF weights within the class totals)",
        ).weights
        new = np.clip(new, 0.0, None)
        moved = float(np.max(np.abs(new - weights)))
        weights = new
        totals = membership @ weights
        mixes = membership * weights / np.where(totals > 0, totals, 1.0)[:, None]
        if moved < _OUTER_TOL:
            break
    shares = class_risk_contributions(weights, cov, membership)
    parts = ", ".join(f"{c} {s:.1%}" for c, s in zip(classes, shares, strict=True))
    note = f"Share of ex-ante risk by asset class: {parts}."
    if bound:
        held = ", ".join(
            f"{classes[c]} at its {'minimum' if abs(weights @ membership[c] - lo[c]) < 1e-9 else 'maximum'}"
            for c in bound
        )
        free = [classes[c] for c in range(len(classes)) if c not in bound and c != cash]
        rest = (
            f"{free[0]} takes the rest"
            if len(free) == 1
            else f"{' and '.join(free)} carry equal risk"
        )
        note += f" Held at a policy bound: {held}; {rest}."
    if cash is not None:
        note += (
            f" {classes[cash]} is a liquidity reserve at its policy minimum, with no risk budget."
        )
    return weights, note


def class_risk_parity_candidate(
    inputs: MarketInputs, cs: ConstraintSet, universe: Universe
) -> Candidate:
    """The Asset-Class Risk Parity candidate (module docstring) on ``inputs``' covariance."""
    weights, note = asset_class_risk_parity(inputs.covariance, cs, universe)
    return Candidate(
        Strategy.CLASS_RISK_PARITY,
        weights,
        "Equal risk contribution per asset class (Newton on the class weights, QP for the ETFs)",
        (note,),
    )
