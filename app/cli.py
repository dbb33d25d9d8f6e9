"""Headless pipeline: ``python -m app report --out DIR [--profile NAME|all] [--returns FILE]
[--data synthetic|market]``. Runs exactly what the window runs and writes the report files.

This module never imports Qt, so it runs on a machine without a display.
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
    parser.add_argument("--profile", default="Balanced Growth",
                        help="bundled profile name, a profile JSON file, or 'all' (default: Balanced Growth)")
    parser.add_argument("--returns", type=Path, default=None,
                        help="CSV of monthly returns or prices (date column + tickers); sets the mode to IMPORTED")
    parser.add_argument("--data", choices=("synthetic", "market"), default="synthetic",
                        help="synthetic (default, deterministic, offline) or market (cached Yahoo Finance "
                             "prices; download first with --refresh)")
    parser.add_argument("--refresh", action="store_true",
                        help="with --data market: download fresh prices now (network) and update the cache")
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
    raise IPSStudioError(f"Unknown profile {spec!r}: use one of {', '.join(bundled)}, 'all', or a profile JSON file.")


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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; ``argv`` may start with the ``report`` sub-command word, which is skipped."""
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["report"]:
        words = words[1:]
    args = build_parser().parse_args(words)
    try:
        from core.pipeline import run_analysis
        from core.report.files import write_analysis_files
        from core.report.publish import publish
        from core.universe import default_universe

        universe = default_universe()
        profiles = _profiles(args.profile)
        dataset = _dataset(args, universe)
        results = []
        for profile in profiles:
            results.append(run_analysis(profile, dataset, universe))
        paths = publish(args.out, lambda stage: write_analysis_files(results, stage))
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
