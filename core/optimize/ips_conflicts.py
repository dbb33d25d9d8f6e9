"""Name the IPS rules that conflict when the IPS Optimum has no feasible portfolio.

The linear limits alone are checked first by :func:`core.policy.constraints.check_feasibility`.
Here the risk rules join them: the drawdown tolerance (on the sample's historical path) and the
ex-ante volatility target. The limits named are those with a non-zero multiplier at the
portfolio that comes closest to the risk rule (the least-drawdown portfolio, an LP on the
simple-sum path; or the minimum-variance portfolio, a QP): relaxing any of them lowers the
least drawdown (or volatility) reachable, relaxing the others does not. This names the rules as
well as a single solve can; it is not an irreducible infeasible subsystem.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from core.errors import InfeasibleError, SolverError
from core.optimize.qp import policy_rows
from core.policy.constraints import ConstraintSet

_DUAL_TOL = 1e-9


def _pct(x: float) -> str:
    return f"{x * 100:.4g}%"


def _bound_name(cs: ConstraintSet, i: int, upper: bool) -> str:
    ticker = cs.tickers[i]
    if upper:
        return f"{ticker} limit {_pct(cs.upper[i])} ({cs.upper_source[i]})"
    if cs.lower[i] > 0:
        return f"{ticker} minimum {_pct(cs.lower[i])}"
    return f"no shorting of {ticker}"


def _row_name(cs: ConstraintSet, k: int, upper: bool) -> str:
    row = cs.rows[k]
    label = row.label.replace(" allocation", "")
    return f"{label} maximum {_pct(row.upper)}" if upper else f"{label} minimum {_pct(row.lower)}"


def _join(names: list[str]) -> str:
    if not names:
        return "the fully invested, long-only rule"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _named_limits(
    cs: ConstraintSet,
    bound_duals: np.ndarray,
    row_duals: np.ndarray,
) -> list[str]:
    """Limits with a non-zero multiplier; ``> 0`` an upper limit, ``< 0`` a lower limit.

    Rows first (class ranges and groups read as the committee's choices), then ETF limits; the
    bare long-only bound of an ETF is left out when a policy limit is named.
    """
    names = [_row_name(cs, k, d > 0) for k, d in enumerate(row_duals) if abs(d) > _DUAL_TOL]
    bounds = [(i, d > 0) for i, d in enumerate(bound_duals) if abs(d) > _DUAL_TOL]
    names += [_bound_name(cs, i, up) for i, up in bounds if up or cs.lower[i] > 0]
    return names


def drawdown_conflict(
    cs: ConstraintSet, monthly_returns: np.ndarray, tolerance: float
) -> InfeasibleError:
    """The error for "no portfolio within the limits meets the drawdown tolerance".

    The least-drawdown portfolio is the LP of the linear drawdown formulation on the simple-sum
    path ``c_t(w) = sum_{k<=t} r_k' w``: minimize ``D`` over ``w`` and peaks ``u_t`` with
    ``u_t >= u_{t-1}``, ``u_t >= c_t(w)``, ``u_t >= 0`` (``W_0`` is a peak) and
    ``u_t - c_t(w) <= D``, within the policy's limits (scipy's HiGHS, imported here).
    """
    from scipy.optimize import linprog

    returns = np.asarray(monthly_returns, dtype=float)
    months, n = returns.shape
    m = len(cs.rows)
    cumulative = np.cumsum(returns, axis=0)  # c_t = cumulative[t - 1] @ w
    nv = n + months + 1  # w, u_1..u_T, D
    eye = np.eye(months)
    step = eye - np.eye(months, k=1)  # u_{t} - u_{t+1} <= 0 for t < T
    blocks = [
        np.hstack([np.zeros((months - 1, n)), step[:-1], np.zeros((months - 1, 1))]),
        np.hstack([cumulative, -eye, np.zeros((months, 1))]),  # c_t(w) - u_t <= 0
        np.hstack([-cumulative, eye, -np.ones((months, 1))]),  # u_t - c_t(w) - D <= 0
    ]
    rhs = [np.zeros(months - 1), np.zeros(months), np.zeros(months)]
    if m:
        blocks += [
            np.hstack([cs.A, np.zeros((m, months + 1))]),
            np.hstack([-cs.A, np.zeros((m, months + 1))]),
        ]
        rhs += [cs.row_upper, -cs.row_lower]
    a_eq = np.zeros((1, nv))
    a_eq[0, :n] = 1.0
    cost = np.zeros(nv)
    cost[-1] = 1.0
    bounds = [*zip(cs.lower, cs.upper, strict=True), *[(0.0, None)] * months, (None, None)]
    res = linprog(
        cost,
        A_ub=np.vstack(blocks),
        b_ub=np.concatenate(rhs),
        A_eq=a_eq,
        b_eq=[1.0],
        bounds=bounds,
        method="highs",
    )
    if res.status != 0:
        return InfeasibleError(
            f"The drawdown tolerance {_pct(tolerance)} cannot be met within the policy limits "
            f"(the least-drawdown search also stopped: {res.message}). Raise the tolerance or "
            "relax the asset-class and ETF limits."
        )
    w = res.x[:n]
    row_marginals = res.ineqlin.marginals[-2 * m :] if m else np.zeros(0)
    # HiGHS marginals are d(objective)/d(rhs): <= 0 for a binding "<=" row. A binding upper row
    # (first m) and a binding lower row (next m, written as -A w <= -lower) both hurt.
    row_duals = -row_marginals[:m] + row_marginals[m:] if m else np.zeros(0)
    bound_duals = -res.upper.marginals - res.lower.marginals
    bound_duals = bound_duals[:n]
    names = _named_limits(cs, bound_duals, row_duals)
    from core.optimize.ips_optimum import compounded_drawdown_pair

    loss = 1 - math.exp(compounded_drawdown_pair(returns @ w)[0])
    reach = (
        f": the least-drawdown portfolio within them still falls {_pct(loss)} on the historical "
        "path"
        if loss > tolerance
        else ""
    )
    return InfeasibleError(
        f"The IPS cannot be met: the drawdown tolerance {_pct(tolerance)} cannot hold together "
        f"with {_join(names)}{reach}. Raise the drawdown tolerance or relax "
        f"{'that limit' if len(names) == 1 else 'one of those limits'}."
    )


def _min_variance_duals(
    cs: ConstraintSet, cov: np.ndarray, cut_rows: list[np.ndarray], cut_limits: list[float]
) -> tuple[np.ndarray, np.ndarray]:
    """Minimum-variance weights within the limits (and cuts) and DAQP's multipliers."""
    import daqp

    n = cs.n
    extra: dict[str, Any] = {}
    if cut_rows:
        extra = {
            "extra_rows": np.vstack(cut_rows),
            "extra_lower": np.array(cut_limits),
            "extra_upper": np.full(len(cut_limits), np.inf),
        }
    a, row_lower, row_upper = policy_rows(cs, **extra)
    sense = np.zeros(n + len(row_lower), dtype=np.int32)
    sense[n] = 5  # the budget row is an equality
    x, _, exitflag, info = daqp.solve(
        np.ascontiguousarray(2 * cov),
        np.zeros(n),
        np.ascontiguousarray(a),
        np.concatenate([cs.upper, row_upper]),
        np.concatenate([cs.lower, row_lower]),
        sense,
        primal_tol=1e-10,
    )
    if exitflag != 1:
        raise SolverError(f"The minimum-variance check did not solve (exit flag {exitflag}).")
    return np.asarray(x), np.asarray(info["lam"])


def volatility_conflict(
    cs: ConstraintSet,
    cov: np.ndarray,
    vol_target: float,
    drawdown_tolerance: float,
    lowest_volatility: float,
    cuts: Any,
) -> InfeasibleError:
    """The error for "no portfolio meets the volatility target with the other rules".

    ``lowest_volatility`` is the lowest ex-ante volatility within the limits and the drawdown
    tolerance; ``cuts`` the drawdown cuts found (``rows``, ``limits``).
    """
    n, m = cs.n, len(cs.rows)
    w_plain, lam_plain = _min_variance_duals(cs, cov, [], [])
    plain_vol = float(np.sqrt(max(w_plain @ cov @ w_plain, 0.0)))
    if plain_vol > vol_target:
        names = _named_limits(cs, lam_plain[:n], lam_plain[n + 1 : n + 1 + m])
        return InfeasibleError(
            f"The IPS cannot be met: the volatility target {_pct(vol_target)} cannot hold together "
            f"with {_join(names)}: the lowest ex-ante volatility within the limits is "
            f"{_pct(plain_vol)}. Raise the volatility target or relax "
            f"{'that limit' if len(names) == 1 else 'one of those limits'}."
        )
    _, lam = _min_variance_duals(cs, cov, list(cuts.rows), list(cuts.limits))
    names = _named_limits(cs, lam[:n], lam[n + 1 : n + 1 + m])
    with_limits = f" and {_join(names)}" if names else ""
    return InfeasibleError(
        f"The IPS cannot be met: the volatility target {_pct(vol_target)} cannot hold together "
        f"with the drawdown tolerance {_pct(drawdown_tolerance)}{with_limits}: a portfolio that "
        f"keeps the drawdown tolerance has at least {_pct(lowest_volatility)} ex-ante volatility. "
        "Raise the volatility target or the drawdown tolerance, or relax those limits."
    )
