"""The Outlook in the report: the workbook's "Outlook" sheet data and the memo's Outlook part.

Built from :class:`core.outlook.analysis.AnalysisOutlook` (one per profile); the same objects
write ``monte_carlo_summary.csv`` and ``reverse_stress.csv`` (:mod:`core.report.files`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from core.outlook.analysis import AnalysisOutlook
from core.outlook.answers import PortfolioOutlook
from core.outlook.holdings import CURRENT_HOLDINGS
from core.outlook.reverse_stress import ReverseStress, format_move
from core.outlook.simulation import FAN_PERCENTILES
from core.stress.driver_moves import LABELS

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
    names = [p.name for p in result.portfolios]
    lines = [
        "### Outlook over the horizon",
        "",
        f"{settings.describe()}; {policy.cash_flows.describe()}; liquidity reserve "
        f"{policy.reserve:.0%} of the starting assets. Wealth starts at 1.00 (the starting assets); "
        "each portfolio is rebalanced monthly on the same paths; the return objective "
        f"({policy.objective_description or 'nominal'}: {policy.return_objective:.2%} a year "
        "nominal, an inflation-plus objective compounded as (1 + inflation)(1 + x) - 1) is met "
        "on a path whose annualized nominal return over the horizon reaches it; drawdowns are "
        "measured on the return index.",
        "",
        outlook.holdings_note,
        "",
    ]
    shown = [("Recommended", top)]
    if CURRENT_HOLDINGS in names:
        shown.append((CURRENT_HOLDINGS, result.portfolio(CURRENT_HOLDINGS)))
    shown.append(("Benchmark", bench))

    def row(label: str, cell: Callable[[PortfolioOutlook], str]) -> str:
        return f"| {label} | " + " | ".join(cell(p) for _, p in shown) + " |"

    lines += [
        "| | " + " | ".join(title for title, _ in shown) + " |",
        "|---|" + "---:|" * len(shown),
        row(f"P(earn {policy.return_objective:.2%} a year)", lambda p: f"{p.prob_objective:.1%}"),
        row(
            f"P(drawdown beyond {policy.drawdown_tolerance:.0%})",
            lambda p: f"{p.prob_drawdown_breach:.1%}",
        ),
        row("P(liquidity shortfall)", lambda p: f"{p.prob_shortfall:.1%}"),
        row(
            "Terminal wealth, 5th / 50th / 95th percentile",
            lambda p: (
                f"{p.terminal_percentiles[5]:.2f} / {p.terminal_percentiles[50]:.2f} / "
                f"{p.terminal_percentiles[95]:.2f}"
            ),
        ),
        row(
            "Safe spending at 90% (of starting assets a year)",
            lambda p: f"{p.safe_spending_rate:.2%}",
        ),
        "",
    ]
    for reverse in outlook.reverse[:1]:
        lines += reverse_lines(reverse)
    return lines


def reverse_lines(reverse: ReverseStress) -> list[str]:
    """Markdown: the reverse stress in a sentence and its driver moves as a table."""
    window = (
        f" The worst {reverse.window_months}-month window of the portfolio in the data returned "
        f"{reverse.worst_window_return:+.1%} (to {reverse.worst_window_end:%b %Y})."
        if reverse.worst_window_end is not None
        else ""
    )
    convexity = (
        f" With the convexity of the bond funds the same move costs "
        f"{reverse.loss_with_convexity:.1%}."
        if np.isfinite(reverse.loss_with_convexity)
        and abs(reverse.loss_with_convexity - reverse.loss) > 5e-4
        else ""
    )
    lines = [
        f"Reverse stress (derived, not a scenario): the most plausible one-year move of the "
        f"stress drivers that costs {reverse.portfolio} its {reverse.tolerance:.0%} drawdown "
        f"tolerance is {reverse.distance:.2f} standard deviations away (about one year in "
        f"{reverse.one_in_years:,.0f} under a normal approximation); basis: {reverse.basis}, "
        f"{reverse.months} months.{convexity}{window}",
        "",
        "| Driver | Move (1 year) | Annual s.d. | Standard deviations |",
        "|---|---:|---:|---:|",
    ]
    for driver, row in reverse.drivers.iterrows():
        sd = (
            f"{row['standard_deviation']:.0f}bp"
            if driver.in_basis_points
            else f"{row['standard_deviation']:.1%}"
        )
        lines.append(
            f"| {LABELS[driver]} | {format_move(driver, row['move'])} | {sd} | "
            f"{row['standard_deviations']:+.1f} |"
        )
    return lines
