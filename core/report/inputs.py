"""From a project and its data set to everything the committee report is built from.

The window's File > Export report and ``python -m app report`` both call
:func:`prepare_project_report` (the CLI through :func:`export_project_report`), so one project
gives one report whichever way it is exported:

1. the analysis settings with the portfolio value the dollar figures use
   (:func:`analysis_settings`: the account's value when holdings are loaded, otherwise the value
   the user set);
2. one analysis per profile (the project's own, unless others are asked for), reusing an
   analysis already computed for the same inputs (the window's result on screen); the project's
   adopted resampled portfolio is its own profile's recommendation when it still applies
   (:func:`core.adoption.with_adoption`, which says why when it does not);
3. the rebalancing plan of the project's holdings to the first profile's recommendation, with
   the project's :class:`~core.rebalance.settings.TradeSettings`;
4. the project's custom stress scenarios, run beside the bundled ones.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.jobs import CancelToken, ProgressCallback, no_progress
from core.pipeline import AnalysisResult, AnalysisSettings, run_analysis, settings_for_account

if TYPE_CHECKING:
    from core.data.cache import PriceCache
    from core.data.dataset import ReturnsDataset
    from core.outlook.request import OutlookRequest
    from core.policy.profile import IPSProfile
    from core.project import Project
    from core.rebalance.plan import RebalancePlan
    from core.report.package import Charts, PdfRenderer, ReportBundle
    from core.stress.scenarios import Scenario


@dataclass(frozen=True)
class ReportInputs:
    """What :func:`core.report.package.prepare_report` needs for one project (first profile first)."""

    results: tuple[AnalysisResult, ...]
    plan: RebalancePlan | None
    custom_scenarios: tuple[Scenario, ...]


def load_project_dataset(
    project: Project,
    *,
    refresh: bool = False,
    base_dir: str | Path | None = None,
    cache: PriceCache | None = None,
) -> ReturnsDataset:
    """The data set of the project's data choice, as the window loads it.

    SYNTHETIC: the deterministic generator for the project's universe. MARKET: the local cache
    (``refresh=True`` downloads first, network). IMPORTED: the project's file, a relative path
    read against ``base_dir`` (the project file's folder).

    Raises
    ------
    DataError
        The cache is empty or the file cannot be read (the message says what to do).
    """
    from core.data.dataset import DataMode
    from core.errors import DataError

    if project.data_mode is DataMode.MARKET:
        from core.data.market import fetch_market_dataset, load_cached_market_dataset

        if refresh:
            return fetch_market_dataset(project.universe, cache=cache)
        return load_cached_market_dataset(project.universe, cache)
    if project.data_mode is DataMode.IMPORTED:
        if not project.import_path:
            raise DataError(
                "The project uses imported data but names no file: give one with --returns."
            )
        from core.data.importer import load_returns_file

        path = Path(project.import_path)
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        return load_returns_file(path, project.universe)
    from core.data.synthetic import generate_synthetic_dataset

    return generate_synthetic_dataset(project.universe)


def priced_project(project: Project, dataset: ReturnsDataset) -> Project:
    """``project`` with its holdings valued at ``dataset``'s own prices: typed prices stay, data
    and illustrative prices follow the data set (:func:`core.rebalance.pricing.reprice_holdings`),
    as the window's Rebalancing tab does when the data change. Holdings are never valued at
    prices the data set does not carry.

    Raises
    ------
    DataError
        A held ETF has no typed price and the data set has none (a returns-only file).
    """
    if project.holdings is None:
        return project
    from core.rebalance.pricing import reprice_holdings

    holdings = reprice_holdings(
        project.holdings, dataset.prices, also_price=project.universe.tickers
    )
    return dataclasses.replace(project, holdings=holdings)


def analysis_settings(project: Project) -> AnalysisSettings:
    """The project's settings with the portfolio value of its account when it has holdings."""
    holdings = project.holdings
    return settings_for_account(
        project.settings, holdings.total_value if holdings is not None else None
    )


def _reusable(
    analysis: AnalysisResult,
    profile: IPSProfile,
    dataset: ReturnsDataset,
    project: Project,
    settings: AnalysisSettings,
) -> AnalysisResult | None:
    """``analysis`` under ``settings`` when it was computed from the same inputs, else None."""
    from core.pipeline import with_settings

    same_inputs = (
        analysis.profile == profile
        and analysis.universe == project.universe
        and analysis.dataset.provenance == dataset.provenance
    )
    if not same_inputs:
        return None
    try:
        return with_settings(analysis, settings)
    except ValueError:  # estimators or VaR level differ: the analysis must be run again
        return None


def _adopted(result: AnalysisResult, project: Project) -> AnalysisResult:
    """The project's adopted resampled portfolio as the recommendation of its own profile
    (:func:`core.adoption.with_adoption`: one made for other inputs is not applied, and the
    selection reason says why); other profiles keep the optimizer's pick."""
    from core.adoption import with_adoption

    if result.profile != project.profile:
        return result
    return with_adoption(result, project.adopted)


def report_inputs(
    project: Project,
    dataset: ReturnsDataset,
    *,
    profiles: Sequence[IPSProfile] | None = None,
    analyses: Sequence[AnalysisResult] = (),
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ReportInputs:
    """Analyses, rebalancing plan and custom scenarios of ``project`` on ``dataset``.

    Parameters
    ----------
    project : Project
        Profile, universe, holdings, custom scenarios, analysis and trade settings.
    dataset : ReturnsDataset
        The data the project's data choice gave (synthetic, market or imported).
    profiles : sequence of IPSProfile, optional
        Profiles to report on, the first one traded; default the project's profile.
    analyses : sequence of AnalysisResult
        Analyses already computed (the window's result on screen, maybe with extra candidates
        such as the resampled frontier); one is reused for a profile when its profile, universe
        and data are the project's and its settings differ at most in the portfolio value.
    progress, cancel
        The :mod:`core.jobs` protocol.

    Raises
    ------
    IPSStudioError
        The analysis or the rebalance cannot be done (the message names why).
    """
    from core.report.package import plan_for

    report, token = progress or no_progress, cancel or CancelToken()
    project = priced_project(project, dataset)
    settings = analysis_settings(project)
    chosen = list(profiles) if profiles is not None else [project.profile]
    if not chosen:
        raise ValueError("A report needs at least one profile.")
    results: list[AnalysisResult] = []
    for k, profile in enumerate(chosen):
        token.raise_if_cancelled()
        reused = next(
            (
                r
                for r in (_reusable(a, profile, dataset, project, settings) for a in analyses)
                if r is not None
            ),
            None,
        )
        if reused is not None:
            results.append(_adopted(reused, project))
            continue
        share = 0.9 / len(chosen)

        def step(
            fraction: float, message: str, base: float = k * share, span: float = share
        ) -> None:
            report(base + fraction * span, message)

        results.append(
            _adopted(
                run_analysis(
                    profile, dataset, project.universe, settings, cancel=token, progress=step
                ),
                project,
            )
        )
    plan = None
    if project.holdings is not None:
        token.raise_if_cancelled()
        report(0.9, "Rebalancing the account")
        plan = plan_for(results[0], project.holdings, trade_settings=project.trade_settings)
    report(1.0, "Report inputs ready")
    return ReportInputs(tuple(results), plan, tuple(project.custom_scenarios))


def prepare_project_report(
    project: Project,
    dataset: ReturnsDataset,
    *,
    profiles: Sequence[IPSProfile] | None = None,
    analyses: Sequence[AnalysisResult] = (),
    outlook: OutlookRequest | None = None,
    pick_samples: int = 0,
    branches: bool | Sequence[str] = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ReportBundle:
    """:func:`report_inputs` then :func:`core.report.package.prepare_report`: the bundle every
    output of the report is written from (what the window's export job runs). ``outlook``
    overrides the project's own Outlook settings (``project.outlook``); ``pick_samples > 0``
    adds the pick stability (:mod:`core.robustness.pick_stability`).

    ``branches`` adds the Policy Comparison (:func:`core.branches.compare.compare_policies`):
    True compares every branch of the project, a sequence the branches it names. The project's
    decision log, when it has entries, is always added (the Decision Log sheet and appendix).
    """
    from core.backtest.settings import WalkForwardSettings
    from core.report.package import prepare_report

    report = progress or no_progress
    inputs = report_inputs(
        project,
        dataset,
        profiles=profiles,
        analyses=analyses,
        cancel=cancel,
        progress=lambda f, m: report(0.5 * f, m),
    )
    bundle = prepare_report(
        inputs.results,
        rebalance=inputs.plan,
        custom_scenarios=inputs.custom_scenarios,
        outlook=outlook if outlook is not None else project.outlook,
        holdings=priced_project(project, dataset).holdings,
        walk_forward=WalkForwardSettings(
            cost_bps=project.trade_settings.cost_bps, cost_source="the project's trade settings"
        ),
        pick_samples=pick_samples,
        cancel=cancel,
        progress=lambda f, m: report((0.5 if branches is False else 0.4) + 0.4 * f, m),
    )
    comparison = None
    if branches is not False:
        from core.branches.compare import compare_policies

        comparison = compare_policies(
            project,
            dataset,
            None if branches is True else list(branches),
            outlook=outlook,
            cancel=cancel,
            progress=lambda f, m: report(0.8 + 0.2 * f, m),
        )
    decisions = project.decisions if len(project.decisions) else None
    return dataclasses.replace(bundle, comparison=comparison, decisions=decisions)


def export_project_report(
    project: Project,
    dataset: ReturnsDataset,
    out_dir: str | Path,
    *,
    profiles: Sequence[IPSProfile] | None = None,
    analyses: Sequence[AnalysisResult] = (),
    charts: Charts = None,
    render_pdf: PdfRenderer | None = None,
    outlook: OutlookRequest | None = None,
    pick_samples: int = 0,
    branches: bool | Sequence[str] = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> list[Path]:
    """Prepare (:func:`prepare_project_report`) and publish the whole report atomically into
    ``out_dir`` (what ``python -m app report --project`` runs); returns the published paths."""
    from core.report.package import write_report_package
    from core.report.publish import publish

    report = progress or no_progress
    bundle = prepare_project_report(
        project,
        dataset,
        profiles=profiles,
        analyses=analyses,
        outlook=outlook,
        pick_samples=pick_samples,
        branches=branches,
        cancel=cancel,
        progress=lambda f, m: report(0.4 * f, m),
    )
    return publish(
        out_dir,
        lambda stage: write_report_package(
            bundle,
            stage,
            charts=charts,
            render_pdf=render_pdf,
            cancel=cancel,
            progress=lambda f, m: report(0.4 + 0.6 * f, m),
        ),
    )
