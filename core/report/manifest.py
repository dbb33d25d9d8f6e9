"""``run_manifest.json``: what a report folder holds and what produced it.

The manifest records the schema version, the application version, the UTC time, the data mode,
the profiles and their recommendations, the input hashes from the dataset's provenance, the
versions of the packages that computed the numbers, and the SHA-256 and size of every other
file of the report (paths relative to the report folder, ``/``-separated). It is written last,
into the same staging folder, so it describes exactly the files published with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core import __version__
from core.report.publish import MANIFEST_NAME

if TYPE_CHECKING:
    from core.pipeline import AnalysisResult

SCHEMA_VERSION = 1
PACKAGES = (
    "numpy",
    "pandas",
    "scipy",
    "daqp",
    "openpyxl",
    "PySide6",
    "PySide6-Essentials",
    "pyqtgraph",
    "yfinance",
)


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str]:
    """Installed versions of ``names`` (without importing them); absent packages are left out."""
    out = {"python": platform.python_version(), "ips-allocation-studio": __version__}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def build_manifest(
    results: Sequence[AnalysisResult],
    folder: str | Path,
    *,
    created_utc: str | None = None,
    made_from: Mapping[str, Any] | None = None,
    fingerprint: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest of the files now in ``folder`` (every file but the manifest itself).

    ``made_from`` records the state the report was computed from (:func:`report_state`: the IPS
    profiles, the account with its prices and their sources, the trade settings, the custom
    scenarios and the portfolio value), so a reader can tell which screen the pack shows.
    ``fingerprint`` (:class:`core.decision.fingerprint.RunFingerprint` as a dict: the IPS
    profile hash and schema, the returns hash, the holdings hash and the code revision) is what
    the decision log records, so an approved decision can be matched to a report folder.
    """
    root = Path(folder)
    first = results[0]
    prov = first.dataset.provenance
    files = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        if relative == MANIFEST_NAME:
            continue
        files[relative] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    return {
        "schema_version": SCHEMA_VERSION,
        "application": f"IPS Allocation Studio {__version__}",
        "created_utc": created_utc
        or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "data_mode": prov.mode.value,
        "profiles": [r.profile.name for r in results],
        "recommended": {r.profile.name: r.recommended_name for r in results},
        "policy_compliant": {r.profile.name: r.recommended.passes for r in results},
        # The resampled portfolio a committee adopted, with what produced it (core.adoption).
        "adopted_recommendation": {
            r.profile.name: r.adoption.record.to_dict() for r in results if r.adoption is not None
        },
        "inputs": {
            "source": prov.source,
            "start": prov.start,
            "end": prov.end,
            "months": prov.months,
            "returns_sha256": prov.returns_sha256,
            "input_sha256": prov.input_sha256,
            "seed": prov.seed,
            "fetched_at": prov.fetched_at,
            "proxies": dict(prov.proxies),
            "estimation": {r.profile.name: r.inputs.describe() for r in results},
        },
        "made_from": dict(made_from or {}),
        "fingerprint": dict(fingerprint or {}),
        "packages": package_versions(),
        "files": files,
    }


def report_state(
    results: Sequence[AnalysisResult], plans: Mapping[str, Any], stress_results: Sequence[Any]
) -> dict[str, Any]:
    """What a report was made from, as JSON: every profile in full, the first profile's
    account (shares, prices with their source, cash) and trade settings, the custom stress
    scenarios with their shocks, and the portfolio value behind the dollar figures."""
    from core.policy.profile_io import profile_to_dict
    from core.stress.scenarios import ScenarioKind, scenario_to_dict

    state: dict[str, Any] = {
        "profiles": {r.profile.name: profile_to_dict(r.profile) for r in results},
        "portfolio_value": results[0].settings.portfolio_value_text if results else None,
    }
    plan = plans.get(results[0].profile.name) if results else None
    if plan is not None:
        state["account"] = {
            "positions": {line.ticker: line.current_shares for line in plan.lines},
            "prices": {line.ticker: line.price for line in plan.lines},
            "price_sources": {
                line.ticker: (line.price_source.label if line.price_source else "typed")
                for line in plan.lines
            },
            "cash": plan.cash_before,
            "method": plan.method.value,
            "cash_buffer": plan.cash_buffer,
            "contribution": plan.contribution,
        }
    if stress_results:
        state["custom_scenarios"] = [
            scenario_to_dict(o.scenario)
            for o in stress_results[0].outcomes
            if o.scenario.kind is ScenarioKind.CUSTOM
        ]
    return state


def write_manifest(
    results: Sequence[AnalysisResult],
    folder: str | Path,
    *,
    created_utc: str | None = None,
    made_from: Mapping[str, Any] | None = None,
    fingerprint: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``run_manifest.json`` into ``folder`` (module docstring); returns its path."""
    path = Path(folder) / MANIFEST_NAME
    manifest = build_manifest(
        results, folder, created_utc=created_utc, made_from=made_from, fingerprint=fingerprint
    )
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path
