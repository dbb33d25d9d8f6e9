"""Everything the Risk tab and the risk CSVs show, for one analysis: the recommended portfolio
against its benchmark.

:func:`build_risk_report` gathers, as a frozen :class:`RiskReport`:

* the benchmark comparison (metric table side by side, growth of $1 and drawdown curves);
* ex-ante risk contributions by ETF and asset class, the active-risk (tracking error)
  decomposition, diversification ratio, effective number of bets and the concentration verdict
  (:mod:`core.analytics.risk_contribution`, covariance ``result.inputs.covariance``);
* rolling metrics (:mod:`core.analytics.rolling`, risk-free = the dataset's RF series, 0 if none);
* factor regressions of the portfolio, the benchmark and the equity sleeve
  (:mod:`core.analytics.factors`);
* the constrained efficient frontier of the profile (:mod:`core.optimize.frontier`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.analytics.factors import (
    EQUITY_FACTORS,
    MULTI_ASSET_FACTORS,
    FactorModel,
    FactorOrigin,
    FactorRegression,
    FactorTable,
    dataset_factor_origin,
    equity_sleeve_weights,
    factor_table,
    regress_on_factors,
)
from core.analytics.metrics import drawdown_series, portfolio_returns
from core.analytics.risk_contribution import (
    ConcentrationVerdict,
    RiskDecomposition,
    active_risk_decomposition,
    assess_concentration,
    class_contributions,
    diversification_ratio,
    effective_number_of_bets,
    risk_decomposition,
)
from core.analytics.rolling import DEFAULT_WINDOW, rolling_metrics
from core.analytics.summary import PerformanceMetrics
from core.errors import DataError
from core.optimize.frontier import DEFAULT_POINTS, Frontier, efficient_frontier
from core.pipeline import AnalysisResult
from core.universe import Universe

RECOMMENDED_SERIES = "IPS Recommended Portfolio"
BENCHMARK_SERIES = "Benchmark"
EQUITY_CLASS = "Equity"
PORTFOLIO_SCOPE, BENCHMARK_SCOPE, SLEEVE_SCOPE = "Portfolio", "Benchmark", "Equity sleeve"


@dataclass(frozen=True)
class FactorDiagnostics:
    """Factor regressions of one analysis.

    Attributes
    ----------
    portfolio, benchmark : tuple of FactorRegression
        The equity model (or market-only fallback) then the multi-asset model.
    sleeve : FactorRegression or None
        The equity sleeve on the equity model; None when the portfolio holds no equity.
    sleeve_weights : Series or None
        Equity ETF weights renormalized to sum 1.
    sources : dict
        ``{factor or "RF": where it came from}``.
    notes : tuple of str
    """

    portfolio: tuple[FactorRegression, ...]
    benchmark: tuple[FactorRegression, ...]
    sleeve: FactorRegression | None
    sleeve_weights: pd.Series | None
    sources: dict[str, str]
    notes: tuple[str, ...]


def factor_models(table: FactorTable) -> list[tuple[FactorModel, list[str]]]:
    """The regressions a factor table supports: the equity model (or the market factor alone)
    and the multi-asset model, each with its factor columns."""
    equity = (
        (FactorModel.EQUITY, list(EQUITY_FACTORS))
        if table.has_equity_factors
        else (FactorModel.MARKET_ONLY, table.columns(["MKT_RF"]))
    )
    return [equity, (FactorModel.MULTI_ASSET, table.columns(MULTI_ASSET_FACTORS))]


def recommended_rolling(result: AnalysisResult, window: int = DEFAULT_WINDOW) -> pd.DataFrame:
    """Rolling metrics of the recommended portfolio and its benchmark (the dataset's risk-free
    series for Sharpe, 0% without one); see :func:`core.analytics.rolling.rolling_metrics`."""
    return rolling_metrics(
        result.recommended.returns,
        result.benchmark_returns,
        result.monthly_risk_free,
        window=window,
        names=(RECOMMENDED_SERIES, BENCHMARK_SERIES),
    )


def factor_diagnostics(
    returns: pd.DataFrame,
    weights: pd.Series,
    benchmark_weights: pd.Series,
    universe: Universe,
    risk_free: pd.Series | None,
    dataset_factors: pd.DataFrame | None,
    origin: FactorOrigin = FactorOrigin.DATASET,
) -> FactorDiagnostics:
    """Regress the portfolio, the benchmark and the equity sleeve on the factors.

    Parameters
    ----------
    returns : DataFrame, shape (T, n)
        Monthly returns of the universe's ETFs (columns = ``weights.index``).
    weights, benchmark_weights : Series, shape (n,)
        Decimal weights by ticker.
    risk_free, dataset_factors
        As :func:`core.analytics.factors.factor_table`.
    """
    table = factor_table(
        returns, risk_free, dataset_factors, cash_ticker=universe.cash_ticker, origin=origin
    )
    notes = list(table.notes)

    def run(
        series: pd.Series, scope: str, models: list[tuple[FactorModel, list[str]]]
    ) -> list[FactorRegression]:
        out = []
        for model, cols in models:
            if not cols:
                notes.append(
                    f"The {model.value} model of the {scope.lower()} was skipped: none of its factors exist."
                )
                continue
            out.append(
                regress_on_factors(
                    series - table.risk_free,
                    table.factors[cols],
                    scope=scope,
                    model=model,
                    factor_sources={c: table.sources[c] for c in cols},
                    origin=table.origin(cols),
                )
            )
        return out

    models = factor_models(table)
    portfolio = run(portfolio_returns(returns, weights), PORTFOLIO_SCOPE, models)
    benchmark = run(portfolio_returns(returns, benchmark_weights), BENCHMARK_SCOPE, models)
    sleeve: FactorRegression | None = None
    sleeve_w: pd.Series | None = None
    try:
        sleeve_w = equity_sleeve_weights(weights, universe.class_members(EQUITY_CLASS))
    except DataError as exc:
        notes.append(f"{exc} The equity sleeve regression is omitted.")
    if sleeve_w is not None:
        sleeve_returns = returns[list(sleeve_w.index)].to_numpy() @ sleeve_w.to_numpy()
        found = run(pd.Series(sleeve_returns, index=returns.index), SLEEVE_SCOPE, models[:1])
        sleeve = found[0] if found else None
    return FactorDiagnostics(
        tuple(portfolio), tuple(benchmark), sleeve, sleeve_w, dict(table.sources), tuple(notes)
    )


def performance_paths(portfolio: pd.Series, benchmark: pd.Series) -> pd.DataFrame:
    """Growth of $1 and drawdown of both series, indexed by date.

    Columns ``portfolio_growth, benchmark_growth`` (wealth after each month, starting from 1
    before the first month) and ``portfolio_drawdown, benchmark_drawdown`` (negative decimals,
    :func:`core.analytics.metrics.drawdown_series`).
    """
    return pd.DataFrame(
        {
            "portfolio_growth": (1.0 + portfolio).cumprod(),
            "benchmark_growth": (1.0 + benchmark).cumprod(),
            "portfolio_drawdown": drawdown_series(portfolio),
            "benchmark_drawdown": drawdown_series(benchmark),
        }
    )


def metric_comparison(portfolio: PerformanceMetrics, benchmark: PerformanceMetrics) -> pd.DataFrame:
    """Index metric names; columns label, kind, portfolio, benchmark, difference (portfolio - benchmark)."""
    rows = []
    for spec in portfolio.specs(portfolio.level):
        p, b = float(getattr(portfolio, spec.name)), float(getattr(benchmark, spec.name))
        rows.append(
            {
                "metric": spec.name,
                "label": spec.label,
                "kind": spec.kind.value,
                "portfolio": p,
                "benchmark": b,
                "difference": p - b,
            }
        )
    return pd.DataFrame(rows).set_index("metric")


@dataclass(frozen=True)
class RiskReport:
    """The risk analysis of one profile's recommended portfolio against its benchmark.

    Volatilities, contributions and tracking error are ex-ante, annualized decimals from the
    analysis covariance; ``comparison``, ``paths`` and ``rolling`` are realized over the sample.
    """

    profile_name: str
    portfolio_name: str
    benchmark_label: str
    data_mode: str
    asset_class_of: dict[str, str]
    asset_classes: tuple[str, ...]
    portfolio_risk: RiskDecomposition
    benchmark_risk: RiskDecomposition
    active_risk: RiskDecomposition | None
    class_risk: pd.DataFrame
    benchmark_class_risk: pd.DataFrame
    diversification_ratio: float
    benchmark_diversification_ratio: float
    effective_bets: float
    benchmark_effective_bets: float
    concentration: ConcentrationVerdict
    comparison: pd.DataFrame
    paths: pd.DataFrame
    rolling: pd.DataFrame
    window: int
    factors: FactorDiagnostics
    frontier: Frontier
    notes: tuple[str, ...] = ()

    @property
    def tracking_error(self) -> float:
        """Ex-ante tracking error ``sqrt(a' S a)``, annual decimal (0 if equal to the benchmark)."""
        return self.active_risk.volatility if self.active_risk is not None else 0.0

    @property
    def equity_weight_share(self) -> float:
        return (
            float(self.class_risk.loc[EQUITY_CLASS, "weight"])
            if EQUITY_CLASS in self.class_risk.index
            else 0.0
        )

    @property
    def equity_risk_share(self) -> float:
        return (
            float(self.class_risk.loc[EQUITY_CLASS, "percent"])
            if EQUITY_CLASS in self.class_risk.index
            else 0.0
        )

    @property
    def summary(self) -> str:
        """The memo sentence on risk concentration, computed from the figures."""
        return self.concentration.summary


def _series(weights: pd.Series, tickers: Sequence[str]) -> np.ndarray:
    return weights.reindex(list(tickers)).to_numpy(dtype=float)


def build_risk_report(
    result: AnalysisResult, *, window: int = DEFAULT_WINDOW, frontier_points: int = DEFAULT_POINTS
) -> RiskReport:
    """The :class:`RiskReport` of ``result``'s recommended portfolio (module docstring).

    Raises
    ------
    DataError
        The window does not fit the sample, or factor data is incomplete.
    InfeasibleError, SolverError
        The frontier could not be traced.
    """
    universe, inputs = result.universe, result.inputs
    tickers = inputs.tickers
    rec = result.recommended
    w, w_b = _series(rec.weights, tickers), _series(result.benchmark_weights, tickers)
    cov = inputs.covariance
    classes = {t: universe.asset_class_of(t) for t in tickers}
    notes: list[str] = []

    total = risk_decomposition(w, cov, tickers)
    bench = risk_decomposition(w_b, cov, tickers)
    active: RiskDecomposition | None = None
    if np.abs(w - w_b).max() > 1e-12:
        active = active_risk_decomposition(w, w_b, cov, tickers)
    else:
        notes.append("The recommended portfolio equals the benchmark: no active risk.")
    by_class = class_contributions(total, classes, universe.asset_classes)
    dr = diversification_ratio(w, cov)
    bets = effective_number_of_bets(total.percent)

    returns = result.dataset.returns[list(tickers)]
    if result.dataset.risk_free is None:
        notes.append("The dataset has no risk-free series: rolling Sharpe ratios use 0%.")
    rolling = recommended_rolling(result, window)
    factors = factor_diagnostics(
        returns,
        rec.weights,
        result.benchmark_weights,
        universe,
        result.dataset.risk_free,
        result.dataset.factors,
        dataset_factor_origin(result.dataset) or FactorOrigin.DATASET,
    )
    return RiskReport(
        profile_name=result.profile.name,
        portfolio_name=rec.name,
        benchmark_label=result.profile.benchmark_label,
        data_mode=result.dataset.mode.value,
        asset_class_of=classes,
        asset_classes=tuple(universe.asset_classes),
        portfolio_risk=total,
        benchmark_risk=bench,
        active_risk=active,
        class_risk=by_class,
        benchmark_class_risk=class_contributions(bench, classes, universe.asset_classes),
        diversification_ratio=dr,
        benchmark_diversification_ratio=diversification_ratio(w_b, cov),
        effective_bets=bets,
        benchmark_effective_bets=effective_number_of_bets(bench.percent),
        concentration=assess_concentration(total, by_class, diversification=dr, bets=bets),
        comparison=metric_comparison(rec.metrics, result.benchmark_metrics),
        paths=performance_paths(rec.returns, result.benchmark_returns),
        rolling=rolling,
        window=window,
        factors=factors,
        frontier=efficient_frontier(inputs, result.constraints, frontier_points),
        notes=tuple(notes),
    )
