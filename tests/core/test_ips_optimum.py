"""The IPS Optimum: compliant by construction, and no compliant portfolio has a higher utility.

Optimality is checked three ways that do not use the cutting planes: random feasible directions
from the optimum (validated with the policy's own rule check), a fine grid of pairwise blends of
every candidate, and scipy's SLSQP on a small problem written with the compounded drawdown as
one nonlinear constraint per pair of months.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from core.analytics.metrics import max_drawdown
from core.errors import InfeasibleError
from core.optimize.candidates import penalized_utility, portfolio_volatility
from core.optimize.estimation import CovarianceEstimator, MarketInputs, ReturnEstimator
from core.optimize.ips_optimum import compounded_drawdown_pair, ips_optimum
from core.pipeline import AnalysisResult, load_default_dataset, run_analysis
from core.policy.constraints import ConstraintSet, LinearRow
from core.policy.profile_io import bundled_profiles
from core.policy.validation import validate_portfolio

IMPROVEMENT_TOL = 1e-10  # utility, annual decimal


@pytest.fixture(scope="module")
def binding() -> AnalysisResult:
    """Balanced Growth with a 8.5% volatility target and a 22% drawdown tolerance: on the default
    data both risk rules bind at the optimum and no other candidate is the optimum."""
    profile = bundled_profiles()["Balanced Growth"].with_changes(
        max_volatility=0.085, max_drawdown=0.22
    )
    return run_analysis(profile, load_default_dataset())


def _validate(result: AnalysisResult, w: np.ndarray):
    returns = result.dataset.returns[list(result.universe.tickers)].to_numpy()
    return validate_portfolio(
        w,
        result.profile,
        result.universe,
        ex_ante_volatility=portfolio_volatility(w, result.inputs.covariance),
        historical_max_drawdown=max_drawdown(returns @ w),
    )


def _utility(result: AnalysisResult, w: np.ndarray) -> float:
    p = result.profile
    return penalized_utility(w, result.inputs, p.risk_aversion, p.concentration_penalty)


def test_the_optimum_passes_every_rule_with_both_risk_rules_binding(binding):
    opt = binding.candidate("IPS Optimum")
    assert opt.passes
    assert _validate(binding, opt.weights.to_numpy()).passed
    # both risk rules bind: that is what makes this case a test of the method
    assert opt.expected_volatility == pytest.approx(0.085, abs=1e-9)
    assert opt.expected_volatility <= 0.085
    assert -opt.metrics.max_drawdown == pytest.approx(0.22, abs=1e-7)
    assert -opt.metrics.max_drawdown <= 0.22
    assert binding.recommended_name == "IPS Optimum"
    assert not binding.candidate("Mean-Variance Utility").passes


def _random_directions(result, w, rng, count):
    """Random feasible directions of the linear limits at ``w``: a standard normal draw projected
    (a small QP, DAQP) onto the cone ``sum d = 0``, ``d_i >= 0`` at a lower bound, ``<= 0`` at an
    upper bound, ``A_k d >= 0`` at a row minimum and ``<= 0`` at a row maximum."""
    import daqp

    cs = result.constraints
    n = cs.n
    lo = np.where(w <= cs.lower + 1e-9, 0.0, -np.inf)
    hi = np.where(w >= cs.upper - 1e-9, 0.0, np.inf)
    values = cs.A @ w
    row_lo = np.where(values <= cs.row_lower + 1e-9, 0.0, -np.inf)
    row_hi = np.where(values >= cs.row_upper - 1e-9, 0.0, np.inf)
    a = np.ascontiguousarray(np.vstack([np.ones((1, n)), cs.A]))
    upper = np.concatenate([hi, [0.0], row_hi])
    lower = np.concatenate([lo, [0.0], row_lo])
    sense = np.zeros(len(upper), dtype=np.int32)
    sense[n] = 5
    out = []
    while len(out) < count:
        z = rng.normal(size=n)
        d, _, flag, _ = daqp.solve(np.eye(n), -z, a, upper.copy(), lower.copy(), sense)
        assert flag == 1
        if np.linalg.norm(d) > 1e-6:
            out.append(d / np.linalg.norm(d))
    return out


def _best_compliant_improvement(result, w, seed=0):
    rng = np.random.default_rng(seed)
    base = _utility(result, w)
    compliant, best = 0, -np.inf
    for d in _random_directions(result, w, rng, 600):
        for step in (1e-4, 1e-3, 1e-2):
            trial = w + step * d
            if _validate(result, trial).passed:
                compliant += 1
                best = max(best, _utility(result, trial) - base)
    return compliant, best


@pytest.mark.slow
def test_no_random_feasible_direction_improves_the_optimum(binding):
    w = binding.candidate("IPS Optimum").weights.to_numpy()
    compliant, best = _best_compliant_improvement(binding, w)
    assert compliant >= 50  # the check looked at many compliant neighbours
    assert best <= IMPROVEMENT_TOL
    # the same search does find improvements from a compliant point that is not optimal
    w_max_sharpe = binding.candidate("Maximum Sharpe").weights.to_numpy()
    assert _validate(binding, w_max_sharpe).passed
    compliant, best = _best_compliant_improvement(binding, w_max_sharpe)
    assert compliant >= 50 and best > 1e-5


@pytest.mark.slow
@pytest.mark.parametrize("vol, drawdown", [(0.085, 0.22), (0.13, 0.25), (0.13, 0.21)])
def test_no_pairwise_blend_of_candidates_beats_it(vol, drawdown):
    profile = bundled_profiles()["Balanced Growth"].with_changes(
        max_volatility=vol, max_drawdown=drawdown
    )
    result = run_analysis(profile, load_default_dataset())
    opt = result.candidate("IPS Optimum")
    others = [c.weights.to_numpy() for c in result.candidates if c.name != "IPS Optimum"]
    compliant = 0
    grid = np.linspace(0.0, 1.0, 201)  # 0.5% steps
    for a, b in itertools.combinations(others, 2):
        for t in grid:
            w = t * a + (1 - t) * b
            if _validate(result, w).passed:
                compliant += 1
                assert _utility(result, w) <= opt.utility + IMPROVEMENT_TOL
    assert compliant > 100
    assert result.recommended.utility >= opt.utility - 1e-9


def _small_problem():
    """4 assets, 36 months: returns drawn once from a fixed seed; limits as a ConstraintSet."""
    rng = np.random.default_rng(7)
    months = rng.normal([0.025, 0.02, 0.004, 0.001], [0.05, 0.04, 0.015, 0.002], size=(36, 4))
    months[10:14, :2] -= 0.03  # a crash in the risky pair
    mu = months.mean(axis=0) * 12
    cov = np.cov(months, rowvar=False) * 12
    inputs = MarketInputs(
        tickers=("A", "B", "C", "D"),
        expected_returns=mu,
        covariance=cov,
        risk_free=0.0,
        covariance_estimator=CovarianceEstimator.SAMPLE,
        return_estimator=ReturnEstimator.HISTORICAL_MEAN,
        shrinkage=0.0,
        return_shrinkage=0.0,
        months=36,
    )
    cs = ConstraintSet(
        tickers=inputs.tickers,
        lower=np.zeros(4),
        upper=np.full(4, 0.7),
        A=np.array([[1.0, 1.0, 0.0, 0.0]]),
        row_lower=np.array([0.3]),
        row_upper=np.array([0.9]),
        rows=(LinearRow("Risky allocation", "asset_class", ("A", "B"), 0.3, 0.9),),
        upper_source=("max single ETF 70.0%",) * 4,
    )
    return months, inputs, cs


def test_matches_slsqp_on_a_small_problem():
    from scipy.optimize import minimize

    months, inputs, cs = _small_problem()
    lam, gamma, vol_target, tolerance = 3.0, 0.02, 0.06, 0.035
    cand = ips_optimum(
        inputs,
        cs,
        months,
        risk_aversion=lam,
        gamma=gamma,
        vol_target=vol_target,
        drawdown_tolerance=tolerance,
    )
    w = cand.weights
    mu, cov = inputs.expected_returns, inputs.covariance

    def utility(x):
        return mu @ x - lam / 2 * x @ cov @ x - gamma * x @ x

    floor = math.log(1 - tolerance)
    log_growth = lambda x: np.log1p(months @ x)  # noqa: E731
    pairs = [(s, t) for s in range(37) for t in range(s + 1, 37)]
    constraints = [
        {"type": "eq", "fun": lambda x: x.sum() - 1},
        {"type": "ineq", "fun": lambda x: np.array([0.9 - x[:2].sum(), x[:2].sum() - 0.3])},
        {"type": "ineq", "fun": lambda x: vol_target**2 - x @ cov @ x},
        {
            "type": "ineq",
            "fun": lambda x: np.array(
                [log_growth(x)[s:t].sum() - floor for s, t in pairs]  # every peak and trough
            ),
        },
    ]
    best = None
    for start in (np.full(4, 0.25), np.array([0.2, 0.2, 0.3, 0.3])):
        res = minimize(
            lambda x: -utility(x),
            start,
            method="SLSQP",
            bounds=[(0, 0.7)] * 4,
            constraints=constraints,
            options={"ftol": 1e-14, "maxiter": 500},
        )
        assert res.success, res.message
        if best is None or -res.fun > -best.fun:
            best = res
    assert utility(w) == pytest.approx(-best.fun, abs=1e-8)
    np.testing.assert_allclose(w, best.x, atol=2e-4)
    # and it is compliant on the compounded path and the volatility target
    assert 1 - math.exp(compounded_drawdown_pair(months @ w)[0]) <= tolerance
    assert -max_drawdown(months @ w) <= tolerance
    assert math.sqrt(w @ cov @ w) <= vol_target
    assert cs.max_violation(w) <= 1e-9
    # both risk rules bind here (otherwise the test would not exercise them)
    assert math.sqrt(w @ cov @ w) == pytest.approx(vol_target, abs=1e-9)
    assert -max_drawdown(months @ w) == pytest.approx(tolerance, abs=1e-7)
    free = ips_optimum(
        inputs, cs, months, risk_aversion=lam, gamma=gamma, vol_target=1.0, drawdown_tolerance=0.99
    )
    assert math.sqrt(free.weights @ cov @ free.weights) > vol_target
    assert -max_drawdown(months @ free.weights) > tolerance


def test_compounded_drawdown_pair_by_hand():
    # wealth 1 -> 1.1 -> 0.88 -> 0.968 -> 0.7744: peak 1.1 after month 1, trough after month 4
    depth, peak, trough = compounded_drawdown_pair(np.array([0.1, -0.2, 0.1, -0.2]))
    assert (peak, trough) == (1, 4)
    assert 1 - math.exp(depth) == pytest.approx(1 - 0.7744 / 1.1, abs=1e-15)


def test_drawdown_conflict_names_the_rules():
    profile = bundled_profiles()["Balanced Growth"].with_changes(max_drawdown=0.15)
    result = run_analysis(profile, load_default_dataset())
    message = result.failed_strategies["IPS Optimum"]
    assert "drawdown tolerance 15%" in message
    assert "Equity minimum 45%" in message
    assert "Raise the drawdown tolerance" in message
    # the least drawdown stated is reached by a real portfolio: a blend test cannot beat it
    assert all(-c.metrics.max_drawdown > 0.15 for c in result.candidates)
    with pytest.raises(InfeasibleError, match="Equity minimum 45%"):
        ips_optimum(
            result.inputs,
            result.constraints,
            result.dataset.returns[list(result.universe.tickers)].to_numpy(),
            risk_aversion=4.0,
            gamma=0.05,
            vol_target=0.13,
            drawdown_tolerance=0.15,
        )


def test_volatility_conflict_names_the_rules():
    profile = bundled_profiles()["Balanced Growth"].with_changes(max_volatility=0.05)
    result = run_analysis(profile, load_default_dataset())
    message = result.failed_strategies["IPS Optimum"]
    assert "volatility target 5%" in message
    assert "Equity minimum 45%" in message
    lowest = result.candidate("Minimum Volatility").expected_volatility
    assert f"{lowest * 100:.4g}%" in message  # the lowest volatility the limits allow


def test_without_a_binding_rule_it_is_the_mean_variance_portfolio():
    result = run_analysis(bundled_profiles()["Balanced Growth"], load_default_dataset())
    opt, mv = result.candidate("IPS Optimum"), result.candidate("Mean-Variance Utility")
    np.testing.assert_allclose(opt.weights, mv.weights, atol=1e-12)
    # a tie: the established name is kept
    assert result.recommended_name == "Mean-Variance Utility"


def test_volatility_and_drawdown_conflict_names_both_rules():
    # each rule alone can be met (the lowest volatility is 7.90%, the least drawdown 19.02%),
    # not both: the minimum-volatility portfolio falls 20.03%
    profile = bundled_profiles()["Balanced Growth"].with_changes(
        max_volatility=0.079, max_drawdown=0.195
    )
    result = run_analysis(profile, load_default_dataset())
    message = result.failed_strategies["IPS Optimum"]
    assert (
        "volatility target 7.9% cannot hold together with the drawdown tolerance 19.5%" in message
    )
    lowest = float(message.split("has at least ")[1].split("%")[0]) / 100
    min_vol = result.candidate("Minimum Volatility")
    assert min_vol.expected_volatility < 0.079 < lowest  # the drawdown rule is what raises it
    assert -min_vol.metrics.max_drawdown > 0.195
