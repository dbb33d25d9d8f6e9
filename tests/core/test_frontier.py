"""The constrained efficient frontier against an independent solver (SciPy SLSQP), the
two-fund closed form, and the pipeline's candidates."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from core.errors import DataError
from core.optimize import candidates as C
from core.optimize.estimation import CovarianceEstimator, MarketInputs, ReturnEstimator
from core.optimize.frontier import efficient_frontier, minimum_variance_at
from core.optimize.qp import max_linear
from core.policy.constraints import ConstraintSet, build_constraints
from core.policy.profile_io import bundled_profiles
from core.universe import default_universe

VOLS = np.array([0.15, 0.10, 0.05, 0.20])
CORR = np.array([[1, 0.3, 0.1, 0.5], [0.3, 1, 0.2, 0.3], [0.1, 0.2, 1, 0.0], [0.5, 0.3, 0.0, 1]])
COV = np.outer(VOLS, VOLS) * CORR
MU = np.array([0.08, 0.06, 0.03, 0.10])


def box(n: int, lower: float = 0.0, upper: float = 1.0) -> ConstraintSet:
    return ConstraintSet(
        tickers=tuple(f"A{i}" for i in range(n)),
        lower=np.full(n, lower),
        upper=np.full(n, upper),
        A=np.zeros((0, n)),
        row_lower=np.zeros(0),
        row_upper=np.zeros(0),
        rows=(),
        upper_source=("test",) * n,
    )


def inputs(mu, cov, rf=0.0, tickers=None) -> MarketInputs:
    mu = np.asarray(mu, float)
    tickers = tuple(tickers) if tickers is not None else tuple(f"A{i}" for i in range(len(mu)))
    return MarketInputs(
        tickers,
        mu,
        np.asarray(cov, float),
        rf,
        CovarianceEstimator.SAMPLE,
        ReturnEstimator.HISTORICAL_MEAN,
        0.0,
        0.0,
        120,
    )


def realistic() -> tuple[MarketInputs, ConstraintSet]:
    """A 14-ETF covariance with a factor structure under the Balanced Growth policy."""
    rng = np.random.default_rng(7)
    u = default_universe()
    b = rng.normal(size=(u.n, 4)) * 0.1
    vols = np.array(
        [0.16, 0.21, 0.22, 0.18, 0.24, 0.055, 0.15, 0.018, 0.08, 0.115, 0.21, 0.16, 0.20, 0.006]
    )
    cov = b @ b.T
    d = np.sqrt(np.diag(cov))
    cov = np.outer(vols, vols) * (cov / np.outer(d, d) * 0.7 + np.eye(u.n) * 0.3)
    mu = np.array(
        [0.085, 0.105, 0.08, 0.065, 0.07, 0.03, 0.035, 0.02, 0.04, 0.055, 0.07, 0.045, 0.035, 0.02]
    )
    cs = build_constraints(bundled_profiles()["Balanced Growth"], u)
    return inputs(mu, cov, rf=0.02, tickers=u.tickers), cs


def slsqp_frontier_point(inp, cs, target):
    sigma, mu = inp.covariance, inp.expected_returns
    cons = [
        {"type": "eq", "fun": lambda w: w.sum() - 1, "jac": lambda w: np.ones(cs.n)},
        {
            "type": "ineq",
            "fun": lambda w: np.array([mu @ w - target]),
            "jac": lambda w: mu[None, :],
        },
    ]
    if len(cs.rows):
        cons += [
            {"type": "ineq", "fun": lambda w: cs.A @ w - cs.row_lower, "jac": lambda w: cs.A},
            {"type": "ineq", "fun": lambda w: cs.row_upper - cs.A @ w, "jac": lambda w: -cs.A},
        ]
    best = None
    rng = np.random.default_rng(0)
    for _ in range(6):
        res = minimize(
            lambda w: w @ sigma @ w,
            rng.dirichlet(np.ones(cs.n)),
            jac=lambda w: 2 * sigma @ w,
            method="SLSQP",
            bounds=list(zip(cs.lower, cs.upper, strict=True)),
            constraints=cons,
            options={"ftol": 1e-16, "maxiter": 5000},
        )
        if res.success and cs.max_violation(res.x) < 1e-9 and (best is None or res.fun < best.fun):
            best = res
    assert best is not None
    return best.x


@pytest.fixture(scope="module")
def case():
    inp, cs = realistic()
    return inp, cs, efficient_frontier(inp, cs, points=25)


def test_frontier_is_monotone_and_feasible(case):
    inp, cs, f = case
    assert f.points == 25 and f.weights.shape == (25, cs.n)
    assert np.all(np.diff(f.volatilities) >= -1e-12)
    assert np.all(np.diff(f.returns) > 0)
    for k in range(f.points):
        assert cs.max_violation(f.weights[k]) <= 1e-8
        assert f.returns[k] >= f.target_returns[k] - 1e-10
    np.testing.assert_allclose(
        f.volatilities, np.sqrt(np.einsum("ki,ij,kj->k", f.weights, inp.covariance, f.weights))
    )
    np.testing.assert_allclose(f.sharpe_ratios, (f.returns - inp.risk_free) / f.volatilities)


def test_frontier_ends_are_the_minimum_variance_and_the_top_return_portfolios(case):
    inp, cs, f = case
    w_min = C.minimum_volatility(inp, cs).weights
    np.testing.assert_allclose(f.weights[0], w_min, atol=1e-9)
    top = float(inp.expected_returns @ max_linear(inp.expected_returns, cs))
    assert f.returns[-1] == pytest.approx(top, abs=1e-9)


@pytest.mark.parametrize("k", [3, 12, 20, 24])
def test_points_match_an_independent_slsqp_solve(case, k):
    inp, cs, f = case
    ref = slsqp_frontier_point(inp, cs, f.target_returns[k])
    np.testing.assert_allclose(f.weights[k], ref, atol=1e-6)
    assert f.volatilities[k] ** 2 <= ref @ inp.covariance @ ref * (1 + 1e-9)


def test_budget_only_frontier_matches_the_two_fund_closed_form():
    cs = box(4, lower=-5, upper=5)
    inp = inputs(MU, COV)
    f = efficient_frontier(inp, cs, points=15)
    inv = np.linalg.inv(COV)
    ones = np.ones(4)
    a, b, c = ones @ inv @ ones, ones @ inv @ MU, MU @ inv @ MU
    inside = np.abs(f.weights).max(axis=1) < 5 - 1e-6  # where no bound binds
    assert inside.sum() >= 5
    r = f.returns[inside]
    np.testing.assert_allclose(
        f.volatilities[inside] ** 2, (a * r**2 - 2 * b * r + c) / (a * c - b**2), rtol=1e-8
    )


def test_pipeline_candidates_lie_on_or_below_the_frontier():
    from core.pipeline import load_default_dataset, run_analysis

    dataset = load_default_dataset()
    for name, profile in bundled_profiles().items():
        r = run_analysis(profile, dataset)
        f = efficient_frontier(r.inputs, r.constraints)
        for cand in r.candidates:
            if r.constraints.max_violation(cand.weights.to_numpy()) > 1e-8:
                continue  # an anchor that breaks the policy is not in the feasible set
            assert cand.expected_return <= f.returns[-1] + 1e-9, (name, cand.name)
            best = minimum_variance_at(r.inputs, r.constraints, cand.expected_return)
            frontier_vol = float(np.sqrt(best @ r.inputs.covariance @ best))
            assert cand.expected_volatility >= frontier_vol - 1e-8, (name, cand.name)
            assert cand.expected_volatility >= f.volatilities[0] - 1e-10


def test_degenerate_and_bad_requests():
    cs = box(3)
    flat = inputs([0.05, 0.05, 0.05], np.diag([0.01, 0.02, 0.04]))
    f = efficient_frontier(flat, cs, points=10)
    assert f.points == 1
    with pytest.raises(DataError, match="at least 2"):
        efficient_frontier(flat, cs, points=1)
    with pytest.raises(DataError, match="different tickers"):
        efficient_frontier(inputs(MU, COV), box(3))


def test_frame_layout(case):
    _, cs, f = case
    frame = f.to_frame()
    assert list(frame.columns[:5]) == [
        "point",
        "target_return",
        "expected_return",
        "volatility",
        "sharpe_ratio",
    ]
    assert list(frame.columns[5:]) == [f"weight_{t}" for t in cs.tickers]
