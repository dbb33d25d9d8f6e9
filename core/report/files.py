"""Write an analysis (one or several profiles on one dataset) as CSV and JSON files.

Files: ``recommended_allocation.csv``, ``portfolio_weights.csv`` (every candidate),
``portfolio_risk_summary.csv`` (every candidate plus the benchmark),
``constraints_validation.csv``, ``monthly_returns.csv`` (the exact inputs used),
``data_provenance.json``; the risk files ``risk_contribution_summary.csv``,
``factor_exposure_summary.csv``, ``equity_sleeve_factor_summary.csv``,
``rolling_risk_metrics.csv``, ``efficient_frontier.csv``; ``stress_test_results.csv``; and, when
the Outlook was computed, ``monte_carlo_summary.csv`` and ``reverse_stress.csv``; when the
walk-forward ran, ``walk_forward_results.csv`` (one row per rule and holding period). Several profiles are stacked in the same files with a
``profile_name`` column. Every file carries the data mode.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from core import DISCLAIMER, __version__
from core.pipeline import AnalysisResult
from core.report import tables
from core.report.sanitize import sanitize_frame

if TYPE_CHECKING:
    from core.analytics.risk_report import RiskReport
    from core.backtest.results import WalkForwardResult
    from core.outlook.analysis import AnalysisOutlook
    from core.stress.engine import StressResult

CSV_FLOAT_FORMAT = "%.10g"
MONTE_CARLO_CSV = "monte_carlo_summary.csv"
REVERSE_STRESS_CSV = "reverse_stress.csv"


def with_data_mode(frame: pd.DataFrame, mode: str) -> pd.DataFrame:
    """``frame`` with the ``data_mode`` column first, as the CSV holds it (and the workbook sheet)."""
    out = frame.copy()
    if "data_mode" not in out.columns:
        out.insert(0, "data_mode", mode)
    return out


def _write_csv(frame: pd.DataFrame, path: Path, mode: str) -> None:
    # Text that starts with = + - @ is escaped so a spreadsheet never runs it as a formula.
    out = sanitize_frame(with_data_mode(frame, mode))
    out.to_csv(path, index=False, float_format=CSV_FLOAT_FORMAT, lineterminator="\n")


def write_analysis_files(
    results: Sequence[AnalysisResult],
    folder: Path,
    *,
    risk_reports: Sequence[RiskReport] | None = None,
    stress_results: Sequence[StressResult] | None = None,
    outlooks: Sequence[AnalysisOutlook] = (),
    walk_forwards: Sequence[WalkForwardResult] = (),
) -> list[Path]:
    """Write the files of the module docstring into ``folder``; returns their paths.

    ``risk_reports`` and ``stress_results`` (one per result, same order) are computed here
    when not given; the report package passes its own so the workbook shows the same objects.
    """
    if not results:
        raise ValueError("write_analysis_files needs at least one analysis result")
    dataset = results[0].dataset
    mode = dataset.mode.value
    written: list[Path] = []

    def stack(builder: object) -> pd.DataFrame:
        return pd.concat([builder(r) for r in results], ignore_index=True)  # type: ignore[operator]

    for name, builder in [
        ("recommended_allocation.csv", tables.recommended_allocation),
        ("portfolio_weights.csv", tables.portfolio_weights),
        ("portfolio_risk_summary.csv", tables.risk_summary),
        ("constraints_validation.csv", tables.constraints_validation),
    ]:
        path = folder / name
        _write_csv(stack(builder), path, mode)
        written.append(path)

    # --- Risk analytics (issue 3): one RiskReport per profile, five stacked CSVs ---
    from core.analytics.risk_report import build_risk_report
    from core.report.risk_tables import RISK_TABLES

    if risk_reports is None:
        risk_reports = [build_risk_report(r) for r in results]
    for name, risk_builder in RISK_TABLES.items():
        path = folder / name
        _write_csv(
            pd.concat([risk_builder(rep) for rep in risk_reports], ignore_index=True), path, mode
        )
        written.append(path)
    # --- end of risk analytics ---

    from core.report.stress_tables import stacked_stress_test_results
    from core.stress.engine import stress_analysis

    path = folder / "stress_test_results.csv"
    if stress_results is None:
        stress_results = [stress_analysis(r) for r in results]
    _write_csv(stacked_stress_test_results(stress_results), path, mode)
    written.append(path)

    if outlooks:
        for name, frames in (
            (MONTE_CARLO_CSV, [o.summary_frame() for o in outlooks]),
            (REVERSE_STRESS_CSV, [o.reverse_frame() for o in outlooks]),
        ):
            path = folder / name
            _write_csv(pd.concat(frames, ignore_index=True), path, mode)
            written.append(path)

    if walk_forwards:
        from core.report.walk_forward_tables import WALK_FORWARD_CSV, walk_forward_periods

        path = folder / WALK_FORWARD_CSV
        _write_csv(walk_forward_periods(walk_forwards), path, mode)
        written.append(path)

    returns = dataset.returns.copy()
    returns.index.name = "date"
    path = folder / "monthly_returns.csv"
    returns.to_csv(path, float_format=CSV_FLOAT_FORMAT, date_format="%Y-%m-%d", lineterminator="\n")
    written.append(path)

    provenance = {
        "application": f"IPS Allocation Studio {__version__}",
        "disclaimer": DISCLAIMER,
        "data": dataset.provenance.to_dict(),
        "return_convention": "monthly simple total returns, month-end, decimal",
        "profiles": [r.profile.name for r in results],
        "estimation": {r.profile.name: r.inputs.describe() for r in results},
        "recommended": {r.profile.name: r.recommended_name for r in results},
        "selection_rule": results[0].selection_rule,
    }
    path = folder / "data_provenance.json"
    path.write_text(json.dumps(provenance, indent=2) + "\n", encoding="utf-8")
    written.append(path)
    return written
