"""The analysis pipeline: profile + dataset -> candidates, validation, metrics, recommendation.

:func:`run_analysis` is pure (no I/O) and is what both the window's worker and the headless
``python -m app report`` call, so the two always agree.

Selection rule of the IPS Recommended Portfolio (stated in the UI and the reports): among
the candidates that pass every policy rule, including the ex-ante volatility target and the
historical drawdown tolerance, choose the highest penalized expected utility
``mu' w - (lambda / 2) w' S w - gamma ||w||^2`` with the profile's risk aversion ``lambda``
and concentration penalty ``gamma``. If no candidate passes, the one with the smallest total
breach is shown, flagged as not compliant.

The IPS Optimum (:mod:`core.optimize.ips_optimum`) maximizes that same utility subject to every
rule at once, so whenever it can be built it passes every rule and no compliant candidate beats
it: the rule picks it, unless another compliant candidate has the same utility to within
:data:`UTILITY_TIE` (the Mean-Variance Utility portfolio already meets every rule and the two
coincide). Ties go to the candidate listed first, so the established name is kept. When the IPS
cannot be met the IPS Optimum is not built, its reason (the rules in conflict) is listed, and the
rule runs over the other candidates as before.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Protocol

import pandas as pd

from core.analytics.metrics import portfolio_returns
from core.analytics.summary import PerformanceMetrics, performance_metrics
from core.data.dataset import ReturnsDataset
from core.errors import DataError, IPSStudioError
from core.jobs import CancelToken, ProgressCallback, no_progress
from core.optimize.black_litterman import View
from core.optimize.candidates import Candidate, penalized_utility, portfolio_volatility
from core.optimize.estimation import (
    DEFAULT_HALF_LIFE_MONTHS,
    CovarianceEstimator,
    MarketInputs,
    ReturnEstimator,
    estimate_inputs,
)
from core.optimize.market_assumptions import MarketAssumption
from core.optimize.registry import candidate_builders
from core.policy.constraints import ConstraintSet, build_constraints, check_feasibility
from core.policy.profile import IPSProfile
from core.policy.validation import ValidationReport, validate_portfolio
from core.universe import Universe, default_universe

if TYPE_CHECKING:
    from core.adoption import AppliedAdoption

SELECTION_RULE = (
    "Among candidates that pass every policy rule (including the ex-ante volatility target and the "
    "historical drawdown tolerance), the IPS Recommended Portfolio is the one with the highest "
    "penalized expected utility: expected return - (risk aversion / 2) x variance - concentration "
    "penalty x sum of squared weights. The IPS Optimum maximizes that utility under every rule "
    "at once; when it coincides with another candidate (equal utility), the one listed first is "
    "named."
)


DEFAULT_PORTFOLIO_VALUE = 100_000_000.0
UTILITY_TIE = 1e-9
"""Utilities (annual decimal) this close are equal for the selection: far above rounding (the
weights agree to 1e-10 across BLAS set-ups), far below a difference a committee would weigh."""


class ValueBasis(Enum):
    """Where the portfolio value behind dollar VaR and stress P&L comes from (stated in reports)."""

    USER = "portfolio value set by the user"
    ACCOUNT = "account value of the loaded holdings"


@dataclass(frozen=True)
class AnalysisSettings:
    """Choices that shape an analysis (all visible in the result and the reports).

    ``portfolio_value`` (currency) scales dollar VaR/CVaR and stress P&L; ``value_basis`` says
    where it came from (:func:`settings_for_account` sets both).
    """

    covariance: CovarianceEstimator = CovarianceEstimator.LEDOIT_WOLF
    expected_returns: ReturnEstimator = ReturnEstimator.BAYES_STEIN
    portfolio_value: float = DEFAULT_PORTFOLIO_VALUE
    var_level: float = 0.95
    value_basis: ValueBasis = ValueBasis.USER
    covariance_half_life: float = DEFAULT_HALF_LIFE_MONTHS
    """Months; used by ``CovarianceEstimator.EXPONENTIAL`` only."""
    views: tuple[View, ...] = ()
    """Committee views; used by ``ReturnEstimator.BLACK_LITTERMAN`` only (kept otherwise)."""
    market_assumptions: tuple[MarketAssumption, ...] = ()
    """Used by ``ReturnEstimator.CAPITAL_MARKET_ASSUMPTIONS`` only (kept otherwise)."""

    @property
    def portfolio_value_text(self) -> str:
        """``"$2,000,000 (account value of the loaded holdings)"``: the value and why."""
        return f"${self.portfolio_value:,.0f} ({self.value_basis.value})"


def settings_for_account(
    settings: AnalysisSettings, account_value: float | None
) -> AnalysisSettings:
    """``settings`` with the portfolio value the dollar figures use.

    Parameters
    ----------
    settings : AnalysisSettings
        Its ``portfolio_value`` is the value the user set (default $100M).
    account_value : float or None
        Total value of the loaded holdings (positions at their prices plus cash), currency; None
        when no holdings are loaded.

    Returns
    -------
    AnalysisSettings
        The account's value (basis ACCOUNT) when holdings with a positive value are loaded,
        otherwise the user's value (basis USER).
    """
    import dataclasses

    if account_value is not None and math.isfinite(account_value) and account_value > 0:
        return dataclasses.replace(
            settings, portfolio_value=float(account_value), value_basis=ValueBasis.ACCOUNT
        )
    return dataclasses.replace(settings, value_basis=ValueBasis.USER)


def with_settings(result: AnalysisResult, settings: AnalysisSettings) -> AnalysisResult:
    """``result`` under ``settings`` that differ only in portfolio value and its basis.

    The dollar figures are derived from the value, so the candidates are not rebuilt: the
    result equals ``run_analysis(..., settings)`` exactly. Other differences raise ValueError.
    """
    import dataclasses

    same = dataclasses.replace(
        settings,
        portfolio_value=result.settings.portfolio_value,
        value_basis=result.settings.value_basis,
    )
    if same != result.settings:
        raise ValueError(
            "with_settings changes the portfolio value only; run the analysis again for "
            "other settings."
        )
    value = settings.portfolio_value

    def rescaled(metrics: PerformanceMetrics) -> PerformanceMetrics:
        return dataclasses.replace(metrics, portfolio_value=float(value))

    return dataclasses.replace(
        result,
        settings=settings,
        candidates=tuple(
            dataclasses.replace(c, metrics=rescaled(c.metrics)) for c in result.candidates
        ),
        benchmark_metrics=rescaled(result.benchmark_metrics),
    )


@dataclass(frozen=True)
class CandidateResult:
    """A candidate with its realized metrics over the sample and its policy validation."""

    candidate: Candidate
    weights: pd.Series
    class_weights: pd.Series
    metrics: PerformanceMetrics
    validation: ValidationReport
    expected_return: float
    expected_volatility: float
    utility: float
    returns: pd.Series

    @property
    def name(self) -> str:
        return self.candidate.name

    @property
    def notes(self) -> tuple[str, ...]:
        return self.candidate.notes

    @property
    def passes(self) -> bool:
        return self.validation.passed


@dataclass(frozen=True)
class AnalysisResult:
    profile: IPSProfile
    universe: Universe
    dataset: ReturnsDataset
    settings: AnalysisSettings
    inputs: MarketInputs
    constraints: ConstraintSet
    candidates: tuple[CandidateResult, ...]
    recommended_name: str
    selection_reason: str
    benchmark_weights: pd.Series
    benchmark_metrics: PerformanceMetrics
    benchmark_returns: pd.Series
    failed_strategies: dict[str, str] = field(default_factory=dict)
    selection_rule: str = SELECTION_RULE
    adoption: AppliedAdoption | None = None
    """Set when the committee's adopted resampled portfolio is the recommendation
    (:func:`core.adoption.with_adoption`); None for the optimizer's pick."""

    @property
    def monthly_risk_free(self) -> pd.Series | float:
        """The dataset's monthly risk-free series, or 0.0 when it has none (as the metrics use it)."""
        return self.dataset.risk_free if self.dataset.risk_free is not None else 0.0

    @property
    def benchmark_expected_return(self) -> float:
        """Ex-ante ``mu' w_benchmark`` under the analysis inputs, annual decimal."""
        return float(self.benchmark_weights.to_numpy() @ self.inputs.expected_returns)

    @property
    def benchmark_expected_volatility(self) -> float:
        """Ex-ante ``sqrt(w' S w)`` of the benchmark under the analysis covariance, annual decimal."""
        return portfolio_volatility(self.benchmark_weights.to_numpy(), self.inputs.covariance)

    @property
    def recommended(self) -> CandidateResult:
        return self.candidate(self.recommended_name)

    def candidate(self, name: str) -> CandidateResult:
        for c in self.candidates:
            if c.name == name:
                return c
        raise KeyError(name)

    def weights_table(self) -> pd.DataFrame:
        """Index tickers, columns candidate names; decimal weights."""
        return pd.DataFrame({c.name: c.weights for c in self.candidates})

    def class_weights_table(self) -> pd.DataFrame:
        """Index asset classes, columns candidate names; decimal weights."""
        return pd.DataFrame({c.name: c.class_weights for c in self.candidates})

    def metrics_table(self) -> pd.DataFrame:
        """Index metric labels, columns candidate names plus ``Benchmark``."""
        cols = {c.name: c.metrics.to_dict() for c in self.candidates}
        cols["Benchmark"] = self.benchmark_metrics.to_dict()
        return pd.DataFrame(cols)


def load_default_dataset() -> ReturnsDataset:
    """The built-in deterministic synthetic dataset (offline, reproducible)."""
    from core.data.synthetic import generate_synthetic_dataset

    return generate_synthetic_dataset()


def _class_weights(w: pd.Series, universe: Universe) -> pd.Series:
    return pd.Series(
        {
            cls: float(sum(w[t] for t in universe.class_members(cls)))
            for cls in universe.asset_classes
        }
    )


def run_analysis(
    profile: IPSProfile,
    dataset: ReturnsDataset,
    universe: Universe | None = None,
    settings: AnalysisSettings | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> AnalysisResult:
    """Build every candidate for ``profile`` on ``dataset``, validate and measure them, pick one.

    Raises
    ------
    PolicyError, InfeasibleError
        The profile is malformed or self-contradictory (before any solve).
    DataError
        The dataset lacks universe tickers or has too little history.
    """
    universe = universe or default_universe()
    settings = settings or AnalysisSettings()
    report = progress or no_progress
    token = cancel or CancelToken()

    missing = [t for t in universe.tickers if t not in dataset.returns.columns]
    if missing:
        raise DataError(
            f"The data has no returns for {', '.join(missing)}; every universe ETF is needed."
        )
    returns = dataset.returns[list(universe.tickers)]
    cs = build_constraints(profile, universe)
    check_feasibility(cs)
    report(0.05, "Estimating inputs")
    bench_vec = universe.vector(profile.benchmark)
    inputs = estimate_for(profile, universe, returns, dataset.risk_free, settings)
    rf = dataset.risk_free if dataset.risk_free is not None else 0.0
    benchmark_weights = pd.Series(bench_vec, index=universe.tickers)
    benchmark_returns = portfolio_returns(returns, benchmark_weights)
    benchmark_metrics = performance_metrics(
        benchmark_returns,
        benchmark_returns,
        rf,
        portfolio_value=settings.portfolio_value,
        level=settings.var_level,
    )

    builders = candidate_builders(profile, universe, inputs, cs, returns)
    results: list[CandidateResult] = []
    failed: dict[str, str] = {}
    for step, (strategy, build) in enumerate(builders):
        token.raise_if_cancelled()
        report(0.1 + 0.8 * step / len(builders), f"Building {strategy.value}")
        try:
            cand: Candidate = build()
        except IPSStudioError as exc:
            failed[strategy.value] = str(exc)
            continue
        results.append(
            _evaluate(cand, profile, universe, returns, benchmark_returns, rf, inputs, settings)
        )
    if not results:
        raise IPSStudioError(
            "No candidate could be built: " + "; ".join(f"{k}: {v}" for k, v in failed.items())
        )
    token.raise_if_cancelled()
    report(0.95, "Selecting the recommendation")
    name, reason = select_recommended(results)
    report(1.0, "Done")
    return AnalysisResult(
        profile=profile,
        universe=universe,
        dataset=dataset,
        settings=settings,
        inputs=inputs,
        constraints=cs,
        candidates=tuple(results),
        recommended_name=name,
        selection_reason=reason,
        benchmark_weights=benchmark_weights,
        benchmark_metrics=benchmark_metrics,
        benchmark_returns=benchmark_returns,
        failed_strategies=failed,
    )


def estimate_for(
    profile: IPSProfile,
    universe: Universe,
    returns: pd.DataFrame,
    risk_free: pd.Series | None,
    settings: AnalysisSettings,
) -> MarketInputs:
    """The optimizer inputs :func:`run_analysis` uses for ``returns`` (universe columns)."""
    return estimate_inputs(
        returns,
        risk_free,
        covariance=settings.covariance,
        expected=settings.expected_returns,
        benchmark_weights=universe.vector(profile.benchmark),
        risk_aversion=profile.risk_aversion,
        half_life=settings.covariance_half_life,
        views=settings.views,
        assumptions=settings.market_assumptions,
        groups={c: universe.class_members(c) for c in universe.asset_classes},
    )


def _evaluate(
    cand: Candidate,
    profile: IPSProfile,
    universe: Universe,
    returns: pd.DataFrame,
    benchmark_returns: pd.Series,
    rf: pd.Series | float,
    inputs: MarketInputs,
    settings: AnalysisSettings,
) -> CandidateResult:
    """Measure and validate one candidate on the sample."""
    w = pd.Series(cand.weights, index=universe.tickers)
    port = portfolio_returns(returns, w)
    metrics = performance_metrics(
        port,
        benchmark_returns,
        rf,
        portfolio_value=settings.portfolio_value,
        level=settings.var_level,
    )
    vol = portfolio_volatility(cand.weights, inputs.covariance)
    validation = validate_portfolio(
        cand.weights,
        profile,
        universe,
        ex_ante_volatility=vol,
        historical_max_drawdown=metrics.max_drawdown,
    )
    return CandidateResult(
        candidate=cand,
        weights=w,
        class_weights=_class_weights(w, universe),
        metrics=metrics,
        validation=validation,
        expected_return=float(cand.weights @ inputs.expected_returns),
        expected_volatility=vol,
        utility=penalized_utility(
            cand.weights, inputs, profile.risk_aversion, profile.concentration_penalty
        ),
        returns=port,
    )


def with_candidate(
    result: AnalysisResult, cand: Candidate, *, reselect: bool = False
) -> AnalysisResult:
    """``result`` with one more candidate (replacing one of the same name), for comparison.

    The recommendation stays as it was unless ``reselect`` (the selection rule applied again
    over every candidate, the new one included): a robustness check such as the resampled
    frontier must not change the committee's decision as a side effect.
    """
    import dataclasses

    returns = result.dataset.returns[list(result.universe.tickers)]
    extra = _evaluate(
        cand,
        result.profile,
        result.universe,
        returns,
        result.benchmark_returns,
        result.monthly_risk_free,
        result.inputs,
        result.settings,
    )
    candidates = [c for c in result.candidates if c.name != cand.name] + [extra]
    if reselect:
        name, reason = select_recommended(candidates)
    else:
        name = result.recommended_name
        reason = (
            f"{result.selection_reason} {cand.name} is shown for comparison only; it was not "
            "part of the selection."
        )
        if name == cand.name:  # the replaced candidate was the recommendation: select again
            name, reason = select_recommended(candidates)
    return dataclasses.replace(
        result, candidates=tuple(candidates), recommended_name=name, selection_reason=reason
    )


class Selectable(Protocol):
    """What the selection rule reads of a candidate (a :class:`CandidateResult` has it all)."""

    @property
    def name(self) -> str: ...

    @property
    def passes(self) -> bool: ...

    @property
    def utility(self) -> float: ...

    @property
    def validation(self) -> ValidationReport: ...


def select_recommended(results: Sequence[Selectable]) -> tuple[str, str]:
    """Apply the selection rule (module docstring); return the chosen name and a reason in words."""
    passing = [r for r in results if r.passes]
    if passing:
        top = max(r.utility for r in passing)
        best = next(r for r in passing if r.utility >= top - UTILITY_TIE)
        others = [r for r in passing if r is not best]
        reason = (
            f"{best.name} passes every policy rule and has the highest penalized utility "
            f"({best.utility:.2%})"
        )
        same = [r.name for r in others if r.utility >= top - UTILITY_TIE]
        if same:
            reason += (
                f"; {', '.join(same)} {'is' if len(same) == 1 else 'are'} the same optimum "
                "(equal utility), listed later"
            )
        rest = [r for r in others if r.utility < top - UTILITY_TIE]
        if rest:
            runner = max(rest, key=lambda r: r.utility)
            reason += f"; next best compliant: {runner.name} ({runner.utility:.2%})"
        failing = [r.name for r in results if not r.passes]
        if failing:
            reason += f". Not eligible (a policy rule fails): {', '.join(failing)}"
        return best.name, reason + "."

    def breach(r: Selectable) -> float:
        return float(sum(-row.slack for row in r.validation.failures))

    best = min(results, key=breach)
    return best.name, (
        f"No candidate passes every policy rule; {best.name} breaks the fewest limits by the least "
        f"({', '.join(row.rule for row in best.validation.failures)}). It is NOT policy compliant: "
        "review the profile."
    )
