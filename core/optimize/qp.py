"""Convex quadratic programs over the policy's constraint set.

Every problem here has the form::

    minimize    0.5 w' H w + f' w
    subject to  sum(w) == 1, lower <= w <= upper, row_lower <= A w <= row_upper
                (plus optional extra rows)

Two exact solvers, chosen by size (both measured in ``bench/``):

- up to :data:`DAQP_MAX_N` assets, DAQP (a dual active-set solver, Arnström, Bemporad and
  Axehill 2022): tens of microseconds for the 16-ETF problem. Its exit flag is checked on every
  call: anything but an optimal solution raises :class:`SolverError`.
- above that, the primal working-set solver of :mod:`core.optimize.active_set`, which works on
  the few assets strictly inside their bounds and ends with an explicit KKT certificate. It also
  takes the covariance in factor form (:func:`solve_qp_hessian`).

Either way the returned point is verified against the constraints again before it is handed on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import InfeasibleError, SolverError
from core.optimize import active_set
from core.optimize.active_set import Hessian
from core.optimize.feasible_start import PartitionFill
from core.policy.constraints import ConstraintSet

FEASIBILITY_TOL = 1e-8
DAQP_MAX_N = 60  # above this many assets the working-set solver is faster (bench/RESULTS.md)

_EXIT_MESSAGES = {
    -1: "the constraints are infeasible",
    -2: "the solver cycled",
    -3: "the problem is unbounded",
    -4: "the iteration limit was reached",
    -5: "the objective is not convex",
    -6: "the initial working set was overdetermined",
}


@dataclass(frozen=True)
class QPSolution:
    """An optimal point: weights shape (n,), objective value, solver iterations (DAQP) or
    pricing rounds (working set); ``free`` lists the assets strictly inside their bounds when the
    working-set solver ran (a warm start for a neighbouring problem)."""

    weights: np.ndarray
    objective: float
    iterations: int
    solver: str = "DAQP"
    free: np.ndarray | None = None


def _stack(
    cs: ConstraintSet,
    extra_rows: np.ndarray | None,
    extra_lower: np.ndarray | None,
    extra_upper: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n = cs.n
    rows = [np.ones((1, n)), cs.A]
    lo = [np.array([1.0]), cs.row_lower]
    hi = [np.array([1.0]), cs.row_upper]
    if extra_rows is not None:
        if extra_lower is None or extra_upper is None:
            raise ValueError("extra rows need their lower and upper limits")
        rows.append(np.atleast_2d(extra_rows))
        lo.append(np.atleast_1d(extra_lower))
        hi.append(np.atleast_1d(extra_upper))
    a = np.vstack(rows)
    blower = np.concatenate([cs.lower, *lo])
    bupper = np.concatenate([cs.upper, *hi])
    sense = np.zeros(len(bupper), dtype=np.int32)
    sense[n] = 5  # the budget row is an equality
    return a, blower, bupper, sense


def policy_rows(
    cs: ConstraintSet,
    extra_rows: np.ndarray | None = None,
    extra_lower: np.ndarray | None = None,
    extra_upper: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(A, row_lower, row_upper)`` with the budget as row 0, then ``cs``'s rows, then the extra rows."""
    a, blower, bupper, _ = _stack(cs, extra_rows, extra_lower, extra_upper)
    n = cs.n
    return a, blower[n:], bupper[n:]


class PolicyQP:
    """The QP of the module docstring, prepared once and solvable any number of times.

    ``H`` is an ``(n, n)`` array or a :class:`~core.optimize.hessian.Hessian` (dense or factored).
    Up to :data:`DAQP_MAX_N` assets with an array ``H``, DAQP solves it; otherwise the working-set
    solver. Preparing stacks the rows (budget first) and, for the working-set solver, analyses
    their structure; nothing a solve changes is kept.
    """

    def __init__(
        self,
        H: np.ndarray | Hessian,
        f: np.ndarray,
        cs: ConstraintSet,
        *,
        extra_rows: np.ndarray | None = None,
        extra_lower: np.ndarray | None = None,
        extra_upper: np.ndarray | None = None,
    ) -> None:
        a, blower, bupper, sense = _stack(cs, extra_rows, extra_lower, extra_upper)
        n = cs.n
        self.constraints = cs
        self.rows, self.row_lower, self.row_upper = a, blower[n:], bupper[n:]
        self._stacked = (np.ascontiguousarray(a), bupper, blower, sense)
        f = np.ascontiguousarray(f, dtype=float)
        self._f = f
        self._h: np.ndarray | None = None  # dense H for DAQP
        self.problem: active_set.WorkingSetQP | None = None
        if not isinstance(H, Hessian) and n <= DAQP_MAX_N:
            h = np.asarray(H, dtype=float)
            self._h = np.ascontiguousarray(0.5 * (h + h.T))
        else:
            hessian = H if isinstance(H, Hessian) else Hessian.dense(H)
            self.problem = active_set.WorkingSetQP(hessian, f, cs.lower, cs.upper, a)

    @property
    def solver(self) -> str:
        return "DAQP" if self.problem is None else "working set"

    def solve(self, warm: QPSolution | None = None, *, what: str = "portfolio") -> QPSolution:
        """The optimum, checked: DAQP's exit flag and a constraint check, or the working-set
        solver's KKT certificate (which checks every bound and row to 1e-9).

        ``warm`` (working set only): a neighbouring problem's solution (other extra-row limits);
        the solve starts from its point and free set when that reaches the new limits.

        Raises
        ------
        InfeasibleError
            The solver proves the constraints infeasible.
        SolverError
            Any other non-optimal exit, or a returned point that violates the constraints.
        """
        if self.problem is None:
            assert self._h is not None
            return self._solve_daqp(self._h, what)
        lo, hi = self.row_lower, self.row_upper
        try:
            sol = None
            if warm is not None and warm.free is not None:
                sol = self.problem.run(lo, hi, warm.weights, warm.free, repair=True, what=what)
            if sol is None:
                sol = self.problem.solve(lo, hi, what=what)
        except SolverError:
            # A restricted solve or the certificate failed (numerically hard data): DAQP on the
            # whole problem is slower but needs no start; its own checks apply.
            fallback = self._solve_daqp(self.problem.hessian.to_array(), what)
            return QPSolution(
                weights=fallback.weights,
                objective=fallback.objective,
                iterations=fallback.iterations,
                solver="DAQP (fallback)",
            )
        return QPSolution(
            weights=sol.x,
            objective=sol.objective,
            iterations=sol.rounds,
            solver="working set",
            free=sol.free,
        )

    def _solve_daqp(self, h: np.ndarray, what: str) -> QPSolution:
        import daqp

        a, bupper, blower, sense = self._stacked
        x, fval, exitflag, info = daqp.solve(h, self._f, a, bupper, blower, sense, primal_tol=1e-10)
        if exitflag == -1:
            raise InfeasibleError(
                f"No {what} satisfies the constraints (the QP solver proved them infeasible)."
            )
        if exitflag != 1:
            reason = _EXIT_MESSAGES.get(exitflag, f"exit flag {exitflag}")
            raise SolverError(f"The QP solver did not find the optimal {what}: {reason}.")
        cs = self.constraints
        # Clip round-off (|excess| < 1e-12) back onto the bounds so that "-0.00%" never shows.
        w = np.minimum(np.maximum(x, cs.lower), cs.upper)
        check = active_set.row_violation(a @ w, self.row_lower, self.row_upper)
        if check > FEASIBILITY_TOL:
            raise SolverError(
                f"The QP solver returned a {what} that breaks a constraint by {check:.2e}; it was not used."
            )
        return QPSolution(
            weights=w, objective=float(fval), iterations=int(info.get("iterations", 0))
        )


def solve_qp(
    H: np.ndarray,
    f: np.ndarray,
    cs: ConstraintSet,
    *,
    extra_rows: np.ndarray | None = None,
    extra_lower: np.ndarray | None = None,
    extra_upper: np.ndarray | None = None,
    what: str = "portfolio",
) -> QPSolution:
    """Solve the QP of the module docstring; ``H`` (n, n) must be symmetric positive definite.

    Raises
    ------
    InfeasibleError
        The solver proves the constraints infeasible.
    SolverError
        Any other non-optimal exit, or a returned point that violates the constraints.
    """
    return PolicyQP(
        H, f, cs, extra_rows=extra_rows, extra_lower=extra_lower, extra_upper=extra_upper
    ).solve(what=what)


def solve_qp_hessian(
    hessian: Hessian,
    f: np.ndarray,
    cs: ConstraintSet,
    *,
    extra_rows: np.ndarray | None = None,
    extra_lower: np.ndarray | None = None,
    extra_upper: np.ndarray | None = None,
    warm: QPSolution | None = None,
    what: str = "portfolio",
) -> QPSolution:
    """The QP of the module docstring with the working-set solver, ``H`` dense or factored.

    ``warm`` (a solution of a neighbouring problem: other extra-row limits) starts the solver
    from that point and its free set when that reaches the new limits, cold otherwise.

    Raises
    ------
    InfeasibleError, SolverError
        As :func:`solve_qp`.
    """
    return PolicyQP(
        hessian, f, cs, extra_rows=extra_rows, extra_lower=extra_lower, extra_upper=extra_upper
    ).solve(warm, what=what)


def max_linear(c: np.ndarray, cs: ConstraintSet) -> np.ndarray:
    """A feasible portfolio maximizing ``c' w`` (an LP); ties may give any optimal vertex.

    For the usual policy structure (the budget over disjoint asset-class rows) the greedy vertex of
    :class:`~core.optimize.feasible_start.PartitionFill` (highest ``c`` first), accepted only with
    an LP dual certificate of its optimality (:func:`_greedy_is_optimal`); otherwise HiGHS, imported
    here, so the first analysis need not load scipy.optimize.
    """
    a, row_lower, row_upper = policy_rows(cs)
    structure = PartitionFill.of(a)
    if structure is not None:
        lower, upper = np.asarray(cs.lower, dtype=float), np.asarray(cs.upper, dtype=float)
        w = structure.fill(lower, upper, row_lower, row_upper, -np.asarray(c, dtype=float))
        if w is not None and _greedy_is_optimal(c, w, cs, structure, row_lower[1:], row_upper[1:]):
            return w
    from scipy.optimize import linprog

    res = linprog(
        -c,
        A_ub=np.vstack([cs.A, -cs.A]) if len(cs.rows) else None,
        b_ub=np.concatenate([cs.row_upper, -cs.row_lower]) if len(cs.rows) else None,
        A_eq=np.ones((1, cs.n)),
        b_eq=[1.0],
        bounds=list(zip(cs.lower, cs.upper, strict=True)),
        method="highs",
    )
    if res.status == 2:
        raise InfeasibleError("No portfolio satisfies the constraints.")
    if res.status != 0:
        raise SolverError(f"The linear program did not solve: {res.message}")
    return np.asarray(res.x)


def _greedy_is_optimal(
    c: np.ndarray,
    w: np.ndarray,
    cs: ConstraintSet,
    structure: PartitionFill,
    class_lower: np.ndarray,
    class_upper: np.ndarray,
) -> bool:
    """Whether LP multipliers prove the vertex ``w`` maximizes ``c' w`` over the budget and disjoint
    classes (``structure``): a budget price ``lam`` and class prices ``t_g = lam + nu_g`` with
    ``c_i = t_g`` for assets inside their bounds, ``c_i >= t_g`` at the upper bound, ``c_i <= t_g``
    at the lower one, and ``nu_g >= 0`` (``<= 0``) only for a class at its maximum (minimum).
    Only comparisons of entries of ``c``: no rounding beyond the 1e-12 that tells a bound active."""
    tol = 1e-12
    gid, count = structure.gid, structure.group_count
    at_lower, at_upper = w <= cs.lower + tol, w >= cs.upper - tol
    price_lo = np.full(count + 1, -np.inf)
    price_hi = np.full(count + 1, np.inf)
    np.maximum.at(price_lo, gid, np.where(at_upper, -np.inf, c))
    np.minimum.at(price_hi, gid, np.where(at_lower, np.inf, c))
    if (price_lo > price_hi).any():
        return False
    values = np.bincount(gid, weights=w, minlength=count + 1)[:count]
    class_at_max = values >= class_upper - tol
    class_at_min = values <= class_lower + tol
    # lam must lie in [price_lo, price_hi] of every class strictly inside its range (nu_g = 0) and
    # of the unclassed assets; below price_hi of a class at its maximum, above price_lo at its minimum.
    lam_lo = np.concatenate([price_lo[:count][~class_at_max], price_lo[count:]])
    lam_hi = np.concatenate([price_hi[:count][~class_at_min], price_hi[count:]])
    return bool(lam_lo.max(initial=-np.inf) <= lam_hi.min(initial=np.inf))
