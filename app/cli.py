"""Headless pipeline: ``python -m app report --out DIR [--project FILE.ipsproj]
[--profile NAME|all] [--returns FILE] [--data synthetic|market] [--holdings FILE|demo]
[--method to-target|to-band-edge] [--cost-bps BPS] [--min-trade AMOUNT] [--cash-buffer PCT]
[--contribution AMOUNT] [--portfolio-value AMOUNT] [--paths N] [--horizon YEARS]
[--model bootstrap|parametric] [--branches all|NAME,NAME] [--no-charts]``.

The flags make a :class:`core.project.Project` (``--project`` reads one; every other flag
overrides it), which goes through the same core path as the window's File > Export report
(:func:`core.report.inputs.export_project_report`): one project gives the same files either
way. The report is published atomically; files of an earlier report in the folder that this run
does not write are removed, files of the user's own are kept and named.

Importing this module loads no Qt. The charts and the memo PDF import Qt when they are drawn
(offscreen when there is no display); ``--no-charts`` skips both.

:func:`route` decides, before anything is loaded, what a command line asks for: the window
(no arguments, project files, ``--smoke-test``, Qt's own options), the report, help, or an
error. An unknown command or option never opens the window (a script calling it would wait
forever); it prints :data:`USAGE` and exits with status 2.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from core import DISCLAIMER
from core.errors import IPSStudioError

USAGE = """\
usage: python -m app [PROJECT.ipsproj] [--smoke-test]
       python -m app report --out DIR [options]
       python -m app book BOOK --out DIR [--scheduler tcp://HOST:8786 | --workers N]

  python -m app                    open the window
  python -m app FUND.ipsproj       open the window with a project
  python -m app --smoke-test       open the window, run two analyses, exit (0 = success)
  python -m app report --help      the options of the headless report
  python -m app book --help        the firm's book: every account checked and rebalanced
"""

GUI_FLAGS = frozenset({"--smoke-test"})
"""Options of the window itself."""
QT_OPTIONS = frozenset({"-reverse", "-nograb", "-dograb", "-widgetcount"})
QT_OPTIONS_WITH_VALUE = frozenset(
    {"-platform", "-platformpluginpath", "-platformtheme", "-style", "-stylesheet", "-session"}
)
"""Options ``QApplication`` reads from the command line itself (Qt documentation)."""
PROJECT_SUFFIX = ".ipsproj"  # core.project.SUFFIX; not imported so this module stays light


class Command(Enum):
    """What a command line asks for."""

    GUI = "gui"
    REPORT = "report"
    BOOK = "book"
    HELP = "help"
    ERROR = "error"


@dataclass(frozen=True)
class Route:
    """The outcome of :func:`route`: ``command``, and for HELP / ERROR the text to print and
    the exit status."""

    command: Command
    message: str = ""
    exit_code: int | None = None


def route(argv: Sequence[str]) -> Route:
    """What ``argv`` (the arguments after the program name) asks for; loads nothing.

    Window: no arguments, project files (``*.ipsproj``), ``--smoke-test``, Qt's own options
    (``-platform offscreen``, ``-style fusion``). Report: the first word is ``report`` (its
    options are checked by :func:`build_parser`). Help: ``-h`` / ``--help`` / ``help`` alone.
    Anything else is an ERROR whose message names the word and shows :data:`USAGE`; exit
    status 2, as argparse uses for a usage error.
    """
    words = list(argv)
    if words[:1] == ["report"]:
        return Route(Command.REPORT)
    if words[:1] == ["book"]:
        return Route(Command.BOOK)
    if words in (["-h"], ["--help"], ["help"]):
        return Route(Command.HELP, USAGE, 0)
    expect_value = False
    for word in words:
        if expect_value:
            expect_value = False
        elif word in GUI_FLAGS or word in QT_OPTIONS or word.startswith("-psn_"):
            continue  # -psn_0_123: the process serial number an old macOS Finder adds
        elif word in QT_OPTIONS_WITH_VALUE:
            expect_value = True
        elif word.lower().endswith(PROJECT_SUFFIX) and not word.startswith("-"):
            continue
        else:
            what = "option" if word.startswith("-") else "command"
            return Route(
                Command.ERROR,
                f"error: unknown {what} {word!r}: use one of the forms below.\n\n{USAGE}",
                2,
            )
    if expect_value:
        return Route(Command.ERROR, f"error: {words[-1]} needs a value.\n\n{USAGE}", 2)
    return Route(Command.GUI)


def exit_code_before_gui(argv: Sequence[str]) -> int | None:
    """Print the usage (help, or an unknown command or option) and return the exit status; None
    when ``argv`` asks for the window or the report and the caller goes on."""
    outcome = route(argv)
    if outcome.command is Command.HELP:
        print(outcome.message, end="")
    elif outcome.command is Command.ERROR:
        print(outcome.message, end="", file=sys.stderr)
    return outcome.exit_code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app report",
        description="Run the IPS allocation pipeline without the window and write the report files. "
        + DISCLAIMER,
    )
    parser.add_argument("--out", required=True, type=Path, help="folder to write the report into")
    parser.add_argument(
        "--project",
        type=Path,
        default=None,
        help="a project file (.ipsproj) saved by the window: its profile, universe, holdings, "
        "custom scenarios, trade settings, portfolio value and data choice; the other flags "
        "override it",
    )
    parser.add_argument(
        "--profile",
        default=None,
        help="bundled profile name, a profile JSON file, or 'all' (default: the project's "
        "profile, or Balanced Growth)",
    )
    parser.add_argument(
        "--returns",
        type=Path,
        default=None,
        help="CSV of monthly returns or prices (date column + tickers); sets the mode to IMPORTED",
    )
    parser.add_argument(
        "--data",
        choices=("synthetic", "market"),
        default=None,
        help="synthetic (deterministic, offline) or market (cached Yahoo Finance prices; "
        "download first with --refresh). Default: the project's data choice, or synthetic",
    )
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="with --data market: download fresh prices now (network) and update the cache",
    )
    parser.add_argument(
        "--holdings",
        default=None,
        help="current holdings (CSV or XLSX), or 'demo' for the bundled demo account: adds the "
        "drift and rebalancing trades for the first profile",
    )
    trade = parser.add_argument_group(
        "trade settings",
        "how the holdings are traded back to the recommendation (override the project)",
    )
    trade.add_argument(
        "--method",
        choices=tuple(METHOD_FLAGS),
        default=None,
        help="to-target: every ETF to its target weight; to-band-edge: only breaches, back to the "
        "band edge (default: the project's, or to-target)",
    )
    trade.add_argument(
        "--cost-bps",
        type=float,
        default=None,
        metavar="BPS",
        help="transaction cost, basis points of each trade (default: the project's, or 5)",
    )
    trade.add_argument(
        "--min-trade",
        type=float,
        default=None,
        metavar="AMOUNT",
        help="smallest trade worth making, currency; 0 = no minimum",
    )
    trade.add_argument(
        "--cash-buffer",
        default=None,
        metavar="PCT",
        help="cash to keep after trading, percent of the account after the contribution "
        "(2 or 2%% = 2%%)",
    )
    trade.add_argument(
        "--contribution",
        type=float,
        default=None,
        metavar="AMOUNT",
        help="cash added before trading, currency; negative for a withdrawal",
    )
    parser.add_argument(
        "--portfolio-value",
        type=float,
        default=None,
        metavar="AMOUNT",
        help="value behind dollar VaR and stress P&L when no holdings are loaded (default: the "
        "project's, or 100,000,000); with holdings the account's value is used",
    )
    parser.add_argument(
        "--returns-estimator",
        choices=tuple(RETURN_ESTIMATOR_FLAGS),
        default=None,
        help="expected returns: historical-mean (the in-sample mean), bayes-stein (Jorion's "
        "shrinkage towards the minimum-variance portfolio's mean), equilibrium (implied by "
        "the policy benchmark), black-litterman (equilibrium blended with the project's "
        "committee views) or market-assumptions (the project's capital market assumptions, or "
        "--assumptions FILE). Default: the project's, or bayes-stein",
    )
    parser.add_argument(
        "--assumptions",
        default=None,
        metavar="CSV",
        help="capital market assumptions file (columns asset, expected_return, source; asset = "
        "ticker or asset class, return in percent); replaces the project's",
    )
    parser.add_argument(
        "--covariance",
        choices=tuple(COVARIANCE_FLAGS),
        default=None,
        help="covariance: sample, ledoit-wolf or exponential (exponentially weighted, see "
        "--covariance-half-life). Default: the project's, or ledoit-wolf",
    )
    parser.add_argument(
        "--covariance-half-life",
        type=float,
        default=None,
        metavar="MONTHS",
        help="half-life of the exponential covariance in months (default: the project's, or 36)",
    )
    parser.add_argument(
        "--factors",
        default=None,
        help="Fama-French 5-factor returns for the equity factor regressions: a CSV (or zip) "
        "in the Kenneth French Data Library format, 'cached', or 'download' (network). "
        "Without it, market and imported data use the universe's own proxy factors.",
    )
    parser.add_argument(
        "--resample",
        type=int,
        default=0,
        metavar="N",
        help="add the Resampled Frontier candidate from N resampled histories (e.g. 500)",
    )
    parser.add_argument(
        "--pick-samples",
        type=int,
        default=0,
        metavar="N",
        help="how sure is the pick: re-run the selection on N block-bootstrap samples "
        "(e.g. 200; 0 skips it) and report the drawdown-breach probability and pick frequency",
    )
    parser.add_argument(
        "--paths",
        type=int,
        default=None,
        metavar="N",
        help="Outlook simulation paths for monte_carlo_summary.csv and reverse_stress.csv "
        "(default: the project's, else 10,000; 0 skips the Outlook files)",
    )
    parser.add_argument(
        "--horizon",
        type=float,
        default=None,
        metavar="YEARS",
        help="Outlook horizon in years (default: the project's, else each profile's IPS horizon)",
    )
    parser.add_argument(
        "--model",
        choices=("bootstrap", "parametric"),
        default=None,
        help="Outlook return model: block bootstrap of the history, or normal returns from the "
        "analysis's expected returns and covariance (default: the project's, else bootstrap)",
    )
    parser.add_argument(
        "--branches",
        metavar="all|NAME,NAME",
        help="add the Policy Comparison sheet and memo section: the current holdings beside "
        "the recommended portfolio of every what-if branch of the project ('all') or of the "
        "branches named (comma-separated, e.g. 'Main,More equity')",
    )
    parser.add_argument(
        "--no-charts",
        action="store_true",
        help="skip charts/*.png and the memo PDF (both need Qt; the rest is written without it)",
    )
    return parser


METHOD_FLAGS = {"to-target": "to_target", "to-band-edge": "to_band_edge"}
"""``--method`` words -> :class:`core.rebalance.RebalanceMethod` values."""
RETURN_ESTIMATOR_FLAGS = {
    "historical-mean": "HISTORICAL_MEAN",
    "bayes-stein": "BAYES_STEIN",
    "equilibrium": "EQUILIBRIUM",
    "black-litterman": "BLACK_LITTERMAN",
    "market-assumptions": "CAPITAL_MARKET_ASSUMPTIONS",
}
"""``--returns-estimator`` words -> :class:`core.optimize.estimation.ReturnEstimator` names."""
COVARIANCE_FLAGS = {"sample": "SAMPLE", "ledoit-wolf": "LEDOIT_WOLF", "exponential": "EXPONENTIAL"}
"""``--covariance`` words -> :class:`core.optimize.estimation.CovarianceEstimator` names."""


def _profiles(spec: str) -> list:
    from core.policy.profile_io import bundled_profiles, load_profile

    bundled = bundled_profiles()
    if spec.lower() == "all":
        return list(bundled.values())
    if spec in bundled:
        return [bundled[spec]]
    path = Path(spec)
    if path.suffix.lower() == ".json" or path.exists():
        return [load_profile(path)]
    raise IPSStudioError(
        f"Unknown profile {spec!r}: use one of {', '.join(bundled)}, 'all', or a profile JSON file."
    )


def _branches(spec: str | None) -> bool | list[str]:
    """``--branches``: ``all`` -> every branch, ``A,B`` -> those names, absent -> none."""
    if spec is None:
        return False
    if spec.strip().casefold() == "all":
        return True
    names = [n.strip() for n in spec.split(",") if n.strip()]
    if not names:
        raise IPSStudioError("--branches needs 'all' or branch names separated by commas.")
    return names


def _cash_buffer(text: str) -> float:
    """``--cash-buffer`` in percent ("2", "2%", "0.5") as a decimal fraction."""
    from core.rebalance.cells import parse_number

    value = parse_number(text.strip().rstrip("%"), what="the cash buffer")
    if value is None:
        raise IPSStudioError("--cash-buffer needs a percentage, e.g. 2 for 2%.")
    return value / 100.0


def build_project(args: argparse.Namespace):  # noqa: ANN201
    """The project the flags describe: ``--project`` (or the defaults) with every flag applied.

    Returns ``(project, profiles)``; ``profiles`` lists more than one profile for ``--profile all``.
    """
    import dataclasses

    from core.policy.profile_io import DEFAULT_PROFILE_NAME
    from core.project import Project, load_project
    from core.universe import default_universe

    if args.project is not None:
        project = load_project(args.project)
        profiles = _profiles(args.profile) if args.profile else [project.profile]
    else:
        profiles = _profiles(args.profile or DEFAULT_PROFILE_NAME)
        project = Project(profile=profiles[0], universe=default_universe())
    changes: dict = {"profile": profiles[0]}
    if args.holdings == "demo":
        from core.rebalance import demo_holdings

        changes["holdings"] = demo_holdings(project.universe)  # priced with the data (below)
    trade = {
        "method": METHOD_FLAGS[args.method] if args.method else None,
        "cost_bps": args.cost_bps,
        "min_trade_value": args.min_trade,
        "cash_buffer": _cash_buffer(args.cash_buffer) if args.cash_buffer is not None else None,
        "contribution": args.contribution,
    }
    trade = {k: v for k, v in trade.items() if v is not None}
    if trade:
        changes["trade_settings"] = dataclasses.replace(project.trade_settings, **trade)
    if args.portfolio_value is not None:
        if not args.portfolio_value > 0:
            raise IPSStudioError(
                f"--portfolio-value {args.portfolio_value:g} must be a positive amount."
            )
        changes["settings"] = dataclasses.replace(
            project.settings, portfolio_value=args.portfolio_value
        )
    estimation = _estimation_settings(args)
    if estimation:
        changes["settings"] = dataclasses.replace(
            changes.get("settings", project.settings), **estimation
        )
    if args.returns is not None:
        from core.data.dataset import DataMode

        changes["data_mode"], changes["import_path"] = DataMode.IMPORTED, str(args.returns)
    elif args.data is not None:
        from core.data.dataset import DataMode

        changes["data_mode"], changes["import_path"] = DataMode(args.data.upper()), None
    return dataclasses.replace(project, **changes), profiles


def _estimation_settings(args: argparse.Namespace) -> dict:
    """The :class:`core.pipeline.AnalysisSettings` fields the estimator flags set."""
    from core.optimize.estimation import CovarianceEstimator, ReturnEstimator

    out: dict = {}
    if args.returns_estimator is not None:
        out["expected_returns"] = ReturnEstimator[RETURN_ESTIMATOR_FLAGS[args.returns_estimator]]
    if args.covariance is not None:
        out["covariance"] = CovarianceEstimator[COVARIANCE_FLAGS[args.covariance]]
    if args.covariance_half_life is not None:
        if not (math.isfinite(args.covariance_half_life) and args.covariance_half_life > 0):
            raise IPSStudioError(
                f"--covariance-half-life {args.covariance_half_life:g} must be a positive "
                "number of months, e.g. 36."
            )
        out["covariance_half_life"] = args.covariance_half_life
    if args.assumptions is not None:
        from core.optimize.market_assumptions import load_assumptions_csv

        out["market_assumptions"] = load_assumptions_csv(args.assumptions)
    return out


def _with_factors(dataset, spec: str):  # noqa: ANN001, ANN202
    from core.data import french

    if spec == "download":
        factors = french.fetch_french_factors()
    elif spec == "cached":
        factors = french.load_cached_french_factors()[0]
    else:
        factors = french.load_french_file(spec)
    return french.attach_factors(dataset, factors)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; ``argv`` may start with the ``report`` sub-command word, which is skipped.

    ``book`` runs :mod:`app.book_cli`. Another first word is not a command: the usage goes to
    stderr, status 2.
    """
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["book"]:
        from app.book_cli import main as book_main

        return book_main(words[1:])
    if words[:1] == ["report"]:
        words = words[1:]
    elif words and not words[0].startswith("-"):
        print(
            f"error: unknown command {words[0]!r}: use one of the forms below.\n\n{USAGE}",
            end="",
            file=sys.stderr,
        )
        return 2
    args = build_parser().parse_args(words)
    try:
        from core.report.inputs import (
            analysis_settings,
            export_project_report,
            load_project_dataset,
            priced_project,
        )
        from core.report.publish import unlisted_files

        project, profiles = build_project(args)
        dataset = load_project_dataset(
            project,
            refresh=args.refresh,
            base_dir=args.project.parent if args.project is not None else None,
        )
        if args.holdings and args.holdings != "demo":
            # Read after the data: a price left empty takes the data set's own price (the
            # window does the same), so a shares-only file works in MARKET and price-file modes.
            import dataclasses

            from core.rebalance import load_holdings_file

            project = dataclasses.replace(
                project,
                holdings=load_holdings_file(
                    Path(args.holdings), project.universe, prices=dataset.prices
                ),
            )
        project = priced_project(project, dataset)
        if args.factors is not None:
            dataset = _with_factors(dataset, args.factors)
        analyses = []
        if args.resample:
            from core.optimize.resampling import resampled_candidate, resampled_frontier
            from core.pipeline import run_analysis, with_candidate

            for profile in profiles:
                result = run_analysis(
                    profile, dataset, project.universe, analysis_settings(project)
                )
                frontier = resampled_frontier(
                    dataset.returns,
                    result.constraints,
                    result.inputs,
                    profile,
                    resamples=args.resample,
                )
                analyses.append(
                    with_candidate(result, resampled_candidate(frontier, result.inputs, profile))
                )
        charts = render_pdf = None
        if (
            not args.no_charts
        ):  # Qt is imported here only, so the import of this module stays Qt-free
            from app.shell.chart_export import write_charts
            from app.shell.memo_pdf import render_memo_pdf

            charts, render_pdf = write_charts, render_memo_pdf
        import dataclasses

        outlook = project.outlook
        if args.paths is not None:
            outlook = dataclasses.replace(outlook, paths=args.paths)
        if args.horizon is not None:
            outlook = dataclasses.replace(outlook, horizon_years=args.horizon)
        if args.model is not None:
            from core.outlook.simulation import ReturnModel

            outlook = dataclasses.replace(outlook, model=ReturnModel(args.model))
        paths = export_project_report(
            project,
            dataset,
            args.out,
            profiles=profiles,
            analyses=analyses,
            charts=charts,
            render_pdf=render_pdf,
            outlook=outlook,
            pick_samples=args.pick_samples,
            branches=_branches(args.branches),
        )
    except IPSStudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    prov = dataset.provenance
    print(f"Data mode: {dataset.mode.value} ({prov.source})")
    for ticker, text in prov.proxies.items():
        print(f"Proxy: {ticker} uses {text}")
    settings = analysis_settings(project)
    print(f"Portfolio value: {settings.portfolio_value_text}")
    covariance = settings.covariance.value
    if settings.covariance.name == "EXPONENTIAL":
        covariance += f" (half-life {settings.covariance_half_life:g} months)"
    print(
        f"Estimators: expected returns {settings.expected_returns.value}; covariance {covariance}"
    )
    if settings.expected_returns.name == "BLACK_LITTERMAN":
        for i, view in enumerate(settings.views, start=1):
            print(f"View {i}: {view.describe()}")
        if not settings.views:
            print("No committee views in the project: Black-Litterman gives the equilibrium prior")
    if settings.expected_returns.name == "CAPITAL_MARKET_ASSUMPTIONS":
        for item in settings.market_assumptions:
            print(f"Assumption: {item.describe()}")
    if project.holdings is not None:
        trade = project.trade_settings
        print(
            f"Trades: {trade.method.value.replace('_', ' ')}, cost {trade.cost_bps:g} bps, "
            f"minimum trade {trade.min_trade_value:,.0f}, cash buffer {trade.cash_buffer:.2%}, "
            f"contribution {trade.contribution:,.0f}"
        )
    import json

    manifest = json.loads((args.out / "run_manifest.json").read_text(encoding="utf-8"))
    for name, rec in manifest["recommended"].items():
        passes = manifest["policy_compliant"][name]
        status = "passes every policy rule" if passes else "DOES NOT pass every policy rule"
        print(f"{name}: IPS Recommended Portfolio = {rec} ({status})")
    decisions = manifest.get("fingerprint", {})
    if decisions:
        print(
            f"Fingerprint: IPS {decisions['profile_sha256'][:12]}, data "
            f"{decisions['data_sha256'][:12]}, holdings "
            f"{(decisions['holdings_sha256'] or 'none')[:12]}, code {decisions['code_revision']}"
        )
    if args.branches is not None:
        print("Policy Comparison: written to the workbook and the memo")
    if len(project.decisions):
        print(
            f"Decision Log: {len(project.decisions)} entries written to the workbook and the memo"
        )
    print(f"Wrote {len(paths)} files to {args.out}")
    kept = unlisted_files(args.out)
    if kept:
        print(f"Kept {len(kept)} file(s) in {args.out} that no report wrote: {', '.join(kept)}")
    print(DISCLAIMER)
    return 0
