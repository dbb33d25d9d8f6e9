"""The working-set QP solver against DAQP (a dual active-set method) and SciPy, on seeded random
feasible instances, degenerate cases, warm starts, the factor form and the frontier sweep."""

from __future__ import annotations

import daqp
import numpy as np
import pytest
from scipy.optimize import minimize

from core.errors import InfeasibleError, SolverError
from core.optimize import active_set
from core.optimize.frontier import frontier_weights
from core.optimize.hessian import Hessian
from core.optimize.qp import DAQP_MAX_N, PolicyQP, max_linear, solve_qp
from core.policy.constraints import ConstraintSet, LinearRow


def random_instance(rng: np.random.Generator, n: int, *, overlapping: bool, factor_rank: int = 0):
    """A PD H, a linear term and bounds/rows that a known point satisfies (so: feasible)."""
    t = factor_rank or n + 5
    F = rng.normal(size=(t, n)) * rng.uniform(0.05, 0.3, size=n)
    d = rng.uniform(0.0005, 0.01, size=n)
    H = F.T @ F + np.diag(d)
    f = rng.normal(scale=0.05, size=n)
    x_feas = rng.dirichlet(np.ones(n))
    lower = np.where(rng.random(n) < 0.3, x_feas * rng.random(n), 0.0)
    upper = x_feas + rng.uniform(0.0, 0.3, size=n)
    m = int(rng.integers(1, 6))
    if overlapping:
        A = (rng.random((m, n)) < 0.3).astype(float)
    else:
        A = np.zeros((m, n))
        A[rng.integers(0, m, size=n), np.arange(n)] = 1.0
    values = A @ x_feas
    row_lower = np.where(rng.random(m) < 0.2, -np.inf, values - rng.uniform(0, 0.05, m))
    row_upper = np.where(rng.random(m) < 0.2, np.inf, values + rng.uniform(0, 0.05, m))
    A = np.vstack([np.ones((1, n)), A])  # the budget, an equality row
    row_lower = np.concatenate([[1.0], row_lower])
    row_upper = np.concatenate([[1.0], row_upper])
    return F, d, H, f, lower, upper, A, row_lower, row_upper


def daqp_reference(H, f, lower, upper, A, row_lower, row_upper):
    n = len(f)
    sense = np.zeros(n + len(row_lower), dtype=np.int32)
    sense[n:][row_lower == row_upper] = 5
    x, fval, flag, _ = daqp.solve(
        np.ascontiguousarray(H),
        f,
        np.ascontiguousarray(A),
        np.concatenate([upper, row_upper]),
        np.concatenate([lower, row_lower]),
        sense,
        primal_tol=1e-12,
    )
    assert flag == 1
    return np.asarray(x), fval


def violation(x, lower, upper, A, row_lower, row_upper):
    v = A @ x
    return max(
        np.max(lower - x), np.max(x - upper), np.max(row_lower - v), np.max(v - row_upper), 0.0
    )


def objective(H, f, x):
    return 0.5 * x @ H @ x + f @ x


@pytest.mark.parametrize("seed", range(30))
def test_matches_daqp_on_random_feasible_instances(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 120))
    F, d, H, f, lower, upper, A, lo, hi = random_instance(rng, n, overlapping=seed % 2 == 1)
    sol = active_set.solve(Hessian.dense(H), f, lower, upper, A, lo, hi)
    x_ref, _ = daqp_reference(H, f, lower, upper, A, lo, hi)
    ours, ref = objective(H, f, sol.x), objective(H, f, x_ref)
    assert violation(sol.x, lower, upper, A, lo, hi) <= 1e-9
    assert ours <= ref + 1e-9 * max(1.0, abs(ref))
    assert ours == pytest.approx(ref, rel=1e-9, abs=1e-12)
    assert sol.kkt_residual <= 1e-8


@pytest.mark.parametrize("seed", range(6))
def test_matches_scipy_slsqp(seed):
    rng = np.random.default_rng(100 + seed)
    n = 12
    _, _, H, f, lower, upper, A, lo, hi = random_instance(rng, n, overlapping=True)
    sol = active_set.solve(Hessian.dense(H), f, lower, upper, A, lo, hi)
    cons = [{"type": "eq", "fun": lambda x: x.sum() - 1.0}]
    for k in range(1, A.shape[0]):
        if np.isfinite(lo[k]):
            cons.append({"type": "ineq", "fun": lambda x, k=k: A[k] @ x - lo[k]})
        if np.isfinite(hi[k]):
            cons.append({"type": "ineq", "fun": lambda x, k=k: hi[k] - A[k] @ x})
    ref = minimize(
        lambda x: objective(H, f, x),
        np.clip(sol.x + 0.01, lower, upper),
        jac=lambda x: H @ x + f,
        method="SLSQP",
        bounds=list(zip(lower, upper, strict=True)),
        constraints=cons,
        options={"ftol": 1e-15, "maxiter": 1000},
    )
    assert ref.success
    assert objective(H, f, sol.x) <= ref.fun + 1e-10
    assert objective(H, f, sol.x) == pytest.approx(ref.fun, rel=1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_factor_form_equals_dense_form(seed):
    rng = np.random.default_rng(200 + seed)
    n = 150
    F, d, H, f, lower, upper, A, lo, hi = random_instance(rng, n, overlapping=False, factor_rank=30)
    dense = active_set.solve(Hessian.dense(H), f, lower, upper, A, lo, hi)
    factored = active_set.solve(Hessian.factored(F, d), f, lower, upper, A, lo, hi)
    np.testing.assert_allclose(factored.x, dense.x, atol=1e-9)
    assert factored.objective == pytest.approx(dense.objective, rel=1e-10)
    scaled = active_set.solve(
        Hessian.factored(F / 2.0, 3.0 * d, 12.0), 3.0 * f, lower, upper, A, lo, hi
    )
    np.testing.assert_allclose(scaled.x, dense.x, atol=1e-9)  # 12 (F/2)'(F/2) + 3d = 3 H


@pytest.mark.parametrize("seed", range(5))
def test_warm_starts_give_the_same_answer(seed):
    rng = np.random.default_rng(300 + seed)
    n = 90
    _, _, H, f, lower, upper, A, lo, hi = random_instance(rng, n, overlapping=False)
    hessian = Hessian.dense(H)
    cold = active_set.solve(hessian, f, lower, upper, A, lo, hi)
    # from the optimum itself, and from a feasible point with a free-set hint
    again = active_set.solve(hessian, f, lower, upper, A, lo, hi, x0=cold.x, free=cold.free)
    np.testing.assert_allclose(again.x, cold.x, atol=1e-12)
    # a neighbouring problem: a return floor that binds, reached from the previous solution
    mu = rng.normal(0.05, 0.03, size=n)
    top = active_set.solve(hessian, -1e3 * mu, lower, upper, A, lo, hi).x  # a high-return point
    for share in (0.1, 0.6):
        target = float(mu @ cold.x + share * (mu @ top - mu @ cold.x))
        A2, lo2, hi2 = np.vstack([A, mu]), np.append(lo, target), np.append(hi, np.inf)
        warm = active_set.resolve(hessian, f, lower, upper, A2, lo2, hi2, cold)
        if warm is None:  # the held assets cannot get there: start on the segment to the top point
            warm = active_set.solve(
                hessian, f, lower, upper, A2, lo2, hi2, x0=cold.x + share * (top - cold.x)
            )
        x_ref, _ = daqp_reference(H, f, lower, upper, A2, lo2, hi2)
        assert objective(H, f, warm.x) == pytest.approx(objective(H, f, x_ref), rel=1e-9)
        assert violation(warm.x, lower, upper, A2, lo2, hi2) <= 1e-9


def test_ties_between_identical_assets():
    n = 8
    H = np.full((n, n), 0.04) + np.diag(np.full(n, 0.01))  # eight identical assets
    lower, upper = np.zeros(n), np.full(n, 0.3)
    A, lo, hi = np.ones((1, n)), np.array([1.0]), np.array([1.0])
    sol = active_set.solve(Hessian.dense(H), np.zeros(n), lower, upper, A, lo, hi)
    np.testing.assert_allclose(sol.x, 1.0 / n, atol=1e-12)


def test_solution_with_every_asset_on_a_bound():
    n = 40
    rng = np.random.default_rng(5)
    H = np.diag(rng.uniform(1e-6, 2e-6, n))
    f = -np.linspace(1.0, 2.0, n)  # a strong linear term: the LP vertex wins
    lower, upper = np.zeros(n), np.full(n, 0.1)
    A, lo, hi = np.ones((1, n)), np.array([1.0]), np.array([1.0])
    sol = active_set.solve(Hessian.dense(H), f, lower, upper, A, lo, hi)
    np.testing.assert_allclose(sol.x[-10:], 0.1, atol=1e-12)
    np.testing.assert_allclose(sol.x[:-10], 0.0, atol=1e-12)
    assert sol.free.size <= 1  # a degenerate vertex: one asset may sit at round-off from its bound


def test_equality_rows_only_match_the_kkt_linear_system():
    rng = np.random.default_rng(9)
    n = 70
    B = rng.normal(size=(n, n))
    H = B @ B.T / n + np.eye(n)
    f = rng.normal(size=n)
    A = np.vstack([np.ones(n), rng.normal(size=n)])
    b = np.array([1.0, 0.3])
    kkt = np.block([[H, A.T], [A, np.zeros((2, 2))]])
    x_ref = np.linalg.solve(kkt, np.concatenate([-f, b]))[:n]
    lower, upper = np.full(n, -100.0), np.full(n, 100.0)  # wide: no bound binds
    sol = active_set.solve(Hessian.dense(H), f, lower, upper, A, b, b)
    np.testing.assert_allclose(sol.x, x_ref, atol=1e-10)


def test_infeasible_constraints_raise():
    n = 70
    H = np.eye(n)
    A, lo, hi = np.ones((1, n)), np.array([1.0]), np.array([1.0])
    with pytest.raises(InfeasibleError):
        active_set.solve(Hessian.dense(H), np.zeros(n), np.zeros(n), np.full(n, 0.01), A, lo, hi)
    groups = np.vstack(
        [np.ones(n), np.r_[np.ones(35), np.zeros(35)], np.r_[np.zeros(35), np.ones(35)]]
    )
    with pytest.raises(InfeasibleError):  # two class minimums that add up to more than 100%
        active_set.solve(
            Hessian.dense(H),
            np.zeros(n),
            np.zeros(n),
            np.ones(n),
            groups,
            np.array([1.0, 0.6, 0.6]),
            np.array([1.0, 1.0, 1.0]),
        )


def test_round_cap_raises_instead_of_returning_a_point():
    rng = np.random.default_rng(3)
    _, _, H, f, lower, upper, A, lo, hi = random_instance(rng, 100, overlapping=False)
    with pytest.raises(SolverError):
        active_set.solve(Hessian.dense(H), f, lower, upper, A, lo, hi, max_rounds=1)


def test_infeasible_warm_start_is_refused():
    n = 5
    with pytest.raises(ValueError, match="warm start"):
        active_set.solve(
            Hessian.dense(np.eye(n)),
            np.zeros(n),
            np.zeros(n),
            np.ones(n),
            np.ones((1, n)),
            np.array([1.0]),
            np.array([1.0]),
            x0=np.full(n, 0.5),
        )


def box(n: int, rows=()) -> ConstraintSet:
    tickers = tuple(f"A{i}" for i in range(n))
    a = np.zeros((len(rows), n))
    for k, row in enumerate(rows):
        for t in row.tickers:
            a[k, tickers.index(t)] = 1
    return ConstraintSet(
        tickers=tickers,
        lower=np.zeros(n),
        upper=np.full(n, 0.05),
        A=a,
        row_lower=np.array([r.lower for r in rows]),
        row_upper=np.array([r.upper for r in rows]),
        rows=tuple(rows),
        upper_source=("test",) * n,
    )


def test_solve_qp_uses_the_working_set_above_the_daqp_size_and_agrees():
    rng = np.random.default_rng(11)
    n = DAQP_MAX_N + 40
    B = rng.normal(size=(n, 8)) * 0.1
    cov = B @ B.T + np.diag(rng.uniform(0.01, 0.04, n) ** 2)
    rows = (
        LinearRow("first half", "asset_class", tuple(f"A{i}" for i in range(n // 2)), 0.3, 0.6),
    )
    cs = box(n, rows)
    sol = solve_qp(2 * cov, np.zeros(n), cs)
    assert sol.solver == "working set"
    a = np.vstack([np.ones(n), cs.A])
    x_ref, _ = daqp_reference(
        2 * cov,
        np.zeros(n),
        cs.lower,
        cs.upper,
        a,
        np.r_[1.0, cs.row_lower],
        np.r_[1.0, cs.row_upper],
    )
    assert sol.weights @ cov @ sol.weights == pytest.approx(x_ref @ cov @ x_ref, rel=1e-9)


def test_warm_started_frontier_sweep_matches_independent_daqp_solves():
    rng = np.random.default_rng(12)
    n = 120
    B = rng.normal(size=(n, 6)) * 0.1
    F = B.T
    d = rng.uniform(0.01, 0.04, n) ** 2
    cov = F.T @ F + np.diag(d)
    mu = rng.uniform(0.02, 0.10, n)
    rows = (LinearRow("first third", "asset_class", tuple(f"A{i}" for i in range(40)), 0.2, 0.5),)
    cs = box(n, rows)
    a = np.vstack([np.ones(n), cs.A, mu])
    top = float(mu @ max_linear(mu, cs))
    targets = np.linspace(0.05, top - 1e-9, 25)
    for cov_form in (cov, Hessian.factored(F, 2 * d, 2.0)):
        weights = frontier_weights(cov_form, mu, cs, targets)
        for k, t in enumerate(targets):
            x_ref, _ = daqp_reference(
                2 * cov,
                np.zeros(n),
                cs.lower,
                cs.upper,
                a,
                np.r_[1.0, cs.row_lower, t],
                np.r_[1.0, cs.row_upper, np.inf],
            )
            w = weights[k]
            assert cs.max_violation(w) <= 1e-9 and mu @ w >= t - 1e-9
            assert w @ cov @ w == pytest.approx(x_ref @ cov @ x_ref, rel=1e-9)


def test_policy_qp_falls_back_to_daqp_when_the_working_set_fails(monkeypatch):
    rng = np.random.default_rng(21)
    n = DAQP_MAX_N + 20
    B = rng.normal(size=(n, 5)) * 0.1
    cov = B @ B.T + np.diag(rng.uniform(0.01, 0.04, n) ** 2)
    cs = box(n)
    expected = solve_qp(2 * cov, np.zeros(n), cs)

    def broken(*args, **kwargs):
        raise SolverError("simulated failure")

    monkeypatch.setattr(active_set.WorkingSetQP, "run", broken)
    sol = PolicyQP(Hessian.dense(2 * cov), np.zeros(n), cs).solve()
    assert sol.solver == "DAQP (fallback)"
    np.testing.assert_allclose(sol.weights, expected.weights, atol=1e-8)
    assert cs.max_violation(sol.weights) <= 1e-9
