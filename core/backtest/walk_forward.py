"""Walk-forward test of every candidate construction rule, the selection rule and the benchmark.

At each decision date (a calendar quarter-end by default) with at least ``min_months`` of
history, the rules see ONLY the months up to and including that date:

1. the inputs are re-estimated on the window (expanding: every month so far; rolling: the
   latest ``window_months``) with the analysis's own estimators
   (:func:`core.pipeline.estimate_for`);
2. every candidate of :func:`core.optimize.registry.candidate_builders` is built on those
   inputs (and, for the IPS Optimum's drawdown rule, on the window's returns);
3. the IPS selection rule (:func:`core.pipeline.select_recommended`) picks among them, each
   validated on the window (ex-ante volatility under the window's covariance, maximum
   drawdown of the window's monthly-rebalanced path);
4. each rule's weights are held until the next decision (:mod:`core.backtest.holding`: drift
   or monthly rebalancing; the trade to the new weights pays ``cost_bps`` per unit of turnover).

The benchmark rule holds the policy benchmark's weights and trades back to them at each decision.
The first decision's purchase is not charged (every rule starts invested). A rule that cannot be
built at a date keeps its previous weights (the period's note says why).

Figures (:class:`Figures`, the conventions of :mod:`core.analytics.metrics`): annualized return
is the CAGR of the net monthly returns, volatility ``std x sqrt(12)``, Sharpe on the dataset's
monthly risk-free rate over the same months, maximum drawdown a negative decimal, tracking error
against the benchmark rule's net returns (in sample: the benchmark's returns); turnover and cost
are sums over the out-of-sample period divided by its length in years. In-sample figures are the
analysis's own: the full-sample weights, rebalanced monthly, over the whole sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.analytics import metrics
from core.backtest.holding import WithinPeriod, hold
from core.backtest.results import Figures, Period, RuleOutcome, WalkForwardResult
from core.backtest.settings import (
    BENCHMARK_RULE,
    RECOMMENDATION_RULE,
    RuleKind,
    WalkForwardSettings,
    WindowKind,
)
from core.errors import DataError, IPSStudioError
from core.jobs import CancelToken, ProgressCallback, no_progress
from core.optimize.candidates import penalized_utility, portfolio_volatility
from core.optimize.registry import candidate_builders
from core.pipeline import AnalysisResult, estimate_for, select_recommended
from core.policy.validation import ValidationReport, validate_portfolio


@dataclass(frozen=True)
class _Screened:
    """A candidate at a decision date, as the selection rule reads it."""

    name: str
    utility: float
    validation: ValidationReport

    @property
    def passes(self) -> bool:
        return self.validation.passed


def decision_rows(index: pd.Index, settings: WalkForwardSettings) -> list[int]:
    """Row positions ``d`` whose previous month (row ``d - 1``) is a decision date: a calendar
    month-end divisible by ``hold_months`` with at least ``min_months`` before it (inclusive)."""
    if not isinstance(index, pd.DatetimeIndex):
        raise DataError("The walk-forward needs dated monthly returns (a date index).")
    months = np.asarray(index.month)
    return [
        d
        for d in range(settings.min_months, len(index))
        if months[d - 1] % settings.hold_months == 0
    ]


def walk_forward(
    result: AnalysisResult,
    settings: WalkForwardSettings | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> WalkForwardResult:
    """Walk ``result``'s rules forward through its dataset (module docstring).

    Raises
    ------
    DataError
        The sample is too short for one decision after ``min_months``.
    CancelledError
        ``cancel`` was set (checked at each decision).
    """
    settings = settings or WalkForwardSettings()
    report, token = progress or no_progress, cancel or CancelToken()
    profile, universe = result.profile, result.universe
    returns = result.dataset.returns[list(universe.tickers)]
    risk_free = result.dataset.risk_free
    x, dates = returns.to_numpy(dtype=float), returns.index
    starts = decision_rows(dates, settings)
    if not starts:
        raise DataError(
            f"The sample has {len(dates)} months: the walk-forward needs more than the "
            f"{settings.min_months} months before its first decision. Lower the minimum "
            "history or use a longer data set."
        )
    bench = universe.vector(profile.benchmark)
    ends = [*starts[1:], len(dates)]
    held: dict[str, np.ndarray] = {}
    chosen: dict[str, list[np.ndarray]] = {}
    records: dict[str, list[Period]] = {}
    series: dict[str, list[np.ndarray]] = {}
    order: list[tuple[str, RuleKind]] = []
    for step, (d, end) in enumerate(zip(starts, ends, strict=True)):
        token.raise_if_cancelled()
        report(step / len(starts), f"Walk-forward: decision {step + 1} of {len(starts)}")
        first = 0 if settings.window is WindowKind.EXPANDING else max(0, d - settings.window_months)
        window = returns.iloc[first:d]
        window_rf = risk_free.iloc[first:d] if risk_free is not None else None
        targets, rule_notes = _decide(result, window, window_rf, chosen)
        targets[BENCHMARK_RULE], rule_notes[BENCHMARK_RULE] = bench, ""
        for rule, target in targets.items():
            if rule not in records:
                if step > 0:
                    continue  # a rule first built late would not be comparable: left out
                kind = (
                    RuleKind.BENCHMARK
                    if rule == BENCHMARK_RULE
                    else RuleKind.SELECTION
                    if rule == RECOMMENDATION_RULE
                    else RuleKind.CANDIDATE
                )
                order.append((rule, kind))
                records[rule], series[rule], chosen[rule] = [], [], []
            outcome = hold(
                target,
                held.get(rule, target),
                x[d:end],
                cost_bps=settings.cost_bps,
                within=settings.within,
            )
            held[rule] = outcome.end_weights
            chosen[rule].append(target)
            series[rule].append(outcome.net_returns)
            records[rule].append(
                Period(
                    decided=dates[d - 1],
                    window_start=dates[first],
                    start=dates[d],
                    end=dates[end - 1],
                    weights=target,
                    turnover=outcome.turnover,
                    cost=outcome.cost,
                    net_return=float(np.prod(1.0 + outcome.net_returns) - 1.0),
                    note=rule_notes.get(rule, ""),
                )
            )
    report(1.0, "Walk-forward done")
    oos_index = dates[starts[0] :]
    rf_oos: pd.Series | float = risk_free.loc[oos_index] if risk_free is not None else 0.0
    bench_oos = pd.Series(np.concatenate(series[BENCHMARK_RULE]), index=oos_index)
    outcomes, left_out = [], []
    for rule, kind in order:
        if len(records[rule]) != len(starts):
            left_out.append(rule)
            continue
        net = pd.Series(np.concatenate(series[rule]), index=oos_index, name=rule)
        outcomes.append(
            RuleOutcome(
                rule=rule,
                kind=kind,
                periods=tuple(records[rule]),
                returns=net,
                out_of_sample=Figures.of(
                    net,
                    rf_oos,
                    bench_oos,
                    turnover=sum(p.turnover for p in records[rule]),
                    cost=sum(p.cost for p in records[rule]),
                ),
                in_sample=_in_sample(result, rule),
            )
        )
    notes: list[str] = []
    if left_out:
        notes.append(f"Left out (not built at every decision): {', '.join(left_out)}.")
    built = {o.rule for o in outcomes}
    extra = [c.name for c in result.candidates if c.name not in built]
    if extra:
        notes.append(
            f"Not walked forward (added for comparison, not a construction rule of the "
            f"analysis): {', '.join(extra)}."
        )
    return WalkForwardResult(
        profile.name, settings, universe.tickers, tuple(outcomes), tuple(notes)
    )


def _decide(
    result: AnalysisResult,
    window: pd.DataFrame,
    window_rf: pd.Series | None,
    previous: dict[str, list[np.ndarray]],
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Every rule's weights at one decision from the window alone, with a note per rule."""
    profile, universe, cs = result.profile, result.universe, result.constraints
    inputs = estimate_for(profile, universe, window, window_rf, result.settings)
    targets: dict[str, np.ndarray] = {}
    notes: dict[str, str] = {}
    screened: list[_Screened] = []
    path = window.to_numpy(dtype=float)
    for strategy, build in candidate_builders(profile, universe, inputs, cs, window):
        try:
            weights = build().weights
        except IPSStudioError as exc:
            if previous.get(strategy.value):
                targets[strategy.value] = previous[strategy.value][-1]
                notes[strategy.value] = f"Not built ({exc}); previous weights kept."
            continue
        targets[strategy.value] = weights
        screened.append(
            _Screened(
                strategy.value,
                penalized_utility(
                    weights, inputs, profile.risk_aversion, profile.concentration_penalty
                ),
                validate_portfolio(
                    weights,
                    profile,
                    universe,
                    ex_ante_volatility=portfolio_volatility(weights, inputs.covariance),
                    historical_max_drawdown=metrics.max_drawdown(path @ weights),
                ),
            )
        )
    if screened:
        name, _ = select_recommended(screened)
        targets[RECOMMENDATION_RULE] = targets[name]
        notes[RECOMMENDATION_RULE] = f"Selected: {name}"
    elif previous.get(RECOMMENDATION_RULE):
        targets[RECOMMENDATION_RULE] = previous[RECOMMENDATION_RULE][-1]
        notes[RECOMMENDATION_RULE] = "No candidate built; previous weights kept."
    return targets, notes


def _in_sample(result: AnalysisResult, rule: str) -> Figures | None:
    """The analysis's full-sample figures of ``rule`` (module docstring)."""
    if rule == BENCHMARK_RULE:
        returns = result.benchmark_returns
    elif rule == RECOMMENDATION_RULE:
        returns = result.recommended.returns
    else:
        try:
            returns = result.candidate(rule).returns
        except KeyError:
            return None
    return Figures.of(returns, result.monthly_risk_free, result.benchmark_returns)


__all__ = [
    "BENCHMARK_RULE",
    "RECOMMENDATION_RULE",
    "Figures",
    "Period",
    "RuleKind",
    "RuleOutcome",
    "WalkForwardResult",
    "WalkForwardSettings",
    "WindowKind",
    "WithinPeriod",
    "decision_rows",
    "walk_forward",
]
