"""Factor diagnostics: OLS of excess returns on factor returns with Newey-West standard errors.

Conventions
-----------
* Regression: ``y_t = r_t - RF_t = alpha + sum_k beta_k f_{k,t} + e_t``, monthly decimals, on
  the months common to ``y`` and the factors (nothing is dropped or filled: a NaN raises).
* Standard errors: Newey-West (1987) HAC, Bartlett kernel ``1 - l / (L + 1)``, lag
  ``L = floor(4 (T / 100) ** (2 / 9))`` unless given, no small-sample correction (the
  statsmodels ``cov_type="HAC"`` default). p-values from the normal distribution, as statsmodels
  does for HAC unless ``use_t`` is set.
* ``alpha`` is monthly; ``alpha_annualized = 12 x alpha``. R-squared is centred.
* Models: :data:`EQUITY_FACTORS` (the five equity factors MKT_RF, SMB, HML, RMW, CMA) and
  :data:`MULTI_ASSET_FACTORS` (market, rates/term, credit, commodity, dollar).
* Factors are named for what they are (:class:`FactorOrigin`): the Fama-French research factors
  only when the Data Library's file is attached (:mod:`core.data.french`); the synthetic data's
  factors are generated series calibrated to ETF spreads (SMB = IWM - SPY, HML = SPY - QQQ, ...,
  :data:`core.data.calibrate.FACTOR_PROXIES`); otherwise ETF-spread proxies from the universe.

Factor sources (:func:`factor_table`): a dataset's own ``factors`` columns when present (in
synthetic mode they are generated jointly with the ETF returns); otherwise return-based proxies
built from the universe's own ETFs, the same definitions the synthetic calibration uses
(:data:`PROXY_DEFINITIONS`): MKT_RF = SPY - RF, TERM = TLT - RF, CREDIT = HYG - AGG,
COMMODITY = DBC - RF, DOLLAR = SPY - EFA (U.S. minus developed-international equity, a
dollar-strength proxy). SMB, HML, RMW and CMA have no ETF proxy: without them the equity model
falls back to the market factor alone, with a note.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.errors import DataError

if TYPE_CHECKING:
    from core.data.dataset import ReturnsDataset

PERIODS_PER_YEAR = 12
MIN_OBSERVATIONS = 24
EQUITY_FACTORS: tuple[str, ...] = ("MKT_RF", "SMB", "HML", "RMW", "CMA")
MULTI_ASSET_FACTORS: tuple[str, ...] = ("MKT_RF", "TERM", "CREDIT", "COMMODITY", "DOLLAR")
PROXY_DEFINITIONS: dict[str, tuple[str, str]] = {
    "MKT_RF": ("SPY", "RF"),
    "TERM": ("TLT", "RF"),
    "CREDIT": ("HYG", "AGG"),
    "COMMODITY": ("DBC", "RF"),
    "DOLLAR": ("SPY", "EFA"),
}
"""Factor -> (long leg, short leg) of the return-based proxies; ``"RF"`` is the risk-free series."""
ALPHA_TERM = "Alpha"


class FactorModel(str, Enum):
    EQUITY = "Equity five-factor model"
    MARKET_ONLY = "Equity market factor only"
    MULTI_ASSET = "Multi-asset factors"


class FactorOrigin(str, Enum):
    """Where a regression's factor returns come from (stated beside every regression)."""

    FAMA_FRENCH = "Fama-French research factors (Kenneth R. French Data Library)"
    SYNTHETIC = "synthetic ETF-spread proxy factors"
    ETF_PROXY = "ETF-spread proxy factors"
    DATASET = "the data set's own factors"

    @property
    def short(self) -> str:
        """A short name for chart titles."""
        return {
            FactorOrigin.FAMA_FRENCH: "Fama-French factors",
            FactorOrigin.SYNTHETIC: "synthetic ETF-spread proxies",
            FactorOrigin.ETF_PROXY: "ETF-spread proxies",
            FactorOrigin.DATASET: "the data set's factors",
        }[self]


def factor_legs(name: str, origin: FactorOrigin) -> tuple[str, str] | None:
    """``(long, short)`` ETF legs of a proxy factor (``"cash"`` for the risk-free leg), or None
    for the research factors and for factors without an ETF proxy."""
    from core.data.calibrate import FACTOR_PROXIES

    if origin is FactorOrigin.SYNTHETIC:
        legs = FACTOR_PROXIES.get("MKT" if name == "MKT_RF" else name)
    elif origin is FactorOrigin.ETF_PROXY:
        legs = PROXY_DEFINITIONS.get(name)
    else:
        return None
    if legs is None:
        return None
    long, short = (leg if leg not in ("CASH", "RF") else "cash" for leg in legs)
    return long, short


def dataset_factor_origin(dataset: ReturnsDataset) -> FactorOrigin | None:
    """The origin of ``dataset.factors`` (None when it has none): synthetic data's factors are the
    generator's; factors attached by :func:`core.data.french.attach_factors` are Fama-French's."""
    from core.data.dataset import DataMode
    from core.data.french import SOURCE

    if dataset.factors is None:
        return None
    if any(note.startswith(f"Equity factors: {SOURCE}") for note in dataset.provenance.notes):
        return FactorOrigin.FAMA_FRENCH
    if dataset.mode is DataMode.SYNTHETIC:
        return FactorOrigin.SYNTHETIC
    return FactorOrigin.DATASET


def _dataset_source(name: str, origin: FactorOrigin) -> str:
    """What a dataset factor column is, in words."""
    if origin is FactorOrigin.FAMA_FRENCH:
        return "Fama-French research factor, Kenneth R. French Data Library"
    if origin is FactorOrigin.SYNTHETIC:
        legs = factor_legs(name, origin)
        if legs is None:
            return (
                "synthetic: stated Fama-French-like figures (no ETF proxy exists; no ETF loads "
                "on it)"
            )
        return f"synthetic: generated, calibrated to the ETF spread {legs[0]} - {legs[1]}"
    return "the data set's own factor"


def newey_west_lags(observations: int) -> int:
    """``floor(4 (T / 100) ** (2 / 9))``, the Newey-West (1994) plug-in rule; T=180 gives 4."""
    return int(math.floor(4.0 * (observations / 100.0) ** (2.0 / 9.0)))


def ols_hac(
    y: np.ndarray, x: np.ndarray, lags: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """OLS with Newey-West covariance (module conventions).

    Parameters
    ----------
    y : ndarray, shape (T,)
    x : ndarray, shape (T, k)
        Regressors INCLUDING the constant column, full column rank.
    lags : int
        Bartlett kernel truncation ``L >= 0`` (0 gives White's HC0).

    Returns
    -------
    coefficients : ndarray, shape (k,)
    covariance : ndarray, shape (k, k)
        ``(X'X)^-1 S (X'X)^-1``, ``S = sum_l w_l (G_l + G_l')`` with ``G_l = sum_t u_t u_{t-l}
        x_t x_{t-l}'`` and ``w_0 = 1/2`` (so ``G_0`` counts once).
    residuals : ndarray, shape (T,)
    r_squared : float
    """
    t, k = x.shape
    if np.linalg.matrix_rank(x) < k:
        raise DataError(
            "The factor returns are collinear (one is a combination of others): drop one factor."
        )
    xtx_inv = np.linalg.inv(x.T @ x)
    coef = xtx_inv @ x.T @ y
    resid = y - x @ coef
    scores = x * resid[:, None]
    meat = scores.T @ scores
    for lag in range(1, min(lags, t - 1) + 1):
        gamma = scores[lag:].T @ scores[:-lag]
        meat += (1.0 - lag / (lags + 1.0)) * (gamma + gamma.T)
    cov = xtx_inv @ meat @ xtx_inv
    centred = y - y.mean()
    total = float(centred @ centred)
    r2 = 1.0 - float(resid @ resid) / total if total > 0 else math.nan
    return coef, cov, resid, r2


@dataclass(frozen=True)
class FactorRegression:
    """One factor regression (module conventions).

    Attributes
    ----------
    scope : str
        What was regressed ("Portfolio", "Benchmark", "Equity sleeve").
    model : FactorModel
    terms : tuple of str
        ``("Alpha", factor, ...)``, length k.
    coefficients, std_errors, t_stats, p_values : ndarray, shape (k,)
        Alpha monthly decimal; betas dimensionless; HAC standard errors.
    r_squared, adj_r_squared : float
    observations : int
    lags : int
        Newey-West lag used.
    start, end : str
        First and last month, ISO dates.
    factor_sources : dict
        ``{factor: description}`` of where each factor came from.
    notes : tuple of str
    origin : FactorOrigin
        What the factors are (:attr:`label` names the model with it).
    """

    scope: str
    model: FactorModel
    terms: tuple[str, ...]
    coefficients: np.ndarray
    std_errors: np.ndarray
    t_stats: np.ndarray
    p_values: np.ndarray
    r_squared: float
    adj_r_squared: float
    observations: int
    lags: int
    start: str
    end: str
    factor_sources: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    origin: FactorOrigin = FactorOrigin.ETF_PROXY

    @property
    def label(self) -> str:
        """The model and what its factors are, e.g. "Equity five-factor model on ETF-spread
        proxy factors"."""
        return f"{self.model.value} on {self.origin.value}"

    @property
    def alpha(self) -> float:
        """Monthly alpha, decimal."""
        return float(self.coefficients[0])

    @property
    def alpha_annualized(self) -> float:
        """``12 x`` monthly alpha, decimal a year."""
        return self.alpha * PERIODS_PER_YEAR

    @property
    def betas(self) -> pd.Series:
        """Factor loadings (alpha excluded), indexed by factor."""
        return pd.Series(self.coefficients[1:], index=list(self.terms[1:]), name=self.scope)

    def beta(self, factor: str) -> float:
        return float(self.betas[factor])

    def to_frame(self) -> pd.DataFrame:
        """One row per term: term, coefficient, std_error, t_stat, p_value, factor_source."""
        return pd.DataFrame(
            {
                "term": list(self.terms),
                "coefficient": self.coefficients,
                "std_error": self.std_errors,
                "t_stat": self.t_stats,
                "p_value": self.p_values,
                "factor_source": ["intercept"]
                + [self.factor_sources.get(f, "") for f in self.terms[1:]],
            }
        )


def _two_sided_p_values(t_stats: np.ndarray) -> np.ndarray:
    # 2 * sf(|t|) of the standard normal is erfc(|t| / sqrt 2): stdlib, so the first analysis does
    # not pay for importing scipy.stats. NaN stays NaN.
    return np.array([math.erfc(abs(float(t)) / math.sqrt(2.0)) for t in t_stats], dtype=float)


def regress_on_factors(
    excess_returns: pd.Series,
    factors: pd.DataFrame,
    *,
    scope: str,
    model: FactorModel,
    lags: int | None = None,
    factor_sources: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    origin: FactorOrigin = FactorOrigin.ETF_PROXY,
) -> FactorRegression:
    """Regress monthly excess returns on every column of ``factors`` (plus a constant).

    Parameters
    ----------
    excess_returns : Series, shape (T,)
        ``r - RF``, monthly decimals, date index.
    factors : DataFrame, shape (T', k - 1)
        Factor returns, monthly decimals; joined to ``excess_returns`` on common dates.
    lags : int, optional
        Newey-West lag; :func:`newey_west_lags` of the sample size when None.

    Raises
    ------
    DataError
        Fewer than :data:`MIN_OBSERVATIONS` common months, NaN values, or collinear factors.
    """
    joined = pd.concat([excess_returns.rename("__y__"), factors], axis=1, join="inner")
    if joined.isna().to_numpy().any():
        bad = joined.columns[joined.isna().any()].tolist()
        raise DataError(
            f"Missing values in {', '.join(map(str, bad))} over the regression months: supply complete "
            "factor data (nothing is filled)."
        )
    t, k = len(joined), factors.shape[1] + 1
    if t < max(MIN_OBSERVATIONS, k + 2):
        raise DataError(
            f"Only {t} months are common to the returns and the factors; the {scope} regression needs "
            f"at least {max(MIN_OBSERVATIONS, k + 2)}."
        )
    y = joined["__y__"].to_numpy(dtype=float)
    x = np.column_stack([np.ones(t), joined[list(factors.columns)].to_numpy(dtype=float)])
    lag = newey_west_lags(t) if lags is None else int(lags)
    coef, cov, _, r2 = ols_hac(y, x, lag)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    tstat = np.divide(coef, se, out=np.full(k, np.nan), where=se > 0)
    pval = _two_sided_p_values(tstat)
    adj = 1.0 - (1.0 - r2) * (t - 1) / (t - k) if t > k else math.nan
    stamps = joined.index
    fmt = (lambda s: s.date().isoformat()) if isinstance(stamps, pd.DatetimeIndex) else str
    return FactorRegression(
        scope=scope,
        model=model,
        terms=(ALPHA_TERM, *[str(c) for c in factors.columns]),
        coefficients=coef,
        std_errors=se,
        t_stats=tstat,
        p_values=pval,
        r_squared=r2,
        adj_r_squared=adj,
        observations=t,
        lags=lag,
        start=fmt(stamps[0]),
        end=fmt(stamps[-1]),
        factor_sources=dict(factor_sources or {}),
        notes=tuple(notes),
        origin=origin,
    )


@dataclass(frozen=True)
class FactorTable:
    """Factor returns ready for regression, with where each came from.

    Attributes
    ----------
    factors : DataFrame, shape (T, m)
        Monthly decimal factor returns on the returns' dates; columns among
        :data:`EQUITY_FACTORS` and :data:`MULTI_ASSET_FACTORS`.
    risk_free : Series, shape (T,)
        Monthly risk-free return subtracted from portfolio returns.
    sources : dict
        ``{factor or "RF": description}``.
    notes : tuple of str
        What is missing and why.
    origins : dict
        ``{factor: FactorOrigin}``.
    """

    factors: pd.DataFrame
    risk_free: pd.Series
    sources: dict[str, str]
    notes: tuple[str, ...]
    origins: dict[str, FactorOrigin] = field(default_factory=dict)

    def origin(self, columns: Sequence[str]) -> FactorOrigin:
        """The origin of ``columns`` taken together: the first non-market factor's (the market
        factor is an ETF spread in every case but Fama-French's)."""
        named = [self.origins[c] for c in columns if c in self.origins]
        others = [self.origins[c] for c in columns if c in self.origins and c != "MKT_RF"]
        return (others or named or [FactorOrigin.ETF_PROXY])[0]

    def columns(self, wanted: Sequence[str]) -> list[str]:
        return [f for f in wanted if f in self.factors.columns]

    @property
    def has_equity_factors(self) -> bool:
        return all(f in self.factors.columns for f in EQUITY_FACTORS)


def factor_table(
    returns: pd.DataFrame,
    risk_free: pd.Series | None,
    dataset_factors: pd.DataFrame | None = None,
    *,
    cash_ticker: str | None = None,
    origin: FactorOrigin = FactorOrigin.DATASET,
) -> FactorTable:
    """Assemble the factors of both models (module docstring: dataset columns first, then proxies).

    Parameters
    ----------
    returns : DataFrame, shape (T, n)
        The universe's monthly returns (date index, ticker columns).
    risk_free : Series or None
        Monthly risk-free return on the same dates; else ``dataset_factors["RF"]``, else the
        ``cash_ticker`` column.
    dataset_factors : DataFrame, optional
        The dataset's own factor returns (columns like ``MKT_RF``, ``SMB``, ``RF``).
    origin : FactorOrigin
        What ``dataset_factors`` are (:func:`dataset_factor_origin`); the universe proxies are
        :attr:`FactorOrigin.ETF_PROXY`.

    Raises
    ------
    DataError
        No risk-free series can be found.
    """
    sources: dict[str, str] = {}
    notes: list[str] = []
    own = dataset_factors if dataset_factors is not None else pd.DataFrame(index=returns.index)
    if "RF" in own.columns:
        rf, sources["RF"] = own["RF"].reindex(returns.index), "dataset factors (RF)"
    elif risk_free is not None:
        rf, sources["RF"] = risk_free.reindex(returns.index), "dataset risk-free series"
    elif cash_ticker is not None and cash_ticker in returns.columns:
        rf, sources["RF"] = returns[cash_ticker], f"{cash_ticker} returns (cash proxy)"
    else:
        raise DataError(
            "No risk-free series: the data needs an RF factor, a risk-free series or a cash ETF."
        )
    legs = returns.assign(RF=rf)
    columns: dict[str, pd.Series] = {}
    origins: dict[str, FactorOrigin] = {}
    for name in dict.fromkeys(EQUITY_FACTORS + MULTI_ASSET_FACTORS):
        if name in own.columns:
            columns[name] = own[name].reindex(returns.index)
            sources[name] = _dataset_source(name, origin)
            origins[name] = origin
        elif name in PROXY_DEFINITIONS:
            long, short = PROXY_DEFINITIONS[name]
            if long in legs.columns and short in legs.columns:
                columns[name] = legs[long] - legs[short]
                sources[name] = f"ETF-spread proxy {long} - {short} from the universe's returns"
                origins[name] = FactorOrigin.ETF_PROXY
            else:
                notes.append(
                    f"{name} is unavailable: the proxy {long} - {short} needs both in the universe."
                )
    missing_ff = [f for f in EQUITY_FACTORS if f not in columns]
    if missing_ff:
        notes.append(
            f"{', '.join(missing_ff)} are not in this dataset (no ETF proxy exists for them): the equity "
            "model uses the market factor only. Import Fama-French factors for the full model."
        )
    frame = pd.DataFrame(columns, index=returns.index)
    return FactorTable(frame, rf.rename("RF"), sources, tuple(notes), origins)


def factor_origin_sentence(regressions: Sequence[FactorRegression]) -> str:
    """One sentence naming the factors of ``regressions`` for what they are, with how each
    non-research factor is built."""
    if not regressions:
        return "No factor regression could be run."
    sources: dict[str, str] = {}
    for reg in regressions:
        sources.update(reg.factor_sources)
    origins = sorted({reg.origin for reg in regressions}, key=lambda o: o.value)
    built = "; ".join(f"{name}: {text}" for name, text in sources.items())
    words = {
        FactorOrigin.FAMA_FRENCH: "the Fama-French research factors",
        FactorOrigin.SYNTHETIC: (
            "synthetic ETF-spread proxy factors, generated with the synthetic returns; they are "
            "not the Fama-French research factors"
        ),
        FactorOrigin.ETF_PROXY: (
            "ETF-spread proxy factors built from the universe's own returns; they are not the "
            "Fama-French research factors"
        ),
        FactorOrigin.DATASET: "the data set's own factors",
    }
    return "Factors: " + " and ".join(words[o] for o in origins) + f". Construction: {built}."


def sleeve_caveat(sleeve: FactorRegression) -> str:
    """Why a high equity-sleeve R-squared means little when the equity factors are ETF spreads
    (empty for the research factors)."""
    if sleeve.origin not in (FactorOrigin.SYNTHETIC, FactorOrigin.ETF_PROXY):
        return ""
    return (
        f"Caveat: the equity sleeve's R² of {sleeve.r_squared:.2f} is largely mechanical. Its "
        "factors are spreads of ETFs the sleeve itself holds (SMB = IWM - SPY, HML = SPY - QQQ), "
        "so the regression restates the sleeve's mix of those ETFs (for example its QQQ share "
        "as a negative HML loading) rather than revealing a style exposure."
    )


def equity_sleeve_weights(weights: pd.Series, equity_tickers: Sequence[str]) -> pd.Series:
    """The equity ETFs of ``weights`` renormalized to sum 1 (other ETFs dropped).

    Raises
    ------
    DataError
        The portfolio holds no equity (total equity weight ~0), so there is no sleeve.
    """
    sleeve = weights[[t for t in weights.index if t in set(equity_tickers)]]
    total = float(sleeve.sum())
    if total <= 1e-9:
        raise DataError(
            "The portfolio holds no equity ETF, so there is no equity sleeve to analyse."
        )
    return (sleeve / total).rename("Equity sleeve")
