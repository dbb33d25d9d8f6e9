"""Headless pipeline: ``python -m app report --out DIR [--profile NAME|all] [--returns FILE]
[--data synthetic|market] [--holdings FILE|demo] [--no-charts]``. Runs exactly what the window
runs and publishes the whole report atomically (:func:`core.report.package.export_report`).

Importing this module loads no Qt. The charts and the memo PDF import Qt when they are drawn
(offscreen when there is no display); ``--no-charts`` skips both.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from core import DISCLAIMER
from core.errors import IPSStudioError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app report",
        description="Run the IPS allocation pipeline without the window and write the report files. "
        + DISCLAIMER,
    )
    parser.add_argument("--out", required=True, type=Path, help="folder to write the report into")
    parser.add_argument(
        "--profile",
        default="Balanced Growth",
        help="bundled profile name, a profile JSON file, or 'all' (default: Balanced Growth)",
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
        default="synthetic",
        help="synthetic (default, deterministic, offline) or market (cached Yahoo Finance "
        "prices; download first with --refresh)",
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
        "--no-charts",
        action="store_true",
        help="skip charts/*.png and the memo PDF (both need Qt; the rest is written without it)",
    )
    return parser


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


def _dataset(args: argparse.Namespace, universe):  # noqa: ANN001, ANN202
    if args.returns is not None:
        from core.data.importer import load_returns_file

        return load_returns_file(args.returns, universe)
    if args.data == "market":
        from core.data.market import fetch_market_dataset, load_cached_market_dataset

        if args.refresh:
            return fetch_market_dataset(universe)
        return load_cached_market_dataset(universe)
    from core.pipeline import load_default_dataset

    return load_default_dataset()


def _rebalance_plan(spec: str, result):  # noqa: ANN001, ANN202
    """The rebalancing plan of ``result``'s recommendation for the holdings file (or the demo account)."""
    from core.rebalance import demo_holdings, load_holdings_file
    from core.report.package import plan_for

    holdings = (
        demo_holdings(result.universe)
        if spec == "demo"
        else load_holdings_file(Path(spec), result.universe)
    )
    return plan_for(result, holdings)


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
    """Entry point; ``argv`` may start with the ``report`` sub-command word, which is skipped."""
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["report"]:
        words = words[1:]
    args = build_parser().parse_args(words)
    try:
        from core.pipeline import run_analysis
        from core.report.package import export_report
        from core.universe import default_universe

        universe = default_universe()
        profiles = _profiles(args.profile)
        dataset = _dataset(args, universe)
        if args.factors is not None:
            dataset = _with_factors(dataset, args.factors)
        results = []
        for profile in profiles:
            result = run_analysis(profile, dataset, universe)
            if args.resample:
                from core.optimize.resampling import resampled_candidate, resampled_frontier
                from core.pipeline import with_candidate

                frontier = resampled_frontier(
                    dataset.returns,
                    result.constraints,
                    result.inputs,
                    profile,
                    resamples=args.resample,
                )
                result = with_candidate(
                    result, resampled_candidate(frontier, result.inputs, profile)
                )
            results.append(result)
        plan = _rebalance_plan(args.holdings, results[0]) if args.holdings else None
        charts = render_pdf = None
        if (
            not args.no_charts
        ):  # Qt is imported here only, so the import of this module stays Qt-free
            from app.shell.chart_export import write_charts
            from app.shell.memo_pdf import render_memo_pdf

            charts, render_pdf = write_charts, render_memo_pdf
        paths = export_report(
            results, args.out, rebalance=plan, charts=charts, render_pdf=render_pdf
        )
    except IPSStudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Data mode: {dataset.mode.value} ({dataset.provenance.source})")
    for r in results:
        rec = r.recommended
        status = "passes every policy rule" if rec.passes else "DOES NOT pass every policy rule"
        print(f"{r.profile.name}: IPS Recommended Portfolio = {rec.name} ({status})")
    print(f"Wrote {len(paths)} files to {args.out}")
    print(DISCLAIMER)
    return 0
