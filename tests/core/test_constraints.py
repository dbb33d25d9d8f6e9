"""Constraint compilation and the feasibility check that runs before any solve."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from random_policies import perturbed_policy

from core.errors import InfeasibleError, PolicyError
from core.policy import constraints as constraints_module
from core.policy.constraints import build_constraints, check_feasibility
from core.policy.profile import GroupLimit, Range
from core.policy.profile_io import bundled_profiles
from core.universe import default_universe

U = default_universe()
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bg():
    return bundled_profiles()["Balanced Growth"]


def test_bounds_take_the_tighter_of_max_single_and_etf_cap(bg):
    cs = build_constraints(bg, U)
    upper = dict(zip(cs.tickers, cs.upper, strict=True))
    lower = dict(zip(cs.tickers, cs.lower, strict=True))
    assert (
        upper["SPY"] == 0.30
        and upper["HYG"] == 0.10
        and upper["GLD"] == 0.075
        and upper["EFA"] == 0.20
    )
    assert lower == {**{t: 0.0 for t in U.tickers}, "SPY": 0.15, "AGG": 0.15, "SGOV": 0.05}
    assert [r.label for r in cs.rows] == [
        "Equity allocation",
        "Fixed Income allocation",
        "Alternatives allocation",
        "Cash allocation",
    ]
    np.testing.assert_array_equal(cs.A, U.class_matrix())
    np.testing.assert_array_equal(cs.row_lower, [0.45, 0.20, 0.05, 0.0])
    np.testing.assert_array_equal(cs.row_upper, [0.70, 0.45, 0.20, 0.10])


def test_groups_become_rows():
    lt = bundled_profiles()["Long-Term Endowment Growth"]
    cs = build_constraints(lt, U)
    row = cs.rows[4]
    assert row.label == "Group: International equity" and row.upper == 0.25
    expected = np.zeros(U.n)
    expected[[U.index("EFA"), U.index("EEM")]] = 1
    np.testing.assert_array_equal(cs.A[4], expected)


def test_anchor_weights_are_feasible_and_violations_are_described(bg):
    cs = build_constraints(bg, U)
    anchor = U.vector(bg.anchor_weights)
    assert cs.violations(anchor) == [] and cs.max_violation(anchor) < 1e-12
    bad = anchor.copy()
    bad[U.index("HYG")] += 0.10
    bad[U.index("AGG")] -= 0.10
    text = cs.violations(bad)
    assert "HYG 15.00% is above its cap 10.00%" in text
    assert "AGG 10.00% is below its minimum 15.00%" in text
    assert cs.max_violation(bad) == pytest.approx(0.05)


def test_the_bundled_policies_are_feasible():
    for p in bundled_profiles().values():
        check_feasibility(build_constraints(p, U))


def test_class_minimums_over_100_percent_are_named_with_the_amounts(bg):
    ranges = dict(bg.class_ranges)
    ranges["Equity"] = Range(0.60, 0.70)
    ranges["Fixed Income"] = Range(0.45, 0.50)
    ranges["Alternatives"] = Range(0.0, 0.2)
    with pytest.raises(InfeasibleError) as info:
        check_feasibility(build_constraints(bg.with_changes(class_ranges=ranges), U))
    message = str(info.value)
    # One message, both halves: the rules in conflict AND how much to change them.
    assert "these rules together: 4.1 Equity minimum 60%; 4.2 Fixed Income minimum 45%." in message
    # Equity 60% + Fixed Income 45% + the 5% SGOV minimum (cash) = 110%: 10 pp too much.
    assert "lower the Equity minimum (4.1) from 60% to 50%" in message
    assert "lower the Fixed Income minimum (4.2) from 45% to 35%" in message


def test_class_minimum_above_member_caps_is_named(bg):
    ranges = dict(bg.class_ranges)
    ranges["Alternatives"] = Range(0.40, 0.50)
    ranges["Equity"] = Range(0.30, 0.70)
    ranges["Fixed Income"] = Range(0.15, 0.45)
    caps = {**bg.asset_caps, "VNQ": 0.10, "DBC": 0.10}
    with pytest.raises(InfeasibleError) as info:
        check_feasibility(
            build_constraints(bg.with_changes(class_ranges=ranges, asset_caps=caps), U)
        )
    message = str(info.value)
    for rule in ("4.3 Alternatives minimum 40%", "VNQ cap 10%", "GLD cap 7.5%", "DBC cap 10%"):
        assert rule in message
    # The caps allow 10 + 7.5 + 10 = 27.5%: 12.5 pp short of the 40% minimum.
    assert "lower the Alternatives minimum (4.3) from 40% to 27.5%" in message
    assert "raise the GLD cap (5.8) from 7.5% to 20%" in message


def test_etf_minimums_over_a_group_maximum(bg):
    profile = bg.with_changes(groups=(GroupLimit("US large", ("SPY", "QQQ"), None, 0.10),))
    with pytest.raises(InfeasibleError) as info:
        check_feasibility(build_constraints(profile, U))
    message = str(info.value)
    assert "5.2 SPY minimum 15%; 6.1 group US large maximum 10%" in message
    assert "lower the SPY minimum (5.2) from 15% to 10%" in message
    assert "raise the group US large maximum (6.1) from 10% to 15%" in message


def test_conflicts_only_an_lp_can_see_get_the_smallest_relaxation(bg):
    # Each limit is fine alone; together they cannot hold: SPY >= 15% and EFA + EEM >= 35% need
    # 50% equity, 2 pp more than the 48% maximum.
    profile = bg.with_changes(
        groups=(GroupLimit("International", ("EFA", "EEM"), 0.35, None),),
        class_ranges={**bg.class_ranges, "Equity": Range(0.45, 0.48)},
    )
    with pytest.raises(InfeasibleError) as info:
        check_feasibility(build_constraints(profile, U))
    message = str(info.value)
    assert "4.1 Equity maximum 48%; 5.2 SPY minimum 15%; 6.1 group International minimum 35%" in (
        message
    )
    assert "raise the Equity maximum (4.1) from 48% to 50%" in message
    assert "lower the group International minimum (6.1) from 35% to 33%" in message
    assert "lower the SPY minimum (5.2) from 15% to 13%" in message


def elastic_lp_relaxation(cs) -> float:
    """The smallest total relaxation (sum of slacks) that makes ``cs`` feasible: the elastic LP."""
    from scipy.optimize import linprog

    n, m = cs.n, len(cs.rows)
    eye, rows = np.eye(n), np.eye(m)
    a_ub = np.vstack(
        [
            np.hstack([-eye, -eye, np.zeros((n, n + 2 * m))]),
            np.hstack([eye, np.zeros((n, n)), -eye, np.zeros((n, 2 * m))]),
            np.hstack([-cs.A, np.zeros((m, 2 * n)), -rows, np.zeros((m, m))]),
            np.hstack([cs.A, np.zeros((m, 2 * n + m)), -rows]),
        ]
    )
    b_ub = np.concatenate([-cs.lower, cs.upper, -cs.row_lower, cs.row_upper])
    a_eq = np.concatenate([np.ones(n), np.zeros(2 * n + 2 * m)])[None, :]
    c = np.concatenate([np.zeros(n), np.ones(2 * n + 2 * m)])
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[1.0], bounds=(0, None), method="highs")
    assert res.status == 0
    return float(res.fun)


@pytest.mark.slow
def test_the_direct_feasibility_verdict_agrees_with_the_elastic_lp(bg):
    """DAQP's feasible point (no scipy) is only a shortcut: on random policies near the edge of
    feasibility it says "feasible" exactly when the elastic LP needs no relaxation."""
    rng = np.random.default_rng(3)
    verdicts = set()
    for _ in range(300):
        draw = perturbed_policy(rng, U, spread=0.2, caps=(0.0, 0.2), most_caps=6, decimals=2)
        try:
            cs = build_constraints(draw.profile(), U)
        except PolicyError:
            continue
        direct = constraints_module._has_feasible_point(cs)
        relaxation = elastic_lp_relaxation(cs)
        assert direct == (relaxation <= 1e-9), relaxation
        verdicts.add(direct)
    assert verdicts == {True, False}


def test_a_feasible_default_analysis_imports_no_scipy():
    """The first analysis of the default profile loads no scipy module (issue 8: cold start);
    the elastic LP, HiGHS, scipy.stats and scipy's LAPACK wrappers stay behind the infeasible or
    unusual cases and the benchmark's solver calls."""
    code = (
        "import sys\n"
        "from core.pipeline import load_default_dataset, run_analysis\n"
        "from core.policy.profile_io import bundled_profiles\n"
        "result = run_analysis(bundled_profiles()['Balanced Growth'], load_default_dataset())\n"
        "assert not result.failed_strategies, result.failed_strategies\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "", f"the default analysis imported {out.stdout.strip()}"
