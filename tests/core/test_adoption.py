"""Adopting the resampled portfolio as the recommendation (issue 15, #15): the adopted weights
become the IPS Recommended Portfolio with figures computed from them, undo restores the
optimizer's pick exactly, the record round-trips through the project file, and an adoption
made for another IPS, data set or estimator choice is refused with the reason."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from core.adoption import (
    ADOPTED_NAME,
    adopt,
    adoption_problem,
    with_adoption,
    without_adoption,
)
from core.data.synthetic import generate_synthetic_dataset
from core.errors import DataError
from core.optimize.estimation import CovarianceEstimator
from core.optimize.resampling import resampled_candidate, resampled_frontier
from core.pipeline import AnalysisSettings, run_analysis, with_candidate
from core.policy.profile_io import bundled_profiles
from core.project import (
    Project,
    ProjectFileError,
    load_project,
    project_from_dict,
    project_to_dict,
    save_project,
)
from core.universe import default_universe


@pytest.fixture(scope="module")
def analysis():
    universe = default_universe()
    dataset = generate_synthetic_dataset(universe)
    result = run_analysis(bundled_profiles()["Capital Preservation"], dataset, universe)
    frontier = resampled_frontier(
        dataset.returns, result.constraints, result.inputs, result.profile, resamples=20
    )
    compared = with_candidate(result, resampled_candidate(frontier, result.inputs, result.profile))
    return result, compared, frontier


def test_the_adopted_weights_are_the_recommendation_with_their_own_figures(analysis):
    result, compared, frontier = analysis
    record = adopt(compared, frontier)
    assert record.replaced == result.recommended_name != ADOPTED_NAME
    assert (record.resamples, record.seed, record.points) == (20, frontier.seed, 25)
    shown = with_adoption(compared, record)
    assert shown.recommended_name == ADOPTED_NAME and shown.adoption is not None
    assert shown.selection_reason.startswith("Adopted by the committee")
    assert result.recommended_name in shown.selection_reason
    assert "for comparison only" in compared.selection_reason
    assert "for comparison only" not in shown.selection_reason  # it is the recommendation now
    weights = np.array([record.weights[t] for t in result.universe.tickers])
    rec = shown.recommended
    np.testing.assert_allclose(rec.weights.to_numpy(), weights, atol=1e-12)
    # Figures recomputed from the adopted weights by hand: mu'w, sqrt(w'Sw) and the monthly
    # return series (returns @ w) of the sample.
    mu, cov = result.inputs.expected_returns, result.inputs.covariance
    assert rec.expected_return == pytest.approx(float(mu @ weights), abs=1e-12)
    assert rec.expected_volatility == pytest.approx(float(np.sqrt(weights @ cov @ weights)))
    monthly = result.dataset.returns[list(result.universe.tickers)].to_numpy() @ weights
    np.testing.assert_allclose(rec.returns.to_numpy(), monthly, atol=1e-12)


def test_without_adoption_restores_the_optimizers_pick_exactly(analysis):
    _result, compared, frontier = analysis
    shown = with_adoption(compared, adopt(compared, frontier))
    back = without_adoption(shown)
    assert back.recommended_name == compared.recommended_name
    assert back.selection_reason == compared.selection_reason and back.adoption is None
    assert with_adoption(shown, None).recommended_name == compared.recommended_name
    # Adopting twice is adopting once.
    again = with_adoption(shown, shown.adoption.record)
    assert again.adoption.optimizer_pick == compared.recommended_name


def test_an_adoption_for_another_ips_data_or_estimators_is_not_applied(analysis):
    result, compared, frontier = analysis
    record = adopt(compared, frontier)
    profile = result.profile
    edited = dataclasses.replace(profile, max_volatility=profile.max_volatility - 0.01)
    other_ips = run_analysis(edited, result.dataset, result.universe)
    shown = with_adoption(other_ips, record)
    assert shown.recommended_name == other_ips.recommended_name and shown.adoption is None
    assert "NOT applied: the IPS changed" in shown.selection_reason

    other_data = generate_synthetic_dataset(result.universe, seed=7)
    assert "data changed" in adoption_problem(
        record, run_analysis(profile, other_data, result.universe)
    )
    sample = AnalysisSettings(covariance=CovarianceEstimator.SAMPLE)
    assert "estimators changed" in adoption_problem(
        record, run_analysis(profile, result.dataset, result.universe, sample)
    )
    assert adoption_problem(record, compared) is None


def test_the_record_round_trips_through_the_project_file(analysis, tmp_path):
    result, compared, frontier = analysis
    record = adopt(compared, frontier)
    project = Project(profile=result.profile, universe=result.universe, adopted=record)
    assert load_project(save_project(project, tmp_path / "a.ipsproj")).adopted == record
    assert (
        load_project(
            save_project(Project(result.profile, result.universe), tmp_path / "b.ipsproj")
        ).adopted
        is None
    )
    document = project_to_dict(project)
    document["adopted_recommendation"]["weights"]["SPY"] = "a lot"
    with pytest.raises(ProjectFileError, match="adopted_recommendation.weights"):
        project_from_dict(document)


def test_weights_that_do_not_sum_to_one_are_refused(analysis):
    _result, compared, frontier = analysis
    record = adopt(compared, frontier)
    with pytest.raises(DataError, match="sum to"):
        dataclasses.replace(record, weights={**record.weights, "SPY": record.weights["SPY"] + 0.1})


def test_adopting_needs_a_resampled_candidate(analysis):
    result, _compared, frontier = analysis
    with pytest.raises(DataError, match="press Resample first"):
        adopt(result, frontier)


def test_a_resampled_portfolio_that_breaks_the_ips_cannot_be_adopted():
    # On the synthetic data with historical-mean inputs (pinned: under the default Bayes-Stein
    # means it falls 23.3%, inside the tolerance), Balanced Growth's resampled portfolio falls
    # 25.3% peak to trough, beyond the profile's 25% drawdown tolerance.
    from core.errors import PolicyError

    universe = default_universe()
    dataset = generate_synthetic_dataset(universe)
    from core.optimize.estimation import ReturnEstimator
    from core.pipeline import AnalysisSettings

    settings = AnalysisSettings(expected_returns=ReturnEstimator.HISTORICAL_MEAN)
    result = run_analysis(bundled_profiles()["Balanced Growth"], dataset, universe, settings)
    frontier = resampled_frontier(
        dataset.returns, result.constraints, result.inputs, result.profile, resamples=20
    )
    compared = with_candidate(result, resampled_candidate(frontier, result.inputs, result.profile))
    drawdown = compared.candidate(ADOPTED_NAME).metrics.max_drawdown
    assert drawdown < -result.profile.max_drawdown  # the premise, computed
    with pytest.raises(PolicyError, match="breaks the IPS .*Drawdown tolerance"):
        adopt(compared, frontier)


def test_the_report_of_a_project_uses_its_adoption_or_says_why_not(analysis):
    # The path of `python -m app report --project` and of the window's export.
    from core.report.inputs import report_inputs

    result, compared, frontier = analysis
    record = adopt(compared, frontier)
    project = Project(profile=result.profile, universe=result.universe, adopted=record)
    first = report_inputs(project, result.dataset).results[0]
    assert first.recommended_name == ADOPTED_NAME and first.adoption.record == record
    np.testing.assert_allclose(
        first.recommended.weights.to_numpy(),
        [record.weights[t] for t in result.universe.tickers],
        atol=1e-12,
    )
    profile = result.profile
    edited = dataclasses.replace(profile, max_volatility=profile.max_volatility - 0.01)
    stale = report_inputs(dataclasses.replace(project, profile=edited), result.dataset).results[0]
    assert stale.adoption is None and stale.recommended_name != ADOPTED_NAME
    assert "NOT applied: the IPS changed" in stale.selection_reason
