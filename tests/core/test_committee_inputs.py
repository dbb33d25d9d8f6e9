"""Committee inputs in the analysis: Black-Litterman views and capital market assumptions,
through the pipeline, the project file and the CLI."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from core.errors import DataError
from core.optimize.black_litterman import View, ViewKind
from core.optimize.estimation import ReturnEstimator, estimate_inputs
from core.optimize.market_assumptions import (
    MarketAssumption,
    assumed_returns,
    parse_assumptions_csv,
)
from core.pipeline import AnalysisSettings, load_default_dataset, run_analysis
from core.policy.profile_io import bundled_profiles
from core.project import Project, ProjectFileError, load_project, save_project
from core.universe import default_universe

UNIVERSE = default_universe()
GROUPS = {c: UNIVERSE.class_members(c) for c in UNIVERSE.asset_classes}


@pytest.fixture(scope="module")
def dataset():
    return load_default_dataset()


def _inputs(dataset, expected, **kwargs):
    profile = bundled_profiles()["Balanced Growth"]
    return estimate_inputs(
        dataset.returns[list(UNIVERSE.tickers)],
        dataset.risk_free,
        expected=expected,
        benchmark_weights=UNIVERSE.vector(profile.benchmark),
        risk_aversion=profile.risk_aversion,
        groups=GROUPS,
        **kwargs,
    )


def test_black_litterman_prior_is_the_equilibrium_and_a_certain_view_holds(dataset):
    equilibrium = _inputs(dataset, ReturnEstimator.EQUILIBRIUM)
    view = View(ViewKind.RELATIVE, ("EFA",), ("SPY",), 0.02, 1.0)
    bl = _inputs(dataset, ReturnEstimator.BLACK_LITTERMAN, views=(view,))
    result = bl.black_litterman
    assert result is not None
    np.testing.assert_allclose(result.prior, equilibrium.expected_returns, rtol=1e-14)
    np.testing.assert_array_equal(bl.expected_returns, result.posterior)
    t = list(UNIVERSE.tickers)
    assert bl.expected_returns[t.index("EFA")] - bl.expected_returns[t.index("SPY")] == (
        pytest.approx(0.02, abs=1e-12)
    )
    assert "delta = 4" in bl.describe() and "tau = 0.05" in bl.describe()
    # No views: the posterior is the prior.
    plain = _inputs(dataset, ReturnEstimator.BLACK_LITTERMAN)
    np.testing.assert_array_equal(plain.expected_returns, equilibrium.expected_returns)


def test_a_class_view_moves_the_class_average(dataset):
    view = View(ViewKind.ABSOLUTE, ("Alternatives",), (), 0.08, 1.0)
    bl = _inputs(dataset, ReturnEstimator.BLACK_LITTERMAN, views=(view,))
    members = [list(UNIVERSE.tickers).index(t) for t in UNIVERSE.class_members("Alternatives")]
    assert bl.expected_returns[members].mean() == pytest.approx(0.08, abs=1e-12)


def test_assumptions_by_ticker_override_their_class():
    assumptions = (
        MarketAssumption("Equity", 0.07, "JPM LTCMA 2026"),
        MarketAssumption("QQQ", 0.08, "committee"),
        MarketAssumption("Fixed Income", 0.045, "JPM LTCMA 2026"),
        MarketAssumption("Alternatives", 0.05, "committee"),
        MarketAssumption("Cash", 0.035, "committee"),
    )
    mu, sources = assumed_returns(assumptions, UNIVERSE.tickers, GROUPS)
    by = dict(zip(UNIVERSE.tickers, zip(mu, sources, strict=True), strict=True))
    assert by["QQQ"] == (0.08, "committee")
    assert by["SPY"] == (0.07, "JPM LTCMA 2026, via Equity")
    assert by["AGG"][0] == 0.045
    with pytest.raises(DataError, match=r"no expected return for .*SGOV \(Cash\)"):
        assumed_returns(assumptions[:4], UNIVERSE.tickers, GROUPS)
    with pytest.raises(DataError, match=r"Assumption 2 \(XYZ\).*not an ETF"):
        assumed_returns(
            (assumptions[0], MarketAssumption("XYZ", 0.05, "x")), UNIVERSE.tickers, GROUPS
        )
    with pytest.raises(DataError, match=r"outside the plausible -20% to 30%; type 7 for 7%"):
        assumed_returns((MarketAssumption("SPY", 7.0, "x"),), UNIVERSE.tickers, GROUPS)
    with pytest.raises(DataError, match="say where the number comes from"):
        assumed_returns((MarketAssumption("SPY", 0.07, " "),), UNIVERSE.tickers, GROUPS)


def test_the_assumptions_csv_reads_percent_and_names_bad_rows():
    text = "# LTCMA\r\nasset,expected_return,source\r\nEquity,7%,JPM LTCMA 2026\r\nAGG,4.5,committee\r\n"
    assert parse_assumptions_csv(text) == (
        MarketAssumption("Equity", 0.07, "JPM LTCMA 2026"),
        MarketAssumption("AGG", 0.045, "committee"),
    )
    with pytest.raises(DataError, match="row 3"):
        parse_assumptions_csv("asset,expected_return,source\nSPY,7,x\nAGG,abc,y\n")
    with pytest.raises(DataError, match="must name the columns asset, expected_return, source"):
        parse_assumptions_csv("ticker,return\nSPY,7\n")


def test_the_estimator_uses_the_assumptions_and_says_their_source(dataset):
    assumptions = (MarketAssumption("Equity", 0.07, "JPM LTCMA 2026"),) + tuple(
        MarketAssumption(c, 0.04, "committee") for c in UNIVERSE.asset_classes if c != "Equity"
    )
    inputs = _inputs(dataset, ReturnEstimator.CAPITAL_MARKET_ASSUMPTIONS, assumptions=assumptions)
    assert inputs.expected_returns[list(UNIVERSE.tickers).index("SPY")] == 0.07
    assert "SPY: 7.00% from JPM LTCMA 2026, via Equity." in inputs.input_lines()
    assert "Capital market assumptions (per ETF with its source)" in inputs.describe()
    with pytest.raises(DataError, match="none are entered"):
        _inputs(dataset, ReturnEstimator.CAPITAL_MARKET_ASSUMPTIONS)


def test_the_analysis_optimizes_on_the_posterior(dataset):
    profile = bundled_profiles()["Balanced Growth"]
    view = View(ViewKind.RELATIVE, ("EEM",), ("SPY",), 0.04, 0.8)
    settings = AnalysisSettings(expected_returns=ReturnEstimator.BLACK_LITTERMAN, views=(view,))
    result = run_analysis(profile, dataset, settings=settings)
    bl = result.inputs.black_litterman
    assert bl is not None and bl.implied_confidence == pytest.approx([0.8])
    # The recommendation's expected return is measured with the posterior.
    assert result.recommended.expected_return == pytest.approx(
        float(result.recommended.weights.to_numpy() @ bl.posterior)
    )


def test_the_project_keeps_views_and_assumptions(tmp_path):
    profile = bundled_profiles()["Balanced Growth"]
    settings = AnalysisSettings(
        expected_returns=ReturnEstimator.BLACK_LITTERMAN,
        views=(
            View(ViewKind.RELATIVE, ("EFA", "EEM"), ("Fixed Income",), 0.015, 0.25),
            View(ViewKind.ABSOLUTE, ("TLT",), (), 0.04, 1.0),
        ),
        market_assumptions=(MarketAssumption("Equity", 0.07, "JPM LTCMA 2026"),),
    )
    path = tmp_path / "p.ipsproj"
    save_project(Project(profile, UNIVERSE, settings=settings), path)
    assert load_project(path).settings == settings
    document = json.loads(path.read_text())
    # a file written before views existed opens with none
    del document["settings"]["views"], document["settings"]["market_assumptions"]
    path.write_text(json.dumps(document))
    assert load_project(path).settings.views == ()
    # a view on a ticker the universe lacks is named
    document["settings"]["views"] = [
        {
            "kind": "ABSOLUTE",
            "long": ["ARKK"],
            "short": [],
            "expected_return": 0.1,
            "confidence": 0.5,
        }
    ]
    path.write_text(json.dumps(document))
    with pytest.raises(ProjectFileError, match=r"settings views 1: ARKK is not an ETF"):
        load_project(path)
    document["settings"]["views"] = [{"kind": "SIDEWAYS"}]
    path.write_text(json.dumps(document))
    with pytest.raises(ProjectFileError, match="ABSOLUTE or RELATIVE"):
        load_project(path)


def test_the_cli_takes_views_from_the_project_file(tmp_path, capsys):
    from app.cli import build_parser, build_project

    profile = bundled_profiles()["Balanced Growth"]
    view = View(ViewKind.ABSOLUTE, ("GLD",), (), 0.06, 0.5)
    path = tmp_path / "p.ipsproj"
    save_project(Project(profile, UNIVERSE, settings=AnalysisSettings(views=(view,))), path)
    args = build_parser().parse_args(
        ["--out", "x", "--project", str(path), "--returns-estimator", "black-litterman"]
    )
    project, _ = build_project(args)
    assert project.settings.expected_returns is ReturnEstimator.BLACK_LITTERMAN
    assert project.settings.views == (view,)
    csv = tmp_path / "cma.csv"
    csv.write_text("asset,expected_return,source\nEquity,7,JPM LTCMA 2026\n")
    args = build_parser().parse_args(
        ["--out", "x", "--returns-estimator", "market-assumptions", "--assumptions", str(csv)]
    )
    project, _ = build_project(args)
    assert project.settings.market_assumptions == (
        MarketAssumption("Equity", 0.07, "JPM LTCMA 2026"),
    )


def test_the_memo_and_the_methodology_sheet_list_the_views(dataset):
    from core.report.memo import _provenance
    from core.report.workbook_sheets import methodology_frame

    profile = bundled_profiles()["Balanced Growth"]
    view = View(ViewKind.ABSOLUTE, ("GLD",), (), 0.06, 1.0)
    settings = AnalysisSettings(expected_returns=ReturnEstimator.BLACK_LITTERMAN, views=(view,))
    result = run_analysis(profile, dataset, settings=settings)
    bl = result.inputs.black_litterman
    line = (
        f"View 1: GLD returns 6.0% a year (confidence 100%); the prior implies "
        f"{bl.prior[list(UNIVERSE.tickers).index('GLD')]:.2%}, the posterior 6.00%."
    )
    assert f"  - {line}" in _provenance(result)
    from core.analytics.risk_report import build_risk_report
    from core.stress.engine import stress_analysis

    stress = stress_analysis(result)
    frame = methodology_frame([result], [build_risk_report(result)], [stress], {})
    rows = frame[frame.iloc[:, 0] == "Estimation"].iloc[:, 2].tolist()
    assert line in rows
    assert any("tau = 0.05 (He and Litterman 1999)" in text for text in rows)


def test_an_adoption_is_tied_to_the_views_it_was_made_with():
    from core.adoption import estimators_text

    view = View(ViewKind.ABSOLUTE, ("GLD",), (), 0.06, 0.5)
    bl = AnalysisSettings(expected_returns=ReturnEstimator.BLACK_LITTERMAN, views=(view,))
    changed = dataclasses.replace(bl, views=(dataclasses.replace(view, confidence=0.6),))
    assert estimators_text(bl) != estimators_text(changed)
    plain = AnalysisSettings()
    # views kept while another estimator is in use change nothing
    assert estimators_text(plain) == estimators_text(dataclasses.replace(plain, views=(view,)))
