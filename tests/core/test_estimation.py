"""Optimizer inputs: Ledoit-Wolf against scikit-learn (used only in tests), Bayes-Stein by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.covariance import LedoitWolf

from core.errors import DataError
from core.optimize.estimation import (
    CovarianceEstimator,
    ReturnEstimator,
    bayes_stein_means,
    estimate_inputs,
    ledoit_wolf,
)


def sample(t=120, n=6, seed=3):
    rng = np.random.default_rng(seed)
    mix = rng.normal(size=(n, n)) * 0.02
    return rng.normal(size=(t, n)) @ mix + 0.005


def test_ledoit_wolf_matches_scikit_learn():
    x = sample()
    cov, delta = ledoit_wolf(x)
    ref = LedoitWolf().fit(x)
    assert delta == pytest.approx(ref.shrinkage_, rel=1e-10)
    np.testing.assert_allclose(cov, ref.covariance_, rtol=1e-10, atol=1e-16)


def test_bayes_stein_by_hand_on_two_assets():
    x = np.array(
        [[0.01, 0.02], [0.03, -0.01], [-0.02, 0.00], [0.04, 0.01], [0.00, 0.03], [0.02, -0.02]]
    )
    t, n = x.shape
    mu = x.mean(axis=0)
    s = np.cov(x, rowvar=False) * (t - 1) / (t - n - 2)
    si = np.linalg.inv(s)
    mu0 = (si.sum(axis=0) @ mu) / si.sum()
    d = mu - mu0
    phi = (n + 2) / ((n + 2) + t * d @ si @ d)
    got, got_phi = bayes_stein_means(x)
    assert got_phi == pytest.approx(phi)
    np.testing.assert_allclose(got, (1 - phi) * mu + phi * mu0)


def test_estimate_inputs_annualizes_and_records_choices():
    x = sample()
    frame = pd.DataFrame(
        x, columns=list("ABCDEF"), index=pd.date_range("2010-01-31", periods=len(x), freq="ME")
    )
    rf = pd.Series(0.001, index=frame.index)
    inp = estimate_inputs(frame, rf, covariance=CovarianceEstimator.SAMPLE)
    np.testing.assert_allclose(inp.expected_returns, x.mean(axis=0) * 12)
    np.testing.assert_allclose(inp.covariance, np.cov(x, rowvar=False) * 12)
    assert inp.risk_free == pytest.approx(0.012)
    assert "Sample covariance" in inp.describe() and "120 months" in inp.describe()
    lw = estimate_inputs(frame, rf)
    assert 0 < lw.shrinkage < 1 and "Ledoit-Wolf" in lw.describe()
    w = np.array([0.5, 0.5, 0, 0, 0, 0])
    eq = estimate_inputs(
        frame, rf, expected=ReturnEstimator.EQUILIBRIUM, benchmark_weights=w, risk_aversion=3
    )
    np.testing.assert_allclose(eq.expected_returns, 0.012 + 3 * lw.covariance @ w)


def test_bad_inputs_are_refused():
    frame = pd.DataFrame(sample(t=12), index=pd.date_range("2010-01-31", periods=12, freq="ME"))
    with pytest.raises(DataError, match="At least 24 months"):
        estimate_inputs(frame)
    frame = pd.DataFrame(sample(), index=pd.date_range("2010-01-31", periods=120, freq="ME"))
    frame.iloc[5, 2] = np.nan
    with pytest.raises(DataError, match="non-finite"):
        estimate_inputs(frame)
