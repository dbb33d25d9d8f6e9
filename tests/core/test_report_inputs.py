"""The account is the unit: dollar VaR and stress P&L on the account's value, checked by hand,
and the core path from a project to the report inputs (issue 14 item 3)."""

from __future__ import annotations

import dataclasses

import pytest
from report_fixtures import dataset

from core.pipeline import (
    AnalysisSettings,
    ValueBasis,
    run_analysis,
    settings_for_account,
    with_settings,
)
from core.policy.profile_io import bundled_profiles
from core.project import Project
from core.rebalance.holdings import Holdings
from core.rebalance.plan import RebalanceMethod
from core.rebalance.settings import TradeSettings
from core.report.inputs import analysis_settings, report_inputs
from core.report.package import plan_for, prepare_report
from core.stress.scenarios import Scenario, ScenarioKind
from core.universe import default_universe

UNIVERSE = default_universe()
# A $2,000,000-ish account at round prices, so its value is easy to check by hand.
ACCOUNT = Holdings(
    positions={"SPY": 1_000, "AGG": 5_000, "SGOV": 2_000, "GLD": 800},
    prices={t: 100.0 for t in UNIVERSE.tickers},
    cash=12_345.0,
)
ACCOUNT_VALUE = (1_000 + 5_000 + 2_000 + 800) * 100.0 + 12_345.0  # 892,345


@pytest.fixture(scope="module")
def project() -> Project:
    bear = Scenario(
        name="Committee bear case",
        kind=ScenarioKind.CUSTOM,
        shocks={t: -0.1 for t in UNIVERSE.tickers},
    )
    return Project(
        profile=bundled_profiles()["Balanced Growth"],
        universe=UNIVERSE,
        holdings=ACCOUNT,
        custom_scenarios=(bear,),
        settings=AnalysisSettings(portfolio_value=25e6),
        trade_settings=TradeSettings(method=RebalanceMethod.TO_BAND_EDGE, cost_bps=3.0),
    )


def test_the_account_value_replaces_the_users_value_when_holdings_are_loaded(project):
    settings = analysis_settings(project)
    assert settings.portfolio_value == pytest.approx(ACCOUNT_VALUE)
    assert settings.value_basis is ValueBasis.ACCOUNT
    assert settings.portfolio_value_text == "$892,345 (account value of the loaded holdings)"
    alone = analysis_settings(dataclasses.replace(project, holdings=None))
    assert (alone.portfolio_value, alone.value_basis) == (25e6, ValueBasis.USER)
    assert settings_for_account(AnalysisSettings(), 0.0).value_basis is ValueBasis.USER


def test_dollar_var_and_stress_pnl_use_the_account_value(project):
    inputs = report_inputs(project, dataset())
    result = inputs.results[0]
    bundle = prepare_report(
        inputs.results, rebalance=inputs.plan, custom_scenarios=inputs.custom_scenarios
    )
    rec = result.recommended
    # Second route: the 5% quantile of the recommended monthly returns by pandas, times the
    # account value counted by hand.
    assert rec.metrics.var_95 == pytest.approx(rec.returns.quantile(0.05))
    assert rec.metrics.var_95_dollar == pytest.approx(rec.metrics.var_95 * ACCOUNT_VALUE)
    stress = bundle.stress_results[0]
    assert stress.portfolio_value == pytest.approx(ACCOUNT_VALUE)
    bear = next(o for o in stress.outcomes if o.name == "Committee bear case")
    assert bear.portfolio_return == pytest.approx(-0.1)  # every ETF -10%
    assert bear.portfolio_pnl == pytest.approx(-0.1 * ACCOUNT_VALUE)


def test_a_result_on_screen_is_reused_exactly(project):
    """The window's result, run with the user's value, rescaled to the account's value equals
    an analysis run with the account's value from the start."""
    settings = analysis_settings(project)
    on_screen = run_analysis(project.profile, dataset(), UNIVERSE, project.settings)
    fresh = run_analysis(project.profile, dataset(), UNIVERSE, settings)
    rescaled = with_settings(on_screen, settings)
    assert rescaled.settings == fresh.settings
    for a, b in zip(rescaled.candidates, fresh.candidates, strict=True):
        assert a.metrics == b.metrics and a.name == b.name
    assert rescaled.benchmark_metrics == fresh.benchmark_metrics
    reused = report_inputs(project, dataset(), analyses=[on_screen]).results[0]
    assert reused.candidates[0].metrics == fresh.candidates[0].metrics
    with pytest.raises(ValueError, match="run the analysis again"):
        with_settings(on_screen, dataclasses.replace(settings, var_level=0.99))


def test_the_plan_uses_the_projects_trade_settings(project):
    inputs = report_inputs(project, dataset())
    by_hand = plan_for(inputs.results[0], ACCOUNT, trade_settings=project.trade_settings)
    assert inputs.plan.method is RebalanceMethod.TO_BAND_EDGE
    assert inputs.plan.post_trade_holdings == by_hand.post_trade_holdings
    assert inputs.plan.total_cost == pytest.approx(by_hand.total_cost)
    assert inputs.plan.total_cost == pytest.approx(
        3e-4 * (by_hand.buys_value + by_hand.sells_value)
    )
    assert inputs.custom_scenarios == project.custom_scenarios


def test_the_walk_forward_pays_the_projects_trade_cost(project):
    """The report's walk-forward charges the project's 3 bps (not the 5 bps default) and says
    where the figure comes from."""
    from core.backtest.settings import BENCHMARK_RULE
    from core.report.inputs import prepare_project_report

    bundle = prepare_project_report(project, dataset())
    walk = bundle.walk_forwards[0]
    assert walk.settings.cost_bps == 3.0
    assert "3 bps of turnover (the project's trade settings)" in walk.describe()
    bench = walk.rule(BENCHMARK_RULE)
    for period in bench.periods:
        assert period.cost == pytest.approx(3e-4 * period.turnover)
