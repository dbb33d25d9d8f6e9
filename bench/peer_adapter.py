"""Our optimizer as one more solver in the shared peer benchmark (``../shared/bench``).

The task format is documented at the top of ``../shared/bench/run_anchors.py``. ``build`` only
checks the kind; ``solve`` turns the raw task into our inputs (a
:class:`~core.policy.constraints.ConstraintSet`, the QP's ``H`` and ``f``, the covariance in
factor form when that is smaller) and runs the core solvers. All the work is inside the timed
``solve``, so the reported time is the one-shot cost from the raw arrays. Nothing here is
benchmark-specific maths: every number comes from ``core``.

    python ../shared/bench/run_anchors.py --adapter bench.peer_adapter:solve --adapter-name ours
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.optimize.frontier import frontier_weights
from core.optimize.hessian import Hessian
from core.optimize.qp import DAQP_MAX_N, PolicyQP
from core.optimize.risk_parity import Covariance, equal_risk_contribution
from core.policy.constraints import ConstraintSet, LinearRow

KINDS = ("minvar", "mvu", "frontier", "erc")


def constraint_set(task: dict) -> ConstraintSet:
    """The task's bounds and group ranges as a ConstraintSet (the budget is implied)."""
    assets = np.asarray(task["assets"])
    members = task["A_group"] > 0
    rows = tuple(
        LinearRow(
            name,
            "asset_class",
            tuple(assets[members[g]].tolist()),
            float(task["group_lo"][g]),
            float(task["group_hi"][g]),
        )
        for g, name in enumerate(task["group_names"])
    )
    return ConstraintSet(
        tickers=tuple(task["assets"]),
        lower=task["lb"],
        upper=task["ub"],
        A=task["A_group"],
        row_lower=task["group_lo"],
        row_upper=task["group_hi"],
        rows=rows,
        upper_source=("bench",) * task["n"],
    )


def use_factor_form(task: dict) -> bool:
    """The factor form ``F'F + diag(d)`` pays off when ``F`` has fewer rows than assets."""
    return task["cov_factor"].shape[0] < task["n"]


def scaled_covariance(task: dict, scale: float, ridge: float) -> Hessian | np.ndarray:
    """``scale * Sigma + ridge * I``: an array for DAQP (small n), else a Hessian, factored when
    that is smaller."""
    n = task["n"]
    if n <= DAQP_MAX_N:
        h = scale * task["Sigma"]
        h.flat[:: n + 1] += ridge
        return h
    if use_factor_form(task):
        return Hessian.factored(task["cov_factor"], scale * task["cov_diag"] + ridge, scale)
    h = scale * task["Sigma"]
    h.flat[:: n + 1] += ridge
    return Hessian.dense(h)


def _sigma_times(task: dict, v: np.ndarray) -> np.ndarray:
    if use_factor_form(task):
        f = task["cov_factor"]
        return (f @ v) @ f + task["cov_diag"] * v
    return task["Sigma"] @ v


class OurOptimizer:
    """The adapter object: ``build(task) -> task``, ``solve(task) -> (weights, info)``."""

    rebuild_each_solve = False

    def supports(self, kind: str) -> bool:
        if kind not in KINDS:
            raise NotImplementedError(f"unknown problem kind {kind!r}")
        return True

    def build(self, task: dict) -> dict:
        self.supports(task["kind"])
        return task

    def solve(self, task: dict) -> tuple[np.ndarray, dict[str, Any]]:
        kind = task["kind"]
        if kind == "erc":
            factored = use_factor_form(task)
            cov = (
                Covariance.from_factors(task["cov_factor"], task["cov_diag"])
                if factored
                else Covariance.from_matrix(task["Sigma"])
            )
            w = equal_risk_contribution(cov)
            return w, {
                "solver": "Newton-Chebyshev" + (" (Woodbury)" if factored else ""),
                "status": ["optimal"],
            }
        cs = constraint_set(task)
        if kind == "frontier":
            h = scaled_covariance(task, 2.0, 0.0)
            w = frontier_weights(
                h if isinstance(h, Hessian) else task["Sigma"], task["mu"], cs, task["targets"]
            )
            return w, {
                "solver": "working set" if isinstance(h, Hessian) else "DAQP",
                "status": ["optimal"],
            }
        if kind == "mvu":
            lam, gamma, kappa = task["lam"], task["gamma"], task["kappa"]
            # max mu'w - lam/2 w'Sw - gamma/2 (w-b)'S(w-b) - kappa w'w
            #   = min 0.5 w'[(lam+gamma) S + 2 kappa I] w - (mu + gamma S b)'w + const
            h = scaled_covariance(task, lam + gamma, 2.0 * kappa)
            f = -(task["mu"] + gamma * _sigma_times(task, task["b"]))
        else:
            h, f = scaled_covariance(task, 2.0, 0.0), np.zeros(task["n"])
        sol = PolicyQP(h, f, cs).solve()
        return sol.weights, {"solver": sol.solver, "status": ["optimal"], "nit": sol.iterations}

    def __call__(self, task: dict) -> tuple[np.ndarray, dict[str, Any]]:
        return self.solve(self.build(task))


solve = OurOptimizer()
