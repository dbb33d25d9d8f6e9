"""Read-only tables of the Outlook tab: the answers across portfolios, and the reverse-stress
move of the stress drivers for the recommended portfolio."""

from __future__ import annotations

import pandas as pd

from app.kit import formatting as fmt
from app.kit.dataframe_model import ColumnSpec
from core.outlook.answers import OutlookResult
from core.outlook.reverse_stress import ReverseStress, format_move
from core.stress.driver_moves import LABELS


def answers_frame(result: OutlookResult) -> pd.DataFrame:
    """One row per portfolio; decimals, wealth in multiples of the starting assets."""
    return pd.DataFrame(
        {
            "portfolio": [p.name for p in result.portfolios],
            "objective": [p.prob_objective for p in result.portfolios],
            "breach": [p.prob_drawdown_breach for p in result.portfolios],
            "shortfall": [p.prob_shortfall for p in result.portfolios],
            **{
                f"p{q}": [p.terminal_percentiles[q] for p in result.portfolios] for q in (5, 50, 95)
            },
            "expected_shortfall": [p.expected_shortfall for p in result.portfolios],
            "median_drawdown": [p.drawdown_percentiles[50] for p in result.portfolios],
            "p95_drawdown": [p.drawdown_percentiles[95] for p in result.portfolios],
            "safe_rate": [p.safe_spending_rate for p in result.portfolios],
        }
    )


def answers_specs(result: OutlookResult) -> list[ColumnSpec]:
    policy = result.policy
    wealth = "Terminal wealth, multiple of the starting assets, after cash flows"
    return [
        ColumnSpec("portfolio", "Portfolio"),
        ColumnSpec(
            "objective",
            "P(meet objective)",
            fmt.PERCENT,
            tooltip=f"Share of paths whose annualized return over the horizon is at least "
            f"{policy.return_objective:.2%} a year (nominal, time-weighted"
            + (f"; {policy.objective_description}" if policy.objective_description else "")
            + ")",
        ),
        ColumnSpec(
            "breach",
            "P(drawdown breach)",
            fmt.PERCENT,
            tooltip=f"Share of paths whose drawdown exceeds the {policy.drawdown_tolerance:.0%} "
            "tolerance at least once",
        ),
        ColumnSpec(
            "shortfall",
            "P(liquidity shortfall)",
            fmt.PERCENT,
            tooltip="Share of paths on which spending could not be paid or wealth fell below the "
            f"liquidity reserve ({policy.reserve:.0%} of the starting assets)",
        ),
        ColumnSpec("p5", "Wealth p5", fmt.RATIO, tooltip=wealth),
        ColumnSpec("p50", "Wealth p50", fmt.RATIO, tooltip=wealth),
        ColumnSpec("p95", "Wealth p95", fmt.RATIO, tooltip=wealth),
        ColumnSpec(
            "expected_shortfall",
            "Shortfall vs objective",
            fmt.RATIO,
            tooltip="Average amount (x starting assets) by which terminal wealth falls short of "
            "the wealth earning exactly the objective, over the paths that fall short",
        ),
        ColumnSpec("median_drawdown", "Max DD p50", fmt.PERCENT, tooltip="Median maximum drawdown"),
        ColumnSpec("p95_drawdown", "Max DD p95", fmt.PERCENT, tooltip="95th percentile"),
        ColumnSpec(
            "safe_rate",
            "Safe spending (90%)",
            fmt.PERCENT,
            decimals=2,
            tooltip="Largest fixed amount a year, as a share of the starting assets, that 90% of "
            "paths could pay over the horizon without falling below the reserve",
        ),
    ]


def reverse_frame(reverse: ReverseStress) -> pd.DataFrame:
    """One row per stress driver: its move over a year (text, bp or percent), its annual
    standard deviation and its size in standard deviations."""
    drivers = reverse.drivers
    return pd.DataFrame(
        {
            "driver": [LABELS[d] for d in drivers.index],
            "move": [format_move(d, m) for d, m in drivers["move"].items()],
            "sd": [
                f"{v:.0f}bp" if d.in_basis_points else f"{v:.1%}"
                for d, v in drivers["standard_deviation"].items()
            ],
            "sds": drivers["standard_deviations"].to_numpy(),
        }
    )


REVERSE_SPECS = [
    ColumnSpec("driver", "Stress driver"),
    ColumnSpec(
        "move",
        "Move (1 year)",
        tooltip="Treasury yields and credit spreads in basis points, the others as returns",
    ),
    ColumnSpec(
        "sd",
        "Annual s.d.",
        tooltip="The driver's annual standard deviation, implied from the data set's ETF returns",
    ),
    ColumnSpec("sds", "Standard deviations", fmt.RATIO, tooltip="Move / annual s.d."),
]
