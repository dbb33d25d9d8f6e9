"""The IPS Optimum on real 2007-2024 ETF returns (fixture cut from ../shared/realdata, see
fixtures/README.md): the Mean-Variance portfolio misses the 25% drawdown tolerance there, the
case issue 16 describes; the optimum meets every rule and no compliant blend of candidates beats it.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.analytics.metrics import max_drawdown
from core.data.importer import load_returns_file
from core.optimize.candidates import penalized_utility, portfolio_volatility
from core.optimize.estimation import ReturnEstimator
from core.pipeline import AnalysisSettings, run_analysis
from core.policy.profile_io import bundled_profiles
from core.policy.validation import validate_portfolio
from core.universe import default_universe

PRICES = Path(__file__).parent / "fixtures" / "realdata_prices_2007_2024.csv"


@pytest.fixture(scope="module")
def real_data(tmp_path_factory):
    prices = pd.read_csv(PRICES, index_col="date", parse_dates=True)
    returns = prices.pct_change(fill_method=None).iloc[1:]
    returns["SGOV"] = returns["SGOV"].fillna(returns["BIL"])  # BIL before SGOV's first month
    path = tmp_path_factory.mktemp("real") / "returns.csv"
    returns.drop(columns="BIL").to_csv(path)
    return load_returns_file(path, default_universe(), kind="returns")


@pytest.fixture(scope="module")
def result(real_data):
    # The case issue 16 describes is the in-sample historical mean (the default until Bayes-Stein
    # replaced it): pinned here so that the test keeps describing it.
    settings = AnalysisSettings(expected_returns=ReturnEstimator.HISTORICAL_MEAN)
    return run_analysis(bundled_profiles()["Balanced Growth"], real_data, settings=settings)


def test_under_the_default_bayes_stein_means_mean_variance_passes_and_is_the_optimum(real_data):
    default = run_analysis(bundled_profiles()["Balanced Growth"], real_data)
    assert default.inputs.return_estimator is ReturnEstimator.BAYES_STEIN
    mv = default.candidate("Mean-Variance Utility")
    opt = default.candidate("IPS Optimum")
    # Shrunk means ask for less equity risk: the utility optimum meets the 25% tolerance with
    # room (its drawdown is more than 1 pp inside), so the constrained optimum coincides with it.
    assert mv.passes and -mv.metrics.max_drawdown < 0.25 - 0.01
    assert opt.utility == pytest.approx(mv.utility, abs=1e-9)
    assert default.recommended.passes
    assert default.recommended.utility == pytest.approx(mv.utility, abs=1e-9)


def test_on_real_data_the_optimum_is_recommended_at_the_drawdown_limit(result):
    opt = result.candidate("IPS Optimum")
    mv = result.candidate("Mean-Variance Utility")
    assert not mv.passes  # misses the drawdown tolerance on the real history
    assert opt.passes and result.recommended_name == "IPS Optimum"
    assert -opt.metrics.max_drawdown <= 0.25
    assert -opt.metrics.max_drawdown == pytest.approx(0.25, abs=1e-7)  # the tolerance binds
    compliant = [c for c in result.candidates if c.passes and c.name != "IPS Optimum"]
    assert compliant and all(c.utility < opt.utility for c in compliant)


@pytest.mark.slow
def test_on_real_data_no_compliant_blend_beats_it(result):
    p = result.profile
    returns = result.dataset.returns[list(result.universe.tickers)].to_numpy()
    opt = result.candidate("IPS Optimum")
    others = [c.weights.to_numpy() for c in result.candidates if c.name != "IPS Optimum"]
    checked = 0
    for a, b in itertools.combinations(others, 2):
        for t in np.linspace(0, 1, 201):
            w = t * a + (1 - t) * b
            report = validate_portfolio(
                w,
                p,
                result.universe,
                ex_ante_volatility=portfolio_volatility(w, result.inputs.covariance),
                historical_max_drawdown=max_drawdown(returns @ w),
            )
            if report.passed:
                checked += 1
                utility = penalized_utility(
                    w, result.inputs, p.risk_aversion, p.concentration_penalty
                )
                assert utility <= opt.utility + 1e-10
    assert checked > 100
