"""The RiskReport of a pipeline result and its CSV tables, checked against direct computations."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from core.analytics import metrics as m
from core.analytics.factors import FactorModel
from core.analytics.risk_report import (
    BENCHMARK_SERIES,
    RECOMMENDED_SERIES,
    build_risk_report,
    factor_diagnostics,
)
from core.pipeline import load_default_dataset, run_analysis
from core.policy.profile_io import bundled_profiles
from core.report import risk_tables
from core.report.files import write_analysis_files


@pytest.fixture(scope="module")
def dataset():
    return load_default_dataset()


@pytest.fixture(scope="module")
def results(dataset):
    return {name: run_analysis(p, dataset) for name, p in bundled_profiles().items()}


@pytest.fixture(scope="module")
def balanced(results):
    r = results["Balanced Growth"]
    return r, build_risk_report(r)


def test_risk_figures_match_direct_formulas(balanced):
    r, rep = balanced
    w = r.recommended.weights.to_numpy()
    b = r.benchmark_weights.to_numpy()
    cov = r.inputs.covariance
    assert rep.portfolio_risk.volatility == pytest.approx(
        r.recommended.expected_volatility, rel=1e-12
    )
    assert rep.portfolio_risk.component.sum() == pytest.approx(np.sqrt(w @ cov @ w), rel=1e-12)
    assert rep.tracking_error == pytest.approx(np.sqrt((w - b) @ cov @ (w - b)), rel=1e-12)
    assert rep.active_risk.component.sum() == pytest.approx(rep.tracking_error, rel=1e-12)
    equity = [r.universe.index(t) for t in r.universe.class_members("Equity")]
    assert rep.equity_weight_share == pytest.approx(w[equity].sum(), rel=1e-12)
    assert rep.equity_risk_share == pytest.approx(
        (w * (cov @ w))[equity].sum() / (w @ cov @ w), rel=1e-12
    )
    assert rep.diversification_ratio == pytest.approx(
        w @ np.sqrt(np.diag(cov)) / np.sqrt(w @ cov @ w)
    )
    assert 1.0 <= rep.effective_bets <= np.sum(w > 1e-6)
    assert rep.benchmark_risk.volatility == pytest.approx(np.sqrt(b @ cov @ b), rel=1e-12)


def test_concentration_sentence_is_computed_and_honest(balanced):
    _, rep = balanced
    verdict = rep.concentration
    rule = verdict.top_share > 0.5 or (
        verdict.largest_class_risk > 0.7 and verdict.largest_class_weight < 0.6
    )
    assert verdict.concentrated == rule
    assert rep.summary.startswith("Risk is concentrated" if rule else "Risk is reasonably spread")
    assert (
        f"{rep.equity_risk_share:.0%}" in rep.summary
        and f"{rep.equity_weight_share:.0%}" in rep.summary
    )


def test_comparison_paths_and_rolling(balanced, dataset):
    r, rep = balanced
    assert (
        rep.comparison.loc["annualized_return", "portfolio"]
        == r.recommended.metrics.annualized_return
    )
    assert rep.comparison.loc["beta", "benchmark"] == pytest.approx(1.0)
    diff = rep.comparison["portfolio"] - rep.comparison["benchmark"]
    np.testing.assert_allclose(rep.comparison["difference"], diff)
    growth = np.prod(1 + r.recommended.returns.to_numpy())
    assert rep.paths["portfolio_growth"].iloc[-1] == pytest.approx(growth, rel=1e-12)
    assert rep.paths["benchmark_drawdown"].min() == pytest.approx(
        r.benchmark_metrics.max_drawdown, rel=1e-12
    )
    t = len(dataset.returns)
    assert len(rep.rolling) == 2 * (t - 11) and rep.window == 12
    assert set(rep.rolling["series"]) == {RECOMMENDED_SERIES, BENCHMARK_SERIES}
    last = rep.rolling[rep.rolling["series"] == RECOMMENDED_SERIES].iloc[-1]
    tail = r.recommended.returns.iloc[-12:]
    assert last["rolling_sharpe_ratio"] == pytest.approx(
        m.sharpe_ratio(tail, dataset.risk_free.iloc[-12:]), rel=1e-10
    )
    assert last["rolling_beta"] == pytest.approx(
        m.beta(tail, r.benchmark_returns.iloc[-12:]), rel=1e-10
    )
    assert len(build_risk_report(r, window=24).rolling) == 2 * (t - 23)


def test_factors_and_frontier_in_the_report(balanced):
    r, rep = balanced
    assert [g.model for g in rep.factors.portfolio] == [FactorModel.EQUITY, FactorModel.MULTI_ASSET]
    assert [g.scope for g in rep.factors.benchmark] == ["Benchmark", "Benchmark"]
    assert rep.factors.sleeve_weights.sum() == pytest.approx(1.0)
    assert 0.8 <= rep.factors.sleeve.beta("MKT_RF") <= 1.2
    f = rep.frontier
    assert f.points == 25 and f.tickers == r.universe.tickers
    rec = r.recommended
    assert (
        rec.expected_return <= f.returns[-1] + 1e-9
        and rec.expected_volatility >= f.volatilities[0] - 1e-10
    )


def test_risk_tables_add_up(balanced):
    r, rep = balanced
    table = risk_tables.risk_contribution_summary(rep)
    etf = table[table["level"] == "ETF"]
    classes = table[table["level"] == "Asset class"]
    total = table[table["level"] == "Total"].iloc[0]
    assert len(etf) == r.universe.n and list(classes["name"]) == list(r.universe.asset_classes)
    for col in (
        "percent_risk_contribution",
        "benchmark_percent_risk_contribution",
        "active_percent_risk_contribution",
    ):
        assert etf[col].sum() == pytest.approx(1.0, abs=1e-12)
        assert classes[col].sum() == pytest.approx(1.0, abs=1e-12)
    assert etf["component_risk_contribution"].sum() == pytest.approx(
        total["ex_ante_volatility"], rel=1e-12
    )
    assert etf["active_risk_contribution"].sum() == pytest.approx(
        total["ex_ante_tracking_error"], rel=1e-12
    )
    assert (
        total["summary"] == rep.summary
        and bool(total["concentrated"]) == rep.concentration.concentrated
    )
    assert (table["profile_name"] == "Balanced Growth").all()

    exposures = risk_tables.factor_exposure_summary(rep)
    assert len(exposures) == 2 * (6 + 6)
    sleeve = risk_tables.equity_sleeve_factor_summary(rep)
    assert len(sleeve) == 6 and (sleeve["scope"] == "Equity sleeve").all()
    mkt = sleeve[sleeve["term"] == "MKT_RF"].iloc[0]
    assert mkt["coefficient"] == pytest.approx(rep.factors.sleeve.beta("MKT_RF"))
    assert "SPY" in mkt["sleeve_composition"]
    frontier = risk_tables.efficient_frontier_table(rep)
    assert len(frontier) == 25 and frontier["is_max_sharpe"].sum() == 1
    rolling = risk_tables.rolling_risk_metrics(rep)
    assert (rolling["window_months"] == 12).all() and len(rolling) == len(rep.rolling)


def test_no_equity_and_no_factor_datasets_are_explained(balanced, dataset):
    r, rep = balanced
    bonds = pd.Series(0.0, index=r.universe.tickers)
    bonds[["AGG", "SHY"]] = 0.5
    diag = factor_diagnostics(
        dataset.returns, bonds, r.benchmark_weights, r.universe, dataset.risk_free, dataset.factors
    )
    assert diag.sleeve is None and any("no equity" in n for n in diag.notes)
    sleeve = risk_tables.equity_sleeve_factor_summary(dataclasses.replace(rep, factors=diag))
    assert len(sleeve) == 1 and "no equity" in sleeve["notes"].iloc[0]

    bare = dataclasses.replace(r, dataset=dataclasses.replace(dataset, factors=None))
    plain = build_risk_report(bare)
    assert plain.factors.portfolio[0].model is FactorModel.MARKET_ONLY
    exposures = risk_tables.factor_exposure_summary(plain)
    assert exposures["notes"].str.contains("SMB").all()
    assert exposures["factor_source"].str.contains("proxy").any()


def test_report_files_are_written_for_every_profile(results, tmp_path):
    write_analysis_files(list(results.values()), tmp_path)
    for name in risk_tables.RISK_TABLES:
        frame = pd.read_csv(tmp_path / name)
        assert set(frame["profile_name"]) == set(results), name
        assert (frame["data_mode"] == "SYNTHETIC").all()
    frontier = pd.read_csv(tmp_path / "efficient_frontier.csv")
    assert len(frontier) == 25 * len(results)
