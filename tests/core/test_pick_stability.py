"""Pick stability under the stationary block bootstrap: reproducible, and equal to a plain loop
that draws the same rows, compounds wealth month by month and re-runs the full pipeline."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from core.errors import CancelledError, DataError
from core.jobs import CancelToken
from core.outlook.bootstrap import stationary_bootstrap_indices
from core.pipeline import load_default_dataset, run_analysis
from core.policy.profile_io import bundled_profiles
from core.robustness.pick_stability import (
    NO_COMPLIANT,
    path_max_drawdowns,
    pick_stability,
)


@pytest.fixture(scope="module")
def result():
    # a 22% tolerance: the Mean-Variance portfolio misses it on some samples, so picks vary
    profile = bundled_profiles()["Balanced Growth"].with_changes(max_drawdown=0.22)
    return run_analysis(profile, load_default_dataset())


def _plain_max_drawdown(path):
    wealth, peak, worst = 1.0, 1.0, 0.0
    for r in path:
        wealth *= 1.0 + r
        peak = max(peak, wealth)
        worst = max(worst, 1.0 - wealth / peak)
    return worst


def test_path_max_drawdowns_by_hand():
    # 1 -> 1.1 -> 0.88 -> 0.968 -> 0.7744; and a first-month loss counts (W_0 = 1 is a peak)
    paths = np.array([[0.1, -0.2, 0.1, -0.2], [-0.1, 0.05, 0.0, 0.0]])
    np.testing.assert_allclose(path_max_drawdowns(paths), [1 - 0.7744 / 1.1, 0.1], atol=1e-15)


@pytest.mark.slow
def test_matches_a_plain_loop_with_the_same_draws(result):
    samples, seed, block = 6, 3, 6.0
    stability = pick_stability(result, samples=samples, seed=seed, block_length=block)
    tickers = list(result.universe.tickers)
    returns = result.dataset.returns[tickers]
    months = len(returns)
    rows = stationary_bootstrap_indices(months, samples, months, block, np.random.default_rng(seed))
    w = result.recommended.weights.to_numpy()
    drawdowns, picks = [], []
    for path_rows in rows:
        path = [float(returns.iloc[i].to_numpy() @ w) for i in path_rows]
        drawdowns.append(_plain_max_drawdown(path))
        sample = dataclasses.replace(
            result.dataset,
            returns=pd.DataFrame(
                returns.to_numpy()[path_rows], index=returns.index, columns=tickers
            ),
            risk_free=pd.Series(
                result.dataset.risk_free.to_numpy()[path_rows], index=returns.index
            ),
        )
        again = run_analysis(result.profile, sample, result.universe, result.settings)
        picks.append(again.recommended_name if again.recommended.passes else NO_COMPLIANT)
    np.testing.assert_allclose(stability.drawdowns, drawdowns, atol=1e-12)
    assert stability.picks == tuple(picks)
    tolerance = result.profile.max_drawdown
    assert stability.breach_probability == sum(d > tolerance for d in drawdowns) / samples
    assert stability.same_pick_share == picks.count(result.recommended_name) / samples
    assert sum(stability.pick_shares().values()) == pytest.approx(1.0)


def test_reproducible_with_its_seed(result):
    first = pick_stability(result, samples=12, seed=5)
    again = pick_stability(result, samples=12, seed=5)
    other = pick_stability(result, samples=12, seed=6)
    assert first.picks == again.picks
    np.testing.assert_array_equal(first.drawdowns, again.drawdowns)
    assert not np.array_equal(first.drawdowns, other.drawdowns)
    text = first.sentence()
    assert "12 samples" in text and "seed 5" in text and "22% drawdown tolerance" in text


def test_bad_input_and_cancel(result):
    with pytest.raises(DataError, match="at least 1"):
        pick_stability(result, samples=0)
    with pytest.raises(DataError, match="block length"):
        pick_stability(result, samples=2, block_length=0.5)
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        pick_stability(result, samples=2, cancel=token)
