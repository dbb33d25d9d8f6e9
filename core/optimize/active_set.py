"""A primal working-set QP solver for portfolios in which few assets end strictly inside their bounds.

Problem::

    minimize    0.5 x' H x + f' x
    subject to  lower <= x <= upper,   row_lower <= A x <= row_upper

with ``H`` symmetric positive definite (dense, or the factor form ``s F'F + diag(d)``, see
:mod:`core.optimize.hessian`) and few rows in ``A`` (the budget as an equality row, asset-class
and group ranges, a return floor; ``-inf`` / ``inf`` for a one-sided row).

Why not hand the whole problem to DAQP: at the optimum of a 500-asset policy problem about 490
of the 500 bounds are active. A dual active-set method adds them one at a time, each with an
``O(n^2)`` update; a primal method that starts at a policy vertex works on the *free set* only.

The method (a primal active-set method on the bounds, with block exchanges):

1. Start from a feasible point (:mod:`core.optimize.feasible_start`, or a warm start). Assets
   strictly inside their bounds form the free set ``S``; the others are held at the bound they
   sit on.
2. Solve the QP restricted to ``S`` exactly, with DAQP on ``|S|`` variables and the rows that
   touch ``S`` (the held assets enter its linear term and row limits). The current point is
   feasible for it, so the objective never increases.
3. Price the held assets with the row multipliers ``lambda`` of that restricted problem: the
   reduced cost ``r = H x + f + A' lambda`` must be ``>= 0`` at a lower bound and ``<= 0`` at an
   upper bound. If it is, ``(x, lambda)`` satisfies the KKT conditions of the full problem, which
   is convex, so ``x`` is optimal. Otherwise the worst violators (largest ``r_j^2 / H_jj``, the
   decrease a one-asset step would give; at most :data:`MAX_BATCH`) join ``S``, and assets the
   restricted solve left on a bound with a nonzero multiplier leave it; back to step 2.
4. Anti-cycling: assets leave ``S`` only after a round that strictly lowered the objective; after
   the first round that did not, ``S`` only grows, so the method ends (at worst ``S`` is
   everything and the last round is the full problem). A round cap raises :class:`SolverError`.
5. An explicit certificate before returning: the gradient is recomputed from scratch and primal
   feasibility, stationarity on the free assets, the signs of the bound and row multipliers and
   complementarity are checked. A failure raises :class:`SolverError`; no point that fails it is
   ever returned.

Warm starts: :func:`solve` takes a feasible ``x0`` and a ``free`` set; :func:`resolve` restarts
from a neighbouring problem's solution after row limits moved (the next frontier target), its
first round restoring feasibility from the previous free set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import InfeasibleError, SolverError
from core.optimize.feasible_start import PartitionFill, feasible_start, row_violation
from core.optimize.hessian import Hessian

__all__ = ["ActiveSetSolution", "Hessian", "WorkingSetQP", "resolve", "row_violation", "solve"]

PRIMAL_TOL = 1e-10  # absolute, on weights and row values (decimal weights)
PRICING_TOL = 1e-10  # relative to the gradient's scale: smaller reduced costs count as zero
CERTIFICATE_TOL = 1e-8  # relative to the gradient's scale, for the final KKT check
MAX_BATCH = 64  # most held assets freed per pricing round (the worst violators)
_absmax = np.maximum.reduce


@dataclass(frozen=True)
class ActiveSetSolution:
    """A certified optimum.

    Attributes
    ----------
    x : ndarray, shape (n,)
    objective : float
        ``0.5 x'Hx + f'x``.
    row_multipliers : ndarray, shape (m,)
        ``lambda`` in ``H x + f + A' lambda + mu = 0``: positive where a row sits at its upper
        limit, negative at its lower limit, zero when it is slack.
    free : ndarray of int
        Variables strictly inside their bounds (a warm start for a neighbouring problem).
    rounds : int
        Restricted solves (pricing rounds).
    kkt_residual : float
        Largest KKT violation of the final check, relative to the gradient's scale.
    reduced_costs : ndarray, shape (n,)
        ``H x + f + A' lambda``, from the final check: zero on free variables; on held ones, how
        far each is from entering.
    """

    x: np.ndarray
    objective: float
    row_multipliers: np.ndarray
    free: np.ndarray
    rounds: int
    kkt_residual: float
    reduced_costs: np.ndarray | None = None

    def warm_set(self, extra: int) -> np.ndarray:
        """The free set plus the ``extra`` held variables closest to entering (smallest
        ``|reduced cost|``): a free-set hint for a neighbouring problem."""
        r = self.reduced_costs
        if r is None or extra <= 0:
            return self.free
        score = np.abs(r)
        score[self.free] = np.inf
        extra = min(extra, r.size - self.free.size)
        if extra <= 0:
            return self.free
        return np.concatenate((self.free, np.argpartition(score, extra - 1)[:extra]))


class _RestrictedInfeasible(Exception):
    """A restricted problem has no feasible point (possible only in a repair round)."""


class WorkingSetQP:
    """The fixed data of one QP (``H``, ``f``, bounds, ``A``), prepared once.

    Row limits are arguments of :meth:`start` and :meth:`run`, so a sweep over them (a frontier)
    reuses the rest. Instances hold no state that a solve changes.
    """

    def __init__(
        self, hessian: Hessian, f: np.ndarray, lower: np.ndarray, upper: np.ndarray, A: np.ndarray
    ) -> None:
        n = hessian.n
        self.hessian = hessian
        self.f = np.asarray(f, dtype=float)
        self.lower = np.asarray(lower, dtype=float)
        self.upper = np.asarray(upper, dtype=float)
        if (self.lower > self.upper).any():
            raise InfeasibleError(
                "No portfolio satisfies the constraints: a lower bound exceeds its upper bound."
            )
        self.A = np.ascontiguousarray(np.asarray(A, dtype=float).reshape(-1, n))
        self.AT = np.ascontiguousarray(self.A.T)
        self.support = self.A != 0.0
        self.h_diag = hessian.diagonal()
        self.movable = self.upper > self.lower
        self._snap_lo = 1e-13 * np.maximum(1.0, np.abs(self.lower))
        self._snap_hi = 1e-13 * np.maximum(1.0, np.abs(self.upper))
        self._zeros = np.zeros(n, dtype=np.int32)
        self._partition = PartitionFill.of(self.A)

    def start(
        self,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
        guess: np.ndarray | None = None,
        *,
        what: str = "portfolio",
    ) -> np.ndarray:
        """A feasible vertex filled in the order of the gradient at ``guess`` (default equal weights)."""
        n = self.hessian.n
        x = np.full(n, 1.0 / n) if guess is None else np.asarray(guess, dtype=float)
        return feasible_start(
            self.lower,
            self.upper,
            self.A,
            row_lower,
            row_upper,
            self.hessian.matvec(x) + self.f,
            what=what,
            partition=self._partition,
        )

    def solve(
        self,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
        *,
        x0: np.ndarray | None = None,
        free: np.ndarray | None = None,
        start_guess: np.ndarray | None = None,
        max_rounds: int | None = None,
        what: str = "portfolio",
    ) -> ActiveSetSolution:
        """:func:`solve` on this prepared problem."""
        if x0 is None:
            x0 = self.start(row_lower, row_upper, start_guess, what=what)
        else:
            x0 = np.asarray(x0, dtype=float)
            viol = row_violation(self.A @ np.clip(x0, self.lower, self.upper), row_lower, row_upper)
            if viol > 1e-9:
                raise ValueError(f"the warm start breaks a row limit by {viol:.2e}")
        sol = self.run(row_lower, row_upper, x0, free, max_rounds=max_rounds, what=what)
        if sol is None:  # only a repair start can come back empty
            raise SolverError(f"The QP solver could not start from the given point for the {what}.")
        return sol

    def run(
        self,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
        x0: np.ndarray,
        free: np.ndarray | None = None,
        *,
        repair: bool = False,
        max_rounds: int | None = None,
        what: str = "portfolio",
    ) -> ActiveSetSolution | None:
        """The working-set iterations from ``x0`` (feasible unless ``repair``).

        With ``repair``, ``x0`` may break the row limits: the first round, over ``free`` and the
        assets inside their bounds, must restore them; None when it cannot.
        """
        import daqp

        lower, upper, hessian = self.lower, self.upper, self.hessian
        sense = np.where(row_lower == row_upper, 5, 0).astype(np.int32)
        x = np.minimum(np.maximum(x0, lower), upper)
        near_lo = (x - lower) <= self._snap_lo
        near_hi = ~near_lo & ((upper - x) <= self._snap_hi)
        x[near_lo] = lower[near_lo]
        x[near_hi] = upper[near_hi]
        # side: +1 held at the lower bound, -1 held at the upper bound, 0 free (or fixed: lower == upper)
        side = (near_lo & self.movable).astype(float) - (near_hi & self.movable)
        if free is not None and len(free):
            side[free] = 0.0
        in_free = (side == 0.0) & self.movable
        g = hessian.matvec(x) + self.f
        tol = PRICING_TOL * max(float(_absmax(np.abs(g))), 1e-300)
        objective = 0.5 * float(x @ (g + self.f))
        lam = np.zeros(self.A.shape[0])
        may_drop = True
        cap = max_rounds if max_rounds is not None else hessian.n + 2
        rounds = 0
        while True:
            rounds += 1
            if rounds > cap:
                raise SolverError(
                    f"The QP solver did not find the optimal {what} within {cap} rounds."
                )
            S = in_free.nonzero()[0]
            repairing, repair = repair, False
            if not S.size:
                if repairing:
                    return None
                bound_dual = None
            else:
                try:
                    xs_new, lam, bound_dual, h_rows = self._restricted(
                        daqp, g, x, S, row_lower, row_upper, sense, repairing
                    )
                except _RestrictedInfeasible:
                    if repairing:
                        return None
                    raise SolverError(
                        f"The QP solver lost feasibility on a restricted problem for the {what}."
                    ) from None
                g += hessian.columns_matvec(S, xs_new - x[S], h_rows)
                x[S] = xs_new
            previous, objective = objective, 0.5 * float(x @ (g + self.f))
            reduced = self.AT @ lam + g
            if (
                bound_dual is not None
                and may_drop
                and (repairing or objective < previous - 1e-14 * abs(previous))
            ):
                held = S[np.abs(bound_dual) > tol]  # clearly active bounds are held again
                if held.size:
                    in_free[held] = False
                    side[held] = np.where(bound_dual[np.abs(bound_dual) > tol] < 0, 1.0, -1.0)
            else:
                may_drop = False  # no strict decrease: from now on S only grows
            # a held asset prices out when moving off its bound lowers the objective
            cand = ((reduced * side) < -tol).nonzero()[0]
            if not cand.size:
                break
            if cand.size > MAX_BATCH:
                gain = reduced[cand] ** 2 / self.h_diag[cand]
                cand = cand[np.argpartition(-gain, MAX_BATCH - 1)[:MAX_BATCH]]
            in_free[cand] = True
            side[cand] = 0.0
        residual, reduced = self._certify(x, lam, row_lower, row_upper, what)
        inside = (x > lower) & (x < upper)
        return ActiveSetSolution(
            x=x,
            objective=0.5 * hessian.quadratic(x) + float(self.f @ x),
            row_multipliers=lam,
            free=inside.nonzero()[0],
            rounds=rounds,
            kkt_residual=residual,
            reduced_costs=reduced,
        )

    def _restricted(
        self,
        daqp: Any,
        g: np.ndarray,
        x: np.ndarray,
        S: np.ndarray,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
        sense: np.ndarray,
        repairing: bool,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """Exact solve over ``S`` with the other assets held (DAQP).

        Returns the new ``x[S]``, the row multipliers (zero on rows that do not touch ``S``), the
        bound multipliers of ``S`` and, for a dense ``H``, the rows ``H[S]`` for the gradient update.
        """
        k = S.size
        xs = x[S]
        h_rows = self.hessian.rows(S)
        h_ss = self.hessian.block(S, h_rows)
        f_s = g[S] - h_ss @ xs  # the linear term once the held assets are substituted
        lower_s = self.lower[S]
        upper_s = self.upper[S]
        A_s = self.A[:, S]
        rest = self.A @ x - A_s @ xs
        touched = np.logical_or.reduce(self.support[:, S], axis=1)
        all_rows = bool(np.logical_and.reduce(touched))
        if not all_rows:
            held = ~touched
            if repairing and row_violation(rest[held], row_lower[held], row_upper[held]) > 1e-12:
                raise _RestrictedInfeasible
            A_s, rest = A_s[touched], rest[touched]
            row_lower, row_upper, sense = row_lower[touched], row_upper[touched], sense[touched]
        sol, _, exitflag, info = daqp.solve(
            h_ss,
            f_s,
            A_s,
            np.concatenate((upper_s, row_upper - rest)),
            np.concatenate((lower_s, row_lower - rest)),
            np.concatenate((self._zeros[:k], sense)),
            primal_tol=1e-12,
        )
        if exitflag == -1:
            raise _RestrictedInfeasible
        if exitflag != 1:
            raise SolverError(
                f"The QP solver failed on a restricted problem (DAQP exit flag {exitflag})."
            )
        dual = info["lam"]
        bound_dual = dual[:k]
        # DAQP leaves round-off on active bounds: put those assets exactly on them.
        xs_new = np.asarray(sol)
        np.copyto(xs_new, lower_s, where=bound_dual < 0)
        np.copyto(xs_new, upper_s, where=bound_dual > 0)
        xs_new = np.minimum(np.maximum(xs_new, lower_s), upper_s)
        if all_rows:
            lam = dual[k:].copy()
        else:
            lam = np.zeros(self.A.shape[0])
            lam[touched] = dual[k:]
        return xs_new, lam, bound_dual, h_rows

    def _certify(
        self,
        x: np.ndarray,
        lam: np.ndarray,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
        what: str,
    ) -> tuple[float, np.ndarray]:
        """Check the KKT conditions from scratch; return the worst relative residual and the
        reduced costs, or raise."""
        lower, upper, A = self.lower, self.upper, self.A
        g = self.hessian.matvec(x) + self.f
        values = A @ x
        primal = max(
            float(_absmax(lower - x)),
            float(_absmax(x - upper)),
            row_violation(values, row_lower, row_upper),
            0.0,
        )
        reduced = self.AT @ lam + g
        scale = max(float(_absmax(np.abs(g))), float(_absmax(np.abs(reduced))), 1e-300)
        # the bound multiplier is -reduced: >= 0 at a lower bound, <= 0 at an upper one, 0 inside
        side = (x <= lower).astype(float) - (x >= upper)
        violation = np.where(side == 0.0, np.abs(reduced), -reduced * side)
        violation[~self.movable] = 0.0  # an asset fixed by lower == upper takes any multiplier
        dual = max(float(_absmax(violation)), 0.0) / scale
        sign = 0.0
        if lam.size:  # a row multiplier's sign names the limit that must hold with equality
            row_tol = 1e-9 * max(1.0, float(_absmax(np.abs(values))))
            wrong = ((lam > 0) & (row_upper - values > row_tol)) | (
                (lam < 0) & (values - row_lower > row_tol)
            )
            sign = float(np.max(np.abs(lam[wrong]), initial=0.0)) / scale
        if primal > 10 * PRIMAL_TOL or dual > CERTIFICATE_TOL or sign > CERTIFICATE_TOL:
            raise SolverError(
                f"The QP solver's answer for the {what} failed its optimality check (primal {primal:.1e}, "
                f"stationarity {dual:.1e}, multiplier signs {sign:.1e}); it was not used."
            )
        return max(dual, sign), reduced


def solve(
    hessian: Hessian,
    f: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    A: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    *,
    x0: np.ndarray | None = None,
    free: np.ndarray | None = None,
    start_guess: np.ndarray | None = None,
    max_rounds: int | None = None,
    what: str = "portfolio",
) -> ActiveSetSolution:
    """Minimize ``0.5 x'Hx + f'x`` over ``lower <= x <= upper``, ``row_lower <= A x <= row_upper``.

    Parameters
    ----------
    hessian : Hessian
        Positive definite ``H`` (n x n), dense or factored.
    f : ndarray, shape (n,)
    lower, upper : ndarray, shape (n,)
        Finite bounds.
    A : ndarray, shape (m, n)
    row_lower, row_upper : ndarray, shape (m,)
        Row limits; equal for an equality row, ``-inf`` / ``inf`` for a one-sided row.
    x0 : ndarray, shape (n,), optional
        A feasible start (row limits checked to 1e-9; a worse one raises ``ValueError``).
    free : ndarray of int, optional
        Variables to free from the first round (warm start).
    start_guess : ndarray, shape (n,), optional
        Without ``x0``: a rough guess of the solution; the start is a vertex filled in the order
        of the gradient at this guess (:mod:`core.optimize.feasible_start`). Default: equal weights.
    max_rounds : int, optional
        Cap on restricted solves (default ``n + 2``).

    Raises
    ------
    InfeasibleError
        No point satisfies the constraints (proved by the starting LP).
    SolverError
        A restricted solve failed, the round cap was reached, or the final KKT check failed.
    """
    qp = WorkingSetQP(hessian, f, lower, upper, A)
    return qp.solve(
        np.asarray(row_lower, dtype=float),
        np.asarray(row_upper, dtype=float),
        x0=x0,
        free=free,
        start_guess=start_guess,
        max_rounds=max_rounds,
        what=what,
    )


def resolve(
    hessian: Hessian,
    f: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    A: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    previous: ActiveSetSolution,
    *,
    what: str = "portfolio",
) -> ActiveSetSolution | None:
    """Restart from a neighbouring problem's solution after the row limits (or ``f``) changed.

    The first round solves over ``previous.free`` with every other asset held where it was; it
    also restores feasibility (e.g. lifts the return to the next frontier target). Returns None
    when the held assets make the new limits unreachable: start from another point then. In a
    sweep, call :meth:`WorkingSetQP.run` with ``repair=True`` on one prepared problem instead.
    """
    qp = WorkingSetQP(hessian, f, lower, upper, A)
    return qp.run(
        np.asarray(row_lower, dtype=float),
        np.asarray(row_upper, dtype=float),
        previous.x,
        previous.free,
        repair=True,
        what=what,
    )
