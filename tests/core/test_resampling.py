"""Resampled frontier: feasibility, bands, determinism, the DAQP fast path, cancellation."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import CancelledError, SolverError
from core.jobs import CancelToken
from core.optimize.candidates import Strategy, portfolio_volatility
from core.optimize.qp import solve_qp
from core.optimize.resampling import (
    ResamplingMethod,
    _Solver,
    resampled_candidate,
    resampled_frontier,
)
from core.pipeline import load_default_dataset, run_analysis, with_candidate
from core.policy.profile_io import bundled_profiles


@pytest.fixture(scope="module")
def setup():
    profile = bundled_profiles()["Balanced Growth"]
    dataset = load_default_dataset()
    return profile, dataset, run_analysis(profile, dataset)


def test_fast_path_matches_the_general_qp(setup):
    _, _, result = setup
    cs, inputs = result.constraints, result.inputs
    solver = _Solver(cs)
    h = 2 * inputs.covariance
    n = cs.n
    # Return floors from the minimum-variance portfolio's return to the highest attainable one,
    # under whatever expected returns the analysis uses (a floor above the top is infeasible).
    r_min = inputs.expected_returns @ solver.solve(np.ascontiguousarray(h), np.zeros(n))
    top = solver.solve(np.ascontiguousarray(1e-7 * np.eye(n)), -inputs.expected_returns)
    r_max = inputs.expected_returns @ top
    assert r_max > r_min
    for target in np.linspace(r_min - 0.005, r_max - 1e-6, 5):
        fast = solver.solve(
            np.ascontiguousarray(h), np.zeros(cs.n), inputs.expected_returns, target
        )
        ref = solve_qp(
            h,
            np.zeros(cs.n),
            cs,
            extra_rows=inputs.expected_returns[None, :],
            extra_lower=np.array([target]),
            extra_upper=np.array([np.inf]),
        ).weights
        np.testing.assert_allclose(fast, ref, atol=1e-8)


def test_an_unattainable_return_floor_is_named(setup):
    _, _, result = setup
    cs, inputs = result.constraints, result.inputs
    solver = _Solver(cs)
    floor = float(np.sort(inputs.expected_returns)[-1]) + 0.01  # above every ETF's return
    with pytest.raises(SolverError, match=r"infeasible .*return floor"):
        solver.solve(
            np.ascontiguousarray(2 * inputs.covariance),
            np.zeros(cs.n),
            inputs.expected_returns,
            floor,
        )


@pytest.mark.parametrize("method", list(ResamplingMethod))
def test_averaged_frontier_is_feasible_banded_and_reproducible(setup, method):
    profile, dataset, result = setup
    cs = result.constraints
    rf = resampled_frontier(
        dataset.returns, cs, result.inputs, profile, resamples=40, points=9, method=method, seed=7
    )
    assert rf.mean_weights.shape == (9, cs.n)
    for k in range(9):
        assert cs.max_violation(rf.mean_weights[k]) < 1e-8
        # Percentile bands lie inside the ETF bounds (the mean of a skewed weight may exceed p95).
        assert (rf.lower[k] <= rf.upper[k]).all()
        assert (rf.lower[k] >= cs.lower - 1e-12).all() and (rf.upper[k] <= cs.upper + 1e-12).all()
    np.testing.assert_allclose(
        rf.volatilities,
        [portfolio_volatility(w, result.inputs.covariance) for w in rf.mean_weights],
        rtol=1e-12,
    )
    assert (rf.stability_low <= rf.stability_high).all() and (rf.stability_std >= 0).all()
    again = resampled_frontier(
        dataset.returns, cs, result.inputs, profile, resamples=40, points=9, method=method, seed=7
    )
    np.testing.assert_array_equal(again.mean_weights, rf.mean_weights)


def test_resampled_candidate_joins_the_analysis(setup):
    profile, dataset, result = setup
    rf = resampled_frontier(
        dataset.returns, result.constraints, result.inputs, profile, resamples=30, points=11
    )
    cand = resampled_candidate(rf, result.inputs, profile)
    assert cand.strategy is Strategy.RESAMPLED
    assert portfolio_volatility(cand.weights, result.inputs.covariance) <= profile.max_volatility
    updated = with_candidate(result, cand)
    assert len(updated.candidates) == len(result.candidates) + 1
    added = updated.candidate("Resampled Frontier")
    assert added.weights.sum() == pytest.approx(1)
    # A robustness check never changes the decision as a side effect (issue 15, #15) ...
    assert updated.recommended_name == result.recommended_name
    assert "for comparison only" in updated.selection_reason
    # ... unless the selection is asked to consider it.
    reselected = with_candidate(result, cand, reselect=True)
    compliant = {c.name: c.utility for c in reselected.candidates if c.passes}
    assert reselected.recommended_name == max(compliant, key=compliant.get)


def test_cancel_stops_the_resampling(setup):
    profile, dataset, result = setup
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        resampled_frontier(
            dataset.returns, result.constraints, result.inputs, profile, resamples=50, cancel=token
        )


@pytest.mark.slow
def test_report_command_adds_the_resampled_candidate(tmp_path):
    import pandas as pd

    from app.cli import main as cli_main

    out = tmp_path / "out"
    assert cli_main(["report", "--out", str(out), "--resample", "30", "--no-charts"]) == 0
    weights = pd.read_csv(out / "portfolio_weights.csv")
    rows = weights[weights.portfolio_name == "Resampled Frontier"]
    assert len(rows) == 14 and rows.weight.sum() == pytest.approx(1)


def test_the_default_resampling_of_every_bundled_profile_completes():
    """The window's default (500 draws, bootstrap, seed 20240601) failed on Balanced Growth's
    synthetic data: the top frontier point's return floor, 1e-12 below the highest return, was
    infeasible to DAQP. The top point is the highest-return portfolio itself, inside the policy."""
    from core.data.synthetic import generate_synthetic_dataset
    from core.pipeline import run_analysis
    from core.policy.profile_io import bundled_profiles
    from core.universe import default_universe

    universe = default_universe()
    data = generate_synthetic_dataset(universe)
    result = run_analysis(bundled_profiles()["Balanced Growth"], data, universe)
    frontier = resampled_frontier(
        data.returns, result.constraints, result.inputs, result.profile, resamples=500
    )
    cs = result.constraints
    top = frontier.mean_weights[-1]
    assert top.sum() == pytest.approx(1.0, abs=1e-9)
    assert (top >= cs.lower - 1e-9).all() and (top <= cs.upper + 1e-9).all()
    # The averaged frontier rises in expected return (ex-ante, full-sample inputs).
    assert frontier.returns[-1] > frontier.returns[0]
