"""An infeasible policy, explained and repaired: the rules in conflict and the smallest fixes.

The linear policy rules (:class:`~core.policy.constraints.PolicyRule`: ETF minimums and caps,
the maximum single-ETF weight, asset-class ranges, group limits) must hold together with full
investment (``sum(w) == 1``) and no shorting (``w >= 0``); those two are structural and never
relaxed. When no portfolio meets them all:

1. **The rules in conflict**: an irreducible infeasible subset (IIS) found by a *deletion
   filter*: start from all rules; drop a rule for good whenever the others, without it, are
   still infeasible. What remains is infeasible, and every proper subset of it is feasible
   (irreducible; not always the IIS with the fewest rules). Each test is a linear feasibility
   problem solved by scipy's HiGHS (``linprog``).
2. **The smallest relaxations**: a *weighted elastic* LP. Each rule ``r`` gets an elastic
   variable ``e_r >= 0`` on its bound (a minimum lowered by ``e_r``, a maximum raised by it; a
   minimum never below 0, a maximum never above 100%), and the LP minimizes
   ``sum(weight[kind(r)] * e_r)``. The weights are stated in every message (default: 1 per
   unit of weight for every kind, so each percentage point of change counts the same).
   Options offered: for each rule of the IIS, the smallest change of *that rule alone* when it
   alone can restore feasibility; and the jointly minimal change over all rules, when it differs.
   A new bound is rounded *outward* to 0.01 pp (the feasible set only grows, so it stays
   feasible); ``amount`` keeps the LP's exact value.

All numbers are decimal weights (0.05 = 5%); messages show percentages.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from core.errors import InfeasibleError, SolverError
from core.policy.clauses import ClauseKind, pct
from core.policy.constraints import ConstraintSet, PolicyRule, Side
from core.policy.profile import IPSProfile

DEFAULT_WEIGHTS: Mapping[ClauseKind, float] = {
    ClauseKind.CLASS_RANGE: 1.0,
    ClauseKind.GROUP: 1.0,
    ClauseKind.ETF_MINIMUM: 1.0,
    ClauseKind.ETF_CAP: 1.0,
    ClauseKind.MAX_SINGLE: 1.0,
}
"""Cost of relaxing a rule by one unit of weight (1.0 = 100 pp), by kind of limit."""

ROUNDING = 1e-4
"""New bounds are rounded outward to this step (0.01 percentage point)."""


@dataclass(frozen=True)
class BoundChange:
    """One rule's bound moved outward by ``amount`` (exact LP value) to ``new_bound`` (rounded)."""

    rule: PolicyRule
    amount: float
    new_bound: float

    @property
    def text(self) -> str:
        """``"raise the Equity maximum (4.1) from 65% to 68%"``."""
        verb = "lower" if self.rule.side is Side.LOWER else "raise"
        where = f" ({self.rule.clause})" if self.rule.clause else ""
        return f"{verb} the {self.rule.label}{where} from {pct(self.rule.bound)} to {pct(self.new_bound)}"


@dataclass(frozen=True)
class Relaxation:
    """A set of bound changes that makes the policy feasible.

    ``weighted_change`` is ``sum(weight * amount)`` over the changes (exact LP optimum of the
    problem it solves); ``joint`` marks the jointly minimal relaxation over all rules.
    """

    changes: tuple[BoundChange, ...]
    weighted_change: float
    joint: bool = False

    @property
    def text(self) -> str:
        return " and ".join(c.text for c in self.changes)

    @property
    def button_text(self) -> str:
        """Short, capitalized: ``"Raise the Equity maximum (4.1) to 68%"``."""
        parts = []
        for c in self.changes:
            verb = "lower" if c.rule.side is Side.LOWER else "raise"
            where = f" ({c.rule.clause})" if c.rule.clause else ""
            parts.append(f"{verb} the {c.rule.label}{where} to {pct(c.new_bound)}")
        text = " and ".join(parts)
        return text[0].upper() + text[1:]


@dataclass(frozen=True)
class InfeasibilityDiagnosis:
    """The rules in conflict (an IIS) and the relaxations offered (module docstring)."""

    conflict: tuple[PolicyRule, ...]
    options: tuple[Relaxation, ...]
    weights: Mapping[ClauseKind, float]

    @property
    def weights_text(self) -> str:
        values = set(self.weights.values())
        if len(values) == 1:
            return f"each percentage point of change weighted {values.pop():g}"
        return "weights per percentage point: " + ", ".join(
            f"{k.value.replace('_', ' ')} {w:g}" for k, w in self.weights.items()
        )

    @property
    def message(self) -> str:
        """One message with both halves: the rules in conflict and the changes that fix them."""
        rules = "; ".join(r.described for r in self.conflict)
        text = (
            "The policy cannot be met: no fully invested, long-only portfolio meets these rules "
            f"together: {rules}."
        )
        singles = [o for o in self.options if not o.joint or len(o.changes) == 1]
        joint = [o for o in self.options if o.joint and len(o.changes) > 1]
        fixes = [o.text for o in singles]
        if joint:
            fixes.append(f"{joint[0].text} (the smallest change over all rules)")
        if fixes:
            text += (
                " Smallest fix: "
                + ", or ".join(fixes)
                + f" ({self.weights_text}; new limits rounded to 0.01 pp)."
            )
        return text


class PolicyConflictError(InfeasibleError):
    """An infeasible policy; ``diagnosis`` holds the rules in conflict and the relaxations."""

    def __init__(self, diagnosis: InfeasibilityDiagnosis) -> None:
        super().__init__(diagnosis.message)
        self.diagnosis = diagnosis


# -- the linear programs --------------------------------------------------------------------
def _rule_rows(rule: PolicyRule, index: Mapping[str, int], n: int) -> list[np.ndarray]:
    """Coefficient rows of ``rule`` over ``w`` (one per ticker for the max single weight)."""
    if rule.per_ticker:
        rows = []
        for t in rule.tickers:
            a = np.zeros(n)
            a[index[t]] = 1.0
            rows.append(a)
        return rows
    a = np.zeros(n)
    for t in rule.tickers:
        a[index[t]] += 1.0
    return [a]


def _elastic_lp(
    tickers: Sequence[str],
    rules: Sequence[PolicyRule],
    costs: Sequence[float | None],
) -> tuple[int, np.ndarray | None, float]:
    """Minimize ``sum(cost_r * e_r)`` subject to every rule with its bound moved by ``e_r``.

    ``costs[r]`` None fixes ``e_r = 0`` (the rule as stated); all-None is a feasibility test.
    Returns ``(status, e or None, objective)``: status 0 optimal, 2 infeasible.
    """
    from scipy.optimize import linprog

    n, m = len(tickers), len(rules)
    index = {t: i for i, t in enumerate(tickers)}
    a_ub: list[np.ndarray] = []
    b_ub: list[float] = []
    for r, rule in enumerate(rules):
        for a in _rule_rows(rule, index, n):
            row = np.zeros(n + m)
            sign = -1.0 if rule.side is Side.LOWER else 1.0
            row[:n] = sign * a  # lower: -a.w - e <= -b ; upper: a.w - e <= b
            row[n + r] = -1.0
            a_ub.append(row)
            b_ub.append(sign * rule.bound)
    bounds: list[tuple[float, float | None]] = [(0.0, None)] * n
    for rule, cost in zip(rules, costs, strict=True):
        room = rule.bound if rule.side is Side.LOWER else 1.0 - rule.bound
        bounds.append((0.0, 0.0) if cost is None else (0.0, max(room, 0.0)))
    c = np.concatenate([np.zeros(n), [0.0 if k is None else k for k in costs]])
    a_eq = np.concatenate([np.ones(n), np.zeros(m)])[None, :]
    res = linprog(
        c,
        A_ub=np.array(a_ub) if a_ub else None,
        b_ub=np.array(b_ub) if b_ub else None,
        A_eq=a_eq,
        b_eq=[1.0],
        bounds=bounds,
        method="highs",
    )
    if res.status == 2:
        return 2, None, math.inf
    if res.status != 0:
        raise SolverError(
            f"The policy feasibility check could not finish ({res.message}); review the limits."
        )
    return 0, np.asarray(res.x[n:], dtype=float), float(res.fun)


def is_feasible(tickers: Sequence[str], rules: Sequence[PolicyRule]) -> bool:
    """True when a fully invested, long-only portfolio meets every rule of ``rules``."""
    status, _, _ = _elastic_lp(tickers, rules, [None] * len(rules))
    return status == 0


def conflict_set(tickers: Sequence[str], rules: Sequence[PolicyRule]) -> tuple[PolicyRule, ...]:
    """An irreducible infeasible subset of ``rules`` by the deletion filter (module docstring).

    ``rules`` must be infeasible together (ValueError otherwise)."""
    if is_feasible(tickers, rules):
        raise ValueError("the rules are feasible together: there is no conflict to name")
    active = list(rules)
    for rule in list(active):
        trial = [r for r in active if r is not rule]
        if not is_feasible(tickers, trial):
            active = trial
    return tuple(active)


def _outward(rule: PolicyRule, amount: float) -> float:
    if rule.side is Side.LOWER:
        value = math.floor(round(rule.bound - amount, 9) / ROUNDING + 1e-9) * ROUNDING
        return max(0.0, round(value, 10))
    value = math.ceil(round(rule.bound + amount, 9) / ROUNDING - 1e-9) * ROUNDING
    return min(1.0, round(value, 10))


def _relaxation(
    rules: Sequence[PolicyRule], amounts: np.ndarray, objective: float, *, joint: bool
) -> Relaxation:
    changes = tuple(
        BoundChange(rule, float(e), _outward(rule, float(e)))
        for rule, e in zip(rules, amounts, strict=True)
        if e > 1e-9
    )
    return Relaxation(changes, objective, joint)


def relaxations(
    tickers: Sequence[str],
    rules: Sequence[PolicyRule],
    conflict: Sequence[PolicyRule],
    weights: Mapping[ClauseKind, float] = DEFAULT_WEIGHTS,
) -> tuple[Relaxation, ...]:
    """The options of the module docstring: one per rule of ``conflict`` that alone can restore
    feasibility (smallest weighted change first), then the jointly minimal one if different."""
    cost = [float(weights.get(r.kind, 1.0)) for r in rules]
    singles = []
    for rule in conflict:
        k = next(i for i, r in enumerate(rules) if r is rule)
        costs: list[float | None] = [None] * len(rules)
        costs[k] = cost[k]
        status, e, objective = _elastic_lp(tickers, rules, costs)
        if status == 0 and e is not None:
            singles.append(_relaxation(rules, e, objective, joint=False))
    singles.sort(key=lambda o: o.weighted_change)
    status, e, objective = _elastic_lp(tickers, rules, list(cost))
    if status != 0 or e is None:
        return tuple(singles)  # not even relaxing every rule helps (cannot happen: 100% caps)
    joint = _relaxation(rules, e, objective, joint=True)
    for i, single in enumerate(singles):
        if single.weighted_change <= objective + 1e-9:  # a single change is jointly minimal too
            singles[i] = replace(single, joint=True)
            return tuple(singles)
    return (*singles, joint)


def diagnose(
    cs: ConstraintSet, weights: Mapping[ClauseKind, float] = DEFAULT_WEIGHTS
) -> InfeasibilityDiagnosis | None:
    """The rules in conflict and the relaxations for ``cs``; None when the policy is feasible."""
    rules = cs.policy_rules()
    if is_feasible(cs.tickers, rules):
        return None
    conflict = conflict_set(cs.tickers, rules)
    conflict = tuple(sorted(conflict, key=_clause_order))
    return InfeasibilityDiagnosis(
        conflict, relaxations(cs.tickers, rules, conflict, weights), dict(weights)
    )


def _clause_order(rule: PolicyRule) -> tuple[int, ...]:
    if rule.clause is None:
        return (10**6,)
    return tuple(int(p) for p in rule.clause.split("."))


def apply_relaxation(profile: IPSProfile, relaxation: Relaxation) -> IPSProfile:
    """``profile`` with every bound change of ``relaxation`` made (clause ids kept).

    Raises :class:`~core.errors.PolicyError` for a change the profile cannot hold (a rule of a
    hand-built constraint set, which names no profile field)."""
    from core.errors import PolicyError
    from core.policy.clauses import group_subjects
    from core.policy.profile import Range

    changes: dict[str, object] = {}
    minimums = dict(profile.asset_minimums)
    caps = dict(profile.asset_caps)
    ranges = dict(profile.class_ranges)
    groups = list(profile.groups)
    subjects = list(group_subjects(profile))
    K = ClauseKind
    for change in relaxation.changes:
        rule, value = change.rule, change.new_bound
        lower = rule.side is Side.LOWER
        if rule.kind is K.ETF_MINIMUM and rule.subject in minimums:
            if value > 0:
                minimums[rule.subject] = value
            else:
                minimums.pop(rule.subject)
            changes["asset_minimums"] = minimums
        elif rule.kind is K.ETF_CAP and rule.subject in caps:
            caps[rule.subject] = value
            changes["asset_caps"] = caps
        elif rule.kind is K.MAX_SINGLE:
            changes["max_single_weight"] = value
        elif rule.kind is K.CLASS_RANGE and rule.subject in ranges:
            old = ranges[rule.subject]
            ranges[rule.subject] = Range(value, old.maximum) if lower else Range(old.minimum, value)
            changes["class_ranges"] = ranges
        elif rule.kind is K.GROUP and rule.subject in subjects:
            i = subjects.index(rule.subject)
            groups[i] = (
                replace(groups[i], minimum=value) if lower else replace(groups[i], maximum=value)
            )
            changes["groups"] = tuple(groups)
        else:
            raise PolicyError(
                f"The {rule.label} is not a limit of profile '{profile.name}': change it by hand."
            )
    return profile.with_changes(**changes)
