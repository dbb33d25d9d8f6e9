"""The whole committee report in one folder: CSVs, workbook, memo, charts, PDF and manifest.

:func:`prepare_report` computes what every output needs once (risk reports, stress results,
rebalancing plans); :func:`write_report_package` writes, into one folder (the staging folder of
:func:`core.report.publish.publish`), in this order:

1. the CSV and JSON files of :func:`core.report.files.write_analysis_files` (plus
   ``rebalancing_trades.csv`` when there is a plan);
2. ``charts/*.png`` from a chart writer or a folder of ready charts, when given;
3. ``investment_committee_report.xlsx`` (:mod:`core.report.workbook`);
4. ``investment_memo.md`` (:mod:`core.report.memo`) and, with a renderer, ``investment_memo.pdf``;
5. ``run_manifest.json`` last, hashing every file above (:mod:`core.report.manifest`).

This module is pure: the chart writer and the PDF renderer are passed in (the Qt ones live in
``app``), so the CLI and the window produce the same files.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import DataError
from core.jobs import CancelToken, ProgressCallback, no_progress
from core.rebalance.settings import TradeSettings
from core.report.memo import MEMO_NAME, build_memo
from core.report.sheet_data import (
    COMPLIANCE_CSV,
    REBALANCING_CSV,
    compliance_frame,
    rebalance_plans,
    rebalancing_frame,
)
from core.report.workbook import WORKBOOK_NAME, write_workbook

if TYPE_CHECKING:
    from core.analytics.risk_report import RiskReport
    from core.backtest.results import WalkForwardResult
    from core.backtest.settings import WalkForwardSettings
    from core.outlook.analysis import AnalysisOutlook
    from core.outlook.request import OutlookRequest
    from core.pipeline import AnalysisResult
    from core.rebalance.account import Holdings
    from core.robustness.pick_stability import PickStability
    from core.stress.engine import StressResult

PDF_NAME = "investment_memo.pdf"
CHARTS_DIR = "charts"

ChartWriter = Callable[..., Sequence[Path]]
"""``write_charts(results, risk_reports, stress_results, folder, *, plans[, outlooks]) -> paths``
(e.g. app.shell.chart_export); ``plans`` maps a profile name to its rebalancing plan;
``outlooks`` (passed when the report has an Outlook) are the Outlook of each profile."""
PdfRenderer = Callable[[str, Path, Path], Path]
"""``render(markdown, pdf_path, base_dir) -> pdf_path``; images resolve against ``base_dir``."""
Charts = ChartWriter | Path | None


@dataclass(frozen=True)
class ReportBundle:
    """Everything the outputs are built from, one entry per profile (the first is the selected one)."""

    results: tuple[AnalysisResult, ...]
    risk_reports: tuple[RiskReport, ...]
    stress_results: tuple[StressResult, ...]
    plans: dict[str, Any] = field(default_factory=dict)
    outlooks: tuple[AnalysisOutlook, ...] = ()
    pick_stability: tuple[PickStability, ...] = ()
    comparison: Any = None
    """A :class:`core.branches.table.PolicyComparison`: the Policy Comparison sheet and memo section."""
    decisions: Any = None
    """A :class:`core.decision.log.DecisionLog` with entries: the Decision Log sheet and memo appendix."""
    walk_forwards: tuple[WalkForwardResult, ...] = ()
    """The walk-forward test of every analysis (:mod:`core.backtest`), when it ran."""

    def fingerprint(self) -> Any:
        """The :class:`~core.decision.fingerprint.RunFingerprint` of the first profile's
        analysis, data set and account (what the manifest and the decision log record)."""
        from core.decision.fingerprint import plan_holdings_sha256, run_fingerprint

        first = self.results[0]
        plan = self.plans.get(first.profile.name)
        return run_fingerprint(first.profile, first.dataset, plan_holdings_sha256(plan))

    def extra_sheets(self) -> list[Callable[[Any], Any]]:
        """Writers of the Policy Comparison and Decision Log sheets this bundle has."""
        out: list[Callable[[Any], Any]] = []
        if self.comparison is not None:
            from core.branches.report import write_comparison_sheet

            reported = self.results[0].profile
            out.append(lambda wb: write_comparison_sheet(wb, self.comparison, reported))
        if self.decisions is not None and len(self.decisions):
            from core.decision.report import write_decision_sheet

            out.append(lambda wb: write_decision_sheet(wb, self.decisions, self.fingerprint()))
        return out

    def appendices(self) -> list[list[str]]:
        """The memo's Policy Comparison section and Decision Log appendix, when present."""
        out: list[list[str]] = []
        if self.comparison is not None:
            from core.branches.report import comparison_memo_section

            out.append(comparison_memo_section(self.comparison, self.results[0].profile))
        if self.decisions is not None and len(self.decisions):
            from core.decision.report import decision_memo_appendix

            out.append(decision_memo_appendix(self.decisions, self.fingerprint()))
        return out


def plan_for(
    result: AnalysisResult, holdings: Any, *, trade_settings: TradeSettings | None = None
) -> Any:
    """Rebalance ``holdings`` to the recommended weights with the profile's drift bands, keeping
    every hard limit of the profile (the plan carries its compliance table).

    ``trade_settings`` (method, cost, minimum trade, cash buffer, contribution) default to
    :class:`~core.rebalance.settings.TradeSettings` (to target, 5 bps). Weights below 1e-9
    (solver round-off) are treated as zero targets.
    """
    from core.rebalance import rebalance, rebalance_targets

    trade = trade_settings if trade_settings is not None else TradeSettings()
    return rebalance(
        holdings,
        rebalance_targets(result.recommended.weights),
        bands=result.profile.drift_bands,
        asset_classes=result.universe,
        **trade.rebalance_kwargs(),
        profile=result.profile,
    )


def prepare_report(
    results: Sequence[AnalysisResult],
    *,
    rebalance: Any | None = None,
    custom_scenarios: Sequence[Any] = (),
    outlook: OutlookRequest | None = None,
    holdings: Holdings | None = None,
    walk_forward: WalkForwardSettings | None = None,
    pick_samples: int = 0,
    pick_seed: int | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ReportBundle:
    """Risk report and stress result of every analysis (the bundled scenarios plus
    ``custom_scenarios``), the rebalancing plans by profile and, when ``outlook`` is given, the
    Outlook simulation and reverse stress of every analysis (with the account's ``holdings``,
    valued at the data set's prices, as a portfolio of its own). ``pick_samples > 0`` adds the pick
    stability of every analysis (:mod:`core.robustness.pick_stability`, that many bootstrap
    samples, ``pick_seed`` or its default seed). When ``walk_forward`` is
    given, the walk-forward test of every analysis (skipped for a sample too short for it)."""
    from core.analytics.risk_report import build_risk_report
    from core.stress.engine import stress_analysis

    if not results:
        raise ValueError("A report needs at least one analysis result.")
    report, token = progress or no_progress, cancel or CancelToken()
    risk_reports, stress_results, outlooks = [], [], []
    for k, result in enumerate(results):
        token.raise_if_cancelled()
        report(0.8 * k / len(results), f"Risk and stress analysis: {result.profile.name}")
        risk_reports.append(build_risk_report(result))
        stress_results.append(stress_analysis(result, tuple(custom_scenarios)))
        if outlook is not None and outlook.enabled:
            from core.outlook.analysis import analysis_outlook

            report(0.8 * (k + 0.5) / len(results), f"Outlook simulation: {result.profile.name}")
            outlooks.append(
                analysis_outlook(
                    result,
                    outlook.settings_for(result.profile),
                    holdings=holdings,
                    cancel=token,
                )
            )
    if pick_samples < 0:
        raise DataError(f"Pick-stability samples is {pick_samples}; use 0 (skip) or more.")
    stability = []
    if pick_samples > 0:
        from core.robustness.pick_stability import DEFAULT_SEED, pick_stability

        for result in results:
            token.raise_if_cancelled()
            report(0.9, f"Pick stability: {result.profile.name}")
            stability.append(
                pick_stability(
                    result,
                    samples=pick_samples,
                    seed=DEFAULT_SEED if pick_seed is None else pick_seed,
                    cancel=token,
                )
            )
    walks = _walk_forwards(results, walk_forward, token)
    report(1.0, "Analysis ready")
    return ReportBundle(
        tuple(results),
        tuple(risk_reports),
        tuple(stress_results),
        rebalance_plans(results, rebalance),
        tuple(outlooks),
        tuple(stability),
        walk_forwards=walks,
    )


def _walk_forwards(
    results: Sequence[AnalysisResult],
    settings: WalkForwardSettings | None,
    token: CancelToken,
) -> tuple[WalkForwardResult, ...]:
    """The walk-forward of every analysis; none when not asked for or the sample is too short
    (the memo then says there is no out-of-sample test)."""
    from core.backtest.walk_forward import walk_forward
    from core.errors import DataError

    if settings is None:
        return ()
    try:
        return tuple(walk_forward(r, settings, cancel=token) for r in results)
    except DataError:
        return ()


def _charts(charts: Charts, bundle: ReportBundle, folder: Path) -> list[Path]:
    target = folder / CHARTS_DIR
    if charts is None:
        return []
    if isinstance(charts, (str, Path)):
        source = Path(charts)
        pngs = sorted(source.glob("*.png")) if source.is_dir() else []
        if pngs:
            target.mkdir(parents=True, exist_ok=True)
        return [Path(shutil.copy2(p, target / p.name)) for p in pngs]
    target.mkdir(parents=True, exist_ok=True)
    extra = {"outlooks": bundle.outlooks} if bundle.outlooks else {}
    return [
        Path(p)
        for p in charts(
            bundle.results,
            bundle.risk_reports,
            bundle.stress_results,
            target,
            plans=bundle.plans,
            **extra,
        )
    ]


def write_report_package(
    bundle: ReportBundle,
    folder: str | Path,
    *,
    charts: Charts = None,
    render_pdf: PdfRenderer | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    generated: str | None = None,
) -> list[Path]:
    """Write the report files into ``folder`` (module docstring); returns every path written."""
    from core.report.files import _write_csv, write_analysis_files
    from core.report.manifest import write_manifest

    folder = Path(folder)
    report, token = progress or no_progress, cancel or CancelToken()
    results = list(bundle.results)
    mode = results[0].dataset.mode.value

    report(0.05, "Writing the CSV files")
    written = write_analysis_files(
        results,
        folder,
        risk_reports=bundle.risk_reports,
        stress_results=bundle.stress_results,
        outlooks=bundle.outlooks,
        walk_forwards=bundle.walk_forwards,
    )
    trades = rebalancing_frame(results, bundle.plans)
    if trades is not None and not (folder / REBALANCING_CSV).exists():
        _write_csv(trades, folder / REBALANCING_CSV, mode)
        written.append(folder / REBALANCING_CSV)
    compliance = compliance_frame(results, bundle.plans)
    if compliance is not None and not (folder / COMPLIANCE_CSV).exists():
        _write_csv(compliance, folder / COMPLIANCE_CSV, mode)
        written.append(folder / COMPLIANCE_CSV)
    token.raise_if_cancelled()

    report(0.2, "Drawing the charts")
    chart_paths = _charts(charts, bundle, folder)
    written += chart_paths
    token.raise_if_cancelled()

    report(0.45, "Writing the workbook")
    written.append(
        write_workbook(
            results,
            bundle.risk_reports,
            bundle.stress_results,
            folder / WORKBOOK_NAME,
            rebalance=bundle.plans,
            generated=generated,
            outlooks=bundle.outlooks,
            walk_forwards=bundle.walk_forwards,
            pick_stability=bundle.pick_stability,
            extra_sheets=bundle.extra_sheets(),
        )
    )
    token.raise_if_cancelled()

    report(0.7, "Writing the memo")
    relative = [p.relative_to(folder).as_posix() for p in chart_paths]
    memo = build_memo(
        results,
        bundle.risk_reports,
        bundle.stress_results,
        rebalance=bundle.plans,
        charts=relative,
        generated=generated,
        outlooks=bundle.outlooks,
        walk_forwards=bundle.walk_forwards,
        pick_stability=bundle.pick_stability,
        appendices=bundle.appendices(),
    )
    memo_path = folder / MEMO_NAME
    memo_path.write_text(memo, encoding="utf-8")
    written.append(memo_path)
    if render_pdf is not None:
        report(0.8, "Rendering the memo PDF")
        written.append(render_pdf(memo, folder / PDF_NAME, folder))
    token.raise_if_cancelled()

    report(0.95, "Writing the manifest")
    from core.report.manifest import report_state

    state = report_state(results, bundle.plans, bundle.stress_results)
    fingerprint = bundle.fingerprint().to_dict()
    written.append(write_manifest(results, folder, made_from=state, fingerprint=fingerprint))
    report(1.0, "Report written")
    return written


def export_report(
    results: Sequence[AnalysisResult],
    out_dir: str | Path,
    *,
    rebalance: Any | Mapping[str, Any] | None = None,
    charts: Charts = None,
    render_pdf: PdfRenderer | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> list[Path]:
    """Prepare and publish the whole report atomically into ``out_dir`` (what the CLI runs).

    Raises :class:`core.report.publish.PublishError` when the folder cannot be written; the
    previous report in ``out_dir`` is then unchanged.
    """
    from core.report.publish import publish

    report = progress or no_progress
    bundle = prepare_report(
        results, rebalance=rebalance, cancel=cancel, progress=lambda f, m: report(0.3 * f, m)
    )
    return publish(
        out_dir,
        lambda stage: write_report_package(
            bundle,
            stage,
            charts=charts,
            render_pdf=render_pdf,
            cancel=cancel,
            progress=lambda f, m: report(0.3 + 0.7 * f, m),
        ),
    )
