"""Black-Litterman expected returns: the policy benchmark's equilibrium plus committee views.

Conventions
-----------
* Returns are annual, arithmetic, decimal, **total** (not in excess of cash): the prior is
  ``Pi = rf + delta * Sigma @ w_benchmark`` (reverse optimization: the returns under which the
  policy benchmark is the unconstrained mean-variance optimum at risk aversion ``delta``).
* A view's ``expected_return`` is the annual total return of its long basket (absolute view) or
  the long basket minus the short basket (relative view). Each basket is equally weighted across
  its ETFs; an asset-class name in a basket stands for the class's ETFs.
* Confidence (0 to 1) follows Idzorek (2005), "A step-by-step guide to the Black-Litterman
  model": a view held with confidence ``C`` moves the unconstrained optimal weights
  ``(delta Sigma)^-1 mu`` ``C`` of the way from the benchmark to where a 100%-certain view would
  take them. For one view that tilt is linear in ``p tau Sigma p' / (p tau Sigma p' + omega)``,
  so Idzorek's search has the closed form ``omega = (1 - C) / C * p tau Sigma p'`` (Walters,
  "The Black-Litterman model in detail", 2014). ``C = 0.5`` gives He and Litterman's (1999)
  ``omega = p tau Sigma p'``; ``C = 1`` makes the posterior satisfy the view exactly; ``C = 0``
  leaves the prior unchanged (the view is dropped).
* Posterior (He and Litterman 1999, eq. 8 in the "update" form, which needs no inverse of
  Omega and so allows 100% confidence):
  ``mu = Pi + tau Sigma P' (P tau Sigma P' + Omega)^-1 (Q - P Pi)``;
  posterior covariance of the returns ``Sigma + tau Sigma - tau Sigma P' (P tau Sigma P' +
  Omega)^-1 P tau Sigma``.
* ``tau`` defaults to 0.05 (He and Litterman 1999). With Idzorek's Omega, which is proportional
  to ``tau``, ``tau`` cancels from the posterior means; it only scales the posterior covariance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np

from core.errors import DataError

DEFAULT_TAU = 0.05
TAU_SOURCE = "tau = 0.05 (He and Litterman 1999); with Idzorek's confidences it cancels from the posterior means"
MAX_VIEW_RETURN = 0.5
"""Largest plausible annual view (absolute or relative), decimal: 50%."""


class ViewKind(str, Enum):
    ABSOLUTE = "Absolute"
    RELATIVE = "Relative"


@dataclass(frozen=True)
class View:
    """One committee view.

    kind : absolute (the long basket returns ``expected_return``) or relative (long minus short).
    long, short : ETF tickers or asset-class names; ``short`` is empty for an absolute view.
    expected_return : annual total return, decimal (0.05 = 5%).
    confidence : Idzorek confidence, decimal in [0, 1].
    """

    kind: ViewKind
    long: tuple[str, ...]
    short: tuple[str, ...] = ()
    expected_return: float = 0.0
    confidence: float = 0.5

    def describe(self) -> str:
        """``"SPY outperforms AGG by 2.0% a year (confidence 50%)"``."""
        long = " + ".join(self.long)
        if self.kind is ViewKind.ABSOLUTE:
            text = f"{long} returns {self.expected_return:.1%} a year"
        else:
            text = (
                f"{long} outperforms {' + '.join(self.short)} by {self.expected_return:.1%} a year"
            )
        return f"{text} (confidence {self.confidence:.0%})"


def check_view(
    view: View,
    tickers: Sequence[str],
    groups: Mapping[str, Sequence[str]] | None = None,
    *,
    where: str = "view",
) -> None:
    """Raise :class:`DataError` naming ``where`` and what to change if ``view`` cannot be used."""
    groups = groups or {}
    known = set(tickers) | set(groups)
    if not view.long:
        raise DataError(f"{where}: name the ETF(s) or asset class the view is long.")
    if view.kind is ViewKind.RELATIVE and not view.short:
        raise DataError(
            f"{where}: a relative view needs a short side (what the long side outperforms)."
        )
    if view.kind is ViewKind.ABSOLUTE and view.short:
        raise DataError(
            f"{where}: an absolute view has no short side; clear it or make it relative."
        )
    unknown = [name for name in (*view.long, *view.short) if name not in known]
    if unknown:
        raise DataError(
            f"{where}: {', '.join(unknown)} is not an ETF of the universe or an asset class; "
            "use a ticker such as SPY or a class name."
        )
    if not np.isfinite(view.expected_return) or abs(view.expected_return) > MAX_VIEW_RETURN:
        raise DataError(
            f"{where}: expected return {view.expected_return:.1%} is outside -50% to 50% a year; "
            "type 5 for 5%."
        )
    if not (np.isfinite(view.confidence) and 0.0 <= view.confidence <= 1.0):
        raise DataError(f"{where}: confidence {view.confidence!r} must be from 0% to 100%.")
    row = pick_row(view, tickers, groups)
    if not np.any(np.abs(row) > 1e-12):
        raise DataError(
            f"{where}: the long and short sides hold the same ETFs; the view says nothing."
        )


def _basket(
    names: Sequence[str], tickers: Sequence[str], groups: Mapping[str, Sequence[str]]
) -> np.ndarray:
    members: list[str] = []
    for name in names:
        for t in groups.get(name, (name,)) if name not in tickers else (name,):
            if t not in members:
                members.append(t)
    out = np.zeros(len(tickers))
    for t in members:
        out[list(tickers).index(t)] = 1.0 / len(members)
    return out


def pick_row(
    view: View, tickers: Sequence[str], groups: Mapping[str, Sequence[str]] | None = None
) -> np.ndarray:
    """The view's row of the pick matrix ``P``, shape (n,): equal weights within each basket."""
    groups = groups or {}
    row = _basket(view.long, tickers, groups)
    if view.kind is ViewKind.RELATIVE:
        row = row - _basket(view.short, tickers, groups)
    return row


def equilibrium_returns(
    covariance: np.ndarray,
    benchmark_weights: np.ndarray,
    risk_aversion: float,
    risk_free: float = 0.0,
) -> np.ndarray:
    """Reverse optimization ``rf + delta * Sigma @ w_benchmark``, shape (n,), annual decimal."""
    return risk_free + risk_aversion * np.asarray(covariance) @ np.asarray(benchmark_weights)


def blend(
    prior: np.ndarray,
    covariance: np.ndarray,
    pick: np.ndarray,
    view_returns: np.ndarray,
    confidences: np.ndarray,
    *,
    tau: float = DEFAULT_TAU,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Black-Litterman posterior on arrays (module docstring for the formulas).

    Parameters
    ----------
    prior : shape (n,), annual decimal.
    covariance : shape (n, n), annual.
    pick : shape (k, n), ``P``: one row per view (any weights, e.g. market-cap within a basket).
    view_returns : shape (k,), ``Q``, annual decimal.
    confidences : shape (k,), Idzorek confidences in (0, 1].

    Returns
    -------
    posterior : shape (n,).
    posterior_covariance : shape (n, n).
    omega : shape (k,), the diagonal of Omega, ``(1 - C) / C * p tau Sigma p'``.
    """
    if not (np.isfinite(tau) and tau > 0):
        raise DataError(f"tau {tau!r} must be a positive number, e.g. 0.05.")
    prior = np.asarray(prior, dtype=float)
    sigma = np.asarray(covariance, dtype=float)
    p = np.asarray(pick, dtype=float).reshape(-1, len(prior))
    k = p.shape[0]
    if k == 0:
        return prior.copy(), sigma * (1 + tau), np.zeros(0)
    conf = np.asarray(confidences, dtype=float)
    if not np.all((conf > 0) & (conf <= 1)):
        raise DataError("Each view's confidence must be above 0% and at most 100%.")
    tau_sigma = tau * sigma
    view_var = np.einsum("ki,ij,kj->k", p, tau_sigma, p)
    omega = (1.0 - conf) / conf * view_var
    a = p @ tau_sigma @ p.T + np.diag(omega)
    if np.linalg.matrix_rank(a, tol=1e-10 * max(1e-300, float(np.abs(a).max()))) < k:
        raise DataError(
            "The views cannot all hold: views held with 100% confidence repeat or contradict "
            "each other (one is a combination of the others); lower a confidence or remove one."
        )
    gain = tau_sigma @ p.T @ np.linalg.inv(a)
    posterior = prior + gain @ (np.asarray(view_returns, dtype=float) - p @ prior)
    post_cov = sigma + tau_sigma - gain @ p @ tau_sigma
    return posterior, (post_cov + post_cov.T) / 2, omega


@dataclass(frozen=True)
class BlackLittermanResult:
    """Prior, posterior and what each view did.

    prior, posterior : shape (n,), annual total returns, decimal.
    pick : shape (k, n), ``P`` of the views used (views with 0% confidence are dropped).
    view_returns : shape (k,), ``Q``.
    omega : shape (k,), the diagonal of ``Omega``.
    implied_confidence : shape (k,), ``p tau Sigma p' / (p tau Sigma p' + omega)``, the
        Idzorek confidence that Omega encodes (equals the confidence typed).
    posterior_covariance : shape (n, n), annual.
    """

    tickers: tuple[str, ...]
    views: tuple[View, ...]
    prior: np.ndarray
    posterior: np.ndarray
    pick: np.ndarray
    view_returns: np.ndarray
    omega: np.ndarray
    implied_confidence: np.ndarray
    posterior_covariance: np.ndarray
    tau: float
    risk_aversion: float
    risk_free: float
    numbers: tuple[int, ...] = ()
    """1-based position of each view used among the views given (0%-confidence views are
    dropped, so "View 3" stays view 3)."""

    @property
    def difference(self) -> np.ndarray:
        """``posterior - prior``, shape (n,), annual decimal."""
        return self.posterior - self.prior

    @property
    def prior_view_returns(self) -> np.ndarray:
        """``P @ prior``: what the equilibrium says about each view, shape (k,)."""
        return self.pick @ self.prior

    @property
    def posterior_view_returns(self) -> np.ndarray:
        """``P @ posterior``: each view's return after blending, shape (k,)."""
        return self.pick @ self.posterior

    def describe(self) -> str:
        return (
            f"Black-Litterman: prior = equilibrium returns implied by the policy benchmark "
            f"(cash {self.risk_free:.2%} + delta x Sigma x benchmark weights, delta = "
            f"{self.risk_aversion:g}, the IPS risk aversion); {len(self.views)} committee "
            f"view(s) with Idzorek confidences; {TAU_SOURCE}"
        )


def black_litterman(
    prior: np.ndarray,
    covariance: np.ndarray,
    views: Sequence[View],
    tickers: Sequence[str],
    *,
    groups: Mapping[str, Sequence[str]] | None = None,
    tau: float = DEFAULT_TAU,
    risk_aversion: float = float("nan"),
    risk_free: float = 0.0,
) -> BlackLittermanResult:
    """Blend ``prior`` with ``views`` (module docstring for the conventions).

    Parameters
    ----------
    prior : shape (n,), annual decimal (e.g. :func:`equilibrium_returns`).
    covariance : shape (n, n), annual.
    views : checked with :func:`check_view`; ``View`` 1 is the first.
    tickers : the order of ``prior``.
    groups : asset class -> its tickers, for views that name a class.
    risk_aversion, risk_free : recorded in the result (how the prior was made).

    Raises
    ------
    DataError
        A view names an unknown ETF, is implausible, or 100%-confident views contradict each
        other (their pick rows are linearly dependent).
    """
    prior = np.asarray(prior, dtype=float)
    sigma = np.asarray(covariance, dtype=float)
    for i, view in enumerate(views, start=1):
        check_view(view, tickers, groups, where=f"View {i}")
    numbers = tuple(i for i, v in enumerate(views, start=1) if v.confidence > 0.0)
    used = tuple(views[i - 1] for i in numbers)
    n = len(prior)
    p = np.vstack([pick_row(v, tickers, groups) for v in used]) if used else np.zeros((0, n))
    q = np.array([v.expected_return for v in used])
    conf = np.array([v.confidence for v in used])
    posterior, post_cov, omega = blend(prior, sigma, p, q, conf, tau=tau)
    view_var = np.einsum("ki,ij,kj->k", p, tau * sigma, p)
    return BlackLittermanResult(
        tickers=tuple(tickers),
        views=used,
        numbers=numbers,
        prior=prior.copy(),
        posterior=posterior,
        pick=p,
        view_returns=q,
        omega=omega,
        implied_confidence=view_var / (view_var + omega),
        posterior_covariance=post_cov,
        tau=float(tau),
        risk_aversion=float(risk_aversion),
        risk_free=float(risk_free),
    )


def view_to_dict(view: View) -> dict[str, object]:
    """A JSON-ready view (returns and confidence as decimals)."""
    return {
        "kind": view.kind.name,
        "long": list(view.long),
        "short": list(view.short),
        "expected_return": view.expected_return,
        "confidence": view.confidence,
    }


def view_from_dict(raw: object, *, where: str = "view") -> View:
    """The inverse of :func:`view_to_dict`; a :class:`DataError` names what is wrong."""
    if not isinstance(raw, Mapping):
        raise DataError(
            f"{where} must be an object with kind, long, short, expected_return, confidence."
        )
    kind = raw.get("kind")
    if kind not in ViewKind.__members__:
        raise DataError(f"{where}: kind {kind!r} must be ABSOLUTE or RELATIVE.")
    sides = []
    for key in ("long", "short"):
        names = raw.get(key, [])
        if not isinstance(names, list) or not all(isinstance(x, str) for x in names):
            raise DataError(f"{where}: '{key}' must be a list of tickers or asset classes.")
        sides.append(tuple(names))
    numbers = []
    for key in ("expected_return", "confidence"):
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise DataError(f"{where}: '{key}' must be a number (a decimal, 0.05 = 5%).")
        numbers.append(float(value))
    return View(ViewKind[str(kind)], sides[0], sides[1], numbers[0], numbers[1])
