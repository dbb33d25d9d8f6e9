"""core.backtest: the holding arithmetic and the figures against hand computations, the
walk-forward's use of no data after each decision date, its selection rule against the
pipeline's own, progress and cancel."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from core.backtest.holding import WithinPeriod, hold
from core.backtest.walk_forward import (
    BENCHMARK_RULE,
    RECOMMENDATION_RULE,
    Figures,
    WalkForwardSettings,
    WindowKind,
    decision_rows,
    walk_forward,
)
from core.data.dataset import ReturnsDataset
from core.errors import CancelledError, DataError, PolicyError
from core.jobs import CancelToken
from core.pipeline import load_default_dataset, run_analysis
from core.policy.profile_io import bundled_profiles

MONTHS = 84  # seven years: 60 months of history, then eight quarterly decisions


def _shorter(dataset: ReturnsDataset, months: int) -> ReturnsDataset:
    return dataclasses.replace(
        dataset,
        returns=dataset.returns.iloc[:months],
        risk_free=None if dataset.risk_free is None else dataset.risk_free.iloc[:months],
        factors=None if dataset.factors is None else dataset.factors.iloc[:months],
    )


@pytest.fixture(scope="module")
def analysis():
    profile = bundled_profiles()["Balanced Growth"]
    return run_analysis(profile, _shorter(load_default_dataset(), MONTHS))


@pytest.fixture(scope="module")
def walked(analysis):
    return walk_forward(analysis)


# -- holding arithmetic by hand --------------------------------------------------------------


def test_hold_drift_matches_a_hand_computation():
    target, before = np.array([0.6, 0.4]), np.array([0.5, 0.5])
    months = np.array([[0.10, 0.00], [-0.05, 0.02]])
    out = hold(target, before, months, cost_bps=10.0, within=WithinPeriod.DRIFT)
    # trade 0.1 + 0.1 = 0.2 of the portfolio at 10 bps: 0.0002 of its value
    assert out.turnover == pytest.approx(0.2)
    assert out.cost == pytest.approx(0.0002)
    assert out.gross_returns[0] == pytest.approx(0.06)
    assert out.net_returns[0] == pytest.approx(0.9998 * 1.06 - 1.0)
    drifted = np.array([0.66, 0.40]) / 1.06  # 0.6 x 1.1 and 0.4 x 1.0, renormalized
    assert out.gross_returns[1] == pytest.approx(drifted @ months[1])
    assert out.net_returns[1] == pytest.approx(out.gross_returns[1])  # no trade in between
    end = drifted * (1 + months[1])
    np.testing.assert_allclose(out.end_weights, end / end.sum())


def test_hold_monthly_rebalancing_pays_for_each_month_end_trade():
    target, before = np.array([0.6, 0.4]), np.array([0.6, 0.4])
    months = np.array([[0.10, 0.00], [-0.05, 0.02]])
    out = hold(target, before, months, cost_bps=20.0, within=WithinPeriod.MONTHLY)
    drifted = np.array([0.66, 0.40]) / 1.06
    traded = abs(0.6 - drifted[0]) + abs(0.4 - drifted[1])
    assert out.turnover == pytest.approx(traded)  # nothing to trade at the start
    assert out.net_returns[0] == pytest.approx(0.06)
    gross = 0.6 * -0.05 + 0.4 * 0.02
    assert out.gross_returns[1] == pytest.approx(gross)
    assert out.net_returns[1] == pytest.approx((1 - 0.002 * traded) * (1 + gross) - 1)


def test_figures_match_a_hand_computation():
    index = pd.date_range("2020-01-31", periods=4, freq="ME")
    r = pd.Series([0.02, -0.03, 0.01, 0.04], index=index)
    b = pd.Series([0.01, -0.01, 0.00, 0.02], index=index)
    rf = pd.Series(0.001, index=index)
    got = Figures.of(r, rf, b, turnover=0.5, cost=0.0004)
    wealth = 1.02 * 0.97 * 1.01 * 1.04
    assert got.annualized_return == pytest.approx(wealth**3 - 1)  # 12 / 4 months
    mean = (0.02 - 0.03 + 0.01 + 0.04) / 4
    var = sum((x - mean) ** 2 for x in r) / 3
    assert got.volatility == pytest.approx(math.sqrt(var * 12))
    assert got.sharpe_ratio == pytest.approx((mean - 0.001) * 12 / math.sqrt(var * 12))
    assert got.max_drawdown == pytest.approx(0.97 - 1)  # peak 1.02, trough 1.02 x 0.97
    active = [0.01, -0.02, 0.01, 0.02]
    m = sum(active) / 4
    assert got.tracking_error == pytest.approx(
        math.sqrt(sum((a - m) ** 2 for a in active) / 3 * 12)
    )
    assert got.turnover == pytest.approx(0.5 / (4 / 12))  # a year
    assert got.cost == pytest.approx(0.0004 * 3)


# -- the walk-forward ------------------------------------------------------------------------


def test_decisions_are_quarter_ends_after_five_years(analysis, walked):
    dates = analysis.dataset.returns.index
    rows = decision_rows(dates, WalkForwardSettings())
    assert all(dates[d - 1].month in (3, 6, 9, 12) for d in rows)
    assert dates[0].month == 1 and rows[0] == 60  # January start: month 60 is a December
    assert walked.decisions == len(rows) == 8
    bench = walked.rule(BENCHMARK_RULE)
    assert bench.returns.index[0] == dates[rows[0]]
    assert bench.returns.index[-1] == dates[-1]


def test_no_data_after_a_decision_date_is_used(analysis, walked):
    """Corrupt every month after the fourth decision date: the weights chosen at the first four
    decisions do not change (and those after it do, so the corruption is seen)."""
    rows = decision_rows(analysis.dataset.returns.index, WalkForwardSettings())
    cut = rows[3]  # rows before `cut` are the fourth decision's window
    rng = np.random.default_rng(0)
    returns = analysis.dataset.returns.copy()
    returns.iloc[cut:] = rng.normal(0.0, 0.2, size=returns.iloc[cut:].shape)
    rf = analysis.dataset.risk_free.copy()
    rf.iloc[cut:] = 0.05
    corrupted = dataclasses.replace(
        analysis, dataset=dataclasses.replace(analysis.dataset, returns=returns, risk_free=rf)
    )
    again = walk_forward(corrupted)
    changed_later = False
    for outcome in walked.rules:
        other = again.rule(outcome.rule)
        for k, (p, q) in enumerate(zip(outcome.periods, other.periods, strict=True)):
            if k <= 3:
                np.testing.assert_array_equal(p.weights, q.weights, err_msg=outcome.rule)
            else:
                changed_later |= not np.array_equal(p.weights, q.weights)
    assert changed_later


def test_selection_rule_picks_what_the_pipeline_picks_on_the_window(analysis, walked):
    rows = decision_rows(analysis.dataset.returns.index, WalkForwardSettings())
    chosen = walked.rule(RECOMMENDATION_RULE)
    for k in (0, len(rows) - 1):
        window = _shorter(analysis.dataset, rows[k])
        pipeline = run_analysis(analysis.profile, window)
        assert chosen.periods[k].note == f"Selected: {pipeline.recommended_name}"
        np.testing.assert_allclose(
            chosen.periods[k].weights, pipeline.recommended.weights.to_numpy(), atol=1e-9
        )


def test_returns_compound_from_the_held_weights(analysis, walked):
    """Benchmark rule by hand: bought at 60/40, drifting, traded back each quarter at 5 bps."""
    returns = analysis.dataset.returns[list(analysis.universe.tickers)]
    bench = analysis.universe.vector(analysis.profile.benchmark)
    outcome = walked.rule(BENCHMARK_RULE)
    held, expected = bench.copy(), []
    for k, period in enumerate(outcome.periods):
        block = returns.loc[period.start : period.end].to_numpy()
        paid = 0.0 if k == 0 else 5e-4 * np.abs(bench - held).sum()
        assert period.turnover == pytest.approx(np.abs(bench - held).sum())
        held = bench.copy()
        for j, month in enumerate(block):
            gross = held @ month
            expected.append((1 - (paid if j == 0 else 0.0)) * (1 + gross) - 1)
            held = held * (1 + month) / (1 + gross)
    np.testing.assert_allclose(outcome.returns.to_numpy(), expected, rtol=0, atol=1e-14)


def test_in_sample_figures_are_the_analysis_own(analysis, walked):
    rec = walked.rule(RECOMMENDATION_RULE)
    assert rec.in_sample.annualized_return == pytest.approx(
        analysis.recommended.metrics.annualized_return
    )
    assert rec.in_sample.max_drawdown == pytest.approx(analysis.recommended.metrics.max_drawdown)
    assert walked.rule(BENCHMARK_RULE).out_of_sample.tracking_error == 0.0
    frame = walked.periods_frame()
    assert len(frame) == len(walked.rules) * walked.decisions
    assert {"rule", "decision_date", "hold_start", "period_return_net", "w_SPY"} <= set(frame)
    np.testing.assert_allclose(
        frame.filter(regex="^w_").sum(axis=1), 1.0, atol=1e-8
    )  # each row's weights are a whole portfolio


def test_rolling_window_starts_window_months_before_the_decision(analysis):
    settings = WalkForwardSettings(window=WindowKind.ROLLING, window_months=48)
    result = walk_forward(analysis, settings)
    dates = analysis.dataset.returns.index
    for period in result.rules[0].periods:
        d = dates.get_loc(period.start)
        assert period.window_start == dates[d - 48]


def test_progress_reaches_one_and_cancel_stops(analysis):
    seen: list[float] = []
    walk_forward(analysis, progress=lambda f, _m: seen.append(f))
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) == 9
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        walk_forward(analysis, cancel=token)


def test_bad_settings_and_short_data_say_what_to_change(analysis):
    with pytest.raises(PolicyError, match="at least 24"):
        WalkForwardSettings(min_months=12)
    with pytest.raises(PolicyError, match="1, 2, 3, 4, 6 or 12"):
        WalkForwardSettings(hold_months=5)
    with pytest.raises(PolicyError, match="bps"):
        WalkForwardSettings(cost_bps=-1.0)
    with pytest.raises(DataError, match="Lower the minimum history"):
        walk_forward(analysis, WalkForwardSettings(min_months=MONTHS))
