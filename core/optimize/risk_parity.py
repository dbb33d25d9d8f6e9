"""Equal (or budgeted) risk contributions, long-only and fully invested, to machine precision.

Spinu's convex formulation (2013): the minimizer ``y > 0`` of::

    f(y) = 0.5 y' S y - b' log(y)

satisfies ``y_i (S y)_i = b_i``, so ``w = y / sum(y)`` has risk contributions
``w_i (S w)_i / (w' S w) = b_i / sum(b)``: the risk budget. ``f`` is strictly convex, and Newton's
method on it converges from any positive start; the work is in doing few, cheap steps:

- Start from inverse volatility, corrected twice by ``(budget share / risk share)^(1/2)``
  (floored, so hedges with negative contributions get more weight, not a negative one), scaled
  so that ``y' S y = sum(b)``: the best point on its ray.
- Each step factors ``H = S + diag(b / y^2)`` once and solves twice: the Newton step ``p`` and its
  Chebyshev correction ``q`` (``f``'s third derivative is diagonal, so ``q`` costs one more solve).
  ``y - p + q`` converges cubically; it is damped to keep ``y > 0``.
- Far from the solution (large problems, or any problem once the residual rose) ``f`` is
  minimized exactly over the plane of ``p`` and ``q`` instead: that always lowers ``f``, so the
  method always converges. From 300 assets on, the first steps run on a low-rank-plus-diagonal
  sketch of ``S`` (cheap), only the last ones on ``S`` itself.
- Below that size a dense ``S`` takes the same steps in ratio form (:func:`_dense_newton`), written
  for few numpy calls: at n = 16 the time is Python's per-call overhead, not arithmetic.
- Linear algebra: LAPACK Cholesky (``dpotrf``) of ``H``, or, with the covariance in factor form
  ``S = F'F + diag(d)`` (``F`` of shape (T, n), T < n), the Woodbury identity with a ``T x T``
  Cholesky factorization: ``O(T^2 n)`` per step instead of ``O(n^3)``.

The iteration stops when ``max_i |y_i (S y)_i / b_i - 1| < tol`` (default 1e-10); the returned
weights' risk contributions are checked against that tolerance from ``S y`` computed afresh (an
explicit certificate) before they are handed on.
"""

from __future__ import annotations

import math

import numpy as np

from core.errors import DataError, SolverError

DEFAULT_TOL = 1e-10
_LOCAL = 0.5  # below this residual every problem takes full Chebyshev steps
_OPTIMISTIC_MAX_N = 256  # below this size, also far from the solution while the residual falls
_BOUNDARY = 0.9  # a damped step goes at most this fraction of the way to y_i = 0
_START_FLOOR = 0.2  # the start's correction divides by sqrt(max(risk share / budget, floor))
_SKETCH_MIN_N = 300  # from this size on, the first steps run on a low-rank sketch of S
_SKETCH_RANK = 16
_SKETCH_TOL = 0.05
_absmax = np.maximum.reduce
_absmin = np.minimum.reduce
_sum = np.add.reduce
_LAPACK: list = []  # dposv, dpotrs once imported


class Covariance:
    """A covariance prepared for risk parity: an ``(n, n)`` matrix or ``F'F + diag(d)``.

    Build it with :meth:`from_matrix` or :meth:`from_factors` (inputs are validated there) and pass
    it to :func:`equal_risk_contribution` as ``cov``; reusable for any number of budgets.
    """

    def __init__(self, operator: _Dense | _Factored) -> None:
        self._op = operator
        variances = operator.diagonal()
        if not (_absmin(variances) > 0 and math.isfinite(_absmax(variances))):
            raise DataError("Every asset needs a positive, finite variance for risk parity.")
        self._variances = variances

    @classmethod
    def from_matrix(cls, cov: np.ndarray, *, scipy_lapack: bool = True) -> Covariance:
        """``cov`` of shape (n, n), symmetric positive definite (symmetrized here).

        ``scipy_lapack`` False factors with numpy's own linear algebra instead of scipy's LAPACK
        wrappers: a few microseconds more per solve, but no import of ``scipy.linalg`` (about
        0.3 s), which the desktop app's first analysis would otherwise wait for.
        """
        s = np.asarray(cov, dtype=float)
        if s.ndim != 2 or s.shape[0] != s.shape[1] or s.shape[0] == 0:
            raise DataError(
                f"The covariance must be a non-empty square matrix, got shape {s.shape}."
            )
        if not np.isfinite(s).all():
            raise DataError("The covariance matrix has non-finite entries.")
        return cls(_Dense(np.ascontiguousarray(0.5 * (s + s.T)), scipy_lapack=scipy_lapack))

    @classmethod
    def from_factors(cls, factor: np.ndarray, idiosyncratic: np.ndarray) -> Covariance:
        """``factor.T @ factor + diag(idiosyncratic)``, shapes (T, n) and (n,); used as is."""
        f = np.asarray(factor, dtype=float)
        d = np.asarray(idiosyncratic, dtype=float)
        if f.ndim != 2 or d.shape != (f.shape[1],):
            raise DataError(
                f"Factor (T, n) and idiosyncratic (n,) shapes disagree: {f.shape}, {d.shape}."
            )
        if not (np.isfinite(f).all() and np.isfinite(d).all()) or (d < 0).any():
            raise DataError("The factor covariance has non-finite or negative entries.")
        return cls(_Factored(f, d))

    @property
    def n(self) -> int:
        return self._op.n


def equal_risk_contribution(
    cov: np.ndarray | Covariance | None = None,
    budget: np.ndarray | None = None,
    *,
    factor: np.ndarray | None = None,
    idiosyncratic: np.ndarray | None = None,
    tol: float = DEFAULT_TOL,
    max_iter: int = 100,
    scipy_lapack: bool = True,
) -> np.ndarray:
    """Long-only, fully invested weights whose risk contributions match ``budget``.

    Parameters
    ----------
    cov : ndarray (n, n) or Covariance, optional
        Covariance (any consistent units, e.g. annualized). Give ``cov`` or the factor form.
    budget : ndarray, shape (n,), optional
        Positive risk budgets (normalized here); default equal, ``1/n`` each.
    factor, idiosyncratic : ndarray, shapes (T, n) and (n,), optional
        The covariance as ``factor.T @ factor + diag(idiosyncratic)``; no ``n x n`` matrix is
        formed, which is much faster when ``T`` is well below ``n``.
    tol : float
        Stop when ``max_i |RC_i / (b_i sigma^2) - 1| < tol``, ``RC_i = w_i (S w)_i`` (for equal
        budgets ``max_i |n RC_i / sigma^2 - 1|``).
    max_iter : int
        Newton steps allowed before :class:`SolverError`.
    scipy_lapack : bool
        For a dense ``cov``: factor with scipy's LAPACK wrappers (fastest per call) or, when
        False, with numpy's (same Newton steps and stopping rule, no ``scipy.linalg`` import).

    Returns
    -------
    ndarray, shape (n,)
        Weights summing to 1, all positive.

    Raises
    ------
    DataError
        Inputs of the wrong shape, non-finite, a non-positive variance or budget.
    SolverError
        No convergence within ``max_iter``, or a failed final check (for instance a covariance
        that is not positive definite).
    """
    if isinstance(cov, Covariance):
        prepared = cov
    elif factor is not None or idiosyncratic is not None:
        if factor is None or idiosyncratic is None or cov is not None:
            raise DataError("Give either a covariance matrix or both factor-form arrays.")
        prepared = Covariance.from_factors(factor, idiosyncratic)
    elif cov is not None:
        prepared = Covariance.from_matrix(cov, scipy_lapack=scipy_lapack)
    else:
        raise DataError("Give a covariance matrix or its factor form.")
    op, variances = prepared._op, prepared._variances
    n = op.n
    b: float | np.ndarray
    if budget is None:
        b = 1.0 / n
    else:
        b = np.asarray(budget, dtype=float)
        if b.shape != (n,) or not np.isfinite(b).all() or (b <= 0).any():
            raise DataError("Risk budgets must be positive and finite, one per asset.")
        b = b / b.sum()
    if isinstance(op, _Dense) and n < _SKETCH_MIN_N:
        # _dense_newton returns only once the risk shares of y are within tol of the budget,
        # measured on S y computed afresh: that check is the certificate.
        y = _dense_newton(op, b, _dense_start(op.S, b, variances), tol, max_iter)
        return _weights(y)
    y, sy = _start(op, b, variances)
    if n >= _SKETCH_MIN_N:
        # Far from the solution the exact Hessian is wasted: do the first, global part of the
        # work on a low-rank-plus-diagonal sketch of S (cheap steps), then finish on S itself.
        sketch = _low_rank_sketch(op, _SKETCH_RANK)
        try:
            y_sketch, _ = _newton(
                sketch, b, y, sketch.matvec(y), _SKETCH_TOL, max_iter, optimistic=True
            )
        except SolverError:  # only a start: keep the one we had
            y_sketch = y
        sy = op.matvec(y_sketch)
        scale = 1.0 / math.sqrt(_positive(float(y_sketch @ sy)))
        y, sy = y_sketch * scale, sy * scale
    # _newton returns only once the risk shares of y (so of w = y / sum(y)) are within tol of the
    # budget, measured on S y computed afresh: that check is the certificate.
    y, _ = _newton(op, b, y, sy, tol, max_iter)
    return _weights(y)


def _weights(y: np.ndarray) -> np.ndarray:
    w = y * (1.0 / float(_sum(y)))
    if not _absmin(w) > 0:
        raise SolverError(
            "Risk parity produced a non-positive weight; check the covariance matrix."
        )
    return w


def risk_contribution_error(
    w: np.ndarray, cov: np.ndarray, budget: np.ndarray | None = None
) -> float:
    """``max_i |RC_i / (b_i sigma^2) - 1|`` with ``RC_i = w_i (S w)_i``; 0 for exact risk parity."""
    n = len(w)
    b = np.full(n, 1.0 / n) if budget is None else np.asarray(budget, float) / np.sum(budget)
    sw = cov @ w
    return float(np.max(np.abs(w * sw / (w @ sw) / b - 1.0)))


class _Dense:
    """``S`` as an array; factors ``S + diag(e)`` with LAPACK (immutable: safe to share)."""

    def __init__(self, cov: np.ndarray, *, scipy_lapack: bool = True) -> None:
        self.S = cov
        self.n = cov.shape[0]
        self._posv, self._potrs = (
            _lapack_posv_potrs() if scipy_lapack else (_numpy_posv, _numpy_potrs)
        )

    def matvec(self, v: np.ndarray) -> np.ndarray:
        return self.S @ v

    def diagonal(self) -> np.ndarray:
        return self.S.diagonal().copy()

    def factorize_solve(
        self, extra_diag: np.ndarray, rhs: np.ndarray
    ) -> tuple[tuple, np.ndarray] | None:
        """Factors of ``S + diag(extra_diag)`` and the solution for ``rhs`` (None: not PD)."""
        h = np.array(
            self.S.T, order="F"
        )  # S is symmetric: its transpose is F-ordered, a plain copy
        h.reshape(-1, order="F")[:: self.n + 1] += extra_diag  # F order: a view of the diagonal
        chol, x, info = self._posv(h, rhs, lower=1, overwrite_a=1)
        return ((chol,), x) if info == 0 else None

    def solve(self, factors: tuple, rhs: np.ndarray) -> np.ndarray:
        return self._potrs(factors[0], rhs, lower=1)[0]


def _lapack_posv_potrs() -> tuple:
    """LAPACK's ``dposv`` and ``dpotrs``, imported on first use (scipy.linalg is slow to import)."""
    if not _LAPACK:
        from scipy.linalg import lapack

        _LAPACK.extend((lapack.dposv, lapack.dpotrs))
    return _LAPACK[0], _LAPACK[1]


def _numpy_posv(
    a: np.ndarray,
    b: np.ndarray,
    lower: int = 1,
    overwrite_a: int = 0,  # noqa: ARG001
    overwrite_b: int = 0,
) -> tuple[np.ndarray, np.ndarray, int]:  # noqa: ARG001
    """``dposv``'s contract with numpy: (factor stand-in, solution, info); info 1 = not PD.
    The "factor" returned is ``a`` itself, which :func:`_numpy_potrs` solves with again."""
    try:
        np.linalg.cholesky(a)  # the positive-definiteness test dposv makes
    except np.linalg.LinAlgError:
        return a, b, 1
    return a, np.linalg.solve(a, b), 0


def _numpy_potrs(
    a: np.ndarray,
    b: np.ndarray,
    lower: int = 1,
    overwrite_b: int = 0,  # noqa: ARG001
) -> tuple[np.ndarray, int]:
    return np.linalg.solve(a, b), 0


class _Factored:
    """``S = F'F + diag(d)``: solves with ``F'F + diag(d + e)`` by Woodbury (a T x T Cholesky)."""

    def __init__(self, factor: np.ndarray, idio: np.ndarray) -> None:
        from scipy.linalg import blas, lapack

        self.F = np.ascontiguousarray(factor)
        self.Ft = self.F.T  # (n, T), a Fortran-ordered view: what dsyrk reads without a copy
        self.d = idio
        self.T, self.n = self.F.shape
        self._syrk = blas.dsyrk
        self._potrf = lapack.dpotrf
        self._potrs = lapack.dpotrs

    def matvec(self, v: np.ndarray) -> np.ndarray:
        return (self.F @ v) @ self.F + self.d * v

    def diagonal(self) -> np.ndarray:
        return np.einsum("ij,ij->j", self.F, self.F) + self.d

    def factorize_solve(
        self, extra_diag: np.ndarray, rhs: np.ndarray
    ) -> tuple[tuple, np.ndarray] | None:
        """Factors of ``F'F + diag(d + extra_diag)`` and the solution for ``rhs`` (None: not PD)."""
        inv_e = 1.0 / (self.d + extra_diag)
        scaled = self.Ft * np.sqrt(inv_e)[:, None]  # keeps the Fortran order of Ft
        core = self._syrk(1.0, scaled, beta=0.0, lower=1, trans=1)  # F E^-1 F', lower triangle
        core.reshape(-1, order="F")[:: self.T + 1] += 1.0  # dsyrk returns Fortran order: a view
        chol, info = self._potrf(core, lower=1, clean=0, overwrite_a=1)
        if info != 0:
            return None
        factors = (chol, inv_e)
        return factors, self.solve(factors, rhs)

    def solve(self, factors: tuple, rhs: np.ndarray) -> np.ndarray:
        chol, inv_e = factors
        u = inv_e * rhs
        z = self._potrs(chol, self.F @ u, lower=1)[0]
        return u - inv_e * (z @ self.F)


def _start(
    op: _Dense | _Factored, b: float | np.ndarray, variances: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Inverse volatility, twice divided by ``sqrt(max(risk share / budget, floor))``, then scaled
    so that ``y' S y = sum(b) = 1``, the best point on its ray; returns ``y`` and ``S y``."""
    y = 1.0 / np.sqrt(variances)
    for _ in range(2):
        sy = op.matvec(y)
        y = y / np.sqrt(np.maximum((y * sy) * (1.0 / (_positive(float(y @ sy)) * b)), _START_FLOOR))
    sy = op.matvec(y)
    scale = 1.0 / math.sqrt(_positive(float(y @ sy)))
    return y * scale, sy * scale


def _positive(variance: float) -> float:
    """A portfolio variance, which must be positive for a positive definite covariance."""
    if not variance > 0:
        raise SolverError("Risk parity: the covariance matrix is not positive definite.")
    return variance


def _low_rank_sketch(op: _Dense | _Factored, rank: int) -> _Factored:
    """``B'B + diag(e)`` close to ``S``: ``B`` spans S's dominant directions (randomized range
    finder with one power iteration, fixed seed), ``e`` keeps the diagonal of ``S`` exact."""
    rng = np.random.default_rng(20241124)
    if isinstance(op, _Factored):
        F = op.F
        basis = np.linalg.qr(F @ rng.standard_normal((op.n, rank)))[0]
        basis = np.linalg.qr(F @ (F.T @ basis))[0]
        B = basis.T @ F  # F ~ Q Q' F, so F'F ~ B'B
    else:
        S = op.S
        basis = np.linalg.qr(S @ rng.standard_normal((op.n, rank)))[0]
        basis = np.linalg.qr(S @ basis)[0]
        vals, vecs = np.linalg.eigh(basis.T @ S @ basis)
        B = (vecs * np.sqrt(np.maximum(vals, 0.0))).T @ basis.T
    diag = op.diagonal()
    return _Factored(B, np.maximum(diag - np.einsum("ij,ij->j", B, B), 1e-3 * diag))


def _newton(
    op: _Dense | _Factored,
    b: float | np.ndarray,
    y: np.ndarray,
    sy: np.ndarray,
    tol: float,
    max_iter: int,
    optimistic: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Newton-Chebyshev steps on Spinu's ``f`` (module docstring) from ``y`` (with ``sy = S y``)
    until the risk shares ``y_i (S y)_i / (y' S y)`` are within ``tol`` of ``b`` (relative),
    checked on ``S y`` computed afresh after every step; returns ``y`` and ``S y``."""
    optimistic = optimistic or op.n < _OPTIMISTIC_MAX_N
    scalar_budget = not isinstance(b, np.ndarray)
    previous = math.inf
    for _ in range(max_iter):
        contrib = y * sy
        target = float(y @ sy) * b  # the risk contributions the budget asks for
        err: float
        if scalar_budget:
            err = float(_absmax(np.abs(contrib - target)) / target)
        else:
            err = float(_absmax(np.abs(contrib / target - 1.0)))
        if err < tol:
            return y, sy
        if err >= previous:
            optimistic = False  # the residual rose: from now on only steps that lower f far out
        previous = err
        inv_y = 1.0 / y
        b_inv_y = b * inv_y
        solved = op.factorize_solve(b_inv_y * inv_y, sy - b_inv_y)
        if solved is None:
            raise SolverError("Risk parity: the covariance matrix is not positive definite.")
        factors, p = solved
        r = p * inv_y
        q = op.solve(factors, (b_inv_y * r) * r)  # Chebyshev term: y+ = y - p + q
        if optimistic or err < _LOCAL:
            step = p - q
            reach = float(_absmax(step * inv_y))  # y_i - step_i > 0 while step_i / y_i < 1
            y = y - step if reach <= _BOUNDARY else y - (_BOUNDARY / reach) * step
        else:
            y = _subspace_step(op, b, y, sy, p, q)
        sy = op.matvec(y)
    raise SolverError(f"Risk parity did not converge in {max_iter} Newton steps.")


def _dense_start(S: np.ndarray, b: float | np.ndarray, variances: np.ndarray) -> np.ndarray:
    """:func:`_start` without its final scaling (left to :func:`_dense_newton`)."""
    y = variances**-0.5
    floor_b = _START_FLOOR * b
    for _ in range(2):
        contrib = y * S.dot(y)
        y = y * np.maximum(contrib, floor_b * _positive(float(_sum(contrib)))) ** -0.5
    return y


def _dense_newton(
    op: _Dense, b: float | np.ndarray, y: np.ndarray, tol: float, max_iter: int
) -> np.ndarray:
    """:func:`_newton` for a dense ``S`` below the sketch size, written for few numpy calls (at
    n = 16 the time is per-call overhead, not arithmetic).

    Steps are taken in ratio form: with ``y`` scaled so that ``y' S y = 1`` and ``Y = diag(y)``,
    Newton's step ``p`` is ``Y r`` with ``M r = y * S y - b``, ``M = Y S Y + diag(b)``, and the
    Chebyshev term is ``Y M^-1 (b r^2)``: ``y`` becomes ``y * (1 - rho)``, ``rho = r - M^-1 (b r^2)``.
    These are :func:`_newton`'s Newton-Chebyshev steps, each taken from ``y`` rescaled to the best
    point on its ray (``y' S y = 1``, free here), with fewer calls: no ``1 / y`` or ``b / y``
    vectors, ``M`` formed in one product. The residual is checked on ``S y`` computed afresh after
    every step."""
    S = op.S
    n = op.n
    diagonal = slice(None, None, n + 1)
    scalar_budget = not isinstance(b, np.ndarray)
    optimistic = n < _OPTIMISTIC_MAX_N
    previous = math.inf
    sy = S.dot(y)
    for _ in range(max_iter):
        contrib = y * sy
        total = float(_sum(contrib))  # y' S y
        if not (total > 0 and math.isfinite(total)):
            # y > 0 is finite, so a non-finite total means a non-finite S y
            raise SolverError("Risk parity: the covariance matrix is not positive definite.")
        target = total * b
        if scalar_budget:
            err = float(_absmax(abs(contrib - target)) / target)
        else:
            err = float(_absmax(abs(contrib / target - 1.0)))
        if err < tol:
            return y
        if err >= previous:
            optimistic = False  # the residual rose: from now on only steps that lower f far out
        previous = err
        scale = 1.0 / math.sqrt(total)
        y = y * scale
        m = S * (
            y[:, None] * y
        )  # Y S Y is symmetric: its transpose is the Fortran array LAPACK wants
        m.reshape(-1)[diagonal] += b
        chol, r, info = op._posv(
            m.T, contrib * (1.0 / total) - b, lower=1, overwrite_a=1, overwrite_b=1
        )
        if info != 0:
            raise SolverError("Risk parity: the covariance matrix is not positive definite.")
        rho = r - op._potrs(chol, (r * r) * b, lower=1, overwrite_b=1)[0]
        if not (optimistic or err < _LOCAL):
            y = _subspace_step(op, b, y, sy * scale, y * r, y * (r - rho))
        else:
            reach = float(_absmax(rho))  # y_i (1 - rho_i) > 0 while rho_i < 1
            y = y - y * (rho if reach <= _BOUNDARY else (_BOUNDARY / reach) * rho)
        sy = S.dot(y)
    raise SolverError(f"Risk parity did not converge in {max_iter} Newton steps.")


def _subspace_step(
    op: _Dense | _Factored,
    b: float | np.ndarray,
    y: np.ndarray,
    sy: np.ndarray,
    p: np.ndarray,
    q: np.ndarray,
) -> np.ndarray:
    """Minimize ``f(y - D c)``, ``D = [p, q]``, over ``c`` (a convex 2-D problem, damped Newton)."""
    directions = np.vstack((p, q))  # (2, n)
    s_dirs = np.vstack((op.matvec(p), op.matvec(q)))
    g0 = directions @ sy  # f(y - D c) = const - g0'c + 0.5 c'h0 c - sum b log(1 - c'ratios)
    h0 = s_dirs @ directions.T
    ratios = directions / y
    c = np.array([1.0, 0.0])
    while float(_absmax(c @ ratios)) >= 1.0:
        c *= 0.5
    for _ in range(20):
        z = 1.0 - c @ ratios
        bz = b / z
        grad = h0 @ c - g0 + ratios @ bz
        hess = h0 + (ratios * (bz / z)) @ ratios.T
        step = np.linalg.solve(hess, grad)
        decrement = float(grad @ step)
        t = 1.0
        while float(_absmax((c - t * step) @ ratios)) >= 1.0:
            t *= 0.5
        c = c - t * step
        if decrement < 1e-12 * abs(float(g0 @ c)) + 1e-300:
            break
    return y - c @ directions
