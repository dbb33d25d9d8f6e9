"""Apply scenarios to a portfolio and its benchmark: returns, dollar P&L, contributions, breaches.

One period, no rebalancing: ETF ``i`` contributes ``w_i * shock_i``; the portfolio return is the
sum of those contributions, so the contributions by ETF and by asset class add up to it exactly.
The benchmark gets the same shocks. Conventions: decimal returns, negative = loss; dollar P&L
= return x portfolio value (the benchmark's on the same value); relative performance =
portfolio return - benchmark return.

The IPS drawdown tolerance is a peak-to-trough limit, so a scenario is compared with it on its
**path drawdown**: for a historical replay (which carries a monthly path, starting at the
pre-crisis peak) the deepest fall of ``W_t / max(W_0..W_t) - 1`` where ``W_0 = 1`` and ``W_t``
compounds the monthly returns of the weights held, rebalanced to them each month
(:func:`core.analytics.metrics.max_drawdown`); for a one-period scenario the path is its start
and its end, so the path drawdown is ``min(return, 0)``. A scenario **breaches the drawdown
tolerance** when ``path_drawdown < -drawdown_tolerance`` (a -30% fall breaches a 25% tolerance;
exactly -25% does not). The start-to-end return (the weights held, not rebalanced) is reported
beside it: the GFC replay ends after the March 2009 rebound, above its February trough.

A held ETF (non-zero weight in the portfolio or the benchmark) must have a shock in every
scenario: a missing one is refused rather than read as 0% (the original engine's mistake).
An ETF held by neither shows a missing shock (NaN) and contributes 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.errors import DataError
from core.stress.scenarios import (
    Scenario,
    ScenarioError,
    ScenarioKind,
    check_tickers,
    check_unique_names,
)

if TYPE_CHECKING:
    from core.pipeline import AnalysisResult


@dataclass(frozen=True)
class ScenarioOutcome:
    """One scenario applied to the portfolio and the benchmark (derived figures are properties).

    ``shocks``, ``weights`` and ``benchmark_weights`` share one ticker index; weights are
    decimal fractions of portfolio value, shocks decimal total returns (NaN = not covered and
    not held).
    """

    scenario: Scenario
    shocks: pd.Series
    weights: pd.Series
    benchmark_weights: pd.Series
    asset_classes: pd.Series  # ticker -> asset class, same index
    portfolio_value: float
    drawdown_tolerance: float

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def kind(self) -> ScenarioKind:
        return self.scenario.kind

    @cached_property  # immutable inputs: computed once (the GUI reads these per paint)
    def contributions(self) -> pd.Series:
        """Per-ETF contribution to the portfolio return, ``w_i * shock_i``; sums to it."""
        return (self.weights * self.shocks.fillna(0.0)).rename("contribution")

    @cached_property  # immutable inputs: computed once (the GUI reads these per paint)
    def benchmark_contributions(self) -> pd.Series:
        return (self.benchmark_weights * self.shocks.fillna(0.0)).rename("benchmark_contribution")

    def _by_class(self, contributions: pd.Series) -> pd.Series:
        # One masked sum per class (NaN skipped, as a groupby sum does): a pandas groupby cost
        # 2.4 ms an outcome, most of the stress run for a project of thousands of scenarios.
        classes = self.asset_classes.to_numpy()  # same ticker index (class docstring)
        values = contributions.to_numpy(dtype=float)
        order = list(dict.fromkeys(self.asset_classes))
        sums = [float(np.nansum(values[classes == c])) for c in order]
        return pd.Series(sums, index=order, name=contributions.name, dtype=float)

    @cached_property  # immutable inputs: computed once (the GUI reads these per paint)
    def class_contributions(self) -> pd.Series:
        """Portfolio contribution by asset class (classes in universe order); sums to the return."""
        return self._by_class(self.contributions)

    @cached_property  # immutable inputs: computed once (the GUI reads these per paint)
    def benchmark_class_contributions(self) -> pd.Series:
        return self._by_class(self.benchmark_contributions)

    @cached_property  # immutable inputs: computed once (the GUI reads these per paint)
    def portfolio_return(self) -> float:
        return float(self.contributions.sum())

    @cached_property  # immutable inputs: computed once (the GUI reads these per paint)
    def benchmark_return(self) -> float:
        return float(self.benchmark_contributions.sum())

    @property
    def relative_performance(self) -> float:
        """Portfolio minus benchmark return (positive = the portfolio does better)."""
        return self.portfolio_return - self.benchmark_return

    @property
    def portfolio_pnl(self) -> float:
        """Dollar gain (negative = loss) on the portfolio value."""
        return self.portfolio_return * self.portfolio_value

    @property
    def benchmark_pnl(self) -> float:
        """Dollar gain of the benchmark had it held the same portfolio value."""
        return self.benchmark_return * self.portfolio_value

    @property
    def relative_pnl(self) -> float:
        return self.portfolio_pnl - self.benchmark_pnl

    @property
    def has_path(self) -> bool:
        """True when the scenario is replayed month by month (a historical episode)."""
        return self.scenario.has_path

    def _path_drawdown(self, weights: pd.Series, start_to_end: float) -> float:
        if not self.scenario.has_path:
            return min(start_to_end, 0.0)
        from core.analytics.metrics import max_drawdown

        held = [t for t in weights.index if weights[t] != 0]
        monthly = pd.DataFrame(
            {t: self.scenario.monthly[t] for t in held},
            index=pd.Index(self.scenario.path_dates, name="date"),
        )
        path = monthly.mul(weights[held], axis=1).sum(axis=1)
        return max_drawdown(path)

    @cached_property  # immutable inputs: computed once (the GUI reads these per paint)
    def path_drawdown(self) -> float:
        """Peak-to-trough fall of the portfolio over the scenario, a NEGATIVE decimal (module
        docstring: the monthly path rebalanced to the weights, or ``min(return, 0)``)."""
        return self._path_drawdown(self.weights, self.portfolio_return)

    @cached_property  # immutable inputs: computed once (the GUI reads these per paint)
    def benchmark_path_drawdown(self) -> float:
        return self._path_drawdown(self.benchmark_weights, self.benchmark_return)

    @property
    def breaches_drawdown_tolerance(self) -> bool:
        """True when the portfolio's path drawdown is deeper than the IPS drawdown tolerance."""
        return self.path_drawdown < -self.drawdown_tolerance

    @property
    def benchmark_breaches_drawdown_tolerance(self) -> bool:
        return self.benchmark_path_drawdown < -self.drawdown_tolerance


@dataclass(frozen=True)
class StressResult:
    """Every scenario's outcome for one portfolio, its benchmark, value and drawdown tolerance."""

    outcomes: tuple[ScenarioOutcome, ...]
    portfolio_value: float
    drawdown_tolerance: float
    profile_name: str = ""

    @property
    def scenario_names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.outcomes)

    def evaluated(self) -> StressResult:
        """Compute every outcome's cached figures now and return ``self``.

        A worker calls this so that the thread that displays the result (and reads these
        figures per painted cell) does no pandas work of its own.
        """
        for o in self.outcomes:
            _ = (
                o.portfolio_return,
                o.benchmark_return,
                o.path_drawdown,
                o.benchmark_path_drawdown,
                o.class_contributions,
                o.benchmark_class_contributions,
            )
        return self

    def outcome(self, name: str) -> ScenarioOutcome:
        for o in self.outcomes:
            if o.name == name:
                return o
        raise KeyError(name)

    @property
    def worst(self) -> ScenarioOutcome:
        """The scenario with the lowest portfolio return."""
        return min(self.outcomes, key=lambda o: o.portfolio_return)

    @property
    def worst_relative(self) -> ScenarioOutcome:
        """The scenario where the portfolio trails the benchmark most."""
        return min(self.outcomes, key=lambda o: o.relative_performance)

    @property
    def breaches(self) -> tuple[str, ...]:
        """Names of the scenarios whose portfolio path drawdown exceeds the drawdown tolerance."""
        return tuple(o.name for o in self.outcomes if o.breaches_drawdown_tolerance)

    def summary_frame(self) -> pd.DataFrame:
        """One row per scenario (index: name); returns and path drawdowns decimal (negative = a
        fall), P&L in currency."""
        rows = [
            {
                "scenario_name": o.name,
                "scenario_kind": o.kind.value,
                "portfolio_return": o.portfolio_return,
                "benchmark_return": o.benchmark_return,
                "relative_performance": o.relative_performance,
                "portfolio_pnl": o.portfolio_pnl,
                "benchmark_pnl": o.benchmark_pnl,
                "portfolio_path_drawdown": o.path_drawdown,
                "benchmark_path_drawdown": o.benchmark_path_drawdown,
                "breaches_drawdown_tolerance": o.breaches_drawdown_tolerance,
            }
            for o in self.outcomes
        ]
        return pd.DataFrame(rows).set_index("scenario_name")

    def shocks_frame(self) -> pd.DataFrame:
        """Index tickers, columns scenario names: the shock applied (decimal)."""
        return pd.DataFrame({o.name: o.shocks for o in self.outcomes})

    def contributions_frame(self, *, benchmark: bool = False) -> pd.DataFrame:
        """Index tickers, columns scenario names: contribution to the return (decimal)."""
        return pd.DataFrame(
            {
                o.name: (o.benchmark_contributions if benchmark else o.contributions)
                for o in self.outcomes
            }
        )

    def class_contributions_frame(self, *, benchmark: bool = False) -> pd.DataFrame:
        """Index asset classes, columns scenario names: contribution to the return (decimal)."""
        return pd.DataFrame(
            {
                o.name: (o.benchmark_class_contributions if benchmark else o.class_contributions)
                for o in self.outcomes
            }
        )


def _weights(values: pd.Series, label: str) -> pd.Series:
    series = pd.Series(values, dtype=float)
    bad = [str(t) for t, v in series.items() if not math.isfinite(v)]
    if bad:
        raise DataError(
            f"The {label} weights of {', '.join(bad)} are missing or not finite: enter a number."
        )
    return series


def run_stress(
    weights: pd.Series,
    benchmark: pd.Series,
    scenarios: Iterable[Scenario],
    *,
    asset_classes: Mapping[str, str],
    portfolio_value: float,
    drawdown_tolerance: float,
    profile_name: str = "",
) -> StressResult:
    """Apply every scenario to the portfolio and the benchmark.

    Parameters
    ----------
    weights, benchmark : Series indexed by ticker, decimal fractions of value; a ticker absent
        from one of them has weight 0 there.
    scenarios : :class:`Scenario` objects with unique names; their tickers must be in ``asset_classes``.
    asset_classes : ``{ticker: asset class}`` for every ticker (the universe); its order sets the
        row order of the results.
    portfolio_value : currency amount the dollar P&L is computed on (> 0).
    drawdown_tolerance : the IPS maximum drawdown as a positive fraction (0.25 = 25%).

    Raises
    ------
    ScenarioError
        A scenario has an unknown ticker, or no shock for an ETF the portfolio or benchmark holds.
    DataError
        Non-finite weights, a ticker with no asset class, a bad value or tolerance.
    """
    scenarios = tuple(scenarios)
    if not scenarios:
        raise ScenarioError("No scenarios to run: add at least one.")
    check_unique_names(scenarios)
    if not (math.isfinite(portfolio_value) and portfolio_value > 0):
        raise DataError(f"The portfolio value {portfolio_value!r} must be a positive amount.")
    if not (math.isfinite(drawdown_tolerance) and 0 < drawdown_tolerance <= 1):
        raise DataError(
            f"The drawdown tolerance {drawdown_tolerance!r} must be a fraction in (0, 1], e.g. 0.25."
        )
    port = _weights(weights, "portfolio")
    bench = _weights(benchmark, "benchmark")
    universe = list(asset_classes)
    unclassified = [str(t) for t in list(port.index) + list(bench.index) if t not in asset_classes]
    if unclassified:
        raise DataError(
            f"No asset class for {', '.join(dict.fromkeys(unclassified))}: add it to the universe."
        )
    tickers = [t for t in universe if t in port.index or t in bench.index]
    port = port.reindex(tickers, fill_value=0.0)
    bench = bench.reindex(tickers, fill_value=0.0)
    classes = pd.Series({t: asset_classes[t] for t in tickers}, dtype=object)
    held = [t for t in tickers if port[t] != 0 or bench[t] != 0]

    outcomes = []
    for scenario in scenarios:
        check_tickers(scenario, universe)
        missing = [t for t in held if t not in scenario.shocks]
        if missing:
            raise ScenarioError(
                f"Scenario {scenario.name!r} has no shock for {', '.join(missing)}, which the "
                "portfolio or benchmark holds: enter one (0 for unchanged)."
            )
        shocks = pd.Series({t: scenario.shocks.get(t, np.nan) for t in tickers}, dtype=float)
        outcomes.append(
            ScenarioOutcome(
                scenario=scenario,
                shocks=shocks,
                weights=port,
                benchmark_weights=bench,
                asset_classes=classes,
                portfolio_value=float(portfolio_value),
                drawdown_tolerance=float(drawdown_tolerance),
            )
        )
    return StressResult(
        outcomes=tuple(outcomes),
        portfolio_value=float(portfolio_value),
        drawdown_tolerance=float(drawdown_tolerance),
        profile_name=profile_name,
    )


def stress_analysis(
    result: AnalysisResult, custom: Sequence[Scenario] = (), *, include_conditional: bool = True
) -> StressResult:
    """Stress the recommended portfolio of an analysis against its benchmark.

    Runs the bundled hypothetical and historical scenarios, the bundled conditional ones
    propagated through the analysis covariance (``result.inputs.covariance``, annualized; the
    betas are scale-free), then ``custom``. Value and tolerance come from the analysis settings
    and the IPS profile. An ETF of the universe that a built-in scenario does not cover (one
    added by the user) gets its asset class representative's shock there, with a note
    (:mod:`core.stress.defaults`).
    """
    from core.stress.conditional import covariance_frame
    from core.stress.defaults import cover_universe
    from core.stress.library import bundled_scenarios

    universe = result.universe
    covariance = (
        covariance_frame(result.inputs.covariance, result.inputs.tickers)
        if include_conditional
        else None
    )
    # An ETF added to the universe takes its class representative's shock in the built-in
    # scenarios, stated in a note (core.stress.defaults), rather than stopping the stress test.
    scenarios = cover_universe(bundled_scenarios(covariance), universe) + tuple(custom)
    return run_stress(
        result.recommended.weights,
        result.benchmark_weights,
        scenarios,
        asset_classes={t: universe.asset_class_of(t) for t in universe.tickers},
        portfolio_value=result.settings.portfolio_value,
        drawdown_tolerance=result.profile.max_drawdown,
        profile_name=result.profile.name,
    )
