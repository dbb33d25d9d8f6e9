"""The Outlook of an analysis result (core.outlook.analysis) and its report files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.outlook.analysis import BENCHMARK, OutlookRequest, analysis_outlook, policy_of
from core.outlook.simulation import CashFlowKind, SimulationSettings
from core.pipeline import load_default_dataset, run_analysis
from core.policy.profile import SpendingKind, SpendingPolicy
from core.policy.profile_io import bundled_profiles
from core.report.files import MONTE_CARLO_CSV, REVERSE_STRESS_CSV, write_analysis_files


@pytest.fixture(scope="module")
def endowment():
    return run_analysis(bundled_profiles()["Long-Term Endowment Growth"], load_default_dataset())


def test_policy_of_the_profile_in_simulation_units():
    profile = bundled_profiles()["Balanced Growth"]
    fixed = profile.with_changes(
        spending=SpendingPolicy(SpendingKind.FIXED_AMOUNT, 4_000_000), liquidity_reserve=0.1
    )
    policy = policy_of(fixed, 100_000_000)
    assert policy.cash_flows.kind is CashFlowKind.FIXED
    assert policy.cash_flows.annual == pytest.approx(0.04)
    assert policy.reserve == 0.1 and policy.drawdown_tolerance == profile.max_drawdown
    assert policy.return_objective == profile.target_return
    assert policy_of(profile.with_changes(target_return=None), 1.0).return_objective == 0.0


def test_every_portfolio_is_simulated_on_the_same_paths(endowment):
    settings = SimulationSettings(paths=400, horizon_years=10, seed=3)
    answer = analysis_outlook(endowment, settings)
    names = [p.name for p in answer.outlook.portfolios]
    assert names[0] == endowment.recommended_name and names[-1] == BENCHMARK
    assert len(names) == len(endowment.candidates) + 1
    # a second route for the benchmark: its own simulation from the same seed gives the same paths
    alone = analysis_outlook(endowment, settings).outlook.portfolio(BENCHMARK)
    np.testing.assert_array_equal(
        alone.simulated.terminal_wealth,
        answer.outlook.portfolio(BENCHMARK).simulated.terminal_wealth,
    )
    reverse = answer.reverse[0]
    weights = endowment.recommended.weights.reindex(reverse.etf_shocks.index).to_numpy()
    assert -(weights @ reverse.etf_shocks.to_numpy()) == pytest.approx(
        endowment.profile.max_drawdown
    )


def test_report_files_one_row_per_portfolio(endowment, tmp_path):
    answer = analysis_outlook(
        endowment, OutlookRequest(paths=300, seed=5).settings_for(endowment.profile)
    )
    write_analysis_files([endowment], tmp_path, outlooks=[answer])
    summary = pd.read_csv(tmp_path / MONTE_CARLO_CSV)
    assert len(summary) == len(endowment.candidates) + 1
    assert summary["recommended"].sum() == 1
    assert (summary["paths"] == 300).all() and (summary["horizon_years"] == 30).all()
    assert (summary["block_length_months"] == 12).all() and (summary["seed"] == 5).all()
    first = answer.outlook.portfolios[0]
    assert summary.loc[0, "prob_meet_objective"] == pytest.approx(first.prob_objective)
    assert summary.loc[0, "terminal_wealth_p50"] == pytest.approx(first.terminal_percentiles[50])
    reverse = pd.read_csv(tmp_path / REVERSE_STRESS_CSV)
    assert set(reverse["portfolio"]) == {endowment.recommended_name, BENCHMARK}
    assert len(reverse) == 2 * len(answer.reverse[0].drivers)
    assert set(reverse["driver"]) >= {"equity", "rates_bp", "hy_spread_bp"}
    first_rows = reverse[reverse["portfolio"] == endowment.recommended_name]
    assert first_rows["portfolio_loss"].iloc[0] == pytest.approx(endowment.profile.max_drawdown)
    assert (summary["data_mode"] == endowment.dataset.mode.value).all()


def test_cli_report_paths_and_horizon(tmp_path, capsys):
    from app.cli import main

    out = tmp_path / "report"
    code = main(
        [
            "report",
            "--out",
            str(out),
            "--no-charts",
            "--paths",
            "250",
            "--horizon",
            "7",
            "--profile",
            "Long-Term Endowment Growth",
        ]
    )
    assert code == 0, capsys.readouterr().err
    summary = pd.read_csv(out / MONTE_CARLO_CSV)
    assert (summary["paths"] == 250).all() and (summary["horizon_years"] == 7).all()
    assert summary["cash_flows"].str.contains("5.00% of assets").all()
    assert (out / REVERSE_STRESS_CSV).exists()
    # the workbook's Outlook sheet holds the CSV's numbers, with a native chart of the fan
    from openpyxl import load_workbook

    book = load_workbook(out / "investment_committee_report.xlsx")
    sheet = book["Outlook"]
    header = [c.value for c in sheet[1]]
    column = header.index("prob_meet_objective")
    shown = [row[column].value for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row)]
    np.testing.assert_allclose(shown, summary["prob_meet_objective"].to_numpy())
    assert len(sheet._charts) == 1
    fan = book["Outlook Fan"]
    assert [c.value for c in fan[2]][1:6] == [1, 1, 1, 1, 1]  # every path starts at 1
    reverse_sheet = book["Outlook Reverse Stress"]
    reverse_csv = pd.read_csv(out / REVERSE_STRESS_CSV)
    rows = list(reverse_sheet.iter_rows(min_row=2, values_only=True))
    head = [c.value for c in reverse_sheet[1]]
    assert len(rows) == len(reverse_csv)
    np.testing.assert_allclose(
        [r[head.index("move")] for r in rows], reverse_csv["move"].to_numpy()
    )
    memo = (out / "investment_memo.md").read_text(encoding="utf-8")
    assert "### Outlook over the horizon" in memo
    assert f"{summary.loc[0, 'prob_meet_objective']:.1%}" in memo
    assert "Reverse stress" in memo
    parametric = tmp_path / "parametric"
    assert (
        main(
            [
                "report",
                "--out",
                str(parametric),
                "--no-charts",
                "--paths",
                "100",
                "--model",
                "parametric",
            ]
        )
        == 0
    )
    assert pd.read_csv(parametric / MONTE_CARLO_CSV)["model"].eq("parametric").all()
    skipped = tmp_path / "skipped"
    assert main(["report", "--out", str(skipped), "--no-charts", "--paths", "0"]) == 0
    assert not (skipped / MONTE_CARLO_CSV).exists()


def test_recommended_reverse_stress_and_its_sentence(endowment):
    from core.outlook.reverse_stress import describe, driver_model, recommended_reverse_stress

    reverse = recommended_reverse_stress(endowment)
    assert reverse is not None and reverse.portfolio == endowment.recommended_name
    model = driver_model(endowment)
    exposure = (
        model.exposures.to_numpy().T
        @ endowment.recommended.weights.reindex(model.exposures.index).to_numpy()
    )
    cov = model.covariance.to_numpy()
    tolerance = endowment.profile.max_drawdown
    assert reverse.distance == pytest.approx(tolerance / np.sqrt(exposure @ cov @ exposure))
    assert reverse.loss == pytest.approx(tolerance)
    assert "Basis: stress drivers" in describe(reverse)


def test_project_keeps_its_outlook_settings_and_old_files_load():
    import json

    from core.errors import PolicyError
    from core.outlook.request import OutlookRequest
    from core.project import Project, ProjectFileError, project_from_dict, project_to_dict
    from core.universe import default_universe

    profile = bundled_profiles()["Balanced Growth"]
    from core.outlook.simulation import ReturnModel

    request = OutlookRequest(
        paths=2500, horizon_years=15.0, block_length=6.0, seed=3, model=ReturnModel.PARAMETRIC
    )
    project = Project(profile=profile, universe=default_universe(), outlook=request)
    data = json.loads(json.dumps(project_to_dict(project)))
    assert project_from_dict(data).outlook == request
    del data["outlook"]
    assert project_from_dict(data).outlook == OutlookRequest()
    data["outlook"] = {"paths": 10.5}
    with pytest.raises(ProjectFileError, match="paths"):
        project_from_dict(data)
    data["outlook"] = {"model": "garch"}
    with pytest.raises(ProjectFileError, match="garch"):
        project_from_dict(data)
    data["outlook"] = {"seeds": 1}
    with pytest.raises(ProjectFileError, match="seeds"):
        project_from_dict(data)
    with pytest.raises(PolicyError, match="paths"):
        OutlookRequest(paths=-1)
    assert request.settings_for(profile).horizon_years == 15.0
    assert OutlookRequest().settings_for(profile).horizon_years == profile.horizon_years


def test_parametric_outlook_uses_the_analysis_inputs(endowment):
    from core.outlook.simulation import ReturnModel

    settings = SimulationSettings(
        paths=2000, horizon_years=10, seed=1, model=ReturnModel.PARAMETRIC
    )
    answer = analysis_outlook(endowment, settings)
    bench = answer.outlook.portfolio(BENCHMARK)
    w = endowment.benchmark_weights.reindex(endowment.inputs.tickers).to_numpy()
    monthly = w @ endowment.inputs.expected_returns / 12
    # E[terminal wealth] of independent months, each keeping (1 - 0.05 / 12) after the 5% rule
    expected = ((1 + monthly) * (1 - 0.05 / 12)) ** 120
    se = bench.simulated.terminal_wealth.std() / np.sqrt(2000)
    assert abs(bench.simulated.terminal_wealth.mean() - expected) < 4 * se
    assert answer.outlook.summary_frame()["model"].eq("parametric").all()
