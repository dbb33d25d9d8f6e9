"""The account's current holdings in the Outlook: weights by hand, the same paths as every
portfolio (checked by simulating the weights directly), and the note when there are none."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import DataError
from core.outlook.analysis import BENCHMARK, analysis_outlook
from core.outlook.holdings import CURRENT_HOLDINGS, NO_HOLDINGS, holdings_weights
from core.outlook.simulation import SimulationSettings, simulate
from core.pipeline import load_default_dataset, run_analysis
from core.policy.profile_io import bundled_profiles
from core.rebalance.account import Holdings
from core.report.outlook_tables import outlook_section
from core.universe import default_universe

ACCOUNT = Holdings({"SPY": 100.0, "AGG": 200.0}, {"SPY": 500.0, "AGG": 100.0}, cash=30_000.0)


@pytest.fixture(scope="module")
def endowment():
    return run_analysis(bundled_profiles()["Long-Term Endowment Growth"], load_default_dataset())


def test_weights_by_hand_with_cash_in_the_cash_etf():
    weights = holdings_weights(ACCOUNT, default_universe())
    # $50,000 SPY, $20,000 AGG, $30,000 cash of $100,000
    assert weights["SPY"] == pytest.approx(0.5) and weights["AGG"] == pytest.approx(0.2)
    assert weights["SGOV"] == pytest.approx(0.3)
    assert weights.sum() == pytest.approx(1.0)


def test_empty_account_and_foreign_ticker_are_refused_with_a_reason():
    with pytest.raises(DataError, match="no holdings"):
        holdings_weights(Holdings({}, {}), default_universe())
    with pytest.raises(DataError, match="XLE"):
        holdings_weights(Holdings({"XLE": 10.0}, {"XLE": 90.0}), default_universe())


def test_current_holdings_are_simulated_beside_the_others(endowment):
    settings = SimulationSettings(paths=300, horizon_years=5, seed=8)
    answer = analysis_outlook(endowment, settings, holdings=ACCOUNT)
    names = [p.name for p in answer.outlook.portfolios]
    assert names[-2:] == [CURRENT_HOLDINGS, BENCHMARK]
    assert "$100,000 account" in answer.holdings_note
    # second route: the same weights simulated alone from the same seed, same paths
    from core.outlook.analysis import policy_of

    policy = policy_of(endowment.profile, endowment.settings.portfolio_value)
    alone = simulate(
        endowment.dataset.returns,
        {"x": holdings_weights(ACCOUNT, endowment.universe)},
        settings,
        policy.cash_flows,
        policy.reserve,
    )[0]
    np.testing.assert_allclose(
        answer.outlook.portfolio(CURRENT_HOLDINGS).simulated.terminal_wealth,
        alone.terminal_wealth,
    )
    assert CURRENT_HOLDINGS in "\n".join(outlook_section(answer))
    summary = answer.summary_frame()
    assert CURRENT_HOLDINGS in set(summary["portfolio"])


def test_without_holdings_the_outlook_says_so(endowment):
    answer = analysis_outlook(endowment, SimulationSettings(paths=100, horizon_years=2, seed=1))
    assert CURRENT_HOLDINGS not in [p.name for p in answer.outlook.portfolios]
    assert answer.holdings_note == NO_HOLDINGS
    assert NO_HOLDINGS in "\n".join(outlook_section(answer))
