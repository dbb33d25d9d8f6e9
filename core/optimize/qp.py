"""Convex quadratic programs over the policy's constraint set, solved by DAQP.

Every problem here has the form::

    minimize    0.5 w' H w + f' w
    subject to  sum(w) == 1, lower <= w <= upper, row_lower <= A w <= row_upper
                (plus optional extra rows)

DAQP (a dual active-set solver, Arnström, Bemporad and Axehill 2022) solves the 16-asset
problem in tens of microseconds. Its exit flag is checked on every call: anything but an
optimal solution raises :class:`SolverError`, and the returned point is verified against
the constraints again before it is handed on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import InfeasibleError, SolverError
from core.policy.constraints import ConstraintSet

FEASIBILITY_TOL = 1e-8

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
    """An optimal point: weights shape (n,), objective value, solver iterations."""

    weights: np.ndarray
    objective: float
    iterations: int
    solver: str = "DAQP"


def _stack(cs: ConstraintSet, extra_rows: np.ndarray | None, extra_lower: np.ndarray | None,
           extra_upper: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n = cs.n
    rows = [np.ones((1, n)), cs.A]
    lo = [np.array([1.0]), cs.row_lower]
    hi = [np.array([1.0]), cs.row_upper]
    if extra_rows is not None:
        rows.append(np.atleast_2d(extra_rows))
        lo.append(np.atleast_1d(extra_lower))
        hi.append(np.atleast_1d(extra_upper))
    a = np.vstack(rows)
    blower = np.concatenate([cs.lower, *lo])
    bupper = np.concatenate([cs.upper, *hi])
    sense = np.zeros(len(bupper), dtype=np.int32)
    sense[n] = 5  # the budget row is an equality
    return a, blower, bupper, sense


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
    """Solve the QP of the module docstring; ``H`` must be symmetric positive definite.

    Raises
    ------
    InfeasibleError
        DAQP proves the constraints infeasible.
    SolverError
        Any other non-optimal exit, or a returned point that violates the constraints.
    """
    import daqp

    a, blower, bupper, sense = _stack(cs, extra_rows, extra_lower, extra_upper)
    h = np.ascontiguousarray(0.5 * (H + H.T), dtype=float)
    x, fval, exitflag, info = daqp.solve(
        h, np.ascontiguousarray(f, dtype=float), np.ascontiguousarray(a, dtype=float),
        np.ascontiguousarray(bupper), np.ascontiguousarray(blower), sense,
        primal_tol=1e-10,
    )
    if exitflag == -1:
        raise InfeasibleError(f"No {what} satisfies the constraints (the QP solver proved them infeasible).")
    if exitflag != 1:
        reason = _EXIT_MESSAGES.get(exitflag, f"exit flag {exitflag}")
        raise SolverError(f"The QP solver did not find the optimal {what}: {reason}.")
    # Clip round-off (|excess| < 1e-12) back onto the bounds so that "-0.00%" never shows.
    w = np.clip(np.asarray(x, dtype=float), cs.lower, cs.upper)
    check = cs.max_violation(w)
    if extra_rows is not None:
        v = np.atleast_2d(extra_rows) @ w
        check = max(check, float(np.max(np.atleast_1d(extra_lower) - v, initial=0.0)),
                    float(np.max(v - np.atleast_1d(extra_upper), initial=0.0)))
    if check > FEASIBILITY_TOL:
        raise SolverError(
            f"The QP solver returned a {what} that breaks a constraint by {check:.2e}; it was not used."
        )
    return QPSolution(weights=w, objective=float(fval), iterations=int(info.get("iterations", 0)))


def max_linear(c: np.ndarray, cs: ConstraintSet) -> np.ndarray:
    """The feasible portfolio maximizing ``c' w`` (an LP, solved with HiGHS)."""
    from scipy.optimize import linprog

    res = linprog(
        -c,
        A_ub=np.vstack([cs.A, -cs.A]) if len(cs.rows) else None,
        b_ub=np.concatenate([cs.row_upper, -cs.row_lower]) if len(cs.rows) else None,
        A_eq=np.ones((1, cs.n)), b_eq=[1.0],
        bounds=list(zip(cs.lower, cs.upper, strict=True)), method="highs",
    )
    if res.status == 2:
        raise InfeasibleError("No portfolio satisfies the constraints.")
    if res.status != 0:
        raise SolverError(f"The linear program did not solve: {res.message}")
    return np.asarray(res.x)
