"""What-if branches: operations, project round trip, and the comparison against single runs."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from report_fixtures import dataset

from core.analytics.risk_report import build_risk_report
from core.branches.compare import HOLDINGS, compare_policies
from core.branches.policy import (
    MAIN,
    BranchError,
    branch,
    branches_of,
    create_branch,
    delete_branch,
    promote_branch,
    rename_branch,
    switch_branch,
    synced,
)
from core.branches.table import Better, ComparisonRow, Section
from core.optimize.estimation import CovarianceEstimator
from core.outlook.request import OutlookRequest
from core.pipeline import run_analysis, settings_for_account
from core.policy.profile import Range
from core.policy.profile_io import bundled_profiles
from core.project import Project, ProjectFileError, load_project, project_to_dict, save_project
from core.rebalance import demo_holdings
from core.report.inputs import priced_project
from core.stress.engine import stress_analysis
from core.universe import default_universe


def _base() -> Project:
    universe = default_universe()
    return Project(
        profile=bundled_profiles()["Balanced Growth"],
        universe=universe,
        holdings=demo_holdings(universe),
        outlook=OutlookRequest(paths=300),
    )


def _two_branches() -> Project:
    """Main (Balanced Growth) and 'More equity': equity 55-75%, sample covariance, edited."""
    project = switch_branch(create_branch(_base(), "More equity"), "More equity")
    ranges = dict(project.profile.class_ranges)
    ranges["Equity"] = Range(0.55, 0.75)
    ranges["Fixed Income"] = Range(0.15, 0.40)
    return dataclasses.replace(
        project,
        profile=project.profile.with_changes(class_ranges=ranges, max_volatility=0.14),
        settings=dataclasses.replace(project.settings, covariance=CovarianceEstimator.SAMPLE),
    )


def test_a_branch_is_a_copy_until_edited_and_switching_keeps_both_policies():
    base = _base()
    made = create_branch(base, "  Defensive ")
    assert [b.name for b in branches_of(made)] == [MAIN, "Defensive"]
    assert branch(made, "Defensive").profile == base.profile
    assert made.branches.active == MAIN
    edited = dataclasses.replace(
        switch_branch(made, "Defensive"),
        profile=base.profile.with_changes(max_volatility=0.08),
    )
    back = switch_branch(edited, MAIN)
    assert back.profile == base.profile
    assert branch(back, "Defensive").profile.max_volatility == 0.08


def test_rename_delete_and_their_refusals():
    project = create_branch(_base(), "A")
    with pytest.raises(BranchError, match="exists already"):
        create_branch(project, "a")
    with pytest.raises(BranchError, match="needs a name"):
        create_branch(project, "   ")
    with pytest.raises(BranchError, match="always called"):
        rename_branch(project, MAIN, "X")
    renamed = rename_branch(project, "A", "B")
    assert renamed.branches.names == (MAIN, "B")
    with pytest.raises(BranchError, match="no branch named 'A'"):
        switch_branch(renamed, "A")
    editing = switch_branch(renamed, "B")
    with pytest.raises(BranchError, match="switch to another branch"):
        delete_branch(editing, "B")
    assert delete_branch(renamed, "B").branches.names == (MAIN,)


def test_promote_copies_the_branch_into_main():
    project = _two_branches()
    edited = branch(project, "More equity")
    promoted = promote_branch(project, "More equity")
    assert branch(promoted, MAIN).profile == edited.profile
    assert branch(promoted, MAIN).settings == edited.settings
    assert branch(promoted, "More equity") == edited
    # Promoting while Main is on screen changes the working copy itself.
    on_main = promote_branch(switch_branch(project, MAIN), "More equity")
    assert on_main.profile == edited.profile
    with pytest.raises(BranchError, match="main policy already"):
        promote_branch(project, MAIN)


def test_a_two_branch_project_round_trips(tmp_path):
    project = _two_branches()
    loaded = load_project(save_project(project, tmp_path / "two.ipsproj"))
    assert loaded == synced(project)
    assert [b.name for b in branches_of(loaded)] == [MAIN, "More equity"]
    assert branch(loaded, "More equity").settings.covariance is CovarianceEstimator.SAMPLE


def test_a_schema_2_project_opens_with_its_main_policy_only(tmp_path):
    document = project_to_dict(_base())
    document["schema_version"] = 2
    del document["branches"], document["decisions"]
    path = tmp_path / "old.ipsproj"
    path.write_text(json.dumps(document))
    loaded = load_project(path)
    assert loaded.branches.names == (MAIN,) and len(loaded.decisions) == 0
    assert loaded.profile == _base().profile


def test_a_damaged_branches_section_is_named(tmp_path):
    document = project_to_dict(_two_branches())
    document["branches"]["active"] = "Nowhere"
    path = tmp_path / "bad.ipsproj"
    path.write_text(json.dumps(document))
    with pytest.raises(ProjectFileError, match="active branch 'Nowhere'"):
        load_project(path)


def test_the_comparison_equals_each_branch_analysed_on_its_own(tmp_path):
    project = load_project(save_project(_two_branches(), tmp_path / "two.ipsproj"))
    data = dataset()
    comparison = compare_policies(project, data)
    assert comparison.columns == (HOLDINGS, MAIN, "More equity")
    priced = priced_project(project, data)
    value = priced.holdings.total_value
    for title in (MAIN, "More equity"):
        policy = branch(project, title)
        alone = run_analysis(
            policy.profile, data, project.universe, settings_for_account(policy.settings, value)
        )
        rec = alone.recommended
        column = comparison.column(title)
        assert comparison.portfolios[comparison.columns.index(title)] == rec.name
        for ticker, weight in rec.weights.items():
            assert column[(Section.WEIGHTS.value, ticker)] == pytest.approx(weight, abs=1e-12)
        assert column[(Section.METRICS.value, "Sharpe ratio")] == pytest.approx(
            rec.metrics.sharpe_ratio, abs=1e-12
        )
        assert column[(Section.METRICS.value, "Maximum drawdown")] == pytest.approx(
            rec.metrics.max_drawdown, abs=1e-12
        )
        for row in rec.validation.rows:
            assert column[(Section.COMPLIANCE.value, row.rule)] == pytest.approx(row.slack)
        shares = build_risk_report(alone).portfolio_risk.to_frame()["percent"]
        for ticker, share in shares.items():
            key = (Section.RISK.value, f"{ticker} share of ex-ante risk")
            assert column[key] == pytest.approx(share, abs=1e-12)
        for outcome in stress_analysis(alone).outcomes:
            assert column[(Section.STRESS.value, outcome.name)] == pytest.approx(
                outcome.portfolio_return, abs=1e-12
            )
    # The branches really differ: the edited equity range shows in the asset classes.
    equity = comparison.row(Section.ASSET_CLASSES, "Equity")
    assert equity.values[2] >= 0.55 - 1e-7 and equity.differs


def test_the_current_holdings_are_measured_as_a_portfolio_by_hand():
    project = _base()
    data = dataset()
    comparison = compare_policies(project, data, [MAIN], outlook=OutlookRequest(paths=0))
    holdings = priced_project(project, data).holdings
    total = holdings.total_value
    tickers = list(project.universe.tickers)
    by_hand = np.array(
        [holdings.positions.get(t, 0.0) * holdings.prices.get(t, 0.0) / total for t in tickers]
    )
    by_hand[tickers.index("SGOV")] += holdings.cash / total  # cash as the cash ETF
    column = comparison.column(HOLDINGS)
    for t, w in zip(tickers, by_hand, strict=True):
        assert column[(Section.WEIGHTS.value, t)] == pytest.approx(w, abs=1e-12)
    monthly = data.returns[tickers].to_numpy() @ by_hand
    cagr = float(np.prod(1 + monthly) ** (12 / len(monthly)) - 1)
    assert column[(Section.METRICS.value, "Annualized return (CAGR)")] == pytest.approx(cagr)
    wealth = np.cumprod(np.concatenate([[1.0], 1 + monthly]))
    drawdown = float(np.min(wealth / np.maximum.accumulate(wealth) - 1))
    assert column[(Section.METRICS.value, "Maximum drawdown")] == pytest.approx(drawdown)
    assert comparison.policies[0] == MAIN
    assert not any(r.section is Section.OUTLOOK for r in comparison.rows)


def test_the_better_value_per_row():
    higher = ComparisonRow(Section.METRICS, "Sharpe", (0.3, 0.5, math.nan, 0.5), Better.HIGHER)
    assert higher.best == (1, 3) and higher.differs
    lower = ComparisonRow(Section.METRICS, "Vol", (0.12, 0.10, 0.11), Better.LOWER)
    assert lower.best == (1,)
    same = ComparisonRow(Section.METRICS, "Months", (180.0, 180.0), Better.LOWER)
    assert same.best == () and not same.differs
    neutral = ComparisonRow(Section.WEIGHTS, "SPY", (0.2, 0.3))
    assert neutral.best == () and neutral.differs
