"""Risk contributions checked by hand, by finite differences and against direct numpy formulas."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core.analytics import metrics as m
from core.analytics import risk_contribution as rc
from core.errors import DataError

# Two assets: vols 10% and 20%, correlation 0.5, weights 60/40.
COV2 = np.array([[0.01, 0.01], [0.01, 0.04]])
W2 = np.array([0.6, 0.4])


def random_case(n: int = 8, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    b = rng.normal(size=(n, n)) * 0.05
    cov = b @ b.T + np.diag(rng.uniform(0.001, 0.02, n))
    w = rng.dirichlet(np.ones(n))
    return w, cov


def test_two_asset_case_by_hand():
    # variance = 0.36 * 0.01 + 0.16 * 0.04 + 2 * 0.6 * 0.4 * 0.01 = 0.0148; S w = (0.010, 0.022)
    d = rc.risk_decomposition(W2, COV2, ["A", "B"])
    sigma = math.sqrt(0.0148)
    assert d.volatility == pytest.approx(sigma, rel=1e-14)
    np.testing.assert_allclose(d.marginal, [0.010 / sigma, 0.022 / sigma], rtol=1e-14)
    np.testing.assert_allclose(d.component, [0.006 / sigma, 0.0088 / sigma], rtol=1e-14)
    np.testing.assert_allclose(d.percent, [0.006 / 0.0148, 0.0088 / 0.0148], rtol=1e-14)
    assert rc.diversification_ratio(W2, COV2) == pytest.approx(
        (0.6 * 0.1 + 0.4 * 0.2) / sigma, rel=1e-14
    )
    p = np.array([0.006, 0.0088]) / 0.0148
    assert rc.effective_number_of_bets(d.percent) == pytest.approx(
        math.exp(-(p * np.log(p)).sum()), rel=1e-14
    )


def test_contributions_sum_and_match_direct_numpy_formulas():
    w, cov = random_case()
    d = rc.risk_decomposition(w, cov)
    sigma = np.sqrt(w @ cov @ w)
    assert d.component.sum() == pytest.approx(d.volatility, rel=1e-12)
    assert d.percent.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(d.marginal, cov @ w / sigma, rtol=1e-12)
    np.testing.assert_allclose(d.component, w * (cov @ w) / sigma, rtol=1e-12)
    frame = d.to_frame()
    assert list(frame.columns) == ["weight", "marginal", "component", "percent"]


def test_marginal_contributions_are_the_gradient_of_volatility():
    w, cov = random_case(seed=11)
    d = rc.risk_decomposition(w, cov)
    h = 1e-6
    for i in range(w.size):
        step = np.zeros(w.size)
        step[i] = h
        up, down = np.sqrt((w + step) @ cov @ (w + step)), np.sqrt((w - step) @ cov @ (w - step))
        assert d.marginal[i] == pytest.approx((up - down) / (2 * h), rel=1e-7, abs=1e-10)


def test_active_risk_is_the_tracking_error_of_the_active_returns():
    rng = np.random.default_rng(5)
    returns = rng.normal(0.005, 0.04, size=(120, 5)) + rng.normal(0, 0.03, size=(120, 1))
    cov = np.cov(returns, rowvar=False, ddof=1) * 12
    w = np.array([0.3, 0.2, 0.2, 0.2, 0.1])
    b = np.array([0.6, 0.4, 0.0, 0.0, 0.0])
    d = rc.active_risk_decomposition(w, b, cov, list("ABCDE"))
    # Ex-ante TE with the sample covariance equals the realized TE of the same sample (ddof 1).
    realized = m.tracking_error(returns @ w, returns @ b)
    assert d.volatility == pytest.approx(realized, rel=1e-12)
    assert d.component.sum() == pytest.approx(realized, rel=1e-12)
    np.testing.assert_allclose(d.weights, w - b)


def test_class_aggregation_sums_members():
    w, cov = random_case(n=4)
    d = rc.risk_decomposition(pd.Series(w, index=["SPY", "QQQ", "AGG", "SGOV"]), cov)
    classes = {"SPY": "Equity", "QQQ": "Equity", "AGG": "Fixed Income", "SGOV": "Cash"}
    by_class = rc.class_contributions(
        d, classes, ["Equity", "Fixed Income", "Alternatives", "Cash"]
    )
    assert by_class.loc["Equity", "component"] == pytest.approx(d.component[:2].sum(), rel=1e-14)
    assert by_class.loc["Alternatives"].tolist() == [0.0, 0.0, 0.0]
    assert by_class["percent"].sum() == pytest.approx(1.0, abs=1e-12)
    assert by_class["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(DataError, match="No asset class for SGOV"):
        rc.class_contributions(d, {k: v for k, v in classes.items() if k != "SGOV"})


def test_effective_number_of_bets_bounds():
    assert rc.effective_number_of_bets(np.full(7, 1 / 7)) == pytest.approx(7.0, rel=1e-12)
    assert rc.effective_number_of_bets(np.array([1.0, 0.0, 0.0])) == pytest.approx(1.0)
    # A hedge counts by magnitude: |(-0.25, 1.25)| -> (1/6, 5/6).
    p = np.array([1 / 6, 5 / 6])
    assert rc.effective_number_of_bets(np.array([-0.25, 1.25])) == pytest.approx(
        math.exp(-(p * np.log(p)).sum())
    )


def test_diversification_ratio_at_least_one_for_long_only():
    for seed in range(20):
        w, cov = random_case(seed=seed)
        assert rc.diversification_ratio(w, cov) >= 1.0 - 1e-12
    assert rc.diversification_ratio(np.array([1.0, 0.0]), COV2) == pytest.approx(1.0)


def _class_case(
    equity_weight: float, corr: float = 0.3
) -> tuple[rc.RiskDecomposition, pd.DataFrame]:
    # Five equities (vol 18%) and five bonds (vol 4%) with equal weights inside each class.
    vols = np.array([0.18] * 5 + [0.04] * 5)
    cov = np.outer(vols, vols) * (corr + (1 - corr) * np.eye(10))
    w = np.array([equity_weight / 5] * 5 + [(1 - equity_weight) / 5] * 5)
    tickers = [f"E{i}" for i in range(5)] + [f"B{i}" for i in range(5)]
    d = rc.risk_decomposition(w, cov, tickers)
    classes = {t: ("Equity" if t.startswith("E") else "Fixed Income") for t in tickers}
    return d, rc.class_contributions(d, classes)


def test_the_original_blind_spot_is_called_concentrated():
    d, by_class = _class_case(0.45)
    verdict = rc.assess_concentration(d, by_class)
    equity_risk = by_class.loc["Equity", "percent"]
    assert equity_risk > 0.70 and by_class.loc["Equity", "weight"] == pytest.approx(0.45)
    assert verdict.concentrated and verdict.largest_class == "Equity"
    assert verdict.summary.startswith("Risk is concentrated")
    assert f"{equity_risk:.0%}" in verdict.summary and "45%" in verdict.summary
    assert any("Equity carries" in r for r in verdict.reasons)


def test_spread_risk_is_not_concentrated_and_top_three_rule_fires_alone():
    vols = np.full(10, 0.1)
    cov = np.outer(vols, vols) * (0.2 + 0.8 * np.eye(10))
    tickers = [f"T{i}" for i in range(10)]
    d = rc.risk_decomposition(np.full(10, 0.1), cov, tickers)
    classes = {t: ("Equity" if i < 5 else "Fixed Income") for i, t in enumerate(tickers)}
    verdict = rc.assess_concentration(
        d, rc.class_contributions(d, classes), diversification=2.0, bets=10.0
    )
    assert not verdict.concentrated and verdict.reasons == ()
    assert verdict.top_share == pytest.approx(0.3)
    assert verdict.summary.startswith("Risk is reasonably spread") and "30%" in verdict.summary
    assert "effective number of bets 10.0 of 10 ETFs held" in verdict.summary

    w = np.array([0.3, 0.3, 0.3] + [0.1 / 7] * 7)
    d = rc.risk_decomposition(w, cov, tickers)
    verdict = rc.assess_concentration(d, rc.class_contributions(d, classes))
    assert verdict.concentrated and verdict.top_tickers == ("T0", "T1", "T2")
    assert len(verdict.reasons) == 1 and "top 3 ETFs" in verdict.reasons[0]


def test_bad_inputs_raise_data_errors():
    with pytest.raises(DataError, match="do not match"):
        rc.risk_decomposition(np.ones(3) / 3, COV2)
    with pytest.raises(DataError, match="missing or infinite"):
        rc.risk_decomposition(np.array([np.nan, 1.0]), COV2)
    with pytest.raises(DataError, match="equals its benchmark"):
        rc.active_risk_decomposition(W2, W2, COV2)
