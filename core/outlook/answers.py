"""The committee's questions, answered from simulated paths (:mod:`core.outlook.simulation`).

Conventions: wealth in units of the starting assets (1 = the starting value); the return
objective is an annual nominal geometric rate, met on a path when the path's annualized
time-weighted return over the horizon is at least the objective; drawdowns are on the growth
index (spending is not a loss); probabilities are fractions of paths.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.outlook.simulation import (
    FAN_PERCENTILES,
    MONTHS_PER_YEAR,
    CashFlows,
    SimulatedPortfolio,
    SimulationSettings,
    wealth_from_growth,
)

SUCCESS_LEVEL = 0.90


@dataclass(frozen=True)
class OutlookPolicy:
    """What the IPS asks of the paths.

    return_objective : annual nominal return, decimal (0.07 = 7% a year).
    drawdown_tolerance : peak-to-trough loss, positive decimal (0.25 = 25%).
    cash_flows : the spending or contribution rule.
    reserve : liquidity reserve, a fraction of the starting assets wealth must not fall below.
    objective_description : how the IPS states the objective ("nominal" or "inflation 2.50% +
        4.00%"); ``return_objective`` is always the nominal rate it comes to.
    """

    return_objective: float
    drawdown_tolerance: float
    cash_flows: CashFlows = CashFlows()
    reserve: float = 0.0
    objective_description: str = ""

    def target_path(self, months: int) -> np.ndarray:
        """Wealth, shape (months + 1,), of a path earning exactly the objective every month with
        the same cash flows (column 0 is the start, 1)."""
        monthly = (1.0 + self.return_objective) ** (1.0 / MONTHS_PER_YEAR)
        growth = monthly ** np.arange(1, months + 1)[None, :]
        return np.concatenate([[1.0], wealth_from_growth(growth, self.cash_flows)[0]])

    def target_wealth(self, months: int) -> float:
        """Terminal wealth of :meth:`target_path` (the yardstick of the expected shortfall)."""
        return float(self.target_path(months)[-1])


@dataclass(frozen=True)
class PortfolioOutlook:
    """One portfolio's answers (fractions of paths; wealth in starting-asset units).

    prob_objective : P(annualized return over the horizon >= the return objective).
    prob_drawdown_breach : P(max drawdown > tolerance at least once on the path).
    prob_shortfall : P(spending could not be paid or wealth fell below the reserve).
    terminal_percentiles : {5, 25, 50, 75, 95: terminal wealth}.
    target_wealth : terminal wealth earning exactly the objective, with the same cash flows.
    expected_shortfall : mean of (target - terminal) over the paths ending below the target
        (0 when none does): how far short the paths that miss are, on average.
    drawdown_percentiles : {5, ..., 95: max drawdown}, positive decimals.
    safe_spending_rate : the largest fixed amount a year (fraction of starting assets, paid
        monthly) that at least 90% of paths could pay without falling below the reserve.
    """

    name: str
    prob_objective: float
    prob_drawdown_breach: float
    prob_shortfall: float
    terminal_percentiles: dict[int, float]
    target_wealth: float
    expected_shortfall: float
    drawdown_percentiles: dict[int, float]
    median_annualized_return: float
    safe_spending_rate: float
    simulated: SimulatedPortfolio

    @property
    def wealth_percentiles(self) -> np.ndarray:
        """Shape (5, months + 1): the fan chart's percentile paths."""
        return self.simulated.wealth_percentiles


def safe_rate(max_rates: np.ndarray, level: float = SUCCESS_LEVEL) -> float:
    """The largest rate ``c`` with ``mean(max_rates >= c) >= level``, shape (paths,) -> float."""
    ordered = np.sort(np.asarray(max_rates, dtype=float))
    n = len(ordered)
    keep = math.ceil(level * n - 1e-9)
    return float(ordered[n - keep]) if keep > 0 else float(ordered[-1])


def _percentiles(values: np.ndarray) -> dict[int, float]:
    found = np.percentile(values, FAN_PERCENTILES)
    return {q: float(v) for q, v in zip(FAN_PERCENTILES, found, strict=True)}


def portfolio_outlook(
    simulated: SimulatedPortfolio, policy: OutlookPolicy, months: int
) -> PortfolioOutlook:
    """Answer every question for one simulated portfolio."""
    terminal = simulated.terminal_wealth
    target = policy.target_wealth(months)
    below = terminal < target
    return PortfolioOutlook(
        name=simulated.name,
        prob_objective=float(np.mean(simulated.annualized_return >= policy.return_objective)),
        prob_drawdown_breach=float(np.mean(simulated.max_drawdown > policy.drawdown_tolerance)),
        prob_shortfall=float(np.mean(simulated.short)),
        terminal_percentiles=_percentiles(terminal),
        target_wealth=target,
        expected_shortfall=float(np.mean(target - terminal[below])) if below.any() else 0.0,
        drawdown_percentiles=_percentiles(simulated.max_drawdown),
        median_annualized_return=float(np.median(simulated.annualized_return)),
        safe_spending_rate=safe_rate(simulated.max_spending_rate),
        simulated=simulated,
    )


@dataclass(frozen=True)
class OutlookResult:
    """Every portfolio's answers, with the settings and policy that produced them."""

    settings: SimulationSettings
    policy: OutlookPolicy
    portfolios: tuple[PortfolioOutlook, ...]

    def portfolio(self, name: str) -> PortfolioOutlook:
        for p in self.portfolios:
            if p.name == name:
                return p
        raise KeyError(name)

    def summary_frame(self) -> pd.DataFrame:
        """One row per portfolio (index: name); decimals, wealth in starting-asset units; the
        paths, horizon, block length and seed repeated as columns (``monte_carlo_summary.csv``)."""
        rows = []
        for p in self.portfolios:
            row: dict[str, float | int | str] = {
                "prob_meet_objective": p.prob_objective,
                "prob_breach_drawdown_tolerance": p.prob_drawdown_breach,
                "prob_liquidity_shortfall": p.prob_shortfall,
            }
            row.update({f"terminal_wealth_p{q}": v for q, v in p.terminal_percentiles.items()})
            row.update(
                {
                    "target_wealth": p.target_wealth,
                    "expected_shortfall_below_target": p.expected_shortfall,
                    "median_max_drawdown": p.drawdown_percentiles[50],
                    "p95_max_drawdown": p.drawdown_percentiles[95],
                    "median_annualized_return": p.median_annualized_return,
                    "safe_spending_rate_90": p.safe_spending_rate,
                    "return_objective": self.policy.return_objective,
                    "return_objective_basis": self.policy.objective_description or "nominal",
                    "drawdown_tolerance": self.policy.drawdown_tolerance,
                    "cash_flows": self.policy.cash_flows.describe(),
                    "liquidity_reserve": self.policy.reserve,
                    "model": self.settings.model.value,
                    "paths": self.settings.paths,
                    "horizon_years": self.settings.horizon_years,
                    "block_length_months": self.settings.block_length,
                    "seed": self.settings.seed,
                }
            )
            rows.append(row)
        frame = pd.DataFrame(rows, index=[p.name for p in self.portfolios])
        frame.index.name = "portfolio"
        return frame


def outlook(
    simulated: tuple[SimulatedPortfolio, ...], policy: OutlookPolicy, settings: SimulationSettings
) -> OutlookResult:
    """Answers for every simulated portfolio."""
    return OutlookResult(
        settings=settings,
        policy=policy,
        portfolios=tuple(portfolio_outlook(s, policy, settings.months) for s in simulated),
    )
