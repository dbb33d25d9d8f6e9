"""Equal risk contributions against an independent Newton reference (the shared benchmark's
formula, re-implemented here), the risk-contribution identity itself, the factor form and bad inputs."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import DataError, SolverError
from core.optimize.risk_parity import Covariance, equal_risk_contribution, risk_contribution_error


def newton_reference(cov: np.ndarray, tol: float = 1e-13, max_iter: int = 200) -> np.ndarray:
    """Damped Newton on min 0.5 y'Sy - (1/n) sum log y from inverse volatility (the benchmark's
    reference method: np.linalg.solve, halving to stay positive, Armijo backtracking far out)."""
    n = cov.shape[0]
    y = 1.0 / np.sqrt(np.diag(cov))
    y /= np.sqrt(y @ cov @ y)
    b = np.full(n, 1.0 / n)

    def f(v):
        return 0.5 * v @ cov @ v - b @ np.log(v)

    for _ in range(max_iter):
        sy = cov @ y
        if np.abs(n * y * sy - 1.0).max() < tol:
            break
        g = sy - b / y
        step = np.linalg.solve(cov + np.diag(b / y**2), g)
        t = 1.0
        while np.any(y - t * step <= 0):
            t *= 0.5
        if g @ step > 1e-8:
            f0, dec = f(y), g @ step
            while t > 1e-10 and f(y - t * step) > f0 - 0.25 * t * dec:
                t *= 0.5
        y = y - t * step
    return y / y.sum()


def factor_covariance(rng: np.random.Generator, n: int, t: int, hedges: bool = True):
    """Sample covariance of a factor model (equity-like and, optionally, negatively related
    bond-like assets), shrunk towards its diagonal: F'F + diag(d) exactly."""
    k = 4
    loadings = rng.normal(0.6, 0.3, size=(n, k)) * rng.uniform(0.02, 0.2, size=(1, k))
    if hedges:
        loadings[rng.random(n) < 0.4, 0] *= -0.5
    returns = rng.normal(size=(t, k)) @ loadings.T + rng.normal(size=(t, n)) * rng.uniform(
        0.01, 0.08, n
    )
    centred = returns - returns.mean(axis=0)
    F = np.sqrt(0.9 / (t - 1)) * centred
    d = 0.1 * (centred**2).sum(axis=0) / (t - 1)
    return F, d, F.T @ F + np.diag(d)


@pytest.mark.parametrize("seed", range(12))
def test_matches_the_newton_reference_and_equalizes_risk(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 160))
    _, _, cov = factor_covariance(
        rng, n, int(rng.integers(n + 5, 2 * n + 40)), hedges=seed % 3 != 0
    )
    w = equal_risk_contribution(cov)
    ref = newton_reference(cov)
    np.testing.assert_allclose(w, ref, rtol=1e-9)
    assert w.sum() == pytest.approx(1.0, abs=1e-14) and np.all(w > 0)
    rc = w * (cov @ w)
    np.testing.assert_allclose(n * rc / rc.sum(), 1.0, atol=1e-9)
    assert risk_contribution_error(w, cov) < 1e-9


def test_textbook_two_asset_case():
    # two assets: w1 sigma1 = w2 sigma2 whatever the correlation
    s1, s2, rho = 0.2, 0.05, -0.4
    cov = np.array([[s1**2, rho * s1 * s2], [rho * s1 * s2, s2**2]])
    w = equal_risk_contribution(cov)
    np.testing.assert_allclose(w, np.array([s2, s1]) / (s1 + s2), rtol=1e-12)


@pytest.mark.parametrize(("n", "t"), [(50, 120), (320, 120), (600, 150)])
def test_factor_form_equals_dense_form(n, t):
    rng = np.random.default_rng(n)
    F, d, cov = factor_covariance(rng, n, t)
    dense = equal_risk_contribution(cov)
    factored = equal_risk_contribution(factor=F, idiosyncratic=d)
    prepared = equal_risk_contribution(Covariance.from_factors(F, d))
    np.testing.assert_allclose(factored, dense, rtol=1e-9)
    np.testing.assert_array_equal(prepared, factored)
    assert risk_contribution_error(factored, cov) < 1e-9


def test_large_problem_matches_the_reference():
    rng = np.random.default_rng(77)
    F, d, cov = factor_covariance(rng, 400, 200)
    np.testing.assert_allclose(equal_risk_contribution(cov), newton_reference(cov), rtol=1e-9)


def test_risk_budgets_are_met():
    rng = np.random.default_rng(4)
    _, _, cov = factor_covariance(rng, 30, 80)
    budget = rng.uniform(0.5, 3.0, 30)
    w = equal_risk_contribution(cov, budget)
    rc = w * (cov @ w)
    np.testing.assert_allclose(rc / rc.sum(), budget / budget.sum(), rtol=1e-9)
    assert risk_contribution_error(w, cov, budget) < 1e-9


def test_bad_inputs_raise_typed_errors():
    with pytest.raises(DataError):
        equal_risk_contribution(np.ones((2, 3)))
    with pytest.raises(DataError):
        equal_risk_contribution(np.diag([0.04, 0.0]))
    with pytest.raises(DataError):
        equal_risk_contribution(np.diag([0.04, np.nan]))
    with pytest.raises(DataError):
        equal_risk_contribution(np.diag([0.04, 0.09]), budget=np.array([1.0, -1.0]))
    with pytest.raises(DataError):
        equal_risk_contribution()
    with pytest.raises(SolverError):  # positive variances, but not positive definite
        equal_risk_contribution(np.array([[1.0, -2.0], [-2.0, 1.0]]))


@pytest.mark.parametrize("seed", range(6))
def test_ill_conditioned_covariances_match_the_reference(seed):
    """Near-collinear assets (three factors, tiny idiosyncratic risk, random signs: hedges), vols
    from 1% to 30%: condition numbers 1e5 to 1e8. The solver certifies 1e-10 on its own S y;
    recomputed from the normalized weights, rounding at these condition numbers adds ~1e-10."""
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(8, 120))
    loadings = rng.normal(size=(n, 3))
    corr = loadings @ loadings.T + np.diag(rng.uniform(1e-3, 1e-2, n) * 10.0 ** -(seed % 3))
    vols = rng.uniform(0.01, 0.3, n) / np.sqrt(np.diag(corr))
    cov = corr * np.outer(vols, vols)
    assert np.linalg.cond(cov) > 1e5
    w = equal_risk_contribution(cov)
    assert (
        risk_contribution_error(w, cov) < 1e-9
        and np.all(w > 0)
        and w.sum() == pytest.approx(1.0, abs=1e-14)
    )
    np.testing.assert_allclose(w, newton_reference(cov), rtol=1e-7)


def test_budgeted_dense_and_factor_paths_agree():
    rng = np.random.default_rng(9)
    F, d, cov = factor_covariance(rng, 40, 30)
    budget = rng.uniform(0.2, 2.0, 40)
    dense = equal_risk_contribution(cov, budget)
    factored = equal_risk_contribution(factor=F, idiosyncratic=d, budget=budget)
    np.testing.assert_allclose(dense, factored, rtol=1e-9)
    assert risk_contribution_error(dense, cov, budget) < 1e-10


@pytest.mark.parametrize("seed", range(5))
def test_numpy_and_scipy_lapack_backends_agree(seed):
    """The app's path (numpy's linear algebra, no scipy import) takes the same Newton steps as the
    benchmark's (scipy's LAPACK wrappers): the same weights to rounding, both certified."""
    rng = np.random.default_rng(seed)
    n = 14 + 3 * seed
    a = rng.normal(size=(3 * n, n))
    cov = a.T @ a / (3 * n) + np.diag(rng.uniform(0.01, 0.1, n))
    w_scipy = equal_risk_contribution(cov)
    w_numpy = equal_risk_contribution(cov, scipy_lapack=False)
    np.testing.assert_allclose(w_numpy, w_scipy, rtol=1e-10, atol=1e-13)
    assert risk_contribution_error(w_numpy, cov) < 1e-9


def _outcome(cov: np.ndarray, scipy_lapack: bool) -> object:
    try:
        return equal_risk_contribution(cov, scipy_lapack=scipy_lapack)
    except (SolverError, DataError) as exc:
        return type(exc)


def test_backends_treat_indefinite_matrices_alike():
    rng = np.random.default_rng(7)
    raised = 0
    for _ in range(30):
        n = int(rng.integers(3, 9))
        a = rng.normal(size=(n, n))
        cov = (a + a.T) / 2 + np.diag(
            np.abs(rng.normal(size=n)) + 2.0
        )  # positive diagonal, often indefinite
        first, second = _outcome(cov, True), _outcome(cov, False)
        if isinstance(first, np.ndarray):
            np.testing.assert_allclose(second, first, rtol=1e-9, atol=1e-12)
        else:
            assert second is first
            raised += 1
    assert raised > 0  # the comparison covered refusals too
