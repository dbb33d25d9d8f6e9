"""The pipeline end to end on the bundled synthetic data, and the headless report command."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from app.cli import main as cli_main
from core.errors import CancelledError, DataError, InfeasibleError
from core.jobs import CancelToken
from core.pipeline import load_default_dataset, run_analysis
from core.policy.profile import Range
from core.policy.profile_io import bundled_profiles


@pytest.fixture(scope="module")
def dataset():
    return load_default_dataset()


@pytest.fixture(scope="module")
def results(dataset):
    return {name: run_analysis(p, dataset) for name, p in bundled_profiles().items()}


def test_every_profile_gets_a_compliant_recommendation(results):
    for name, r in results.items():
        rec = r.recommended
        assert rec.passes, (name, rec.validation.to_frame())
        assert rec.weights.sum() == pytest.approx(1, abs=1e-9)
        assert (rec.weights >= -1e-12).all()
        assert not r.failed_strategies


def test_the_selection_rule_is_applied_as_stated(results):
    for r in results.values():
        compliant = {c.name: c.utility for c in r.candidates if c.passes}
        top = max(compliant.values())
        # the highest utility; equal utilities (within 1e-9) go to the candidate listed first
        assert r.recommended_name == next(n for n, u in compliant.items() if u >= top - 1e-9)
        assert r.recommended_name in r.selection_reason


def test_balanced_growth_recommendation_meets_the_named_limits(results):
    w = results["Balanced Growth"].recommended.weights
    assert w["SPY"] >= 0.15 - 1e-9 and w["AGG"] >= 0.15 - 1e-9 and w["SGOV"] >= 0.05 - 1e-9
    assert w["HYG"] <= 0.10 + 1e-9 and w["GLD"] <= 0.075 + 1e-9 and w.max() <= 0.30 + 1e-9


def test_metrics_are_those_of_the_weighted_returns(results, dataset):
    r = results["Balanced Growth"]
    bench = 0.6 * dataset.returns["SPY"] + 0.4 * dataset.returns["AGG"]
    np.testing.assert_allclose(r.benchmark_returns.to_numpy(), bench.to_numpy(), atol=1e-15)
    wealth = np.cumprod(1 + bench.to_numpy())
    cagr = wealth[-1] ** (12 / len(bench)) - 1
    assert r.benchmark_metrics.annualized_return == pytest.approx(cagr, rel=1e-12)
    rec = r.recommended
    manual = dataset.returns[rec.weights.index].to_numpy() @ rec.weights.to_numpy()
    np.testing.assert_allclose(rec.returns.to_numpy(), manual, atol=1e-15)
    active = manual - bench.to_numpy()
    assert rec.metrics.tracking_error == pytest.approx(active.std(ddof=1) * np.sqrt(12), rel=1e-12)


def test_an_infeasible_policy_is_refused_before_any_solve(dataset):
    p = bundled_profiles()["Balanced Growth"]
    bad = p.with_changes(
        class_ranges={**p.class_ranges, "Equity": Range(0.6, 0.7), "Fixed Income": Range(0.45, 0.5)}
    )
    with pytest.raises(InfeasibleError, match="exceed 100%"):
        run_analysis(bad, dataset)


def test_missing_tickers_and_cancellation(dataset):
    p = bundled_profiles()["Balanced Growth"]
    short = type(dataset)(
        dataset.returns.drop(columns=["GLD"]), dataset.provenance, dataset.risk_free
    )
    with pytest.raises(DataError, match="no returns for GLD"):
        run_analysis(p, short)
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        run_analysis(p, dataset, cancel=token)


@pytest.mark.slow
def test_report_command_writes_every_file_for_all_profiles(tmp_path, results, dataset, capsys):
    out = tmp_path / "report"
    assert cli_main(["report", "--out", str(out), "--profile", "all"]) == 0
    names = {p.name for p in out.iterdir()}
    assert {
        "recommended_allocation.csv",
        "portfolio_weights.csv",
        "portfolio_risk_summary.csv",
        "constraints_validation.csv",
        "monthly_returns.csv",
        "data_provenance.json",
        "risk_contribution_summary.csv",
        "factor_exposure_summary.csv",
        "equity_sleeve_factor_summary.csv",
        "rolling_risk_metrics.csv",
        "efficient_frontier.csv",
        "stress_test_results.csv",
    } <= names
    assert not [n for n in names if n.startswith(".ips-stage")]
    rec = pd.read_csv(out / "recommended_allocation.csv")
    assert set(rec.profile_name) == set(results)
    assert (rec.data_mode == "SYNTHETIC").all()
    for name, r in results.items():
        rows = rec[rec.profile_name == name].set_index("ticker")["weight"]
        np.testing.assert_allclose(
            rows[r.recommended.weights.index].to_numpy(),
            r.recommended.weights.to_numpy(),
            rtol=1e-9,
            atol=1e-12,
        )
        assert rows.sum() == pytest.approx(1, abs=1e-9)
    summary = pd.read_csv(out / "portfolio_risk_summary.csv")
    bg = summary[summary.profile_name == "Balanced Growth"]
    assert len(bg) == len(results["Balanced Growth"].candidates) + 1
    assert bg.portfolio_name.iloc[-1] == "Benchmark (SPY 60% / AGG 40%)"
    assert bg.annualized_return.iloc[-1] == pytest.approx(
        results["Balanced Growth"].benchmark_metrics.annualized_return
    )
    weights = pd.read_csv(out / "portfolio_weights.csv")
    assert len(weights) == sum(len(r.candidates) for r in results.values()) * 14
    returns = pd.read_csv(out / "monthly_returns.csv", index_col="date", parse_dates=True)
    np.testing.assert_allclose(returns.to_numpy(), dataset.returns.to_numpy(), rtol=1e-9)
    stress = pd.read_csv(out / "stress_test_results.csv")
    assert set(stress.profile_name) == set(results)
    for (profile, _scenario), rows in stress.groupby(["profile_name", "scenario_name"]):
        assert rows.etf_contribution.sum() == pytest.approx(
            rows.portfolio_scenario_return.iloc[0], abs=1e-9
        )
        assert len(rows) == 14, profile
    prov = json.loads((out / "data_provenance.json").read_text())
    assert prov["data"]["mode"] == "SYNTHETIC" and prov["data"]["months"] == len(dataset.returns)
    assert "not investment advice" in prov["disclaimer"]
    assert "SYNTHETIC" in capsys.readouterr().out


def test_report_command_refuses_an_unknown_profile_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "report"
    assert cli_main(["report", "--out", str(out), "--profile", "Yolo"]) == 2
    assert "Unknown profile 'Yolo'" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())
