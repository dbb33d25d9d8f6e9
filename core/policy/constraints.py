"""Turn an IPS profile and a universe into constraint data, and check it is feasible.

The portfolio ``w`` (shape (n,), universe order, decimal weights) must satisfy::

    sum(w) == 1                      fully invested
    lower <= w <= upper              long only, ETF minimums, min(max single, ETF cap)
    row_lower <= A @ w <= row_upper  asset-class ranges and group limits

:func:`check_feasibility` runs before any solve. It names the limits in conflict in words and
says what to relax, first by simple sums, then with an elastic linear program that finds the
smallest relaxation that makes the policy feasible. That LP (scipy's HiGHS) runs only when a
feasible portfolio cannot be found directly (a min-norm QP with DAQP), so a feasible policy, the
usual case, never imports scipy.optimize.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import InfeasibleError
from core.policy.profile import IPSProfile
from core.universe import Universe

TOLERANCE = 1e-9


@dataclass(frozen=True)
class LinearRow:
    """One row of ``A``: a labelled sum of weights with its limits."""

    label: str
    kind: str  # "asset_class" or "group"
    tickers: tuple[str, ...]
    lower: float
    upper: float


@dataclass(frozen=True)
class ConstraintSet:
    """Constraint data in universe order (see module docstring).

    Attributes
    ----------
    tickers : tuple of str, length n
    lower, upper : ndarray, shape (n,)
    A : ndarray, shape (m, n)
    row_lower, row_upper : ndarray, shape (m,)
    rows : tuple of LinearRow, length m (labels for messages and validation)
    upper_source : tuple of str, length n: why each upper bound is what it is
    """

    tickers: tuple[str, ...]
    lower: np.ndarray
    upper: np.ndarray
    A: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    rows: tuple[LinearRow, ...]
    upper_source: tuple[str, ...]

    @property
    def n(self) -> int:
        return len(self.tickers)

    def violations(self, w: np.ndarray, tol: float = 1e-6) -> list[str]:
        """Human descriptions of every constraint ``w`` breaks by more than ``tol``."""
        out: list[str] = []
        if abs(w.sum() - 1.0) > tol:
            out.append(f"weights add up to {w.sum():.4%}, not 100%")
        for i, t in enumerate(self.tickers):
            if w[i] < self.lower[i] - tol:
                out.append(f"{t} {w[i]:.2%} is below its minimum {self.lower[i]:.2%}")
            if w[i] > self.upper[i] + tol:
                out.append(f"{t} {w[i]:.2%} is above its cap {self.upper[i]:.2%}")
        values = self.A @ w if len(self.rows) else np.zeros(0)
        for k, row in enumerate(self.rows):
            if values[k] < row.lower - tol:
                out.append(f"{row.label} {values[k]:.2%} is below its minimum {row.lower:.2%}")
            if values[k] > row.upper + tol:
                out.append(f"{row.label} {values[k]:.2%} is above its maximum {row.upper:.2%}")
        return out

    def max_violation(self, w: np.ndarray) -> float:
        """Largest constraint violation of ``w`` (0 when feasible)."""
        parts = [
            abs(w.sum() - 1.0),
            float(np.max(self.lower - w, initial=0.0)),
            float(np.max(w - self.upper, initial=0.0)),
        ]
        if len(self.rows):
            v = self.A @ w
            parts += [
                float(np.max(self.row_lower - v, initial=0.0)),
                float(np.max(v - self.row_upper, initial=0.0)),
            ]
        return max(0.0, *parts)


def build_constraints(profile: IPSProfile, universe: Universe) -> ConstraintSet:
    """Compile ``profile`` against ``universe`` into a :class:`ConstraintSet`."""
    profile.check_universe(universe)
    n = universe.n
    lower = np.zeros(n)
    upper = np.full(n, profile.max_single_weight)
    source = [f"max single ETF {profile.max_single_weight:.1%}"] * n
    for ticker, value in profile.asset_minimums.items():
        lower[universe.index(ticker)] = value
    for ticker, cap in profile.asset_caps.items():
        i = universe.index(ticker)
        if cap < upper[i]:
            upper[i] = cap
            source[i] = f"{ticker} cap {cap:.1%}"
    rows: list[LinearRow] = []
    for cls in universe.asset_classes:
        rng = profile.class_ranges.get(cls)
        members = universe.class_members(cls)
        if rng is None or not members:
            continue
        rows.append(
            LinearRow(f"{cls} allocation", "asset_class", members, rng.minimum, rng.maximum)
        )
    for group in profile.groups:
        rows.append(
            LinearRow(
                f"Group: {group.name}",
                "group",
                group.tickers,
                group.minimum if group.minimum is not None else 0.0,
                group.maximum if group.maximum is not None else 1.0,
            )
        )
    A = np.zeros((len(rows), n))
    for k, row in enumerate(rows):
        for t in row.tickers:
            A[k, universe.index(t)] = 1.0
    return ConstraintSet(
        tickers=universe.tickers,
        lower=lower,
        upper=upper,
        A=A,
        row_lower=np.array([r.lower for r in rows]),
        row_upper=np.array([r.upper for r in rows]),
        rows=tuple(rows),
        upper_source=tuple(source),
    )


def _pct(x: float) -> str:
    return f"{x * 100:.4g}%"


def check_feasibility(cs: ConstraintSet) -> None:
    """Raise :class:`InfeasibleError` naming the conflicting limits if no portfolio satisfies ``cs``."""
    problems: list[str] = []
    for i, t in enumerate(cs.tickers):
        if cs.lower[i] > cs.upper[i] + TOLERANCE:
            problems.append(
                f"{t} minimum {_pct(cs.lower[i])} is above its upper limit {_pct(cs.upper[i])} "
                f"({cs.upper_source[i]}): lower the minimum or raise the limit"
            )
    if cs.lower.sum() > 1 + TOLERANCE:
        named = " + ".join(
            f"{t} {_pct(v)}" for t, v in zip(cs.tickers, cs.lower, strict=True) if v > 0
        )
        problems.append(
            f"ETF minimums {named} add up to {_pct(cs.lower.sum())}, over 100%: lower some of them"
        )
    if cs.upper.sum() < 1 - TOLERANCE:
        problems.append(
            f"ETF upper limits add up to only {_pct(cs.upper.sum())}, under 100%: raise the maximum "
            "single-ETF weight or some ETF caps"
        )
    idx = {t: i for i, t in enumerate(cs.tickers)}
    for row in cs.rows:
        members = [idx[t] for t in row.tickers]
        cap_sum = float(cs.upper[members].sum())
        floor_sum = float(cs.lower[members].sum())
        if row.lower > cap_sum + TOLERANCE:
            problems.append(
                f"{row.label} minimum {_pct(row.lower)} is more than the caps of "
                f"{', '.join(row.tickers)} allow ({_pct(cap_sum)}): lower the minimum or raise those caps"
            )
        if floor_sum > row.upper + TOLERANCE:
            problems.append(
                f"ETF minimums inside {row.label} add up to {_pct(floor_sum)}, above its maximum "
                f"{_pct(row.upper)}: lower those minimums or raise the maximum"
            )
    class_rows = [r for r in cs.rows if r.kind == "asset_class"]
    if class_rows:
        lo = sum(r.lower for r in class_rows)
        hi = sum(r.upper for r in class_rows)
        if lo > 1 + TOLERANCE:
            named = " plus ".join(
                f"{r.label.replace(' allocation', '')} minimum {_pct(r.lower)}"
                for r in class_rows
                if r.lower > 0
            )
            problems.append(f"{named} exceed 100% ({_pct(lo)}): lower one of them")
        covered = {t for r in class_rows for t in r.tickers}
        if hi < 1 - TOLERANCE and covered == set(cs.tickers):
            named = " plus ".join(
                f"{r.label.replace(' allocation', '')} maximum {_pct(r.upper)}" for r in class_rows
            )
            problems.append(f"{named} add up to only {_pct(hi)}, under 100%: raise one of them")
    if problems:
        raise InfeasibleError("The policy cannot be met: " + "; ".join(problems) + ".")
    if not _has_feasible_point(cs):
        _elastic_check(cs)


def _has_feasible_point(cs: ConstraintSet) -> bool:
    """True when DAQP finds a portfolio that breaks no limit by more than the elastic LP's tolerance.

    The minimum-norm portfolio over the constraints: DAQP proves infeasibility itself, but any
    non-optimal exit or a point outside the limits just says "not shown feasible" and leaves the
    verdict (and the message) to :func:`_elastic_check`, so no policy is decided differently.
    """
    import daqp

    n = cs.n
    a = np.ascontiguousarray(np.vstack([np.ones((1, n)), cs.A]))
    blower = np.concatenate([cs.lower, [1.0], cs.row_lower])
    bupper = np.concatenate([cs.upper, [1.0], cs.row_upper])
    sense = np.zeros(len(bupper), dtype=np.int32)
    sense[n] = 5  # the budget row is an equality
    x, _, exitflag, _ = daqp.solve(
        np.eye(n), np.zeros(n), a, bupper, blower, sense, primal_tol=1e-10
    )
    if exitflag != 1:
        return False
    w = np.minimum(np.maximum(np.asarray(x, dtype=float), cs.lower), cs.upper)
    values = cs.A @ w
    # The total violation, as the elastic LP's sum of slacks (plus the budget it keeps exact).
    total = (
        abs(float(w.sum()) - 1.0)
        + float(np.maximum(cs.row_lower - values, 0.0).sum())
        + float(np.maximum(values - cs.row_upper, 0.0).sum())
    )
    return total <= TOLERANCE


def _elastic_check(cs: ConstraintSet) -> None:
    """Find the smallest relaxation (sum of slacks) that makes ``cs`` feasible; raise if it is > 0."""
    from scipy.optimize import linprog

    n, m = cs.n, len(cs.rows)
    # variables: w (n), s_lo (n), s_up (n), r_lo (m), r_up (m); all >= 0
    nv = n + 2 * n + 2 * m
    c = np.concatenate([np.zeros(n), np.ones(2 * n + 2 * m)])
    a_ub = []
    b_ub = []
    for i in range(n):
        row = np.zeros(nv)
        row[i] = -1.0
        row[n + i] = -1.0  # -w_i - s_lo_i <= -lower_i
        a_ub.append(row)
        b_ub.append(-cs.lower[i])
        row = np.zeros(nv)
        row[i] = 1.0
        row[2 * n + i] = -1.0  # w_i - s_up_i <= upper_i
        a_ub.append(row)
        b_ub.append(cs.upper[i])
    for k in range(m):
        row = np.zeros(nv)
        row[:n] = -cs.A[k]
        row[3 * n + k] = -1.0
        a_ub.append(row)
        b_ub.append(-cs.row_lower[k])
        row = np.zeros(nv)
        row[:n] = cs.A[k]
        row[3 * n + m + k] = -1.0
        a_ub.append(row)
        b_ub.append(cs.row_upper[k])
    a_eq = np.zeros((1, nv))
    a_eq[0, :n] = 1.0
    res = linprog(
        c,
        A_ub=np.array(a_ub),
        b_ub=np.array(b_ub),
        A_eq=a_eq,
        b_eq=[1.0],
        bounds=[(0, None)] * nv,
        method="highs",
    )
    if res.status != 0:
        raise InfeasibleError(
            f"The feasibility check could not finish ({res.message}); review the policy limits."
        )
    if res.fun <= 1e-9:
        return
    x = res.x
    hints = []
    for i, t in enumerate(cs.tickers):
        if x[n + i] > 1e-9:
            hints.append(f"lower the {t} minimum by {_pct(x[n + i])}")
        if x[2 * n + i] > 1e-9:
            hints.append(f"raise the {t} limit by {_pct(x[2 * n + i])}")
    for k, linear in enumerate(cs.rows):
        if x[3 * n + k] > 1e-9:
            hints.append(f"lower the {linear.label} minimum by {_pct(x[3 * n + k])}")
        if x[3 * n + m + k] > 1e-9:
            hints.append(f"raise the {linear.label} maximum by {_pct(x[3 * n + m + k])}")
    raise InfeasibleError(
        "The policy limits conflict: no fully invested long-only portfolio meets them all. "
        "The smallest change that would fix it: " + "; ".join(hints) + "."
    )
