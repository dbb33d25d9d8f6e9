"""Text-heavy sheets of the committee workbook: Methodology, Data Provenance, IPS Profile.

The Methodology sheet states every convention the numbers follow, taken from the code that
computes them (metric conventions from :data:`core.analytics.summary.CONVENTIONS`, estimators
from ``result.inputs.describe()``, the selection rule from the result, the stress formula and
breach rule, thresholds of the committee notes), so it cannot drift from what was computed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from core import DISCLAIMER, __version__
from core.report.workbook_style import (
    PERCENT,
    RATIO,
    finish_table,
    fit_row_heights,
    write_table,
    write_value,
)

if TYPE_CHECKING:
    from core.analytics.risk_report import RiskReport
    from core.pipeline import AnalysisResult
    from core.stress.engine import StressResult


def methodology_frame(
    results: Sequence[AnalysisResult],
    risk_reports: Sequence[RiskReport],
    stress_results: Sequence[StressResult],
    plans: Mapping[str, Any],
) -> pd.DataFrame:
    """Rows ``section, item, description`` (module docstring)."""
    from core.analytics import risk_contribution as rc
    from core.analytics.summary import CONVENTIONS, PerformanceMetrics
    from core.policy.validation import TOLERANCE
    from core.report.insights import BIND_TOLERANCE, NEAR_LIMIT

    first, risk = results[0], risk_reports[0]
    prov = first.dataset.provenance
    rows: list[tuple[str, str, str]] = [
        (
            "Purpose",
            "Application",
            f"IPS Allocation Studio {__version__}: turns an Investment Policy Statement "
            "into a constrained multi-asset ETF allocation and explains it.",
        ),
        ("Purpose", "Disclaimer", DISCLAIMER),
        ("Data", "Mode", f"{prov.mode.value}: {prov.source}"),
        (
            "Data",
            "Sample",
            f"{prov.start} to {prov.end}, {prov.months} monthly simple total returns (month-end, "
            "decimal). Estimation and evaluation use the same sample: no out-of-sample claim.",
        ),
    ]
    from core.optimize.estimation import DEFAULT_ESTIMATORS_REASON

    for r in results:
        rows.append(("Estimation", r.profile.name, r.inputs.describe()))
        rows += [("Estimation", r.profile.name, line) for line in r.inputs.input_lines()]
    rows.append(("Estimation", "Default", DEFAULT_ESTIMATORS_REASON))
    rows.append(("Selection", "Rule", first.selection_rule))
    for r in results:
        rows.append(("Selection", r.profile.name, r.selection_reason))
        for c in r.candidates:
            rows.append(("Candidates", f"{r.profile.name}: {c.name}", c.candidate.method))
        for name, why in r.failed_strategies.items():
            rows.append(("Candidates", f"{r.profile.name}: {name}", f"not built: {why}"))
    rows.append(
        (
            "Validation",
            "Tolerance",
            f"A rule passes when its slack is at least -{TOLERANCE:g} "
            "(weights and returns in decimals).",
        )
    )
    rows.append(
        (
            "Validation",
            "Risk rules",
            "Volatility target: ex-ante annualized volatility from the "
            "covariance estimate in use. Drawdown tolerance: historical maximum drawdown of the monthly "
            "wealth path over the sample.",
        )
    )
    from core.report.margin_tables import MARGIN_NOTE

    rows.append(("Validation", "Margins", MARGIN_NOTE))
    for spec in PerformanceMetrics.specs(first.settings.var_level):
        rows.append(("Metrics", spec.label, CONVENTIONS[spec.name]))
    rows.append(
        (
            "Metrics",
            "Risk-free rate",
            "The dataset's monthly risk-free series (the cash proxy); 0% if the dataset has none."
            if first.dataset.risk_free is not None
            else "0% (no risk-free series).",
        )
    )
    rows += [
        (
            "Risk contribution",
            "Decomposition",
            "Euler decomposition of ex-ante volatility sqrt(w'Sw) with the "
            "annualized analysis covariance: marginal (Sw)_i / sigma, component w_i x marginal, percent component / "
            "sigma (sums to 100%). Active risk: the same decomposition of w - w_benchmark (tracking error).",
        ),
        (
            "Risk contribution",
            "Concentration rule",
            f"Concentrated when the top {rc.TOP_ETFS} ETFs carry more than {rc.TOP_ETF_RISK_LIMIT:.0%} of risk, or "
            f"one asset class carries more than {rc.CLASS_RISK_LIMIT:.0%} of risk with less than "
            f"{rc.CLASS_WEIGHT_CEILING:.0%} of the weight.",
        ),
        (
            "Risk contribution",
            "Diversification",
            "Diversification ratio w'sigma_i / sigma_p; effective number "
            "of bets exp(entropy of |percent contributions|).",
        ),
        (
            "Rolling risk",
            "Window",
            f"{risk.window}-month rolling windows, same conventions as the full-sample metrics.",
        ),
        (
            "Efficient frontier",
            "Method",
            f"{len(risk.frontier.target_returns)} points of the true constrained "
            "frontier: minimum variance subject to a return floor and every policy constraint (QP, DAQP).",
        ),
    ]
    for scope, regressions in (
        ("Portfolio", risk.factors.portfolio),
        ("Benchmark", risk.factors.benchmark),
    ):
        for reg in regressions:
            rows.append(
                (
                    "Factors",
                    f"{scope}: {reg.label}",
                    f"OLS of monthly excess returns on {', '.join(reg.terms[1:])}; Newey-West (HAC) standard "
                    f"errors with {reg.lags} lags; {reg.observations} months; alpha monthly (annualized x12).",
                )
            )
    for factor, source in risk.factors.sources.items():
        rows.append(("Factors", f"Source of {factor}", source))
    stress = stress_results[0]
    rows += [
        (
            "Stress tests",
            "Formula",
            "Start to end, no rebalancing: ETF contribution = weight x shock; portfolio "
            "return = sum of contributions; P&L = return x portfolio value; relative = portfolio - benchmark return.",
        ),
        (
            "Stress tests",
            "Path drawdown",
            "Historical replays start at the pre-crisis month-end peak and are also replayed month by "
            "month with the weights rebalanced each month: the path drawdown is the deepest fall from a "
            "running peak of that path (W_0 = 1). A one-period scenario's path drawdown is its loss.",
        ),
        (
            "Stress tests",
            "Breach rule",
            f"A scenario breaches when the portfolio's path drawdown is below minus the IPS "
            f"drawdown tolerance ({stress.drawdown_tolerance:.2%} for {first.profile.name}), a "
            "peak-to-trough limit compared with a peak-to-trough fall.",
        ),
    ]
    for o in stress.outcomes:
        rows.append(
            (
                "Stress scenarios",
                f"{o.name} ({o.kind.value})",
                "; ".join(
                    x for x in (o.scenario.description, o.scenario.period, o.scenario.source) if x
                ),
            )
        )
    for name, plan in plans.items():
        rows.append(
            (
                "Rebalancing",
                name,
                f"Method {plan.method.value}; whole shares {plan.whole_shares}; "
                f"minimum trade {plan.min_trade_value:,.0f}; cash buffer {plan.cash_buffer:,.0f}; "
                "cash-balanced trades from a mixed-integer program; costs paid from cash.",
            )
        )
    rows += [
        (
            "Committee notes",
            "Binding",
            f"A weight is at a limit within {BIND_TOLERANCE * 100:g} pp of it.",
        ),
        (
            "Committee notes",
            "Near a limit",
            f"A risk figure within {NEAR_LIMIT * 100:g} pp of its IPS limit is "
            "flagged REVIEW even when the rule passes.",
        ),
        (
            "Report",
            "Text cells",
            "Text beginning with =, +, - or @ is stored as text, never as a formula "
            "(apostrophe-prefixed in the CSV files).",
        ),
    ]
    return pd.DataFrame(rows, columns=["section", "item", "description"])


def provenance_frames(
    result: AnalysisResult, risk: RiskReport
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(``field, value`` rows of the dataset's provenance, one row per ETF with its source)."""
    prov = result.dataset.provenance
    info = [
        ("Mode", prov.mode.value),
        ("Source", prov.source),
        ("Start", prov.start),
        ("End", prov.end),
        ("Monthly returns", prov.months),
        ("Returns SHA-256", prov.returns_sha256),
        ("Input file SHA-256", prov.input_sha256 or ""),
        ("Seed", "" if prov.seed is None else prov.seed),
        ("Fetched at (UTC)", prov.fetched_at or ""),
        ("Dropped months", ", ".join(prov.dropped_months) or "none"),
        (
            "Risk-free series",
            "present" if result.dataset.risk_free is not None else "none (0% used)",
        ),
        (
            "Factor series",
            ", ".join(result.dataset.factors.columns)
            if result.dataset.factors is not None
            else "none in the dataset (built from ETF returns)",
        ),
    ]
    info += [(f"Note {i}", note) for i, note in enumerate(prov.notes, start=1)]
    info += [(f"Factor {k}", v) for k, v in risk.factors.sources.items()]
    universe = result.universe
    assets = pd.DataFrame(
        [
            {
                "ticker": a.ticker,
                "source": prov.asset_sources.get(a.ticker, ""),
                "asset_class": a.asset_class,
                "name": a.name,
            }
            for a in universe.assets
        ]
    )
    return pd.DataFrame(info, columns=["field", "value"]), assets


def write_text_table(
    ws: Any, frame: pd.DataFrame, *, widths: Mapping[str, int], first_row: int = 1
) -> int:
    """A table of mostly text: fixed column widths, wrapped cells; returns the last row."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    last_row, _ = write_table(ws, frame, first_row=first_row)
    for j, column in enumerate(frame.columns, start=1):
        ws.column_dimensions[get_column_letter(j)].width = widths.get(str(column), 20)
    for row in ws.iter_rows(min_row=first_row + 1, max_row=last_row):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
    fit_row_heights(ws, first_row=first_row + 1)
    if first_row == 1:
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{last_row}"
    ws.sheet_view.showGridLines = False
    return last_row


def write_provenance(ws: Any, result: AnalysisResult, risk: RiskReport) -> None:
    """The Data Provenance sheet: dataset fields, then the source of every ETF's returns."""
    info, assets = provenance_frames(result, risk)
    last = write_text_table(ws, info, widths={"field": 26, "value": 100})
    write_text_table(
        ws,
        assets,
        widths={"ticker": 26, "source": 100, "asset_class": 16, "name": 44},
        first_row=last + 3,
    )


def write_profile(ws: Any, results: Sequence[AnalysisResult]) -> None:
    """The IPS Profile sheet: one row per policy field, one column per profile."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from core.report.sheet_data import ips_profile_frame

    frame, kinds = ips_profile_frame(results)
    formats = {"percent": PERCENT, "ratio": RATIO, "years": "0.0"}
    write_table(ws, frame)
    for i, kind in enumerate(kinds, start=2):
        ws.cell(row=i, column=1).font = Font(bold=True)
        for j in range(2, len(frame.columns) + 1):
            cell = ws.cell(row=i, column=j)
            write_value(ws, i, j, frame.iat[i - 2, j - 1], formats.get(kind or ""))
            cell.alignment = Alignment(
                wrap_text=True, vertical="top", horizontal="left" if kind is None else "right"
            )
    ws.column_dimensions["A"].width = 36
    for j in range(2, len(frame.columns) + 1):
        ws.column_dimensions[get_column_letter(j)].width = 40
    fit_row_heights(ws, first_row=2)
    ws.freeze_panes = "B2"
    ws.sheet_view.showGridLines = False


def write_frame_sheet(
    ws: Any, frame: pd.DataFrame, *, formats: dict[str, str | None] | None = None
) -> None:
    """A tabulated sheet: header in row 1, styled, frozen, filtered, sized, conditionally filled."""
    write_table(ws, frame, formats=formats)
    finish_table(ws, frame)
