"""core.outlook: bootstrap, cash flows, the answers and reverse stress, each checked by a second
route (a hand computation, a plain loop, scipy.optimize or a sampling-error bound)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core.errors import CancelledError, DataError
from core.jobs import CancelToken
from core.outlook.answers import OutlookPolicy, outlook, safe_rate
from core.outlook.bootstrap import stationary_bootstrap_indices
from core.outlook.reverse_stress import minimum_distance_shock, worst_window
from core.outlook.simulation import (
    CashFlowKind,
    CashFlows,
    SimulationSettings,
    max_drawdowns,
    max_fixed_spending,
    shortfall,
    simulate,
    wealth_from_growth,
)


def _history(months: int = 240, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2000-01-31", periods=months, freq="ME")
    data = {
        "SPY": rng.normal(0.008, 0.045, months),
        "AGG": rng.normal(0.003, 0.012, months),
        "GLD": rng.normal(0.004, 0.05, months),
        "SGOV": np.full(months, 0.003),  # zero-volatility cash
    }
    return pd.DataFrame(data, index=index)


def _loop_wealth(returns: np.ndarray, cash_flows: CashFlows) -> np.ndarray:
    """W_t = W_{t-1}(1 + r_t) - c_t month by month, absorbing at 0 for fixed spending."""
    wealth = np.empty_like(returns)
    for path in range(returns.shape[0]):
        w = 1.0
        for t in range(returns.shape[1]):
            grown = w * (1.0 + returns[path, t])
            if cash_flows.kind is CashFlowKind.PERCENT:
                w = grown - cash_flows.annual / 12 * grown
            elif cash_flows.kind is CashFlowKind.FIXED:
                w = max(grown - cash_flows.annual / 12, 0.0) if w > 0 else 0.0
            else:
                w = grown
            wealth[path, t] = w
    return wealth


# -- bootstrap -----------------------------------------------------------------------------------
def test_bootstrap_blocks_have_the_stated_mean_length_and_stay_in_range():
    rng = np.random.default_rng(1)
    idx = stationary_bootstrap_indices(100, 2000, 240, 8.0, rng)
    assert idx.shape == (2000, 240) and idx.min() >= 0 and idx.max() < 100
    continues = (idx[:, 1:] - idx[:, :-1]) % 100 == 1
    # A block continues with probability 1 - 1/L, plus a fresh start that lands on the next month.
    expected = (1 - 1 / 8) + (1 / 8) * (1 / 100)
    assert continues.mean() == pytest.approx(expected, abs=0.005)


def test_bootstrap_is_seeded_and_rejects_bad_settings():
    a = stationary_bootstrap_indices(50, 10, 20, 5.0, np.random.default_rng(7))
    b = stationary_bootstrap_indices(50, 10, 20, 5.0, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    with pytest.raises(DataError, match="block length"):
        stationary_bootstrap_indices(50, 10, 20, 0.5, np.random.default_rng(7))
    with pytest.raises(DataError, match="2 months"):
        stationary_bootstrap_indices(1, 10, 20, 5.0, np.random.default_rng(7))


def test_bootstrap_reproduces_sample_mean_and_covariance_within_sampling_error():
    history = _history()[["SPY", "AGG", "GLD"]]
    values = history.to_numpy()
    idx = stationary_bootstrap_indices(len(values), 4000, 120, 12.0, np.random.default_rng(5))
    draws = values[idx].reshape(-1, 3)
    # Each draw's marginal is uniform over the sample (circular blocks): its mean is the sample's.
    # Standard error with block clustering: sigma * sqrt(L / number of draws), allowed 5 of them.
    se = values.std(axis=0) * math.sqrt(12.0 / len(draws))
    np.testing.assert_array_less(np.abs(draws.mean(axis=0) - values.mean(axis=0)), 5 * se)
    sample_cov = np.cov(values, rowvar=False, bias=True)
    np.testing.assert_allclose(
        np.cov(draws, rowvar=False, bias=True), sample_cov, rtol=0.05, atol=2e-5
    )


def test_bootstrap_preserves_lag_one_autocorrelation_in_proportion_to_block_continuation():
    rng = np.random.default_rng(11)
    months, phi = 600, 0.5
    series = np.zeros(months)
    for t in range(1, months):
        series[t] = phi * series[t - 1] + rng.normal(0, 0.02)

    def lag1(x: np.ndarray) -> float:
        x = x - x.mean()
        return float((x[..., 1:] * x[..., :-1]).mean() / (x * x).mean())

    sample = lag1(series)
    block = 24.0
    idx = stationary_bootstrap_indices(months, 2000, 240, block, np.random.default_rng(2))
    boot = lag1(series[idx] - series.mean())
    # Within a block the pair is a true historical pair; across a block break it is independent.
    assert boot == pytest.approx(sample * (1 - 1 / block), abs=0.03)
    assert sample > 0.4
    iid = stationary_bootstrap_indices(months, 2000, 240, 1.0, np.random.default_rng(2))
    assert abs(lag1(series[iid] - series.mean())) < 0.02


# -- cash flows and paths ------------------------------------------------------------------------
def test_spending_rules_match_a_hand_computation():
    r = np.array([[0.01, 0.02, -0.01]])
    growth = np.cumprod(1 + r, axis=1)
    fixed = wealth_from_growth(growth, CashFlows(CashFlowKind.FIXED, 0.12))  # 1% a month
    # 1.01 - .01 = 1.0; 1.0 * 1.02 - .01 = 1.01; 1.01 * .99 - .01 = .9899
    np.testing.assert_allclose(fixed[0], [1.0, 1.01, 0.9899])
    percent = wealth_from_growth(growth, CashFlows(CashFlowKind.PERCENT, 0.12))
    # each month keeps 99% of the grown wealth
    np.testing.assert_allclose(
        percent[0], [1.01 * 0.99, 1.01 * 0.99 * 1.02 * 0.99, 0.99**3 * 1.01 * 1.02 * 0.99]
    )
    contribution = wealth_from_growth(growth, CashFlows(CashFlowKind.FIXED, -0.12))
    np.testing.assert_allclose(
        contribution[0], [1.02, 1.02 * 1.02 + 0.01, (1.02 * 1.02 + 0.01) * 0.99 + 0.01]
    )


@pytest.mark.parametrize(
    "cash_flows",
    [
        CashFlows(),
        CashFlows(CashFlowKind.FIXED, 0.30),  # exhausts some paths
        CashFlows(CashFlowKind.FIXED, -0.05),
        CashFlows(CashFlowKind.PERCENT, 0.05),
    ],
)
def test_closed_form_wealth_matches_a_month_by_month_loop(cash_flows):
    r = np.random.default_rng(4).normal(0.004, 0.05, (40, 60))
    growth = np.cumprod(1 + r, axis=1)
    np.testing.assert_allclose(
        wealth_from_growth(growth, cash_flows), _loop_wealth(r, cash_flows), atol=1e-12
    )


def test_max_drawdown_by_hand():
    growth = np.array([[1.1, 0.88, 0.99, 1.2], [0.9, 0.95, 1.0, 1.05]])
    np.testing.assert_allclose(max_drawdowns(growth), [0.2, 0.1])  # 1.1 -> .88; 1 -> .9


def test_max_fixed_spending_is_where_bisection_on_the_rate_lands():
    r = np.random.default_rng(8).normal(0.003, 0.06, (25, 120))
    growth = np.cumprod(1 + r, axis=1)
    reserve = 0.2
    closed = max_fixed_spending(growth, reserve)
    for path in range(len(r)):
        low, high = 0.0, 2.0
        for _ in range(60):
            mid = (low + high) / 2
            wealth = _loop_wealth(r[path : path + 1], CashFlows(CashFlowKind.FIXED, mid))
            if shortfall(wealth, CashFlows(CashFlowKind.FIXED, mid), reserve)[0]:
                high = mid
            else:
                low = mid
        assert closed[path] == pytest.approx(low, abs=1e-9)


def test_safe_rate_at_ninety_percent_by_counting():
    rates = np.arange(1, 101) / 1000  # 0.001 ... 0.100
    assert safe_rate(rates) == pytest.approx(0.011)  # 90 of 100 paths can pay 1.1%
    assert np.mean(rates >= safe_rate(rates)) >= 0.9
    assert np.mean(rates >= 0.0111) < 0.9


# -- the answers ---------------------------------------------------------------------------------
def test_zero_volatility_cash_meets_a_below_cash_objective_and_never_breaches():
    history = _history()
    settings = SimulationSettings(paths=500, horizon_years=10, block_length=6, seed=1)
    policy = OutlookPolicy(return_objective=0.03, drawdown_tolerance=0.05)  # cash earns 3.66%
    result = outlook(
        simulate(history, {"Cash": pd.Series({"SGOV": 1.0})}, settings), policy, settings
    )
    cash = result.portfolio("Cash")
    assert cash.prob_objective == 1.0
    assert cash.prob_drawdown_breach == 0.0 and cash.prob_shortfall == 0.0
    assert cash.drawdown_percentiles[95] == 0.0
    for value in cash.terminal_percentiles.values():
        assert value == pytest.approx(1.003**120)
    assert cash.expected_shortfall == 0.0
    above = outlook(
        simulate(history, {"Cash": pd.Series({"SGOV": 1.0})}, settings),
        OutlookPolicy(return_objective=0.04, drawdown_tolerance=0.05),
        settings,
    )
    assert above.portfolios[0].prob_objective == 0.0


def test_answers_against_direct_counts_on_the_same_paths():
    history = _history()
    settings = SimulationSettings(paths=3000, horizon_years=5, block_length=12, seed=9)
    cash_flows = CashFlows(CashFlowKind.FIXED, 0.08)
    policy = OutlookPolicy(0.05, 0.15, cash_flows, reserve=0.5)
    weights = pd.Series({"SPY": 0.6, "AGG": 0.3, "GLD": 0.1})
    result = outlook(
        simulate(history, {"Mix": weights}, settings, cash_flows, 0.5), policy, settings
    )
    mix = result.portfolio("Mix")
    # second route: redraw the same indices and count with the month-by-month loop
    idx = stationary_bootstrap_indices(len(history), 3000, 60, 12, np.random.default_rng(9))
    r = (history[weights.index].to_numpy() @ weights.to_numpy())[idx]
    wealth = _loop_wealth(r, cash_flows)
    growth = np.cumprod(1 + r, axis=1)
    annual = growth[:, -1] ** (12 / 60) - 1
    assert mix.prob_objective == pytest.approx(np.mean(annual >= 0.05))
    peaks = np.maximum.accumulate(np.hstack([np.ones((3000, 1)), growth]), axis=1)[:, 1:]
    assert mix.prob_drawdown_breach == pytest.approx(
        np.mean((1 - growth / peaks).max(axis=1) > 0.15)
    )
    assert mix.prob_shortfall == pytest.approx(np.mean((wealth < 0.5).any(axis=1)))
    assert 0 < mix.prob_shortfall < 1
    target = 1.0
    for _ in range(60):
        target = target * 1.05 ** (1 / 12) - 0.08 / 12
    assert mix.target_wealth == pytest.approx(target)
    miss = wealth[:, -1] < target
    assert mix.expected_shortfall == pytest.approx(np.mean(target - wealth[miss, -1]))
    assert mix.terminal_percentiles[50] == pytest.approx(np.median(wealth[:, -1]))
    assert mix.wealth_percentiles.shape == (5, 61)
    assert mix.wealth_percentiles[2, -1] == pytest.approx(np.median(wealth[:, -1]))
    frame = result.summary_frame()
    assert list(frame.index) == ["Mix"]
    assert frame.loc["Mix", "paths"] == 3000 and frame.loc["Mix", "seed"] == 9


def test_simulation_is_reproducible_cancellable_and_reports_progress():
    history = _history()
    settings = SimulationSettings(paths=200, horizon_years=3, seed=4)
    weights = {"A": pd.Series({"SPY": 1.0}), "B": pd.Series({"AGG": 1.0})}
    first = simulate(history, weights, settings)
    again = simulate(history, weights, settings)
    np.testing.assert_array_equal(first[0].terminal_wealth, again[0].terminal_wealth)
    other = simulate(history, weights, SimulationSettings(paths=200, horizon_years=3, seed=5))
    assert not np.array_equal(first[0].terminal_wealth, other[0].terminal_wealth)
    seen: list[float] = []
    simulate(history, weights, settings, progress=lambda f, _m: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        simulate(history, weights, settings, cancel=token)
    with pytest.raises(DataError, match="XLE"):
        simulate(history, {"X": pd.Series({"XLE": 1.0})}, settings)


# -- reverse stress ------------------------------------------------------------------------------
def test_minimum_distance_shock_refuses_a_riskless_portfolio():
    with pytest.raises(DataError, match="no variance"):
        minimum_distance_shock(np.array([1.0, 0.0]), np.diag([0.0, 0.04]), 0.2)


def test_worst_window_against_a_loop():
    r = pd.Series(
        np.random.default_rng(2).normal(0.005, 0.05, 80),
        index=pd.date_range("2010-01-31", periods=80, freq="ME"),
    )
    worst, end = worst_window(r, 12)
    brute = [np.prod(1 + r.iloc[i : i + 12]) - 1 for i in range(80 - 11)]
    assert worst == pytest.approx(min(brute))
    assert end == r.index[int(np.argmin(brute)) + 11]
    assert math.isnan(worst_window(r.iloc[:5], 12)[0])


# -- parametric model -------------------------------------------------------------------------------
def test_parametric_paths_have_the_assumed_monthly_mean_and_covariance():
    from core.outlook.simulation import CapitalMarket, ReturnModel, parametric_factors

    market = CapitalMarket(
        ("SPY", "AGG"), np.array([0.08, 0.03]), np.array([[0.04, 0.002], [0.002, 0.0025]])
    )
    weights = np.array([[1.0, 0.6], [0.0, 0.4]])  # columns: all SPY, 60/40
    mean, factor = parametric_factors(market, weights)
    np.testing.assert_allclose(mean, [0.08 / 12, (0.6 * 0.08 + 0.4 * 0.03) / 12])
    np.testing.assert_allclose(factor @ factor.T, weights.T @ market.covariance @ weights / 12)
    settings = SimulationSettings(paths=4000, horizon_years=5, seed=2, model=ReturnModel.PARAMETRIC)
    portfolios = {"SPY": pd.Series({"SPY": 1.0}), "60/40": pd.Series({"SPY": 0.6, "AGG": 0.4})}
    sims = simulate(_history(), portfolios, settings, market=market)
    # second route: for independent months E[G_T] = (1 + m)^T exactly, within sampling error.
    for sim, m in zip(sims, mean, strict=True):
        expected = (1 + m) ** 60
        se = sim.terminal_wealth.std() / math.sqrt(4000)
        assert abs(sim.terminal_wealth.mean() - expected) < 4 * se
    # both portfolios share the draws: their terminal wealth is strongly correlated
    assert np.corrcoef(sims[0].terminal_wealth, sims[1].terminal_wealth)[0, 1] > 0.9
    with pytest.raises(DataError, match="capital market"):
        simulate(_history(), portfolios, settings)


def test_parametric_draws_match_the_factor_month_by_month():
    from core.outlook.simulation import CapitalMarket, ReturnModel, parametric_factors

    market = CapitalMarket(("A", "B"), np.array([0.06, 0.02]), np.diag([0.03, 0.001]))
    weights = {"A": pd.Series({"A": 1.0}), "B": pd.Series({"B": 1.0})}
    settings = SimulationSettings(paths=3, horizon_years=1, seed=4, model=ReturnModel.PARAMETRIC)
    sims = simulate(_history()[[]], weights, settings, market=market)
    mean, factor = parametric_factors(market, np.eye(2))
    z = np.random.default_rng(4).standard_normal((3, 12, 2), dtype=np.float32)
    for i, sim in enumerate(sims):
        r = mean[i] + (z @ factor[i].astype(np.float32)).astype(float)
        np.testing.assert_allclose(sim.terminal_wealth, np.prod(1 + r, axis=1), rtol=1e-6)
