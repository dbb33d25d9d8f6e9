"""Deterministic synthetic monthly returns from a calibrated factor model.

Model (monthly, decimal)
------------------------
``r[i, t] = rf[t] + alpha[i] + B[i] . f[t] + e[i, t]``

* ``f`` holds ten named factors: MKT, SMB, HML, RMW, CMA, TERM, CREDIT, COMMODITY, GOLD, DOLLAR.
  ``f[t] = premia / 12 + sqrt(h[t]) * L u[t] + crisis[t] - mean(crisis)``.
* ``u[t]`` is a multivariate Student-t draw (df 5) scaled to unit variance, so factor moves
  have fat tails and fall together in the tails. ``L L' = S_f - C``: the factor covariance of
  the calibration minus what the crisis months already contribute.
* ``h[t]`` is a GARCH(1,1) variance multiplier, ``h[t+1] = (1 - a - b) + a h[t] z[t]^2 + b h[t]``,
  driven by the market surprise ``z`` (crisis months included), capped at 8 and scaled to
  average 1 over the sample: volatility clusters and stays high after a crisis.
* ``crisis[t]``: flight-to-quality months at fixed fractions of the sample (MKT -12%, CREDIT
  -5%, COMMODITY -10%, TERM +6%, DOLLAR +3%, GOLD +2% at severity 1); their sample mean is
  removed so that long-run means stay the stated assumptions.
* ``rf``: a standardized rate-cycle path (AR(1) level, phi 0.98, with AR(1) monthly changes,
  0.9), shifted and scaled to a sample mean of 2.0%/yr and the real T-bill return volatility,
  floored at 0: slowly varying, with zero-rate spells.
  The cash ETF (SGOV) returns ``rf`` plus 0.07%/yr noise and loads on no factor.
* ``e``: multivariate Student-t residuals with the calibration's residual covariance (plus a
  0.25%/yr floor), scaled by ``sqrt(h)``; they carry e.g. the common rate-level move of AGG,
  SHY and LQD that the named factors miss. Each residual variance is then rescaled so the
  model's total variance equals the calibrated one (see :func:`_match_variances`).
* Factor and residual moves are centred over the sample (moment matching), so sample means
  equal the stated assumptions; a -95% floor guards compounding and never binds in practice.

Calibration (``resources/synthetic_calibration.json``, see :mod:`core.data.calibrate`): factor
covariance, loadings ``B`` and residual covariance from real Yahoo adjusted closes 2008-01..
2024-12 (BIL as the SGOV proxy through 2020-06). RMW and CMA have no ETF proxy: they use
stated Fama-French-like figures and no ETF loads on them.

Means are forward-looking assumptions, not 2008-2024 sample means (which had QQQ at 16%/yr and
DBC at 0.4%/yr): see :data:`LONG_RUN_MEANS`. Factor premia follow from them through the proxy
definitions (e.g. MKT premium = SPY mean - rf mean), and ``alpha`` closes the gap per ETF.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from core.data.calibrate import FACTOR_PROXIES, load_calibration
from core.data.dataset import MIN_MONTHS, DataMode, Provenance, ReturnsDataset, returns_hash
from core.data.prices import LatestPrices, PricePoint, PriceSource
from core.errors import DataError
from core.universe import Universe, default_universe

# fmt: off
RF_MEAN = 0.02
"""Long-run risk-free rate, annual decimal."""

LONG_RUN_MEANS: dict[str, float] = {
    "SPY": 0.080, "QQQ": 0.085, "IWM": 0.085, "EFA": 0.075, "EEM": 0.085,
    "AGG": 0.0375, "TLT": 0.045, "SHY": 0.025, "LQD": 0.045, "HYG": 0.055,
    "VNQ": 0.070, "GLD": 0.040, "DBC": 0.040, "SGOV": RF_MEAN,
}
"""Annual arithmetic mean returns assumed forward-looking: rounded capital-market assumptions
of the kind large asset managers publish (geometric ~ arithmetic - vol^2 / 2), cash at 2%."""

FACTORS: tuple[str, ...] = (
    "MKT", "SMB", "HML", "RMW", "CMA", "TERM", "CREDIT", "COMMODITY", "GOLD", "DOLLAR",
)
EXPORTED_FACTORS: tuple[str, ...] = (
    "MKT_RF", "SMB", "HML", "RMW", "CMA", "RF", "TERM", "CREDIT", "COMMODITY", "DOLLAR",
)
"""Columns of ``ReturnsDataset.factors``; GOLD drives GLD (and a little EEM) but is not exported."""

# RMW and CMA: stated long-run figures (annual premium, annual vol) and correlations with the
# proxy factors, roughly those of Fama-French 1963-2023 with premia halved for caution.
EXTRA_FACTORS: dict[str, tuple[float, float]] = {"RMW": (0.020, 0.075), "CMA": (0.015, 0.065)}
EXTRA_CORRELATIONS: dict[tuple[str, str], float] = {
    ("RMW", "MKT"): -0.20, ("RMW", "SMB"): -0.30, ("RMW", "HML"): 0.10,
    ("CMA", "MKT"): -0.35, ("CMA", "HML"): 0.50, ("RMW", "CMA"): 0.05,
}

CRISIS_SHOCK: dict[str, float] = {
    "MKT": -0.12, "SMB": -0.02, "HML": 0.0, "RMW": 0.02, "CMA": 0.01, "TERM": 0.06,
    "CREDIT": -0.05, "COMMODITY": -0.10, "GOLD": 0.02, "DOLLAR": 0.03,
}
"""One crisis month at severity 1, monthly decimal factor moves."""

CRISIS_EPISODES: tuple[tuple[float, tuple[float, ...]], ...] = (
    (0.14, (1.0, 0.6)),  # a two-month crash, GFC-like
    (0.80, (0.9,)),
    (0.47, (0.7,)),
)
"""(position as a fraction of the sample, severities of consecutive months); the first
``clip(round(months / 60), 1, 3)`` episodes are used so short samples are not all crisis."""

DF = 5.0                      # Student-t degrees of freedom of the factor innovations
T_SCALE_CAP = 3.0             # largest common t multiplier in one month
CRISIS_NOISE = 0.15           # share of the random draw kept in a crisis month
GARCH_ALPHA, GARCH_BETA, GARCH_CAP = 0.10, 0.85, 8.0
RF_PHI, RF_MOMENTUM = 0.98, 0.9
RESIDUAL_FLOOR = 0.0025 / np.sqrt(12.0)
CASH_NOISE = 0.0007 / np.sqrt(12.0)
FALLBACK_IDIO = 0.04 / np.sqrt(12.0)
CLASS_REPRESENTATIVE = {"Equity": "SPY", "Fixed Income": "AGG", "Alternatives": "VNQ"}
# fmt: on


def _matrix(block: dict[str, Any], names: list[str]) -> np.ndarray:
    frame = pd.DataFrame(block["matrix"], index=block["tickers"], columns=block["tickers"])
    return frame.loc[names, names].to_numpy(dtype=float)


def _psd_root(cov: np.ndarray) -> np.ndarray:
    """The symmetric square root ``R = V sqrt(D) V'`` of ``cov`` (negative eigenvalues clipped
    to 0), so ``R R' = cov``.

    The symmetric root is unique, whichever eigenvectors LAPACK returns. ``V sqrt(D)`` alone is
    not: the sign of each eigenvector and the basis of a repeated eigenvalue (the residual
    matrix has many) depend on the BLAS kernel, and the default data set differed by up to
    0.4% a month between two OpenBLAS core types on one machine, which changed the recommended
    portfolio.
    """
    values, vectors = np.linalg.eigh((cov + cov.T) / 2.0)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def factor_covariance(calibration: dict[str, Any]) -> np.ndarray:
    """Monthly covariance of :data:`FACTORS`, shape (10, 10): calibrated proxies plus RMW/CMA."""
    proxies = list(FACTOR_PROXIES)
    block = calibration["factors"]
    corr = pd.DataFrame(np.eye(len(FACTORS)), index=FACTORS, columns=FACTORS)
    corr.loc[proxies, proxies] = _matrix(block["correlation"], proxies)
    for (a, b), rho in EXTRA_CORRELATIONS.items():
        corr.loc[a, b] = corr.loc[b, a] = rho
    vol = np.array(
        [EXTRA_FACTORS[f][1] if f in EXTRA_FACTORS else block["annual_vol"][f] for f in FACTORS]
    )
    vol = vol / np.sqrt(12.0)
    cov = corr.to_numpy() * np.outer(vol, vol)
    root = _psd_root(cov)
    return root @ root.T


def factor_premia() -> np.ndarray:
    """Annual factor premia, shape (10,), implied by :data:`LONG_RUN_MEANS` and the proxy legs."""
    means = dict(LONG_RUN_MEANS, CASH=RF_MEAN)
    implied = {name: means[long] - means[short] for name, (long, short) in FACTOR_PROXIES.items()}
    return np.array([EXTRA_FACTORS[f][0] if f in EXTRA_FACTORS else implied[f] for f in FACTORS])


def _crisis_path(months: int) -> np.ndarray:
    """Crisis factor moves, shape (months, 10); zero outside crisis months."""
    shock = np.array([CRISIS_SHOCK[f] for f in FACTORS])
    path = np.zeros((months, len(FACTORS)))
    count = int(np.clip(round(months / 60), 1, len(CRISIS_EPISODES)))
    for fraction, severities in CRISIS_EPISODES[:count]:
        first = min(int(fraction * months), months - len(severities))
        for k, severity in enumerate(severities):
            path[first + k] += severity * shock
    return path


def _student_t(rng: np.random.Generator, months: int, root: np.ndarray) -> np.ndarray:
    """Multivariate Student-t (df :data:`DF`) draws with covariance ``root root'``, shape (months, k).

    The common scale is capped at :data:`T_SCALE_CAP` so one draw cannot blow every factor up
    tenfold at once; the effect on the variance is below 0.1%.
    """
    normals = rng.standard_normal((months, root.shape[1]))
    scale = np.sqrt(rng.chisquare(DF, size=months) / (DF - 2.0))
    return (normals @ root.T) / np.maximum(scale, 1.0 / T_SCALE_CAP)[:, None]


def _garch_multiplier(surprise: np.ndarray) -> np.ndarray:
    """Variance multiplier path, shape (months,), mean 1, from unit-variance market surprises."""
    h = np.ones(len(surprise))
    for t in range(1, len(surprise)):
        h[t] = (1.0 - GARCH_ALPHA - GARCH_BETA) + h[t - 1] * (
            GARCH_ALPHA * surprise[t - 1] ** 2 + GARCH_BETA
        )
        h[t] = min(h[t], GARCH_CAP)
    return h / h.mean()


def _risk_free(rng: np.random.Generator, months: int, monthly_vol: float) -> np.ndarray:
    """Monthly risk-free returns, shape (months,), never negative.

    ``max(0, a + b x)`` of a standardized rate-cycle path ``x``: an AR(1) level (phi
    :data:`RF_PHI`) whose monthly change is itself AR(1) (:data:`RF_MOMENTUM`), so rates trend
    through hiking and cutting cycles instead of jumping. ``a`` and ``b`` are solved so the
    sample mean is ``RF_MEAN / 12`` and the sample sd ``monthly_vol``; the floor gives
    zero-rate spells like 2009-2015.
    """
    shocks = rng.standard_normal(months + 120)
    level, change = np.zeros_like(shocks), np.zeros_like(shocks)
    for t in range(1, len(shocks)):
        change[t] = RF_MOMENTUM * change[t - 1] + shocks[t]
        level[t] = RF_PHI * level[t - 1] + change[t]
    level = level[120:]
    level = (level - level.mean()) / level.std()
    return _floored_path(level, RF_MEAN / 12.0, monthly_vol)


def _floored_path(level: np.ndarray, mean: float, sd: float) -> np.ndarray:
    """``max(0, a + b * level)`` with sample mean ``mean`` and sample sd ``sd`` (``b > 0``).

    ``level`` is standardized (mean 0, sd 1). Writing ``a = c * b``, the path is
    ``b * max(0, c + level)``: its coefficient of variation depends on ``c`` alone and falls
    from ``sqrt(N - 1)`` (one month above the floor) to 0 as ``c`` grows, so ``c`` is found by
    bisection on the target ratio ``sd / mean`` and ``b`` then matches the mean. Unlike a
    fixed-point iteration on ``(a, b)``, this cannot step to an all-zero path (found at seed
    1240, 36 months: the iteration divided by a zero sd). Raises ``ValueError`` when the ratio
    is out of reach (fewer than two distinct months, or ``sd / mean`` above ``sqrt(N - 1)``).
    """
    target = sd / mean
    top = float(level.max())
    below_top = level[level < top]
    if below_top.size == 0:
        raise ValueError("a floored path needs at least two distinct values")

    def ratio(c: float) -> float:
        path = np.maximum(c + level, 0.0)
        return float(path.std() / path.mean())

    lo = -float(below_top.max())  # only the top month(s) above the floor: the largest ratio
    if ratio(lo) < target:
        raise ValueError(
            f"sd/mean {target:.3g} is out of reach for a floored path of {level.size} months"
        )
    hi = (
        max(1.0, -float(level.min())) + 1.0 / target
    )  # every month above the floor: ratio <= target
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if ratio(mid) > target:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-15 * max(1.0, abs(hi)):
            break
    c = 0.5 * (lo + hi)
    scale = mean / float(np.maximum(c + level, 0.0).mean())
    return scale * np.maximum(c + level, 0.0)


def _is_cash(ticker: str, universe: Universe) -> bool:
    """The cash ticker and any Cash-class asset follow the risk-free path."""
    return ticker == universe.cash_ticker or universe.asset_class_of(ticker) == "Cash"


def _asset_model(
    universe: Universe, calibration: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, str]]:
    """Loadings (n, 10), annual means (n,), residual covariance (n, n), source note per ticker."""
    calibrated = list(calibration["loadings"])
    period = f"{calibration['period']['start']}..{calibration['period']['end']}"
    resid = pd.DataFrame(
        _matrix(calibration["residual_covariance_monthly"], calibrated),
        index=calibrated,
        columns=calibrated,
    )
    n = universe.n
    loadings, means, idio = np.zeros((n, len(FACTORS))), np.zeros(n), np.zeros((n, n))
    sources: dict[str, str] = {}
    fitted = [t for t in universe.tickers if t in calibrated]
    pos = [universe.index(t) for t in fitted]
    idio[np.ix_(pos, pos)] = resid.loc[fitted, fitted].to_numpy()
    for i, asset in enumerate(universe.assets):
        ticker = asset.ticker
        if _is_cash(ticker, universe):
            means[i] = RF_MEAN
            sources[ticker] = "synthetic: cash, the generated risk-free path plus 0.07%/yr noise"
            continue
        model = (
            ticker if ticker in calibrated else CLASS_REPRESENTATIVE.get(asset.asset_class, "SPY")
        )
        loadings[i] = [calibration["loadings"][model].get(f, 0.0) for f in FACTORS]
        means[i] = LONG_RUN_MEANS.get(ticker, LONG_RUN_MEANS[model])
        if model == ticker:
            sources[ticker] = (
                f"synthetic: factor model calibrated to real {ticker} adjusted closes {period}"
            )
        else:
            idio[i, i] = max(resid.loc[model, model], FALLBACK_IDIO**2)
            sources[ticker] = (
                f"synthetic: no calibration for {ticker}; modelled with {model}'s factor loadings "
                f"and mean (the {asset.asset_class} representative) plus 4%/yr own noise"
            )
    return loadings, means, idio, sources


def _match_variances(
    idio: np.ndarray,
    loadings: np.ndarray,
    factor_cov: np.ndarray,
    rf_var: float,
    target_var: np.ndarray,
) -> np.ndarray:
    """Residual covariance (n, n) rescaled so each asset's model variance hits ``target_var``.

    The model variance is ``rf_var + B_i S_f B_i' + idio_ii + floor^2``; the generated risk-free path is
    independent of the factors, unlike the real T-bill return, so e.g. SHY needs a smaller
    residual. ``target_var`` NaN leaves an asset unchanged; residual correlations are kept.
    """
    own = np.diag(idio).copy()
    model = (
        rf_var + np.einsum("ik,kl,il->i", loadings, factor_cov, loadings) + own + RESIDUAL_FLOOR**2
    )
    wanted = np.where(np.isnan(target_var), own, np.maximum(own + target_var - model, 0.0))
    scale = np.ones_like(own)
    np.divide(np.sqrt(wanted), np.sqrt(own), out=scale, where=own > 0)
    return idio * np.outer(scale, scale)


ILLUSTRATIVE_PRICE = 100.0
"""Illustrative price of an ETF that the demo account does not list, currency per share."""


def illustrative_prices(universe: Universe, as_of: str) -> LatestPrices:
    """Round illustrative prices (the demo account's, else :data:`ILLUSTRATIVE_PRICE`), labelled
    :attr:`~core.data.prices.PriceSource.ILLUSTRATIVE`: synthetic data have no market prices."""
    from core.rebalance.holdings import demo_holdings

    demo = demo_holdings().prices
    detail = "illustrative price for synthetic data (not market data)"
    return LatestPrices(
        {
            t: PricePoint(demo.get(t, ILLUSTRATIVE_PRICE), PriceSource.ILLUSTRATIVE, as_of, detail)
            for t in universe.tickers
        }
    )


def generate_synthetic_dataset(
    universe: Universe | None = None,
    *,
    months: int = 180,
    end: str = "2025-12-31",
    seed: int = 20240601,
    calibration: dict[str, Any] | None = None,
) -> ReturnsDataset:
    """Deterministic synthetic monthly returns, risk-free rate and factors (see module docstring).

    Parameters
    ----------
    universe : Universe, optional
        Column order and cash ticker; the bundled 14-ETF universe when None. Tickers without a
        calibration borrow their asset class representative's loadings (recorded per asset).
    months : int
        Number of monthly returns, at least :data:`~core.data.dataset.MIN_MONTHS`.
    end : str
        The last month; any date inside it works, the index uses calendar month-ends.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives bitwise identical numbers.
    calibration : dict, optional
        Output of :func:`core.data.calibrate.calibrate_from_prices`; the bundled file when None.

    Returns
    -------
    ReturnsDataset
        ``returns`` shape (months, n), decimal monthly simple returns; ``risk_free`` the RF path;
        ``factors`` shape (months, 10) with columns :data:`EXPORTED_FACTORS`, decimal monthly;
        ``prices`` illustrative (:func:`illustrative_prices`), as of the last month-end.
    """
    universe = universe if universe is not None else default_universe()
    calibration = calibration if calibration is not None else load_calibration()
    if months < MIN_MONTHS:
        raise DataError(f"Ask for at least {MIN_MONTHS} synthetic months (got {months}).")
    index = pd.date_range(end=pd.Timestamp(end) + pd.offsets.MonthEnd(0), periods=months, freq="ME")

    rng = np.random.default_rng(seed)
    loadings, means, idio, sources = _asset_model(universe, calibration)
    crisis = _crisis_path(months)
    centred = crisis - crisis.mean(axis=0)
    target = factor_covariance(calibration)
    # Crisis months already supply part of the calibrated variance; shrink them if they would
    # take more than 80% of it in any direction.
    crisis_cov = centred.T @ centred / months
    ratio = np.max(np.real(np.linalg.eigvals(np.linalg.solve(target, crisis_cov))))
    crisis_weight = min(1.0, np.sqrt(0.8 / ratio)) if ratio > 0 else 1.0
    normal_root = _psd_root(target - crisis_weight**2 * crisis_cov)
    normal_sd = np.sqrt(np.diag(normal_root @ normal_root.T))

    innovations = _student_t(rng, months, normal_root)
    cash_vol = calibration["annual_vol"].get(calibration.get("cash_ticker", ""), 0.005)
    cash_sd = cash_vol / np.sqrt(12.0)
    target_var = np.array(
        [
            calibration["annual_vol"].get(t, np.nan) ** 2 / 12.0
            if t in calibration["loadings"]
            else np.nan
            for t in universe.tickers
        ]
    )
    idio = _match_variances(idio, loadings, target, cash_sd**2, target_var)
    residual_root = _psd_root(idio + np.eye(universe.n) * RESIDUAL_FLOOR**2)
    residuals = rng.standard_normal((months, universe.n)) @ residual_root.T
    rf = _risk_free(rng, months, cash_sd)
    cash_noise = rng.standard_normal((months, universe.n)) * CASH_NOISE

    mkt = FACTORS.index("MKT")
    shocks = crisis_weight * centred
    # In a crisis month the deterministic shock, not the random draw, sets the direction.
    innovations[crisis[:, mkt] < 0] *= CRISIS_NOISE
    h = _garch_multiplier((innovations[:, mkt] + crisis_weight * crisis[:, mkt]) / normal_sd[mkt])
    premia = factor_premia() / 12.0
    # Moment matching: centre the scaled innovations so sample means equal the stated means.
    factor_moves = np.sqrt(h)[:, None] * innovations
    factor_moves -= factor_moves.mean(axis=0)
    own_moves = np.sqrt(h)[:, None] * residuals
    own_moves -= own_moves.mean(axis=0)
    factors = premia + factor_moves + shocks

    alpha = (means - RF_MEAN) / 12.0 - loadings @ premia
    returns = rf[:, None] + alpha + factors @ loadings.T + own_moves
    cash_like = [i for i, asset in enumerate(universe.assets) if _is_cash(asset.ticker, universe)]
    returns[:, cash_like] = rf[:, None] + cash_noise[:, cash_like]
    # Guard only: never binding at the default seed; a -100% month would break compounding.
    returns = np.maximum(returns, -0.95)

    frame = pd.DataFrame(returns, index=index, columns=list(universe.tickers))
    frame.index.name = "date"
    exported = pd.DataFrame(factors, index=index, columns=list(FACTORS)).rename(
        columns={"MKT": "MKT_RF"}
    )
    exported["RF"] = rf
    exported = exported[list(EXPORTED_FACTORS)]
    proxy_note = (
        "; ".join(
            f"{p['proxy']} stands in for {t} through {p['last']}"
            for t, p in calibration.get("proxied", {}).items()
        )
        or "no proxies"
    )
    crisis_months = [index[t].strftime("%Y-%m") for t in np.flatnonzero(crisis[:, mkt] < 0)]
    provenance = Provenance(
        mode=DataMode.SYNTHETIC,
        source=f"Deterministic synthetic generator (calibrated factor model), seed {seed}",
        asset_sources=sources,
        start=index[0].date().isoformat(),
        end=index[-1].date().isoformat(),
        months=months,
        returns_sha256=returns_hash(frame),
        seed=seed,
        notes=(
            "Synthetic data: illustrative only, not market history.",
            "Factor model with Student-t (df 5) innovations, GARCH(1,1) volatility clustering and "
            f"flight-to-quality crisis months {', '.join(crisis_months)}.",
            "Volatilities, correlations and factor loadings calibrated to real Yahoo adjusted closes "
            f"{calibration['period']['start']}..{calibration['period']['end']} "
            f"({proxy_note}).",
            f"Means are forward-looking assumptions (annual arithmetic, risk-free {RF_MEAN:.1%}): "
            + ", ".join(
                f"{t} {LONG_RUN_MEANS.get(t, 0.0):.2%}"
                for t in universe.tickers
                if t in LONG_RUN_MEANS
            )
            + ".",
            "risk_free is the generated RF path; factors are generated together with the returns.",
            "Prices are illustrative round numbers (the demo account's), not market prices.",
        ),
        latest_prices=illustrative_prices(universe, index[-1].date().isoformat()),
    )
    return ReturnsDataset(
        returns=frame,
        provenance=provenance,
        risk_free=pd.Series(rf, index=index, name="RF"),
        factors=exported,
    )
