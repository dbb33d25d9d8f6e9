"""Feasible starting points for the working-set QP solver: vertices close to a guess.

A primal method needs a feasible start, and a start with few assets strictly inside their bounds
(a vertex) keeps its first restricted problems small. The policy rows are membership sums, so a
greedy fill finds one: raise each asset-class row to its minimum with its cheapest members, then
fill the budget with the cheapest assets overall, each class up to its maximum ("cheapest" in the
order of a score: the objective's gradient at a guess). For the usual structure (budget first,
disjoint classes) :class:`PartitionFill` does that with a few vectorized passes; other non-negative
rows get a plain loop; when the greedy fill gets stuck (overlapping or signed rows), the vertex of
the linear program ``min score' x`` (HiGHS) is the start, and that LP is also what proves a
policy infeasible.
"""

from __future__ import annotations

import numpy as np

from core.errors import InfeasibleError, SolverError


def row_violation(values: np.ndarray, row_lower: np.ndarray, row_upper: np.ndarray) -> float:
    """Largest amount by which ``values`` leave ``[row_lower, row_upper]`` (0 inside)."""
    if values.size == 0:
        return 0.0
    return float(
        max(np.maximum.reduce(row_lower - values), np.maximum.reduce(values - row_upper), 0.0)
    )


class PartitionFill:
    """The greedy fill for ``A`` = the budget (row 0, all ones) over disjoint 0/1 class rows.

    The structure is analysed once (:meth:`of`, None for any other ``A``); :meth:`fill` then costs
    a few vectorized passes per score.
    """

    __slots__ = ("gid", "starts", "group_count")

    def __init__(self, gid: np.ndarray, starts: np.ndarray, group_count: int) -> None:
        self.gid = gid  # class of each asset; unclassed assets get class ``group_count``
        self.starts = starts  # where each class begins once assets are sorted by (class, score)
        self.group_count = group_count

    @classmethod
    def of(cls, A: np.ndarray) -> PartitionFill | None:
        if A.shape[0] == 0 or not (A[0] == 1.0).all():
            return None
        groups = A[1:]
        if not ((groups == 0.0) | (groups == 1.0)).all() or (groups.sum(axis=0) > 1.0).any():
            return None
        count = groups.shape[0]
        gid = (
            np.where(groups.any(axis=0), groups.argmax(axis=0), count)
            if count
            else np.zeros(A.shape[1], int)
        )
        starts = np.concatenate(([0], np.cumsum(np.bincount(gid, minlength=count + 1))))
        return cls(gid, starts, count)

    def fill(
        self,
        lower: np.ndarray,
        upper: np.ndarray,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
        score: np.ndarray,
    ) -> np.ndarray | None:
        """The greedy vertex for these limits and this score; None when it breaks a limit."""
        if row_lower[0] != row_upper[0]:
            return None
        gid, count = self.gid, self.group_count
        g_lo = np.append(row_lower[1:], -np.inf)
        g_hi = np.append(row_upper[1:], np.inf)
        order = np.lexsort((score, gid))  # by class, cheapest first within a class
        gid_o = gid[order]
        lower_o = lower[order]
        room = upper[order] - lower_o
        g_val = np.bincount(gid, weights=lower, minlength=count + 1)
        # 1. class minimums, each from its cheapest members (room used before a member: a cumsum)
        fill = np.minimum(
            np.maximum((g_lo - g_val)[gid_o] - self._before_in_class(room), 0.0), room
        )
        room -= fill
        g_val += np.bincount(gid_o, weights=fill, minlength=count + 1)
        # 2. the budget, cheapest first overall, each class up to its maximum
        usable = np.minimum(
            np.maximum((g_hi - g_val)[gid_o] - self._before_in_class(room), 0.0), room
        )
        need = row_lower[0] - float(g_val.sum())
        by_score = np.argsort(score[order], kind="stable")
        u = usable[by_score]
        fill[by_score] += np.minimum(np.maximum(need - (np.add.accumulate(u) - u), 0.0), u)
        x = np.empty_like(lower)
        x[order] = np.minimum(lower_o + fill, upper[order])
        g_val = np.bincount(gid, weights=x, minlength=count + 1)
        if (
            abs(float(g_val.sum()) - row_lower[0]) > 1e-12
            or (g_val > g_hi + 1e-12).any()
            or (g_val < g_lo - 1e-12).any()
        ):
            return None
        return x

    def _before_in_class(self, v: np.ndarray) -> np.ndarray:
        """For values in (class, score) order: the sum of earlier values of the same class."""
        c = np.add.accumulate(v)
        head = np.concatenate(([0.0], c))[self.starts[:-1]]  # total before each class begins
        return c - v - np.repeat(head, np.diff(self.starts))


def feasible_start(
    lower: np.ndarray,
    upper: np.ndarray,
    A: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    score: np.ndarray,
    *,
    what: str = "portfolio",
    partition: PartitionFill | None = None,
) -> np.ndarray:
    """A feasible vertex-like point, filled in the order of ``score`` (lowest first).

    ``partition`` may pass ``PartitionFill.of(A)`` when it is at hand.

    Raises
    ------
    InfeasibleError
        The LP proves that no point satisfies the constraints.
    """
    structure = partition if partition is not None else PartitionFill.of(A)
    x = structure.fill(lower, upper, row_lower, row_upper, score) if structure is not None else None
    if x is None:
        x = _greedy_fill(lower, upper, A, row_lower, row_upper, score)
    if x is not None:
        return x
    from scipy.optimize import linprog

    finite_hi = np.isfinite(row_upper)
    finite_lo = np.isfinite(row_lower)
    eq = finite_lo & finite_hi & (row_lower == row_upper)
    a_ub = np.vstack([A[finite_hi & ~eq], -A[finite_lo & ~eq]])
    b_ub = np.concatenate([row_upper[finite_hi & ~eq], -row_lower[finite_lo & ~eq]])
    res = linprog(
        score,
        A_ub=a_ub if a_ub.shape[0] else None,
        b_ub=b_ub if a_ub.shape[0] else None,
        A_eq=A[eq] if eq.any() else None,
        b_eq=row_lower[eq] if eq.any() else None,
        bounds=np.column_stack([lower, upper]),
        method="highs",
    )
    if res.status == 2:
        raise InfeasibleError(
            f"No {what} satisfies the constraints (the linear program proved them infeasible)."
        )
    if res.status != 0:
        raise SolverError(
            f"The starting linear program for the {what} did not solve: {res.message}"
        )
    x = np.clip(np.asarray(res.x, dtype=float), lower, upper)
    if row_violation(A @ x, row_lower, row_upper) > 1e-9:
        raise SolverError(f"The starting point for the {what} breaks a row limit; it was not used.")
    return x


def _greedy_fill(
    lower: np.ndarray,
    upper: np.ndarray,
    A: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    score: np.ndarray,
) -> np.ndarray | None:
    """Raise rows to their minimums (smallest rows first), cheapest variables first; None if stuck."""
    m = A.shape[0]
    if m == 0 or np.any(A < 0):
        return None
    x = lower.copy()
    values = A @ x
    if np.any(values > row_upper + 1e-12):
        return None
    order = np.argsort(score, kind="stable")
    support = A > 0
    vals = values.tolist()
    row_hi = row_upper.tolist()
    room_left = (upper - lower).tolist()
    columns: dict[int, list[tuple[int, float]]] = {}
    for k in np.argsort(support.sum(axis=1), kind="stable").tolist():
        need = row_lower[k] - vals[k]
        if need <= 1e-15:
            continue
        for j in order[support[k, order]].tolist():
            room = room_left[j]
            if room <= 0.0:
                continue
            col = columns.get(j)
            if col is None:
                col = [(r, a) for r, a in enumerate(A[:, j].tolist()) if a > 0.0]
                columns[j] = col
            a_k = 0.0
            for r, a in col:
                room = min(room, (row_hi[r] - vals[r]) / a)
                if r == k:
                    a_k = a
            if room <= 0.0:
                continue
            step = min(room, need / a_k)
            x[j] += step
            room_left[j] -= step
            for r, a in col:
                vals[r] += a * step
            need = row_lower[k] - vals[k]
            if need <= 1e-15:
                break
    np.clip(x, lower, upper, out=x)
    if row_violation(A @ x, row_lower, row_upper) > 1e-12:
        return None
    return x
