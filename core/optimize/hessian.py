"""The quadratic term ``H`` of a QP, dense or in factor form, behind the few products a solver needs.

A covariance estimated from ``T`` observations of ``n`` assets (or a factor model) has the form
``F'F + diag(d)`` with ``F`` of shape ``(T, n)``. With ``T`` well below ``n`` that form is smaller
than the ``n x n`` matrix and every product with it is cheaper, so :class:`Hessian` keeps it as is.
"""

from __future__ import annotations

import numpy as np


class Hessian:
    """A symmetric positive definite ``H``: an ``(n, n)`` array or ``scale * F'F + diag(d)``.

    Build it with :meth:`dense` or :meth:`factored`; the instance is read-only.
    """

    __slots__ = ("_dense", "_factor", "_diag", "_scale", "n")

    def __init__(
        self,
        dense: np.ndarray | None,
        factor: np.ndarray | None,
        diag: np.ndarray | None,
        scale: float,
    ) -> None:
        self._dense = dense
        self._factor = factor
        self._diag = diag
        self._scale = float(scale)
        size = dense.shape[0] if dense is not None else (diag.shape[0] if diag is not None else 0)
        self.n = int(size)

    @classmethod
    def dense(cls, matrix: np.ndarray) -> Hessian:
        """``H`` given as an ``(n, n)`` array (symmetrized here)."""
        h = np.asarray(matrix, dtype=float)
        if h.ndim != 2 or h.shape[0] != h.shape[1]:
            raise ValueError(f"H must be square, got shape {h.shape}")
        return cls(np.ascontiguousarray(0.5 * (h + h.T)), None, None, 1.0)

    @classmethod
    def factored(cls, factor: np.ndarray, diag: np.ndarray, scale: float = 1.0) -> Hessian:
        """``H = scale * F'F + diag(d)``, ``F`` of shape ``(T, n)``, ``d`` of shape ``(n,)``."""
        f = np.ascontiguousarray(factor, dtype=float)
        d = np.asarray(diag, dtype=float)
        if f.ndim != 2 or d.shape != (f.shape[1],):
            raise ValueError(f"factor (T, n) and diag (n,) disagree: {f.shape} and {d.shape}")
        return cls(None, f, d, scale)

    @property
    def is_factored(self) -> bool:
        return self._dense is None

    def matvec(self, x: np.ndarray) -> np.ndarray:
        """``H @ x``, shape (n,)."""
        if self._dense is not None:
            return self._dense @ x
        f, d = self._factor, self._diag
        assert f is not None and d is not None
        return self._scale * ((f @ x) @ f) + d * x

    def rows(self, cols: np.ndarray) -> np.ndarray | None:
        """``H[cols]`` (k, n) for a dense ``H`` (rows of a symmetric matrix are its columns); None
        for the factor form, where :meth:`columns_matvec` never needs them."""
        return self._dense[cols] if self._dense is not None else None

    def block(self, cols: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """``H[cols][:, cols]``, shape (k, k); ``rows`` may pass ``self.rows(cols)``."""
        if self._dense is not None:
            return (self._dense[cols] if rows is None else rows)[:, cols]
        f, d = self._factor, self._diag
        assert f is not None and d is not None
        fc = f[:, cols]
        out = self._scale * (fc.T @ fc)
        out.flat[:: len(cols) + 1] += d[cols]
        return out

    def columns_matvec(
        self, cols: np.ndarray, v: np.ndarray, rows: np.ndarray | None = None
    ) -> np.ndarray:
        """``H[:, cols] @ v``, shape (n,); ``rows`` may pass ``self.rows(cols)``."""
        if self._dense is not None:
            return v @ (self._dense[cols] if rows is None else rows)
        f, d = self._factor, self._diag
        assert f is not None and d is not None
        out = self._scale * ((f[:, cols] @ v) @ f)
        out[cols] += d[cols] * v
        return out

    def diagonal(self) -> np.ndarray:
        """``diag(H)``, shape (n,)."""
        if self._dense is not None:
            return np.diagonal(self._dense).copy()
        f, d = self._factor, self._diag
        assert f is not None and d is not None
        return self._scale * np.einsum("ij,ij->j", f, f) + d

    def to_array(self) -> np.ndarray:
        """``H`` as an ``(n, n)`` array (forms it for the factor form)."""
        if self._dense is not None:
            return self._dense
        f, d = self._factor, self._diag
        assert f is not None and d is not None
        out = self._scale * (f.T @ f)
        out.flat[:: self.n + 1] += d
        return out

    def quadratic(self, x: np.ndarray) -> float:
        """``x' H x``."""
        if self._dense is not None:
            return float(x @ self._dense @ x)
        f, d = self._factor, self._diag
        assert f is not None and d is not None
        fx = f @ x
        return float(self._scale * (fx @ fx) + x @ (d * x))
