"""The Outlook in the report: the workbook's "Outlook" sheet data and the memo's Outlook part.

Built from :class:`core.outlook.analysis.AnalysisOutlook` (one per profile); the same objects
write ``monte_carlo_summary.csv`` and ``reverse_stress.csv`` (:mod:`core.report.files`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from core.outlook.analysis import AnalysisOutlook
from core.outlook.simulation import FAN_PERCENTILES

OUTLOOK_SHEET = "Outlook"


def outlook_summary(outlooks: Sequence[AnalysisOutlook]) -> pd.DataFrame:
    """Every profile's ``summary_frame`` stacked (the CSV's rows)."""
    return pd.concat([o.summary_frame() for o in outlooks], ignore_index=True)


def fan_frame(outlook: AnalysisOutlook) -> pd.DataFrame:
    """The recommended portfolio's wealth percentiles once a year (columns ``year``,
    ``wealth_p5`` ... ``wealth_p95``, ``objective_wealth``), wealth in starting-asset units."""
    result = outlook.outlook
    answer = result.portfolios[0]
    months = result.settings.months
    rows = np.arange(0, months + 1, 12)
    if rows[-1] != months:
        rows = np.append(rows, months)
    target = result.policy.target_path(months)
    frame = pd.DataFrame({"year": rows / 12.0})
    for k, q in enumerate(FAN_PERCENTILES):
        frame[f"wealth_p{q}"] = answer.wealth_percentiles[k, rows]
    frame["objective_wealth"] = target[rows]
    return frame


def outlook_section(outlook: AnalysisOutlook) -> list[str]:
    """Markdown lines: the answers for the recommended portfolio and the benchmark, the
    convention, and the reverse stress."""
    result = outlook.outlook
    policy, settings = result.policy, result.settings
    top, bench = result.portfolios[0], result.portfolios[-1]
    lines = [
        "### Outlook over the horizon",
        "",
        f"{settings.describe()}; {policy.cash_flows.describe()}; liquidity reserve "
        f"{policy.reserve:.0%} of the starting assets. Wealth starts at 1.00 (the starting assets); "
        "returns are the data set's monthly returns resampled in blocks, each portfolio rebalanced "
        "monthly; the objective is an annualized nominal return over the horizon; drawdowns are "
        "measured on the return index.",
        "",
        "| | Recommended | Benchmark |",
        "|---|---:|---:|",
        f"| P(earn {policy.return_objective:.2%} a year) | {top.prob_objective:.1%} | "
        f"{bench.prob_objective:.1%} |",
        f"| P(drawdown beyond {policy.drawdown_tolerance:.0%}) | {top.prob_drawdown_breach:.1%} | "
        f"{bench.prob_drawdown_breach:.1%} |",
        f"| P(liquidity shortfall) | {top.prob_shortfall:.1%} | {bench.prob_shortfall:.1%} |",
        f"| Terminal wealth, 5th / 50th / 95th percentile | "
        f"{top.terminal_percentiles[5]:.2f} / {top.terminal_percentiles[50]:.2f} / "
        f"{top.terminal_percentiles[95]:.2f} | {bench.terminal_percentiles[5]:.2f} / "
        f"{bench.terminal_percentiles[50]:.2f} / {bench.terminal_percentiles[95]:.2f} |",
        f"| Safe spending at 90% (of starting assets a year) | {top.safe_spending_rate:.2%} | "
        f"{bench.safe_spending_rate:.2%} |",
        "",
    ]
    for reverse in outlook.reverse[:1]:
        moves = reverse.shocks.sort_values().head(3)
        named = ", ".join(
            f"{t} {moves[t]:+.0%} ({reverse.standard_deviations[t]:+.1f} sd)" for t in moves.index
        )
        window = (
            f" The worst {reverse.window_months}-month window in the data returned "
            f"{reverse.worst_window_return:+.1%} (to {reverse.worst_window_end:%b %Y})."
            if reverse.worst_window_end is not None
            else ""
        )
        lines += [
            f"Reverse stress: the most plausible one-year move that costs the "
            f"{reverse.tolerance:.0%} tolerance is {reverse.distance:.2f} standard deviations of the "
            f"portfolio away (basis: {reverse.basis}); its largest moves: {named}.{window}",
        ]
    return lines
