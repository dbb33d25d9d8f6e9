"""Tests of core.analytics.metrics against values computed another way.

Hand-worked tiny cases (written out below), closed forms, pandas / numpy / scipy cross-checks and
hypothesis properties. Every expected number is derived independently of the module's code.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from core.analytics import metrics as m
from core.analytics import summary as summary_module
from core.errors import DataError

SQRT12 = math.sqrt(12.0)
Z_95 = -1.6448536269514722  # standard normal 5% quantile, from statistical tables
HAND = [0.10, -0.20, 0.05, -0.10]  # wealth 1 -> 1.1 -> 0.88 -> 0.924 -> 0.8316


def monthly(values: list[float], name: str | None = None, start: str = "2020-01-31") -> pd.Series:
    index = pd.date_range(start, periods=len(values), freq="ME")
    return pd.Series(values, index=index, name=name, dtype=float)


returns_lists = st.lists(
    # Monthly returns as a data file would hold them: no subnormal floats, which underflow to 0
    # when scaled and so break exact-ratio properties for reasons that are not the code's.
    st.floats(
        min_value=-0.5, max_value=0.5, allow_nan=False, allow_infinity=False, allow_subnormal=False
    ).map(lambda v: 0.0 if abs(v) < 1e-12 else v),
    min_size=4,
    max_size=60,
)


def realistic(seed: int = 7, months: int = 60) -> tuple[pd.Series, pd.Series]:
    rng = np.random.default_rng(seed)
    bench = rng.normal(0.006, 0.04, months)
    port = 0.8 * bench + rng.standard_t(4, months) * 0.01 + 0.001
    return monthly(list(port), "Portfolio"), monthly(list(bench), "Benchmark")


# --------------------------------------------------------------------------- returns and volatility


def test_annualized_return_hand_case_is_geometric():
    # prod(1 + r) = 1.1 * 0.8 * 1.05 * 0.9 = 0.8316 over 4 months -> 0.8316 ** (12 / 4) - 1
    assert m.annualized_return(HAND) == pytest.approx(0.8316**3 - 1.0, rel=1e-12)
    assert m.annualized_return([0.01] * 12) == pytest.approx(0.12682503013196977, rel=1e-12)
    # arithmetic mean x 12 would give 12%, CAGR of 1% a month is 12.68%
    assert m.annualized_return([0.01] * 24) == pytest.approx(0.12682503013196977, rel=1e-12)


def test_annualized_return_total_loss_is_minus_one():
    assert m.annualized_return([0.05, -1.0, 0.10]) == pytest.approx(-1.0)


@given(returns_lists)
def test_annualized_return_of_repeated_history_is_unchanged(values):
    assume(min(values) > -0.5)
    once = m.annualized_return(values)
    assert m.annualized_return(values + values) == pytest.approx(once, rel=1e-9, abs=1e-12)


def test_annualized_volatility_hand_case_and_pandas():
    # [0.01, 0.03]: mean 0.02, sample variance (1e-4 + 1e-4) / 1 = 2e-4 -> sqrt(2e-4 * 12)
    assert m.annualized_volatility([0.01, 0.03]) == pytest.approx(math.sqrt(0.0024), rel=1e-12)
    port, _ = realistic()
    assert m.annualized_volatility(port) == pytest.approx(port.std() * SQRT12, rel=1e-12)


# --------------------------------------------------------------------------- Sharpe and Sortino


SHARPE_R = [0.02, 0.00, 0.04, 0.02]
# excess over 1% a month: [0.01, -0.01, 0.03, 0.01], mean 0.01, sample variance 0.0008 / 3
# Sharpe = 0.12 / sqrt(0.0008 / 3 * 12) = 0.12 / sqrt(0.0032) = 3 / sqrt(2)


def test_sharpe_hand_case_with_monthly_rf_series():
    assert m.sharpe_ratio(SHARPE_R, np.full(4, 0.01)) == pytest.approx(3 / math.sqrt(2), rel=1e-12)


def test_sharpe_annual_float_rf_is_compounded_to_monthly():
    # 1% a month compounds to 12.6825% a year, so that annual float must give the same Sharpe
    assert m.sharpe_ratio(SHARPE_R, 1.01**12 - 1) == pytest.approx(3 / math.sqrt(2), rel=1e-12)
    # 12% a year is 0.948879% a month (not 1%): mean excess 0.02 - 0.00948879...
    monthly_rf = 0.009488792934583046
    expected = (0.02 - monthly_rf) * 12 / math.sqrt(0.0008 / 3 * 12)
    assert m.sharpe_ratio(SHARPE_R, 0.12) == pytest.approx(expected, rel=1e-12)


def test_sharpe_with_cash_series_matches_pandas():
    port, bench = realistic()
    cash = monthly(list(np.linspace(0.001, 0.004, len(port))), "SGOV")
    excess = port - cash
    expected = excess.mean() * 12 / (excess.std() * SQRT12)
    assert m.sharpe_ratio(port, cash) == pytest.approx(expected, rel=1e-12)


def test_sharpe_is_zero_when_excess_volatility_vanishes():
    # constant 1% a month: the excess std is rounding noise, a naive ratio would explode
    assert m.sharpe_ratio([0.01] * 6, 0.0) == 0.0
    assert m.sharpe_ratio([0.03, 0.01, 0.02], [0.02, 0.00, 0.01]) == 0.0


@given(returns_lists, st.floats(min_value=0.1, max_value=10.0))
def test_sharpe_with_zero_rf_is_scale_invariant(values, scale):
    assume(np.std(values, ddof=1) > 1e-6)
    scaled = [scale * v for v in values]
    assert m.sharpe_ratio(scaled, 0.0) == pytest.approx(m.sharpe_ratio(values, 0.0), rel=1e-9)


SORTINO_R = [0.02, -0.01, 0.03, -0.03]
# shortfalls below 0: [0, -0.01, 0, -0.03]; mean square (1e-4 + 9e-4) / 4 = 2.5e-4 over ALL 4
# months -> downside deviation sqrt(2.5e-4 * 12) = sqrt(0.003); mean 0.0025 x 12 = 0.03


def test_downside_deviation_uses_all_months():
    assert m.downside_deviation(SORTINO_R, 0.0) == pytest.approx(math.sqrt(0.003), rel=1e-12)
    old_engine = np.std([-0.01, -0.03], ddof=1) * SQRT12  # stdev of negative months only
    assert not math.isclose(m.downside_deviation(SORTINO_R, 0.0), old_engine, rel_tol=1e-3)


def test_downside_deviation_with_target_series():
    # r - 0.01 = [0.01, -0.02, 0.02, -0.04] -> mean square (4e-4 + 16e-4) / 4 = 5e-4
    target = monthly([0.01] * 4)
    assert m.downside_deviation(monthly(SORTINO_R), target) == pytest.approx(math.sqrt(0.006))


def test_sortino_hand_case():
    assert m.sortino_ratio(SORTINO_R, 0.0) == pytest.approx(0.03 / math.sqrt(0.003), rel=1e-12)
    assert m.sortino_ratio(SORTINO_R, 0.0) == pytest.approx(math.sqrt(0.3), rel=1e-12)


def test_sortino_is_nan_when_no_month_falls_below_rf():
    assert math.isnan(m.sortino_ratio([0.01, 0.02, 0.03], 0.0))


@given(returns_lists, st.floats(min_value=-0.05, max_value=0.05))
def test_downside_deviation_bounded_by_root_mean_square(values, target):
    x = np.asarray(values)
    rms = math.sqrt(np.mean((x - target) ** 2)) * SQRT12
    result = m.downside_deviation(x, np.full(x.size, target))
    assert 0.0 <= result <= rms + 1e-12
    if (x >= target).all():
        assert result == 0.0


# --------------------------------------------------------------------------- drawdown


def test_drawdown_hand_case():
    dd = m.drawdown_series(monthly(HAND))
    # 1.1 is the peak after month 1: 0.88 / 1.1 - 1, 0.924 / 1.1 - 1, 0.8316 / 1.1 - 1
    assert dd.to_numpy() == pytest.approx([0.0, -0.20, -0.16, -0.244], abs=1e-12)
    assert dd.index.equals(monthly(HAND).index)
    assert m.max_drawdown(HAND) == pytest.approx(-0.244, abs=1e-12)
    assert m.max_drawdown_duration(HAND) == 3


def test_first_month_loss_counts():
    # wealth 1 -> 0.9 -> 0.945: the old engine started at 0.9 and saw no drawdown at all
    assert m.max_drawdown([-0.10, 0.05]) == pytest.approx(-0.10, abs=1e-12)
    assert m.max_drawdown_duration([-0.10, 0.05]) == 2


def test_drawdown_duration_recovery_and_no_loss():
    # 1 -> 1.1 -> 0.99 -> 1.188 (new peak) -> 1.0692 : spells of 1 month each
    assert m.max_drawdown_duration([0.10, -0.10, 0.20, -0.10]) == 1
    assert m.max_drawdown_duration([0.01, 0.02]) == 0
    assert m.max_drawdown([0.01, 0.02]) == 0.0
    assert isinstance(m.drawdown_series(np.array([0.01, -0.02])).index, pd.RangeIndex)


@given(returns_lists)
def test_max_drawdown_matches_brute_force_and_bounds(values):
    wealth = [1.0]
    for v in values:
        wealth.append(wealth[-1] * (1.0 + v))
    brute = min(wealth[t] / wealth[s] - 1.0 for t in range(len(wealth)) for s in range(t + 1))
    result = m.max_drawdown(values)
    assert -1.0 <= result <= 0.0
    assert result == pytest.approx(brute, abs=1e-12)


def test_drawdown_matches_pandas_cummax():
    port, _ = realistic()
    wealth = pd.concat([pd.Series([1.0]), (1.0 + port).cumprod().reset_index(drop=True)])
    expected = (wealth / wealth.cummax() - 1.0).iloc[1:].to_numpy()
    assert m.drawdown_series(port).to_numpy() == pytest.approx(expected, abs=1e-14)


# --------------------------------------------------------------------------- relative to benchmark


def test_tracking_error_and_information_ratio_hand_case():
    # active [0.01, 0, 0.02]: mean 0.01, sample std 0.01 -> TE 0.01 sqrt(12), IR 0.12 / TE
    r, b = [0.02, 0.01, 0.03], [0.01, 0.01, 0.01]
    assert m.tracking_error(r, b) == pytest.approx(0.01 * SQRT12, rel=1e-12)
    assert m.information_ratio(r, b) == pytest.approx(SQRT12, rel=1e-12)


def test_information_ratio_is_arithmetic_not_cagr_difference():
    port, bench = realistic()
    active = port - bench
    expected = active.mean() * 12 / (active.std() * SQRT12)
    assert m.information_ratio(port, bench) == pytest.approx(expected, rel=1e-12)
    cagr_gap = m.annualized_return(port) - m.annualized_return(bench)
    assert not math.isclose(
        m.information_ratio(port, bench), cagr_gap / m.tracking_error(port, bench)
    )


@given(returns_lists)
def test_identical_series_have_zero_tracking_error(values):
    assert m.tracking_error(values, values) == 0.0
    assert m.information_ratio(values, values) == 0.0


def test_beta_matches_linregress_and_correlation_matches_pandas():
    port, bench = realistic()
    assert m.beta(port, bench) == pytest.approx(stats.linregress(bench, port).slope, rel=1e-10)
    assert m.correlation(port, bench) == pytest.approx(port.corr(bench), rel=1e-12)
    assert m.correlation(-port, port) == pytest.approx(-1.0, abs=1e-12)


@given(returns_lists, st.floats(min_value=-0.02, max_value=0.02))
def test_beta_of_doubled_benchmark_is_two(values, shift):
    assume(np.std(values, ddof=1) > 1e-4)
    doubled = [2.0 * v + shift for v in values]
    assert m.beta(doubled, values) == pytest.approx(2.0, rel=1e-9)
    assert m.beta(values, values) == pytest.approx(1.0, rel=1e-12)
    assert m.correlation(doubled, values) == pytest.approx(1.0, abs=1e-9)


def test_beta_and_correlation_nan_for_constant_benchmark():
    assert math.isnan(m.beta([0.01, 0.02, 0.03], [0.01, 0.01, 0.01]))
    assert math.isnan(m.correlation([0.01, 0.02, 0.03], [0.01, 0.01, 0.01]))


def test_capture_hand_case_excludes_flat_benchmark_months():
    r = [0.02, -0.01, 0.03, -0.02, 0.005]
    b = [0.01, -0.02, 0.03, -0.01, 0.0]
    # up months 0, 2: 0.025 / 0.02 = 1.25 (counting the flat month would give 1.375)
    assert m.up_capture(r, b) == pytest.approx(1.25, rel=1e-12)
    # down months 1, 3: -0.015 / -0.015 = 1.0
    assert m.down_capture(r, b) == pytest.approx(1.0, rel=1e-12)


def test_capture_nan_when_benchmark_never_falls():
    assert math.isnan(m.down_capture([0.01, -0.02], [0.01, 0.02]))
    assert m.up_capture([0.01, -0.02], [0.01, 0.02]) == pytest.approx(-0.005 / 0.015)


@given(returns_lists, st.floats(min_value=0.1, max_value=3.0))
def test_capture_of_scaled_benchmark_is_the_scale(values, scale):
    scaled = [scale * v for v in values]
    if any(v > 0 for v in values):
        assert m.up_capture(scaled, values) == pytest.approx(scale, rel=1e-9)
    if any(v < 0 for v in values):
        assert m.down_capture(scaled, values) == pytest.approx(scale, rel=1e-9)


# --------------------------------------------------------------------------- VaR and CVaR


def test_historical_var_and_cvar_interpolate_hand_case():
    # sorted -0.09, -0.08, ..., 0.10 (20 values): 5% position (20 - 1) x 0.05 = 0.95
    # -> -0.09 + 0.95 x 0.01 = -0.0805; only -0.09 lies at or below it
    values = np.random.default_rng(3).permutation(np.arange(-9, 11) / 100)
    assert m.historical_var(values) == pytest.approx(-0.0805, abs=1e-12)
    assert m.historical_cvar(values) == pytest.approx(-0.09, abs=1e-12)
    assert m.historical_var(values) == pytest.approx(pd.Series(values).quantile(0.05), abs=1e-15)


def test_historical_cvar_includes_the_var_point():
    # 21 values: position 20 x 0.05 = 1 -> VaR is exactly the second-worst return, -0.06
    values = [-0.10, -0.06] + [i / 100 for i in range(19)]
    assert m.historical_var(values) == pytest.approx(-0.06, abs=1e-12)
    assert m.historical_cvar(values) == pytest.approx(-0.08, abs=1e-12)


def test_historical_cvar_keeps_var_point_despite_rounding():
    # 11 values at 90%: position 10 x (1 - 0.9) is 0.9999999999999998 in floating point, so numpy
    # puts VaR a hair below -0.06; the -0.06 month must still be in the tail
    values = [-0.10, -0.06] + [i / 100 for i in range(9)]
    assert m.historical_var(values, 0.90) == pytest.approx(-0.06, abs=1e-12)
    assert m.historical_cvar(values, 0.90) == pytest.approx(-0.08, abs=1e-12)


@given(returns_lists, st.floats(min_value=0.5, max_value=0.995))
def test_cvar_not_above_var_and_var_within_sample(values, level):
    var, cvar = m.historical_var(values, level), m.historical_cvar(values, level)
    spread = max(values) - min(values)
    assert min(values) <= var <= max(values)
    assert cvar <= var + 1e-9 * spread + 1e-15
    assert cvar >= min(values) - 1e-15  # a mean of equal floats may round one ulp down


def test_parametric_var_hand_case():
    # [-0.04, 0.06]: mean 0.01, sample std sqrt(0.005)
    expected = 0.01 + Z_95 * math.sqrt(0.005)
    assert m.parametric_var([-0.04, 0.06]) == pytest.approx(expected, rel=1e-12)
    port, _ = realistic()
    assert m.parametric_var(port, 0.99) == pytest.approx(
        port.mean() + stats.norm.ppf(0.01) * port.std(), rel=1e-12
    )


@pytest.mark.parametrize(
    "level", [1e-12, 0.001, 0.01, 0.05, 0.1, 0.5, 0.9, 0.95, 0.975, 0.99, 0.999, 1 - 1e-9]
)
def test_normal_quantile_matches_scipy(level):
    """The stdlib quantile (AS241) that spares scipy.stats agrees with scipy.stats.norm.ppf."""
    expected = stats.norm.ppf(1.0 - level)
    assert m._normal_quantile(level) == pytest.approx(expected, rel=1e-14, abs=1e-15)


def test_cornish_fisher_equals_parametric_for_zero_skew_and_kurtosis():
    # {-a, -1, 1, a} x 0.01 is symmetric (G1 = 0). With n = 4, G2 = 0 needs the population excess
    # kurtosis g2 = -6 / (n + 1) = -1.2, i.e. 2 (a^4 + 1) / (a^2 + 1)^2 = 1.8, i.e.
    # a^4 - 18 a^2 + 1 = 0, so a^2 = 9 + 4 sqrt(5) and a = 2 + sqrt(5).
    a = 2.0 + math.sqrt(5.0)
    values = 0.005 + 0.01 * np.array([-a, -1.0, 1.0, a])
    assert m.cornish_fisher_var(values) == pytest.approx(m.parametric_var(values), rel=1e-12)
    # and this is not vacuous: the parametric VaR is a real loss here
    assert m.parametric_var(values) == pytest.approx(0.005 + Z_95 * np.std(values, ddof=1))


def test_cornish_fisher_matches_hand_computed_expansion():
    values = np.array([0.03, 0.01, -0.08, 0.02, 0.015, -0.02, 0.04, 0.005])
    n = values.size
    dev = values - values.mean()
    m2, m3, m4 = (dev**2).mean(), (dev**3).mean(), (dev**4).mean()
    g1, g2 = m3 / m2**1.5, m4 / m2**2 - 3.0
    skewness = math.sqrt(n * (n - 1)) / (n - 2) * g1  # bias-corrected G1
    kurt = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6.0)  # bias-corrected G2
    z = Z_95
    z_cf = (
        z
        + (z**2 - 1) * skewness / 6
        + (z**3 - 3 * z) * kurt / 24
        - (2 * z**3 - 5 * z) * skewness**2 / 36
    )
    expected = values.mean() + z_cf * values.std(ddof=1)
    assert m.cornish_fisher_var(values) == pytest.approx(expected, rel=1e-9)
    assert not math.isclose(expected, m.parametric_var(values), rel_tol=1e-3)


def test_cornish_fisher_of_constant_series_is_its_mean():
    assert m.cornish_fisher_var([0.01] * 5) == pytest.approx(0.01)


@given(returns_lists, st.floats(min_value=-0.05, max_value=0.05))
def test_parametric_var_shifts_with_the_mean(values, shift):
    shifted = [v + shift for v in values]
    assert m.parametric_var(shifted) == pytest.approx(m.parametric_var(values) + shift, abs=1e-12)


# --------------------------------------------------------------------------- simple statistics


def test_best_worst_and_positive_share():
    values = [0.03, 0.0, -0.02, 0.01]
    assert m.best_month(values) == 0.03
    assert m.worst_month(values) == -0.02
    assert m.positive_month_share(values) == 0.5  # the 0.0 month is not positive


# --------------------------------------------------------------------------- portfolio returns


def test_portfolio_returns_hand_case_and_ticker_alignment():
    frame = pd.DataFrame(
        {"SPY": [0.02, -0.01], "AGG": [0.01, 0.00]},
        index=pd.date_range("2021-01-31", periods=2, freq="ME"),
    )
    weights = pd.Series({"AGG": 0.4, "SPY": 0.6}, name="Balanced")  # not in column order
    result = m.portfolio_returns(frame, weights)
    # 0.6 x 0.02 + 0.4 x 0.01 = 0.016; 0.6 x -0.01 + 0 = -0.006
    assert result.to_numpy() == pytest.approx([0.016, -0.006], abs=1e-15)
    assert result.index.equals(frame.index)
    assert result.name == "Balanced"
    array_result = m.portfolio_returns(frame, np.array([0.6, 0.4]))
    assert array_result.to_numpy() == pytest.approx([0.016, -0.006], abs=1e-15)


def test_portfolio_returns_refuses_missing_tickers_and_nan():
    frame = pd.DataFrame({"SPY": [0.02, np.nan], "AGG": [0.01, 0.00]})
    clean = frame.fillna(0.01)
    with pytest.raises(DataError, match="no weight for \\[AGG\\]"):
        m.portfolio_returns(clean, pd.Series({"SPY": 1.0}))
    with pytest.raises(DataError, match="no returns for \\[TLT\\]"):
        m.portfolio_returns(clean, pd.Series({"SPY": 0.5, "AGG": 0.3, "TLT": 0.2}))
    with pytest.raises(DataError, match="returns for \\[SPY\\]"):
        m.portfolio_returns(frame, pd.Series({"SPY": 0.5, "AGG": 0.5}))
    with pytest.raises(DataError, match="weights for \\[AGG\\]"):
        m.portfolio_returns(clean, pd.Series({"SPY": 0.5, "AGG": np.nan}))
    with pytest.raises(DataError, match="3 weights for 2 tickers"):
        m.portfolio_returns(clean, np.array([0.5, 0.3, 0.2]))
    with pytest.raises(DataError, match="empty"):
        m.portfolio_returns(pd.DataFrame(), np.array([]))


# --------------------------------------------------------------------------- summary dataclass


def test_performance_metrics_of_benchmark_against_itself():
    _, bench = realistic()
    summary = summary_module.performance_metrics(bench, bench, 0.02)
    assert summary.tracking_error == 0.0
    assert summary.information_ratio == 0.0
    assert summary.beta == pytest.approx(1.0, rel=1e-12)
    assert summary.correlation == pytest.approx(1.0, rel=1e-12)
    assert summary.up_capture == pytest.approx(1.0) and summary.down_capture == pytest.approx(1.0)
    assert summary.months == 60


def test_performance_metrics_figures_and_dollar_var():
    values = list(np.random.default_rng(3).permutation(np.arange(-9, 11) / 100))
    bench = [0.5 * v + 0.001 for v in values]
    summary = summary_module.performance_metrics(values, bench, 0.0, portfolio_value=50_000_000.0)
    assert summary.var_95 == pytest.approx(-0.0805, abs=1e-12)
    assert summary.var_95_dollar == pytest.approx(-0.0805 * 50_000_000.0, rel=1e-12)
    assert summary.cvar_95_dollar == pytest.approx(-0.09 * 50_000_000.0, rel=1e-12)
    assert summary.beta == pytest.approx(2.0, rel=1e-12)
    assert summary.positive_month_share == pytest.approx(10 / 20)
    assert summary.best_month == pytest.approx(0.10) and summary.worst_month == pytest.approx(-0.09)
    assert summary.annualized_volatility == pytest.approx(np.std(values, ddof=1) * SQRT12)
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.beta = 0.0  # type: ignore[misc]


def test_performance_metrics_level_flows_to_var():
    port, bench = realistic()
    summary = summary_module.performance_metrics(port, bench, 0.02, level=0.99)
    assert summary.var_95 == pytest.approx(port.quantile(0.01), rel=1e-12)
    assert summary.level == 0.99
    assert "99%" in {s.name: s.label for s in summary.specs(summary.level)}["var_95"]


def test_specs_to_dict_and_conventions_cover_every_field():
    port, bench = realistic()
    summary = summary_module.performance_metrics(port, bench, 0.02)
    names = [spec.name for spec in summary_module.PerformanceMetrics.specs()]
    fields = {f.name for f in dataclasses.fields(summary_module.PerformanceMetrics)} - {
        "portfolio_value",
        "level",
    }
    assert set(names) == fields | {"var_95_dollar", "cvar_95_dollar"}
    assert list(summary.to_dict()) == names
    assert set(summary_module.CONVENTIONS) == set(names)
    assert all(
        isinstance(text, str) and len(text) > 20 for text in summary_module.CONVENTIONS.values()
    )
    kinds = {spec.name: spec.kind for spec in summary_module.PerformanceMetrics.specs()}
    assert kinds["var_95_dollar"] is summary_module.MetricKind.CURRENCY
    assert kinds["months"] is summary_module.MetricKind.COUNT
    assert kinds["sharpe_ratio"] is summary_module.MetricKind.RATIO
    assert kinds["max_drawdown"] is summary_module.MetricKind.PERCENT


# --------------------------------------------------------------------------- bad input


def test_nan_is_refused_naming_series_and_month():
    series = monthly([0.01, 0.02, np.nan, 0.01], name="Balanced")
    with pytest.raises(DataError, match="returns 'Balanced'.*first at 2020-03"):
        m.annualized_volatility(series)
    with pytest.raises(DataError, match="benchmark .*position 1"):
        m.tracking_error([0.01, 0.02], np.array([0.01, np.inf]))
    with pytest.raises(DataError, match="risk-free rate 'SGOV'"):
        m.sharpe_ratio(monthly([0.01, 0.02]), monthly([0.001, np.nan], name="SGOV"))


def test_too_short_input_says_how_many_months_are_needed():
    with pytest.raises(DataError, match="0 month\\(s\\).*at least 1"):
        m.annualized_return([])
    with pytest.raises(DataError, match="1 month\\(s\\).*volatility needs at least 2"):
        m.annualized_volatility([0.01])
    with pytest.raises(DataError, match="Cornish-Fisher VaR needs at least 4"):
        m.cornish_fisher_var([0.01, 0.02, -0.01])
    with pytest.raises(DataError, match="at least 4"):
        summary_module.performance_metrics([0.01, 0.02], [0.01, 0.02], 0.0)


def test_mismatched_series_are_refused():
    with pytest.raises(DataError, match="benchmark has 3 months but returns has 4"):
        m.beta([0.01, 0.02, 0.03, 0.04], [0.01, 0.02, 0.03])
    with pytest.raises(DataError, match="risk-free rate has 2 months"):
        m.sortino_ratio([0.01, 0.02, 0.03], [0.001, 0.001])
    shifted = monthly([0.01, 0.02, 0.03], start="2021-01-31")
    with pytest.raises(DataError, match="different months"):
        m.correlation(monthly([0.01, 0.02, 0.03]), shifted)


def test_other_invalid_inputs():
    with pytest.raises(DataError, match="between 0 and 1"):
        m.historical_var([0.01, 0.02], level=1.5)
    with pytest.raises(DataError, match="-100%"):
        m.max_drawdown([0.1, -1.5])
    with pytest.raises(DataError, match="one series"):
        m.annualized_volatility(np.zeros((3, 2)))
    with pytest.raises(DataError, match="non-numeric"):
        m.best_month(["a", "b"])
    with pytest.raises(DataError, match="above -100%"):
        m.sharpe_ratio([0.01, 0.02], -1.0)
    with pytest.raises(DataError, match="positive dollar"):
        summary_module.performance_metrics(HAND, HAND, 0.0, portfolio_value=0.0)


@settings(max_examples=50)
@given(returns_lists)
def test_performance_metrics_accepts_arrays_and_series_alike(values):
    as_series = monthly(values)
    from_array = summary_module.performance_metrics(
        np.asarray(values), np.asarray(values[::-1]), 0.02
    )
    from_series = summary_module.performance_metrics(as_series, monthly(values[::-1]), 0.02)
    for name, value in from_array.to_dict().items():
        other = from_series.to_dict()[name]
        assert (math.isnan(value) and math.isnan(other)) or value == pytest.approx(other, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-0.3, 0.3, allow_nan=False, allow_subnormal=False), min_size=5, max_size=40)
)
def test_cornish_fisher_moments_match_scipy_bias_corrected(values):
    """The closed-form G1/G2 inside cornish_fisher_var agree with scipy.stats (bias=False)."""
    x = np.asarray(values)
    assume(x.std() > 1e-6)
    s = stats.skew(x, bias=False)
    k = stats.kurtosis(x, fisher=True, bias=False)
    z = stats.norm.ppf(0.05)
    z_cf = z + (z**2 - 1) * s / 6 + (z**3 - 3 * z) * k / 24 - (2 * z**3 - 5 * z) * s**2 / 36
    expected = x.mean() + z_cf * x.std(ddof=1)
    assert m.cornish_fisher_var(x) == pytest.approx(expected, rel=1e-9, abs=1e-12)
