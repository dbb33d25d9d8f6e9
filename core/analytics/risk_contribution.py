"""Ex-ante risk decomposition of a portfolio from its covariance matrix.

Conventions
-----------
* ``weights`` shape (n,), decimals in universe order; ``covariance`` shape (n, n), ANNUALIZED
  (e.g. :attr:`core.optimize.estimation.MarketInputs.covariance`), so volatilities and
  contributions are annualized decimals (0.10 = 10%/yr).
* Euler decomposition of ``sigma = sqrt(w' S w)``:
  marginal ``m_i = (S w)_i / sigma`` (d sigma / d w_i), component ``c_i = w_i m_i`` (sums to
  ``sigma``), percent ``p_i = c_i / sigma`` (sums to 1; may be negative for a hedge).
* Active risk is the same decomposition of the active weights ``a = w - w_benchmark``: its
  "volatility" is the ex-ante tracking error ``sqrt(a' S a)`` and components sum to it.
* Diversification ratio: ``w' sigma_i / sigma_p`` (1 for a single asset, larger = more
  diversification from imperfect correlation).
* Effective number of bets: the exponential of the Shannon entropy of the percent risk
  contributions, ``exp(-sum p_i log p_i)`` with ``p = |percent| / sum |percent|`` (hedges count
  by magnitude; zero contributions drop out). Between 1 (one ETF carries all risk) and the
  number of ETFs held (equal risk contributions). This is the entropy measure, not Meucci's
  minimum-torsion bets: it does not decorrelate the ETFs first.
* Concentration rule (:func:`assess_concentration`): risk is CONCENTRATED when the three largest
  ETF contributions exceed 50% of risk, OR when one asset class carries more than 70% of risk
  while holding less than 60% of the weight.
* NaN policy: non-finite weights or covariance, mismatched shapes or a zero-risk portfolio
  raise :class:`~core.errors.DataError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import DataError

TOP_ETFS = 3
TOP_ETF_RISK_LIMIT = 0.50
CLASS_RISK_LIMIT = 0.70
CLASS_WEIGHT_CEILING = 0.60
_TINY = 1e-12


def _check(
    weights: np.ndarray | pd.Series, covariance: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    w = np.asarray(weights, dtype=float)
    cov = np.asarray(covariance, dtype=float)
    if w.ndim != 1 or cov.shape != (w.size, w.size):
        raise DataError(
            f"Weights of shape {w.shape} do not match a covariance of shape {cov.shape}: "
            "give one weight per covariance row, in the same order."
        )
    if not (np.isfinite(w).all() and np.isfinite(cov).all()):
        raise DataError(
            "Weights or covariance contain missing or infinite values: fix the inputs first."
        )
    return w, cov


@dataclass(frozen=True)
class RiskDecomposition:
    """Euler decomposition of one weight vector's ex-ante volatility (module conventions).

    Attributes
    ----------
    tickers : tuple of str, length n
    weights : ndarray, shape (n,)
        Decimal weights (active weights for an active-risk decomposition).
    volatility : float
        ``sqrt(w' S w)``, annualized decimal (the tracking error for active weights).
    marginal : ndarray, shape (n,)
        ``(S w)_i / volatility``, annualized decimal per unit of weight.
    component : ndarray, shape (n,)
        ``w_i * marginal_i``; sums to ``volatility``.
    """

    tickers: tuple[str, ...]
    weights: np.ndarray
    volatility: float
    marginal: np.ndarray
    component: np.ndarray

    @property
    def percent(self) -> np.ndarray:
        """``component / volatility``, shape (n,); sums to 1."""
        return self.component / self.volatility

    def to_frame(self) -> pd.DataFrame:
        """Index tickers; columns weight, marginal, component, percent (decimals)."""
        return pd.DataFrame(
            {
                "weight": self.weights,
                "marginal": self.marginal,
                "component": self.component,
                "percent": self.percent,
            },
            index=pd.Index(self.tickers, name="ticker"),
        )


def risk_decomposition(
    weights: np.ndarray | pd.Series, covariance: np.ndarray, tickers: Sequence[str] | None = None
) -> RiskDecomposition:
    """Marginal, component and percent contributions to ``sqrt(w' S w)``.

    Parameters
    ----------
    weights : ndarray or Series, shape (n,)
        Decimal weights (or active weights). A Series supplies the tickers.
    covariance : ndarray, shape (n, n)
        Annualized covariance in the same order.
    tickers : sequence of str, optional
        Labels; defaults to the Series index or ``A0..A{n-1}``.

    Raises
    ------
    DataError
        Shapes differ, values are not finite, or the volatility is zero (nothing to decompose).
    """
    w, cov = _check(weights, covariance)
    if tickers is None:
        tickers = (
            [str(t) for t in weights.index]
            if isinstance(weights, pd.Series)
            else [f"A{i}" for i in range(w.size)]
        )
    s_w = cov @ w
    variance = float(w @ s_w)
    if variance <= _TINY**2:
        raise DataError(
            "These weights carry no ex-ante risk (volatility 0), so risk cannot be decomposed; "
            "for active risk this means the portfolio equals its benchmark."
        )
    sigma = math.sqrt(variance)
    marginal = s_w / sigma
    return RiskDecomposition(tuple(tickers), w.copy(), sigma, marginal, w * marginal)


def active_risk_decomposition(
    weights: np.ndarray | pd.Series,
    benchmark_weights: np.ndarray | pd.Series,
    covariance: np.ndarray,
    tickers: Sequence[str] | None = None,
) -> RiskDecomposition:
    """Decomposition of the ex-ante tracking error ``sqrt(a' S a)``, ``a = w - w_benchmark``.

    Shapes and units as :func:`risk_decomposition`; components sum to the tracking error.
    """
    w, cov = _check(weights, covariance)
    b, _ = _check(benchmark_weights, covariance)
    if tickers is None and isinstance(weights, pd.Series):
        tickers = [str(t) for t in weights.index]
    return risk_decomposition(w - b, cov, tickers)


def diversification_ratio(weights: np.ndarray | pd.Series, covariance: np.ndarray) -> float:
    """``sum_i w_i sigma_i / sqrt(w' S w)``, dimensionless; >= 1 for long-only weights."""
    w, cov = _check(weights, covariance)
    sigma = math.sqrt(max(float(w @ cov @ w), 0.0))
    if sigma <= _TINY:
        raise DataError(
            "The portfolio has zero ex-ante volatility: the diversification ratio is undefined."
        )
    return float(w @ np.sqrt(np.clip(np.diag(cov), 0.0, None)) / sigma)


def effective_number_of_bets(percent: np.ndarray) -> float:
    """``exp(-sum p log p)`` with ``p = |percent| / sum |percent|`` (see module docstring).

    ``percent`` shape (n,), percent risk contributions; zeros are ignored.
    """
    x = np.abs(np.asarray(percent, dtype=float))
    if not np.isfinite(x).all() or x.sum() <= _TINY:
        raise DataError("Percent risk contributions must be finite and not all zero.")
    p = x[x > _TINY] / x.sum()
    return float(np.exp(-np.sum(p * np.log(p))))


def class_contributions(
    decomposition: RiskDecomposition,
    asset_class_of: Mapping[str, str],
    classes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Weights and contributions summed by asset class.

    Parameters
    ----------
    decomposition : RiskDecomposition
    asset_class_of : mapping
        ``{ticker: asset class}`` for every ticker of the decomposition.
    classes : sequence of str, optional
        Row order (classes with no ETF get zeros); by first appearance when None.

    Returns
    -------
    DataFrame
        Index asset classes; columns weight, component, percent (decimals; sum to the totals).
    """
    missing = [t for t in decomposition.tickers if t not in asset_class_of]
    if missing:
        raise DataError(f"No asset class for {', '.join(missing)}: every ETF needs one.")
    frame = decomposition.to_frame()[["weight", "component", "percent"]]
    labels = [asset_class_of[t] for t in decomposition.tickers]
    grouped = frame.groupby(labels, sort=False).sum()
    order = list(classes) if classes is not None else list(dict.fromkeys(labels))
    grouped = grouped.reindex(order, fill_value=0.0)
    grouped.index.name = "asset_class"
    return grouped


@dataclass(frozen=True)
class ConcentrationVerdict:
    """The concentration rule applied to one decomposition (module docstring).

    Attributes
    ----------
    concentrated : bool
    top_tickers : tuple of str
        The :data:`TOP_ETFS` largest percent contributors, largest first.
    top_share : float
        Their combined percent of risk, decimal.
    largest_class : str
        The asset class with the largest percent of risk.
    largest_class_risk, largest_class_weight : float
        Its share of risk and of weight, decimals.
    reasons : tuple of str
        Which limbs of the rule fired, in words (empty when not concentrated).
    summary : str
        The memo sentence, computed from the figures.
    """

    concentrated: bool
    top_tickers: tuple[str, ...]
    top_share: float
    largest_class: str
    largest_class_risk: float
    largest_class_weight: float
    reasons: tuple[str, ...]
    summary: str


def assess_concentration(
    decomposition: RiskDecomposition,
    by_class: pd.DataFrame,
    *,
    diversification: float | None = None,
    bets: float | None = None,
) -> ConcentrationVerdict:
    """Apply the concentration rule and write the summary sentence.

    ``by_class`` is :func:`class_contributions` of ``decomposition``; ``diversification`` and
    ``bets``, when given, are quoted in the sentence.
    """
    percent = decomposition.percent
    order = np.argsort(-percent, kind="stable")[:TOP_ETFS]
    top = tuple(decomposition.tickers[i] for i in order)
    top_share = float(percent[order].sum())
    cls = str(by_class["percent"].idxmax())
    cls_risk, cls_weight = float(by_class.loc[cls, "percent"]), float(by_class.loc[cls, "weight"])
    reasons: list[str] = []
    if top_share > TOP_ETF_RISK_LIMIT:
        reasons.append(
            f"the top {len(top)} ETFs carry {top_share:.0%} of risk (limit {TOP_ETF_RISK_LIMIT:.0%})"
        )
    if cls_risk > CLASS_RISK_LIMIT and cls_weight < CLASS_WEIGHT_CEILING:
        reasons.append(
            f"{cls} carries {cls_risk:.0%} of risk with only {cls_weight:.0%} of the weight "
            f"(limit {CLASS_RISK_LIMIT:.0%} of risk below {CLASS_WEIGHT_CEILING:.0%} of weight)"
        )
    named = ", ".join(f"{t} {percent[i]:.0%}" for t, i in zip(top, order, strict=True))
    figures = (
        f"{cls} carries {cls_risk:.0%} of the ex-ante volatility of {decomposition.volatility:.1%} "
        f"with {cls_weight:.0%} of the weight; the top {len(top)} ETFs ({named}) carry {top_share:.0%}"
    )
    extra = []
    if diversification is not None:
        extra.append(f"diversification ratio {diversification:.2f}")
    if bets is not None:
        held = int(np.sum(np.abs(decomposition.weights) > 1e-6))
        extra.append(f"effective number of bets {bets:.1f} of {held} ETFs held")
    tail = f" ({'; '.join(extra)})" if extra else ""
    if reasons:
        summary = f"Risk is concentrated: {figures}{tail}."
    else:
        summary = f"Risk is reasonably spread: {figures}{tail}."
    return ConcentrationVerdict(
        bool(reasons), top, top_share, cls, cls_risk, cls_weight, tuple(reasons), summary
    )
