"""Factor regressions against statsmodels OLS with HAC covariance (used only here), on a joint
factor/return fixture and on the default synthetic data."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from core.analytics import factors as fx
from core.analytics.risk_report import factor_diagnostics
from core.errors import DataError
from core.universe import default_universe


def joint_fixture(t: int = 150, seed: int = 4) -> tuple[pd.DataFrame, pd.Series, np.ndarray]:
    """Five correlated factors and a return built from them with AR(1) errors."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2010-01-31", periods=t, freq="ME")
    mix = np.array(
        [
            [1, 0, 0, 0, 0],
            [0.3, 1, 0, 0, 0],
            [-0.1, 0.2, 1, 0, 0],
            [0, 0, 0.3, 1, 0],
            [0.1, 0, 0, 0.4, 1],
        ]
    )
    f = rng.normal(0, 0.03, size=(t, 5)) @ mix.T + 0.004
    e = np.zeros(t)
    shocks = rng.normal(0, 0.01, t)
    for i in range(1, t):
        e[i] = 0.5 * e[i - 1] + shocks[i]
    beta = np.array([1.0, 0.3, -0.2, 0.1, 0.05])
    y = 0.001 + f @ beta + e * (1 + np.abs(f[:, 0]) * 10)  # heteroskedastic, autocorrelated
    frame = pd.DataFrame(f, index=index, columns=list(fx.EQUITY_FACTORS))
    return frame, pd.Series(y, index=index), beta


def test_newey_west_lag_rule():
    assert fx.newey_west_lags(100) == 4
    assert fx.newey_west_lags(180) == 4
    assert fx.newey_west_lags(1000) == 6
    assert fx.newey_west_lags(30) == 3


@pytest.mark.parametrize("lags", [None, 0, 1, 7])
def test_coefficients_hac_t_stats_and_r2_match_statsmodels(lags):
    factors, y, _ = joint_fixture()
    reg = fx.regress_on_factors(
        y, factors, scope="Portfolio", model=fx.FactorModel.EQUITY, lags=lags
    )
    used = fx.newey_west_lags(len(y)) if lags is None else lags
    assert reg.lags == used
    ref = sm.OLS(y.to_numpy(), sm.add_constant(factors.to_numpy())).fit(
        cov_type="HAC", cov_kwds={"maxlags": used}
    )
    np.testing.assert_allclose(reg.coefficients, ref.params, rtol=1e-10)
    np.testing.assert_allclose(reg.std_errors, ref.bse, rtol=1e-10)
    np.testing.assert_allclose(reg.t_stats, ref.tvalues, rtol=1e-10)
    np.testing.assert_allclose(reg.p_values, ref.pvalues, rtol=1e-8, atol=1e-300)
    assert reg.r_squared == pytest.approx(ref.rsquared, rel=1e-12)
    assert reg.adj_r_squared == pytest.approx(ref.rsquared_adj, rel=1e-12)
    assert reg.observations == ref.nobs == 150
    assert reg.alpha_annualized == pytest.approx(12 * ref.params[0], rel=1e-10)
    assert reg.terms == ("Alpha", *fx.EQUITY_FACTORS)
    assert reg.start == "2010-01-31" and reg.end == "2022-06-30"


def test_two_sided_p_values_match_scipy():
    """erfc(|t| / sqrt 2), which spares scipy.stats, is scipy's 2 * norm.sf(|t|) (NaN stays NaN)."""
    t = np.array(
        [0.0, 1e-8, 0.5, -1.0, 1.959963984540054, -2.5, 4.0, -8.0, 12.0, 37.5, np.inf, np.nan]
    )
    np.testing.assert_allclose(
        fx._two_sided_p_values(t), 2.0 * stats.norm.sf(np.abs(t)), rtol=1e-13, atol=1e-300
    )
    assert np.isnan(fx._two_sided_p_values(np.array([np.nan]))[0])


def test_betas_of_the_joint_fixture_are_recovered():
    factors, y, beta = joint_fixture(t=600, seed=9)
    reg = fx.regress_on_factors(y, factors, scope="Portfolio", model=fx.FactorModel.EQUITY)
    np.testing.assert_allclose(reg.betas.to_numpy(), beta, atol=0.1)
    assert reg.beta("MKT_RF") == pytest.approx(1.0, abs=0.05)
    frame = reg.to_frame()
    assert frame["term"].tolist()[0] == "Alpha" and len(frame) == 6


def test_regression_input_errors():
    factors, y, _ = joint_fixture()
    with pytest.raises(DataError, match="at least 24"):
        fx.regress_on_factors(y.iloc[:20], factors, scope="Portfolio", model=fx.FactorModel.EQUITY)
    broken = factors.copy()
    broken.iloc[3, 1] = np.nan
    with pytest.raises(DataError, match="SMB"):
        fx.regress_on_factors(y, broken, scope="Portfolio", model=fx.FactorModel.EQUITY)
    collinear = factors.assign(CMA=factors["SMB"] * 2)
    with pytest.raises(DataError, match="collinear"):
        fx.regress_on_factors(y, collinear, scope="Portfolio", model=fx.FactorModel.EQUITY)


def test_equity_sleeve_is_renormalized_and_needs_equity():
    w = pd.Series({"SPY": 0.3, "QQQ": 0.1, "AGG": 0.6})
    sleeve = fx.equity_sleeve_weights(w, ["SPY", "QQQ", "IWM"])
    assert sleeve.to_dict() == pytest.approx({"SPY": 0.75, "QQQ": 0.25})
    with pytest.raises(DataError, match="no equity"):
        fx.equity_sleeve_weights(pd.Series({"SPY": 0.0, "AGG": 1.0}), ["SPY"])


def test_proxy_factors_when_the_dataset_has_none():
    rng = np.random.default_rng(2)
    u = default_universe()
    index = pd.date_range("2016-01-31", periods=60, freq="ME")
    returns = pd.DataFrame(rng.normal(0.005, 0.03, (60, u.n)), index=index, columns=list(u.tickers))
    table = fx.factor_table(returns, None, None, cash_ticker="SGOV")
    pd.testing.assert_series_equal(
        table.factors["MKT_RF"], returns["SPY"] - returns["SGOV"], check_names=False
    )
    pd.testing.assert_series_equal(
        table.factors["CREDIT"], returns["HYG"] - returns["AGG"], check_names=False
    )
    pd.testing.assert_series_equal(
        table.factors["DOLLAR"], returns["SPY"] - returns["EFA"], check_names=False
    )
    assert not table.has_equity_factors
    assert "SGOV returns" in table.sources["RF"]
    assert any("SMB" in n and "market factor only" in n for n in table.notes)
    with pytest.raises(DataError, match="risk-free"):
        fx.factor_table(returns.drop(columns="SGOV"), None, None, cash_ticker=None)


def test_proxy_definitions_match_the_synthetic_calibration():
    calibrate = pytest.importorskip("core.data.calibrate")
    rename = {"MKT": "MKT_RF", "CASH": "RF"}
    theirs = {
        rename.get(k, k): tuple(rename.get(x, x) for x in v)
        for k, v in calibrate.FACTOR_PROXIES.items()
    }
    for name, legs in fx.PROXY_DEFINITIONS.items():
        assert theirs[name] == legs


@pytest.fixture(scope="module")
def synthetic_results():
    pytest.importorskip("core.data.synthetic")
    from core.pipeline import load_default_dataset, run_analysis
    from core.policy.profile_io import bundled_profiles

    dataset = load_default_dataset()
    if dataset.factors is None:
        pytest.skip("the synthetic generator does not provide factors yet")
    return dataset, {name: run_analysis(p, dataset) for name, p in bundled_profiles().items()}


def test_synthetic_equity_sleeve_has_a_sensible_market_beta(synthetic_results):
    dataset, results = synthetic_results
    for name, r in results.items():
        diag = factor_diagnostics(
            dataset.returns,
            r.recommended.weights,
            r.benchmark_weights,
            r.universe,
            dataset.risk_free,
            dataset.factors,
            fx.FactorOrigin.SYNTHETIC,
        )
        sleeve = diag.sleeve
        assert sleeve is not None and sleeve.model is fx.FactorModel.EQUITY, name
        assert 0.8 <= sleeve.beta("MKT_RF") <= 1.2, (name, sleeve.betas)
        assert sleeve.r_squared > 0.7, (name, sleeve.r_squared)
        assert sleeve.observations == len(dataset.returns)
        # The whole portfolio's multi-asset model explains most of its variance too.
        multi = [g for g in diag.portfolio if g.model is fx.FactorModel.MULTI_ASSET][0]
        assert multi.r_squared > 0.7 and all(
            s.startswith("synthetic: generated, calibrated to the ETF spread")
            for s in multi.factor_sources.values()
        )
        assert multi.origin is fx.FactorOrigin.SYNTHETIC


def test_without_dataset_factors_the_equity_model_is_market_only(synthetic_results):
    dataset, results = synthetic_results
    r = results["Balanced Growth"]
    bare = dataclasses.replace(dataset, factors=None)
    diag = factor_diagnostics(
        bare.returns, r.recommended.weights, r.benchmark_weights, r.universe, bare.risk_free, None
    )
    assert [g.model for g in diag.portfolio] == [
        fx.FactorModel.MARKET_ONLY,
        fx.FactorModel.MULTI_ASSET,
    ]
    assert diag.sleeve is not None and diag.sleeve.terms == ("Alpha", "MKT_RF")
    assert diag.sources["TERM"] == "ETF-spread proxy TLT - RF from the universe's returns"
    assert all(g.origin is fx.FactorOrigin.ETF_PROXY for g in diag.portfolio)
    assert diag.portfolio[0].label == "Equity market factor only on ETF-spread proxy factors"
    assert any("SMB" in n for n in diag.notes)
    assert 0.8 <= diag.sleeve.beta("MKT_RF") <= 1.2
