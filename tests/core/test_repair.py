"""An infeasible policy: the rules in conflict (an IIS) and the smallest relaxation, checked
against linear programs written here directly from the profile's fields (scipy.optimize.linprog),
not from the rules the code builds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from core.errors import PolicyError
from core.policy.clauses import ClauseKind
from core.policy.constraints import Side, build_constraints
from core.policy.profile import GroupLimit, IPSProfile, Range
from core.policy.profile_io import bundled_profiles
from core.policy.repair import (
    DEFAULT_WEIGHTS,
    apply_relaxation,
    conflict_set,
    diagnose,
    is_feasible,
)
from core.universe import default_universe

U = default_universe()
BG = bundled_profiles()["Balanced Growth"]


# -- the test's own LP over the profile's fields ----------------------------------------------
def _profile_bounds(p: IPSProfile) -> list[tuple[str, str, str, float, list[str]]]:
    """Every bound of ``p`` as (field, subject, side, value, tickers), from the fields."""
    out = []
    for t, v in p.asset_minimums.items():
        if v > 0:
            out.append(("min", t, "lo", v, [t]))
    for t, v in p.asset_caps.items():
        out.append(("cap", t, "hi", v, [t]))
    for t in U.tickers:
        out.append(("single", t, "hi", p.max_single_weight, [t]))
    for cls, rng in p.class_ranges.items():
        members = list(U.class_members(cls))
        if members:
            out.append(("class", cls, "lo", rng.minimum, members))
            out.append(("class", cls, "hi", rng.maximum, members))
    for g in p.groups:
        if g.minimum is not None:
            out.append(("group", g.name, "lo", g.minimum, list(g.tickers)))
        if g.maximum is not None:
            out.append(("group", g.name, "hi", g.maximum, list(g.tickers)))
    return out


def direct_min_relaxation(p: IPSProfile, relaxable=None) -> float:
    """min sum of bound moves (weight 1 each) making ``p`` feasible; the max single weight is
    one move shared by all its rows. ``relaxable(field, subject, side)`` limits which may move.
    inf when no relaxation of the allowed bounds can help."""
    from scipy.optimize import linprog

    bounds = _profile_bounds(p)
    n = U.n
    keys = sorted({(f, s if f != "single" else "", side) for f, s, side, _, _ in bounds})
    col = {k: n + i for i, k in enumerate(keys)}
    a_ub, b_ub = [], []
    for f, s, side, v, tickers in bounds:
        row = np.zeros(n + len(keys))
        for t in tickers:
            row[U.index(t)] = 1.0 if side == "hi" else -1.0
        row[col[(f, s if f != "single" else "", side)]] = -1.0
        a_ub.append(row)
        b_ub.append(v if side == "hi" else -v)
    var_bounds = [(0, None)] * n
    for k in keys:
        allowed = relaxable is None or relaxable(*k)
        var_bounds.append((0, None) if allowed else (0, 0))
    a_eq = np.concatenate([np.ones(n), np.zeros(len(keys))])[None, :]
    c = np.concatenate([np.zeros(n), np.ones(len(keys))])
    res = linprog(c, A_ub=np.array(a_ub), b_ub=b_ub, A_eq=a_eq, b_eq=[1], bounds=var_bounds)
    return float(res.fun) if res.status == 0 else float("inf")


def directly_feasible(p: IPSProfile) -> bool:
    return direct_min_relaxation(p, relaxable=lambda *k: False) == 0.0


# -- random policies ----------------------------------------------------------------------------
percent = st.integers(0, 100).map(lambda k: k / 100)


@st.composite
def policies(draw) -> IPSProfile:
    """A valid profile whose limits often conflict: class ranges, minimums, caps, a group."""
    ranges = {}
    for cls in U.asset_classes:
        lo = draw(st.integers(0, 60)) / 100
        hi = draw(st.integers(int(lo * 100), 100)) / 100
        ranges[cls] = Range(lo, hi)
    tickers = st.sampled_from(U.tickers)
    minimums = draw(st.dictionaries(tickers, st.integers(1, 35).map(lambda k: k / 100), max_size=4))
    caps = {}
    for t, cap in draw(st.dictionaries(tickers, st.integers(1, 40), max_size=4)).items():
        caps[t] = max(cap / 100, minimums.get(t, 0.0))
    groups = ()
    if draw(st.booleans()):
        members = tuple(draw(st.sets(tickers, min_size=2, max_size=4)))
        lo = draw(st.integers(0, 50)) / 100
        hi = draw(st.integers(int(lo * 100), 100)) / 100
        groups = (GroupLimit("Drawn group", members, lo or None, hi),)
    try:
        return BG.with_changes(
            class_ranges=ranges,
            asset_minimums=minimums,
            asset_caps=caps,
            groups=groups,
            max_single_weight=draw(st.integers(5, 60)) / 100,
        )
    except PolicyError:
        assume(False)
        raise


# -- tests -----------------------------------------------------------------------------------------
@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(policies())
def test_the_conflict_is_irreducible_and_the_relaxation_is_smallest(profile):
    assume(not directly_feasible(profile))
    cs = build_constraints(profile, U)
    diagnosis = diagnose(cs)
    assert diagnosis is not None
    rules = cs.policy_rules()
    conflict = diagnosis.conflict
    # Infeasible together; every proper subset feasible (dropping any one rule suffices to check
    # this, since a subset of a feasible set of rules is feasible).
    assert not is_feasible(cs.tickers, conflict)
    for rule in conflict:
        assert is_feasible(cs.tickers, [r for r in conflict if r is not rule])
    # The jointly minimal option has the direct LP's optimum (weights 1 here), and applied (its
    # bounds rounded outward to 0.01 pp) it makes the policy feasible.
    assert set(DEFAULT_WEIGHTS.values()) == {1.0}
    joint = [o for o in diagnosis.options if o.joint]
    assert len(joint) == 1
    best = direct_min_relaxation(profile)
    assert joint[0].weighted_change == pytest.approx(best, abs=1e-7)
    assert sum(c.amount for c in joint[0].changes) == pytest.approx(best, abs=1e-7)
    for option in diagnosis.options:
        repaired = apply_relaxation(profile, option)
        assert directly_feasible(repaired), option.text
        assert all(c.rule in conflict or option.joint for c in option.changes)
    # Each single-rule option is the smallest move of that rule alone.
    for option in diagnosis.options:
        if len(option.changes) != 1 or option.joint:
            continue
        rule = option.changes[0].rule
        field = {
            ClauseKind.ETF_MINIMUM: "min",
            ClauseKind.ETF_CAP: "cap",
            ClauseKind.MAX_SINGLE: "single",
            ClauseKind.CLASS_RANGE: "class",
            ClauseKind.GROUP: "group",
        }[rule.kind]
        side = "lo" if rule.side is Side.LOWER else "hi"
        subject = "" if field == "single" else rule.subject
        alone = direct_min_relaxation(
            profile, relaxable=lambda *k, key=(field, subject, side): k == key
        )
        assert option.changes[0].amount == pytest.approx(alone, abs=1e-7)
    assert len(rules) >= len(conflict)


def test_a_worked_example_by_hand():
    # Equity at most 65% and Fixed Income at least 40%, Alternatives at least 5%, Cash (SGOV)
    # at least 5%... with Equity minimum 55%: 55 + 40 + 5 + 5 = 105%, 5 pp over.
    profile = BG.with_changes(
        class_ranges={
            "Equity": Range(0.55, 0.65),
            "Fixed Income": Range(0.40, 0.45),
            "Alternatives": Range(0.05, 0.20),
            "Cash": Range(0.0, 0.10),
        }
    )
    diagnosis = diagnose(build_constraints(profile, U))
    assert diagnosis is not None
    texts = [o.text for o in diagnosis.options]
    assert "lower the Equity minimum (4.1) from 55% to 50%" in texts
    assert "lower the Fixed Income minimum (4.2) from 40% to 35%" in texts
    assert "lower the Alternatives minimum (4.3) from 5% to 0%" in texts
    assert "lower the SGOV minimum (5.4) from 5% to 0%" in texts
    assert all(o.weighted_change == pytest.approx(0.05) for o in diagnosis.options)
    fixed = apply_relaxation(profile, diagnosis.options[0])
    assert diagnose(build_constraints(fixed, U)) is None
    assert fixed.clause_ids == profile.clause_ids  # a relaxation keeps every clause number


def test_weights_steer_the_relaxation():
    profile = BG.with_changes(asset_minimums={**BG.asset_minimums, "SPY": 0.35})
    cs = build_constraints(profile, U)
    cheap_cap = {**DEFAULT_WEIGHTS, ClauseKind.ETF_MINIMUM: 3.0}
    diagnosis = diagnose(cs, cheap_cap)
    assert diagnosis is not None
    joint = next(o for o in diagnosis.options if o.joint)
    # Lowering the SPY minimum costs 3 a unit, raising the max single weight 1: raise it 5 pp.
    assert joint.text == "raise the maximum single-ETF weight (5.1) from 30% to 35%"
    assert joint.weighted_change == pytest.approx(0.05)
    assert "etf minimum 3" in diagnosis.message


def test_conflict_set_refuses_a_feasible_policy():
    cs = build_constraints(BG, U)
    assert diagnose(cs) is None
    with pytest.raises(ValueError):
        conflict_set(cs.tickers, cs.policy_rules())
