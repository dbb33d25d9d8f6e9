"""Results of the walk-forward test: figures per rule, periods, and their tables."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.analytics import metrics
from core.analytics.summary import MetricKind
from core.backtest.settings import (
    BENCHMARK_RULE,
    RECOMMENDATION_RULE,
    RuleKind,
    WalkForwardSettings,
)


@dataclass(frozen=True)
class Figures:
    """Performance of one monthly return series (module docstring for the conventions)."""

    annualized_return: float
    volatility: float
    sharpe_ratio: float
    max_drawdown: float
    tracking_error: float
    turnover: float
    cost: float
    months: int

    @classmethod
    def of(
        cls,
        returns: pd.Series,
        risk_free: pd.Series | float,
        benchmark: pd.Series,
        *,
        turnover: float = math.nan,
        cost: float = math.nan,
    ) -> Figures:
        """``turnover`` and ``cost`` are totals over the series; they are divided by its years."""
        years = len(returns) / 12.0
        return cls(
            annualized_return=metrics.annualized_return(returns),
            volatility=metrics.annualized_volatility(returns),
            sharpe_ratio=metrics.sharpe_ratio(returns, risk_free),
            max_drawdown=metrics.max_drawdown(returns),
            tracking_error=metrics.tracking_error(returns, benchmark),
            turnover=turnover / years,
            cost=cost / years,
            months=len(returns),
        )


@dataclass(frozen=True)
class Period:
    """One rule between two decisions: the weights chosen at ``decided`` (the last month of the
    estimation window, which starts at ``window_start``) and held from ``start`` to ``end``."""

    decided: pd.Timestamp
    window_start: pd.Timestamp
    start: pd.Timestamp
    end: pd.Timestamp
    weights: np.ndarray
    turnover: float
    cost: float
    net_return: float
    note: str = ""


@dataclass(frozen=True)
class RuleOutcome:
    """A rule's out-of-sample record and its in-sample figures (None when it has none)."""

    rule: str
    kind: RuleKind
    periods: tuple[Period, ...]
    returns: pd.Series
    out_of_sample: Figures
    in_sample: Figures | None


COMPARISON_ROWS: tuple[tuple[str, str, MetricKind], ...] = (
    ("Annualized return", "annualized_return", MetricKind.PERCENT),
    ("Volatility", "volatility", MetricKind.PERCENT),
    ("Sharpe ratio", "sharpe_ratio", MetricKind.RATIO),
    ("Max drawdown", "max_drawdown", MetricKind.PERCENT),
    ("Tracking error", "tracking_error", MetricKind.PERCENT),
)
"""(label, :class:`Figures` attribute, format) of the in-sample vs out-of-sample table."""


@dataclass(frozen=True)
class WalkForwardResult:
    profile_name: str
    settings: WalkForwardSettings
    tickers: tuple[str, ...]
    rules: tuple[RuleOutcome, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def rule(self, name: str) -> RuleOutcome:
        for outcome in self.rules:
            if outcome.rule == name:
                return outcome
        raise KeyError(name)

    @property
    def decisions(self) -> int:
        return len(self.rules[0].periods)

    def describe(self) -> str:
        first = self.rules[0]
        return (
            f"{self.settings.describe()} {self.decisions} decisions; out of sample "
            f"{first.returns.index[0]:%b %Y} to {first.returns.index[-1]:%b %Y} "
            f"({first.out_of_sample.months} months)."
        )

    def summary_frame(self) -> pd.DataFrame:
        """One row per rule: in-sample and out-of-sample figures side by side (decimals)."""
        rows = []
        for outcome in self.rules:
            row: dict[str, object] = {
                "profile_name": self.profile_name,
                "rule": outcome.rule,
                "kind": outcome.kind.value,
            }
            for label, figures in (
                ("in_sample", outcome.in_sample),
                ("oos", outcome.out_of_sample),
            ):
                for key in (
                    "annualized_return",
                    "volatility",
                    "sharpe_ratio",
                    "max_drawdown",
                    "tracking_error",
                    *(("turnover",) if label == "oos" else ()),
                ):
                    row[f"{label}_{key}"] = getattr(figures, key) if figures else math.nan
            row["oos_cost"] = outcome.out_of_sample.cost
            row["oos_months"] = outcome.out_of_sample.months
            rows.append(row)
        return pd.DataFrame(rows)

    def comparison_frame(self) -> tuple[pd.DataFrame, list[MetricKind]]:
        """Rows: each figure in sample then out of sample (then turnover and cost a year, out of
        sample); columns: the selection rule, the benchmark, then the candidate rules. Returns
        the frame and each row's format."""
        rows: dict[str, dict[str, float]] = {}
        kinds: list[MetricKind] = []
        for label, key, kind in COMPARISON_ROWS:
            for where, pick in (("in sample", "in_sample"), ("out of sample", "out_of_sample")):
                rows[f"{label}, {where}"] = {
                    o.rule: getattr(getattr(o, pick), key) if getattr(o, pick) else math.nan
                    for o in self.rules
                }
                kinds.append(kind)
        for label, key in (("Turnover a year", "turnover"), ("Trading cost a year", "cost")):
            rows[f"{label}, out of sample"] = {
                o.rule: getattr(o.out_of_sample, key) for o in self.rules
            }
            kinds.append(MetricKind.PERCENT)
        frame = pd.DataFrame(rows).T
        first = [r for r in (RECOMMENDATION_RULE, BENCHMARK_RULE) if r in frame.columns]
        return frame[first + [c for c in frame.columns if c not in first]], kinds

    def periods_frame(self) -> pd.DataFrame:
        """One row per rule and holding period (``walk_forward_results.csv``); weights by ticker."""
        rows = []
        for outcome in self.rules:
            for p in outcome.periods:
                row: dict[str, object] = {
                    "profile_name": self.profile_name,
                    "rule": outcome.rule,
                    "decision_date": p.decided.date().isoformat(),
                    "window_start": p.window_start.date().isoformat(),
                    "hold_start": p.start.date().isoformat(),
                    "hold_end": p.end.date().isoformat(),
                    "period_return_net": p.net_return,
                    "turnover": p.turnover,
                    "cost": p.cost,
                    "note": p.note,
                }
                row.update(
                    {f"w_{t}": float(w) for t, w in zip(self.tickers, p.weights, strict=True)}
                )
                rows.append(row)
        return pd.DataFrame(rows)
