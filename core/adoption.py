"""The committee adopts the resampled portfolio as its recommendation (issue 15, #15).

Resampling (:mod:`core.optimize.resampling`) is a robustness check: its portfolio is shown beside
the optimizer's pick and changes nothing. *Adopting* it is the committee's decision, recorded as
an :class:`AdoptedPortfolio` (saved in the project): the weights it adopted and what produced
them (draws, method, seed, frontier points; the IPS, data and estimators it was computed on).

:func:`with_adoption` makes an analysis result show that decision: the adopted weights become
the ``Resampled Frontier`` candidate and the IPS Recommended Portfolio, and the selection reason
says so (the result's :attr:`~core.pipeline.AnalysisResult.adoption` keeps the optimizer's pick
for :func:`without_adoption`). An adoption made for another IPS, other data, other estimators or
another universe, or whose weights break the IPS, is **not** applied: the optimizer's pick stays
the recommendation and the selection reason states why (:func:`adoption_problem`), so stale
weights never pass silently into a decision or a report.

Weights are decimal fractions of the portfolio (they sum to 1), in universe order.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from core.errors import DataError, PolicyError
from core.optimize.candidates import Candidate, Strategy
from core.optimize.resampling import ResampledFrontier, ResamplingMethod

if TYPE_CHECKING:
    from core.pipeline import AnalysisResult, AnalysisSettings
    from core.policy.profile import IPSProfile

ADOPTED_NAME = Strategy.RESAMPLED.value
"""The adopted portfolio's candidate name ("Resampled Frontier")."""


def profile_fingerprint(profile: IPSProfile) -> str:
    """SHA-256 of the profile's saved form: equal for equal policies, whatever their origin."""
    from core.policy.profile_io import profile_to_dict

    text = json.dumps(profile_to_dict(profile), sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def estimators_text(settings: AnalysisSettings) -> str:
    """The estimator choice the weights depend on, e.g. ``"LEDOIT_WOLF / HISTORICAL_MEAN / 36"``."""
    text = (
        f"{settings.covariance.name} / {settings.expected_returns.name} / "
        f"{settings.covariance_half_life:g}"
    )
    # Views and assumptions are estimator inputs too: a changed view makes other weights.
    import json

    from core.optimize.black_litterman import view_to_dict
    from core.optimize.market_assumptions import assumption_to_dict

    if settings.expected_returns.name == "BLACK_LITTERMAN":
        items = [view_to_dict(v) for v in settings.views]
    elif settings.expected_returns.name == "CAPITAL_MARKET_ASSUMPTIONS":
        items = [assumption_to_dict(a) for a in settings.market_assumptions]
    else:
        return text
    digest = hashlib.sha256(json.dumps(items, sort_keys=True).encode("utf-8")).hexdigest()
    return f"{text} / inputs {digest[:12]}"


@dataclass(frozen=True)
class AdoptedPortfolio:
    """A resampled portfolio the committee adopted as its recommendation.

    weights : ``{ticker: decimal weight}`` for every ETF of the universe, summing to 1.
    resamples, method, seed, points : the resampling that produced it.
    profile_name, profile_sha256 : the IPS it was computed under (:func:`profile_fingerprint`).
    returns_sha256 : the data set's returns hash (``DataProvenance.returns_sha256``).
    data_mode : the data mode then, in words, for messages.
    estimators : :func:`estimators_text` of the analysis settings then.
    replaced : the optimizer's pick it replaced, for the record.
    """

    weights: dict[str, float]
    resamples: int
    method: ResamplingMethod
    seed: int
    points: int
    profile_name: str
    profile_sha256: str
    returns_sha256: str
    data_mode: str
    estimators: str
    replaced: str

    def __post_init__(self) -> None:
        total = sum(self.weights.values())
        if not self.weights or not all(
            math.isfinite(w) and w >= -1e-9 for w in self.weights.values()
        ):
            raise DataError("An adopted portfolio needs a finite, non-negative weight per ETF.")
        if abs(total - 1.0) > 1e-6:
            raise DataError(
                f"The adopted portfolio's weights sum to {total:.6f}, not 1: resample and adopt "
                "again."
            )

    @property
    def settings_text(self) -> str:
        """``"500 draws, bootstrap, seed 20240601, 25 frontier points"``."""
        return (
            f"{self.resamples} draws, {self.method.value}, seed {self.seed}, "
            f"{self.points} frontier points"
        )

    @property
    def description(self) -> str:
        return (
            f"Adopted by the committee: the {ADOPTED_NAME} portfolio ({self.settings_text}) is the "
            f"IPS Recommended Portfolio in place of the optimizer's pick, {self.replaced}."
        )

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["method"] = self.method.name
        return data

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> AdoptedPortfolio:
        """Read the :meth:`to_dict` form; :class:`~core.errors.DataError` names a bad field."""
        if not isinstance(raw, Mapping):
            raise DataError("'adopted_recommendation' must be an object or null.")
        try:
            weights = raw["weights"]
            if not isinstance(weights, Mapping) or not all(
                isinstance(w, (int, float)) and not isinstance(w, bool) for w in weights.values()
            ):
                raise DataError(
                    "'adopted_recommendation.weights' must map each ticker to a number."
                )
            method = raw["method"]
            texts = {
                key: raw[key]
                for key in (
                    "profile_name",
                    "profile_sha256",
                    "returns_sha256",
                    "data_mode",
                    "estimators",
                    "replaced",
                )
            }
            numbers = {key: raw[key] for key in ("resamples", "seed", "points")}
        except KeyError as exc:
            raise DataError(
                f"'adopted_recommendation' has no '{exc.args[0]}': remove the section to drop "
                "the adoption, or save the project again from the application."
            ) from None
        if not isinstance(method, str) or method not in ResamplingMethod.__members__:
            raise DataError(
                f"'adopted_recommendation.method' is {method!r}; use one of "
                f"{', '.join(ResamplingMethod.__members__)}."
            )
        for key, value in texts.items():
            if not isinstance(value, str):
                raise DataError(f"'adopted_recommendation.{key}' must be text.")
        for key, value in numbers.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise DataError(f"'adopted_recommendation.{key}' must be a positive whole number.")
        return cls(
            weights={str(t): float(w) for t, w in weights.items()},
            method=ResamplingMethod[method],
            **numbers,
            **texts,
        )


def adopt(result: AnalysisResult, frontier: ResampledFrontier) -> AdoptedPortfolio:
    """The record of adopting ``result``'s Resampled Frontier candidate (made from ``frontier``).

    Raises
    ------
    DataError
        ``result`` has no Resampled Frontier candidate (resample first).
    PolicyError
        The resampled portfolio breaks a rule of the IPS (named): it cannot be recommended.
    """
    try:
        candidate = result.candidate(ADOPTED_NAME)
    except KeyError:
        raise DataError(
            f"There is no {ADOPTED_NAME} portfolio to adopt: press Resample first."
        ) from None
    if not candidate.passes:
        failed = "; ".join(
            f"{r.rule}: {r.comment}" for r in candidate.validation.rows if not r.passed
        )
        raise PolicyError(
            f"The {ADOPTED_NAME} portfolio breaks the IPS ({failed}), so it cannot be the "
            "recommendation: keep the optimizer's pick, or change the IPS and resample."
        )
    base = without_adoption(result)
    return AdoptedPortfolio(
        weights={t: float(candidate.weights[t]) for t in result.universe.tickers},
        resamples=frontier.resamples,
        method=frontier.method,
        seed=frontier.seed,
        points=len(frontier.volatilities),
        profile_name=result.profile.name,
        profile_sha256=profile_fingerprint(result.profile),
        returns_sha256=result.dataset.provenance.returns_sha256,
        data_mode=result.dataset.provenance.mode.value,
        estimators=estimators_text(result.settings),
        replaced=base.recommended_name,
    )


def adoption_problem(adopted: AdoptedPortfolio, result: AnalysisResult) -> str | None:
    """Why ``adopted`` does not apply to ``result`` (None when it does), in words."""
    if tuple(adopted.weights) != tuple(result.universe.tickers):
        return (
            "the universe changed since it was adopted (it holds "
            f"{', '.join(adopted.weights)}): resample and adopt again"
        )
    if profile_fingerprint(result.profile) != adopted.profile_sha256:
        return (
            f"the IPS changed since it was adopted (adopted under {adopted.profile_name!r} as it "
            "was then): resample and adopt again, or undo the IPS change"
        )
    if result.dataset.provenance.returns_sha256 != adopted.returns_sha256:
        return (
            f"the data changed since it was adopted (adopted on {adopted.data_mode} data, now "
            f"{result.dataset.provenance.mode.value} data with other returns): resample and "
            "adopt again"
        )
    if estimators_text(result.settings) != adopted.estimators:
        return (
            f"the estimators changed since it was adopted ({adopted.estimators} then, "
            f"{estimators_text(result.settings)} now): resample and adopt again"
        )
    return None


@dataclass(frozen=True)
class AppliedAdoption:
    """What :func:`with_adoption` did to a result: the record and the pick it replaced."""

    record: AdoptedPortfolio
    optimizer_pick: str
    optimizer_reason: str


def without_adoption(result: AnalysisResult) -> AnalysisResult:
    """``result`` with the optimizer's pick as the recommendation again (exactly as it was)."""
    applied = result.adoption
    if applied is None:
        return result
    return dataclasses.replace(
        result,
        recommended_name=applied.optimizer_pick,
        selection_reason=applied.optimizer_reason,
        adoption=None,
    )


def with_adoption(result: AnalysisResult, adopted: AdoptedPortfolio | None) -> AnalysisResult:
    """``result`` showing the committee's adoption (module docstring); None removes one."""
    from core.pipeline import with_candidate

    base = without_adoption(result)
    if adopted is None:
        return base
    problem = adoption_problem(adopted, base)
    if problem is None:
        weights = np.array([adopted.weights[t] for t in base.universe.tickers])
        candidate = Candidate(
            Strategy.RESAMPLED,
            weights,
            "Resampled frontier (adopted)",
            (
                f"Adopted by the committee ({adopted.settings_text}).",
                f"It replaced the optimizer's pick, {adopted.replaced}.",
            ),
        )
        shown = with_candidate(base, candidate)
        if not shown.candidate(ADOPTED_NAME).passes:
            problem = "its weights break the IPS now: resample and adopt again"
    if problem is not None:
        return dataclasses.replace(
            base,
            selection_reason=f"{base.selection_reason} The resampled portfolio the committee "
            f"adopted earlier is NOT applied: {problem}.",
        )
    # The optimizer's reason without "Resampled Frontier is shown for comparison only" (the
    # sentence core.pipeline.with_candidate adds): it is the recommendation now.
    comparison = f" {ADOPTED_NAME} is shown for comparison only; it was not part of the selection."
    optimizer = base.selection_reason.replace(comparison, "")
    return dataclasses.replace(
        shown,
        recommended_name=ADOPTED_NAME,
        selection_reason=f"{adopted.description} The optimizer's own pick: {optimizer}",
        adoption=AppliedAdoption(adopted, base.recommended_name, base.selection_reason),
    )
