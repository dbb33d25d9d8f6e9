"""Conditional (factor-propagated) scenarios: shock one or two ETFs, move the rest by the covariance.

Given shocks ``s`` on a set ``S`` of ETFs, every other ETF ``o`` moves by its conditional
expectation under a joint normal model with **zero means**:

.. math::

    E[r_o \\mid r_S = s] = \\Sigma_{oS}\\,\\Sigma_{SS}^{-1}\\,s

(for one shocked ETF this is ``beta * s`` with ``beta = cov(o, S) / var(S)``). Zero means is the
standard choice for a stress: the shock is read as a surprise, so expected returns over the
scenario are left out. The betas ``Sigma_oS Sigma_SS^-1`` do not change when the covariance is
scaled, so annualized and monthly covariances give the same implied shocks. The implied
shocks are decimal total returns (negative = loss); one below -100% is refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.resources import resource_path
from core.stress.scenarios import Scenario, ScenarioError, ScenarioKind, parse_shock

MODEL_NOTE = "conditional expectation from the covariance, zero means"


@dataclass(frozen=True)
class ConditionalSpec:
    """What the user shocks: ``{ticker: decimal total return}`` for one or two ETFs."""

    name: str
    shocks: dict[str, float]
    description: str = ""
    rationale: dict[str, str] = field(default_factory=dict)


def covariance_frame(covariance: np.ndarray, tickers: Sequence[str]) -> pd.DataFrame:
    """Label a covariance matrix, shape (n, n), with its tickers on both axes."""
    matrix = np.asarray(covariance, dtype=float)
    if matrix.shape != (len(tickers), len(tickers)):
        raise ScenarioError(
            f"The covariance is {matrix.shape}, but {len(tickers)} tickers were given."
        )
    return pd.DataFrame(matrix, index=list(tickers), columns=list(tickers))


def _check_covariance(covariance: pd.DataFrame) -> np.ndarray:
    matrix = covariance.to_numpy(dtype=float)
    if (
        matrix.ndim != 2
        or matrix.shape[0] != matrix.shape[1]
        or list(covariance.index) != list(covariance.columns)
    ):
        raise ScenarioError("The covariance must be square with the same tickers on both axes.")
    if not np.isfinite(matrix).all():
        raise ScenarioError("The covariance has missing or infinite entries: re-estimate it.")
    return matrix


def _shocked(covariance: pd.DataFrame, shocks: Mapping[str, object], name: str) -> dict[str, float]:
    if not shocks:
        raise ScenarioError(f"Scenario {name!r}: shock at least one ETF.")
    clean: dict[str, float] = {}
    for ticker, value in shocks.items():
        key = str(ticker).strip().upper()
        if key not in covariance.index:
            raise ScenarioError(
                f"Scenario {name!r}: ticker {key} ({value!r}) is not in the covariance "
                f"({', '.join(map(str, covariance.index))}); pick a universe ETF."
            )
        clean[key] = parse_shock(value, scenario=name, ticker=key)
    return clean


def conditional_betas(covariance: pd.DataFrame, shocked: Sequence[str]) -> pd.DataFrame:
    """The propagation matrix ``Sigma_oS Sigma_SS^-1``.

    Parameters
    ----------
    covariance : (n, n) DataFrame, tickers on both axes (any horizon; the betas are scale-free).
    shocked : the tickers that are shocked, ``k`` of them.

    Returns
    -------
    DataFrame, shape (n, k)
        Row ``o``, column ``j``: the move of ``o`` per unit move of shocked ETF ``j`` holding the
        other shocked ETFs fixed. Rows of shocked ETFs are the identity.
    """
    matrix = _check_covariance(covariance)
    names = list(covariance.index)
    idx = [names.index(t) for t in shocked]
    sigma_ss = matrix[np.ix_(idx, idx)]
    # a near-singular block means the shocked ETFs are (almost) collinear: conditioning on both
    # would be contradictory or meaningless, so refuse rather than return huge betas
    eigenvalues = np.linalg.eigvalsh(sigma_ss)
    if eigenvalues.min() <= 1e-10 * max(float(eigenvalues.max()), 1e-300):
        raise ScenarioError(
            f"{' and '.join(shocked)}: the covariance gives no independent variation to condition "
            "on (zero variance or perfectly correlated); shock a single ETF or another one."
        )
    betas = np.linalg.solve(
        sigma_ss, matrix[idx, :]
    ).T  # (n, k) = Sigma_oS Sigma_SS^-1 (Sigma_SS symmetric)
    frame = pd.DataFrame(betas, index=names, columns=list(shocked))
    frame.loc[list(shocked), :] = np.eye(len(idx))
    return frame


def conditional_shocks(
    covariance: pd.DataFrame, shocks: Mapping[str, object], *, name: str = "Conditional"
) -> pd.Series:
    """Implied decimal total return of every ETF given the shocked ones (module formula).

    Returns
    -------
    Series indexed like ``covariance``; shocked ETFs carry their own shock exactly.
    """
    clean = _shocked(covariance, shocks, name)
    betas = conditional_betas(covariance, list(clean))
    implied = betas.to_numpy() @ np.array(list(clean.values()))
    result = pd.Series(implied, index=betas.index, name=name)
    for ticker, value in clean.items():
        result[ticker] = value
    return result


def conditional_scenario(spec: ConditionalSpec, covariance: pd.DataFrame) -> Scenario:
    """A :class:`Scenario` of kind CONDITIONAL whose notes show each implied shock's betas."""
    clean = _shocked(covariance, spec.shocks, spec.name)
    betas = conditional_betas(covariance, list(clean))
    implied = conditional_shocks(covariance, clean, name=spec.name)
    notes: dict[str, str] = {}
    for ticker in implied.index:
        if ticker in clean:
            notes[ticker] = spec.rationale.get(ticker) or "shocked by the user"
        else:
            terms = " + ".join(f"{betas.loc[ticker, s]:.3f} x {clean[s]:+.2%} ({s})" for s in clean)
            notes[ticker] = f"{terms} = {implied[ticker]:+.2%}; {MODEL_NOTE}"
    try:
        return Scenario(
            name=spec.name,
            kind=ScenarioKind.CONDITIONAL,
            shocks=implied.to_dict(),
            description=spec.description,
            notes=notes,
            source=f"Shocked: {', '.join(f'{t} {v:+.1%}' for t, v in clean.items())}; {MODEL_NOTE}",
        )
    except ScenarioError as exc:
        raise ScenarioError(
            f"{exc} The covariance implies this from the shocked ETFs: use a smaller shock."
        ) from None


def conditional_specs_from_dict(
    data: Mapping[str, Any], origin: str = "conditional.json"
) -> tuple[ConditionalSpec, ...]:
    """Parse ``{"scenarios": [{"name", "description", "shocks": {T: {"value", "rationale"}}}]}``."""
    items = data.get("scenarios") if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        raise ScenarioError(f"{origin}: expected a 'scenarios' list.")
    specs = []
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("shocks"), Mapping):
            raise ScenarioError(f"{origin}: each scenario needs a name and a 'shocks' object.")
        name = str(item.get("name", "")).strip()
        shocks: dict[str, float] = {}
        rationale: dict[str, str] = {}
        for ticker, entry in item["shocks"].items():
            value = entry.get("value") if isinstance(entry, Mapping) else entry
            shocks[ticker] = parse_shock(value, scenario=name, ticker=ticker)
            if isinstance(entry, Mapping) and entry.get("rationale"):
                rationale[ticker] = str(entry["rationale"])
        specs.append(
            ConditionalSpec(
                name=name,
                shocks=shocks,
                description=str(item.get("description", "")),
                rationale=rationale,
            )
        )
    return tuple(specs)


def load_conditional_specs(path: str | Path | None = None) -> tuple[ConditionalSpec, ...]:
    """The bundled conditional scenarios (``resources/scenarios/conditional.json``) or a given file."""
    file = Path(path) if path is not None else resource_path("scenarios", "conditional.json")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"Scenario data file {file} does not exist.") from None
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            f"{file.name}: not valid JSON at line {exc.lineno}: {exc.msg}."
        ) from None
    return conditional_specs_from_dict(data, origin=file.name)
