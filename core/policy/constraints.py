"""Turn an IPS profile and a universe into constraint data, and check it is feasible.

The portfolio ``w`` (shape (n,), universe order, decimal weights) must satisfy::

    sum(w) == 1                      fully invested
    lower <= w <= upper              long only, ETF minimums, min(max single, ETF cap)
    row_lower <= A @ w <= row_upper  asset-class ranges and group limits

:func:`check_feasibility` runs before any solve. When a feasible portfolio cannot be found
directly (a min-norm QP with DAQP), :mod:`core.policy.repair` names the smallest set of rules in
conflict and the smallest relaxations that fix them, with linear programs (scipy's HiGHS): a
feasible policy, the usual case, never imports scipy.optimize.

Each limit of the profile is also kept as a :class:`PolicyRule` (one bound of one clause: "4.1
Equity maximum 70%"), so that a conflict can be named, and repaired, in the profile's terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from core.policy.clauses import ClauseKind, clause_id, group_subjects, pct
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
    clause: str | None = None
    """The IPS clause this row comes from (:mod:`core.policy.clauses`), e.g. ``"4.1"``."""


class Side(str, Enum):
    """Which bound of a limit a rule is: a minimum (lower) or a maximum (upper)."""

    LOWER = "lower"
    UPPER = "upper"


@dataclass(frozen=True)
class PolicyRule:
    """One bound of one linear IPS limit, over decimal weights ``w``.

    ``sum(w[t] for t in tickers) >= bound`` (LOWER) or ``<= bound`` (UPPER); the maximum
    single-ETF weight is one rule over many rows, ``w[t] <= bound`` for each of its tickers
    (``per_ticker``). ``kind`` and ``subject`` say which profile field holds ``bound``.
    """

    kind: ClauseKind
    subject: str
    side: Side
    bound: float
    tickers: tuple[str, ...]
    clause: str | None = None
    label: str = ""

    @property
    def per_ticker(self) -> bool:
        return self.kind is ClauseKind.MAX_SINGLE

    @property
    def described(self) -> str:
        """``"4.1 Equity maximum 70%"``."""
        head = f"{self.clause} " if self.clause else ""
        return f"{head}{self.label} {pct(self.bound)}"


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
    rules: tuple[PolicyRule, ...] = ()
    """The profile's linear limits, one per bound (empty for a hand-built set: see
    :meth:`policy_rules`)."""
    lower_clause: tuple[str | None, ...] = ()
    upper_clause: tuple[str | None, ...] = ()
    """Per ETF, the clause that sets its lower / upper bound (ETF minimum; cap or max single)."""

    @property
    def n(self) -> int:
        return len(self.tickers)

    def policy_rules(self) -> tuple[PolicyRule, ...]:
        """:attr:`rules`, or for a hand-built set its bounds and rows read as rules."""
        if self.rules:
            return self.rules
        out: list[PolicyRule] = []
        K = ClauseKind
        for i, t in enumerate(self.tickers):
            if self.lower[i] > 0:
                out.append(
                    PolicyRule(
                        K.ETF_MINIMUM,
                        t,
                        Side.LOWER,
                        float(self.lower[i]),
                        (t,),
                        None,
                        f"{t} minimum",
                    )
                )
            if self.upper[i] < 1:
                out.append(
                    PolicyRule(
                        K.ETF_CAP, t, Side.UPPER, float(self.upper[i]), (t,), None, f"{t} cap"
                    )
                )
        for row in self.rows:
            kind = K.CLASS_RANGE if row.kind == "asset_class" else K.GROUP
            out += _range_rules(kind, row.label, row.label, row.tickers, row.lower, row.upper, None)
        return tuple(out)

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
    K = ClauseKind
    n = universe.n
    lower = np.zeros(n)
    upper = np.full(n, profile.max_single_weight)
    single = clause_id(profile, K.MAX_SINGLE)
    source = [f"max single ETF {profile.max_single_weight:.1%}"] * n
    lower_clause: list[str | None] = [None] * n
    upper_clause: list[str | None] = [single] * n
    rules: list[PolicyRule] = []
    for ticker in universe.tickers:
        value = profile.asset_minimums.get(ticker, 0.0)
        if value > 0:
            i = universe.index(ticker)
            lower[i] = value
            lower_clause[i] = clause_id(profile, K.ETF_MINIMUM, ticker)
            rules.append(
                PolicyRule(
                    K.ETF_MINIMUM,
                    ticker,
                    Side.LOWER,
                    value,
                    (ticker,),
                    lower_clause[i],
                    f"{ticker} minimum",
                )
            )
    for ticker in universe.tickers:
        cap = profile.asset_caps.get(ticker)
        if cap is None:
            continue
        i = universe.index(ticker)
        cid = clause_id(profile, K.ETF_CAP, ticker)
        rules.append(
            PolicyRule(K.ETF_CAP, ticker, Side.UPPER, cap, (ticker,), cid, f"{ticker} cap")
        )
        if cap < upper[i]:
            upper[i] = cap
            source[i] = f"{ticker} cap {cap:.1%}"
            upper_clause[i] = cid
    if profile.max_single_weight < 1:
        rules.append(
            PolicyRule(
                K.MAX_SINGLE,
                "",
                Side.UPPER,
                profile.max_single_weight,
                universe.tickers,
                single,
                "maximum single-ETF weight",
            )
        )
    rows: list[LinearRow] = []
    for cls in universe.asset_classes:
        rng = profile.class_ranges.get(cls)
        members = universe.class_members(cls)
        if rng is None or not members:
            continue
        cid = clause_id(profile, K.CLASS_RANGE, cls)
        rows.append(
            LinearRow(f"{cls} allocation", "asset_class", members, rng.minimum, rng.maximum, cid)
        )
        rules += _range_rules(K.CLASS_RANGE, cls, cls, members, rng.minimum, rng.maximum, cid)
    for subject, group in group_subjects(profile).items():
        cid = clause_id(profile, K.GROUP, subject)
        rows.append(
            LinearRow(
                f"Group: {group.name}",
                "group",
                group.tickers,
                group.minimum if group.minimum is not None else 0.0,
                group.maximum if group.maximum is not None else 1.0,
                cid,
            )
        )
        rules += _range_rules(
            K.GROUP,
            subject,
            f"group {group.name}",
            group.tickers,
            group.minimum,
            group.maximum,
            cid,
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
        rules=tuple(rules),
        lower_clause=tuple(lower_clause),
        upper_clause=tuple(upper_clause),
    )


def _range_rules(
    kind: ClauseKind,
    subject: str,
    name: str,
    tickers: tuple[str, ...],
    minimum: float | None,
    maximum: float | None,
    clause: str | None,
) -> list[PolicyRule]:
    """The binding bounds of a range: a minimum above 0, a maximum below 100%."""
    out = []
    if minimum is not None and minimum > 0:
        out.append(
            PolicyRule(kind, subject, Side.LOWER, minimum, tickers, clause, f"{name} minimum")
        )
    if maximum is not None and maximum < 1:
        out.append(
            PolicyRule(kind, subject, Side.UPPER, maximum, tickers, clause, f"{name} maximum")
        )
    return out


def check_feasibility(cs: ConstraintSet) -> None:
    """Raise :class:`~core.policy.repair.PolicyConflictError` (an :class:`InfeasibleError`) if
    no portfolio satisfies ``cs``: its message names the smallest set of rules in conflict and
    the smallest relaxations that fix the policy (:func:`core.policy.repair.diagnose`)."""
    if _has_feasible_point(cs):
        return
    from core.policy.repair import PolicyConflictError, diagnose

    diagnosis = diagnose(cs)
    if diagnosis is not None:
        raise PolicyConflictError(diagnosis)


def _has_feasible_point(cs: ConstraintSet) -> bool:
    """True when DAQP finds a portfolio that breaks no limit by more than :data:`TOLERANCE`.

    The minimum-norm portfolio over the constraints: DAQP proves infeasibility itself, but any
    non-optimal exit or a point outside the limits just says "not shown feasible" and leaves the
    verdict (and the message) to the linear programs of :mod:`core.policy.repair`.
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
