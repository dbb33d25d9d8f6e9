"""What a decision or a report was computed from, as hashes: :class:`RunFingerprint`.

The same four figures go into the decision log (:mod:`core.decision.log`) and the run
manifest (``run_manifest.json``, key ``fingerprint``), so a reader can check that an approved
decision and a report folder describe the same policy, data, account and code:

* ``profile_sha256``: SHA-256 of the IPS profile's file form (``profile_to_dict``) as canonical
  JSON (sorted keys, no spaces); ``profile_schema`` is the profile file's schema version (the
  IPS itself carries no version number: its hash identifies its content).
* ``data_sha256``: the data set's ``returns_sha256`` (its provenance; the manifest's
  ``inputs.returns_sha256``).
* ``holdings_sha256``: SHA-256 of the canonical JSON of the account as it is valued: the
  positions held (shares > 0), the price of each of them, and the cash; None without holdings.
* ``code_revision``: ``git describe --always --dirty`` of the source checkout when it is one
  (``"git <describe>"``), otherwise the installed package version (``"package <version>"``).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.data.dataset import ReturnsDataset
    from core.policy.profile import IPSProfile
    from core.rebalance.account import Holdings


def canonical_sha256(data: Any) -> str:
    """Hex SHA-256 of ``data`` as canonical JSON (sorted keys, ``,``/``:`` separators, UTF-8)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def profile_sha256(profile: IPSProfile) -> str:
    """The hash of the module docstring for an IPS profile."""
    from core.policy.profile_io import profile_to_dict

    return canonical_sha256(profile_to_dict(profile))


def account_sha256(positions: Mapping[str, float], prices: Mapping[str, float], cash: float) -> str:
    """The holdings hash of the module docstring from shares, prices (per ticker) and cash."""
    held = {str(t): float(s) for t, s in positions.items() if s > 0}
    return canonical_sha256(
        {
            "positions": held,
            "prices": {t: float(prices[t]) for t in held},
            "cash": float(cash),
        }
    )


def holdings_sha256(holdings: Holdings | None) -> str | None:
    """:func:`account_sha256` of ``holdings`` (None without holdings)."""
    if holdings is None:
        return None
    return account_sha256(holdings.positions, holdings.prices, holdings.cash)


def plan_holdings_sha256(plan: Any) -> str | None:
    """:func:`account_sha256` of the account a rebalancing plan started from (None without)."""
    if plan is None:
        return None
    return account_sha256(
        {line.ticker: line.current_shares for line in plan.lines},
        {line.ticker: line.price for line in plan.lines},
        plan.cash_before,
    )


@functools.lru_cache(maxsize=1)
def code_revision() -> str:
    """``"git <describe>"`` of the source checkout, else ``"package <version>"`` (docstring)."""
    import subprocess

    from core import __version__

    root = Path(__file__).resolve().parents[2]
    if (root / ".git").exists():
        try:
            done = subprocess.run(
                ["git", "describe", "--always", "--dirty", "--tags"],
                cwd=root,
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            done = None
        if done is not None and done.returncode == 0 and done.stdout.strip():
            return f"git {done.stdout.strip()}"
    return f"package {__version__}"


@dataclass(frozen=True)
class RunFingerprint:
    """The hashes of the module docstring (hex SHA-256 strings)."""

    profile_sha256: str
    profile_schema: int
    data_sha256: str
    holdings_sha256: str | None
    code_revision: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> RunFingerprint:
        """The fingerprint of :meth:`to_dict` (KeyError/TypeError when a field is missing)."""
        holdings = raw["holdings_sha256"]
        return cls(
            profile_sha256=str(raw["profile_sha256"]),
            profile_schema=int(raw["profile_schema"]),
            data_sha256=str(raw["data_sha256"]),
            holdings_sha256=None if holdings is None else str(holdings),
            code_revision=str(raw["code_revision"]),
        )


def run_fingerprint(
    profile: IPSProfile,
    dataset: ReturnsDataset,
    holdings_hash: str | None,
    *,
    revision: str | None = None,
) -> RunFingerprint:
    """The fingerprint of ``profile`` analysed on ``dataset`` with an account of hash
    ``holdings_hash`` (:func:`holdings_sha256`), by the running code unless ``revision``."""
    from core.policy.profile_io import SCHEMA_VERSION

    return RunFingerprint(
        profile_sha256=profile_sha256(profile),
        profile_schema=SCHEMA_VERSION,
        data_sha256=dataset.provenance.returns_sha256,
        holdings_sha256=holdings_hash,
        code_revision=revision if revision is not None else code_revision(),
    )


def project_fingerprint(
    project: Any, dataset: ReturnsDataset, profile: IPSProfile | None = None
) -> RunFingerprint:
    """The fingerprint of ``profile`` (default: the project's working policy) on ``dataset``
    with the project's account valued at the data set's prices, as the report values it
    (:func:`core.report.inputs.priced_project`), so it matches that report's manifest."""
    from core.report.inputs import priced_project

    priced = priced_project(project, dataset)
    return run_fingerprint(
        profile if profile is not None else project.profile,
        dataset,
        holdings_sha256(priced.holdings),
    )
