"""How sure is the pick? The recommendation under a stationary block bootstrap of the sample.

Each bootstrap sample is a history of the sample's own length ``T`` months, drawn with
:func:`core.outlook.bootstrap.stationary_bootstrap_indices` (all ETFs and the risk-free rate
move together each month; blocks of consecutive months, expected length 12). Two answers:

- **Drawdown breach probability**: the share of samples on which the *recommended weights*
  (held fixed, rebalanced monthly) have a compounded maximum drawdown (peak-to-trough loss,
  ``W_0 = 1`` counts as a peak, as the validation measures it) deeper than the IPS tolerance.
- **Pick frequency**: the whole selection is re-run on each sample: inputs re-estimated with the
  same estimators, every candidate rebuilt, validated on that sample (ex-ante volatility from
  the sample's covariance, drawdown on the sample's path) and the selection rule applied. The
  share of samples that pick the same candidate as the original analysis, and the share of each
  candidate. A sample on which no candidate passes every rule counts as "no compliant
  candidate" (the rule's fallback is not a pick), one on which none can be built as "no pick".

Reproducible: the same ``seed`` and settings give the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import DataError, IPSStudioError
from core.jobs import CancelToken, ProgressCallback, no_progress
from core.optimize.candidates import penalized_utility, portfolio_volatility
from core.optimize.registry import candidate_builders
from core.outlook.bootstrap import stationary_bootstrap_indices
from core.outlook.simulation import DEFAULT_BLOCK_LENGTH
from core.pipeline import AnalysisResult, estimate_for, select_recommended
from core.policy.validation import ValidationReport, validate_portfolio

DEFAULT_SAMPLES = 200
DEFAULT_SEED = 16
NO_PICK = "no candidate built"
NO_COMPLIANT = "no compliant candidate"


@dataclass(frozen=True)
class PickStability:
    """The bootstrap answers (module docstring). Probabilities are shares in [0, 1].

    ``drawdowns`` shape (samples,): the recommended weights' maximum drawdown on each sample,
    a positive loss. ``picks``: the name picked on each sample, in draw order.
    """

    samples: int
    seed: int
    block_length: float
    months: int
    recommended: str
    drawdown_tolerance: float
    drawdowns: np.ndarray
    picks: tuple[str, ...]

    @property
    def breach_probability(self) -> float:
        """Share of samples whose maximum drawdown is deeper than the tolerance."""
        return float(np.mean(self.drawdowns > self.drawdown_tolerance))

    @property
    def same_pick_share(self) -> float:
        """Share of samples on which the selection picks the original recommendation."""
        return self.pick_shares().get(self.recommended, 0.0)

    def pick_shares(self) -> dict[str, float]:
        """Candidate name -> share of samples that pick it, most frequent first."""
        names, counts = np.unique(np.array(self.picks), return_counts=True)
        order = sorted(zip(names, counts, strict=True), key=lambda nc: (-nc[1], str(nc[0])))
        return {str(n): float(c) / self.samples for n, c in order}

    def to_frame(self) -> pd.DataFrame:
        """One row per candidate picked on some sample: ``candidate``, ``share_picked``."""
        return pd.DataFrame(
            [{"candidate": k, "share_picked": v} for k, v in self.pick_shares().items()],
            columns=["candidate", "share_picked"],
        )

    def sentence(self) -> str:
        """The committee's answer in one sentence."""
        return (
            f"Under a stationary block bootstrap of the {self.months}-month sample ({self.samples} "
            f"samples, expected block {self.block_length:g} months, seed {self.seed}), "
            f"{self.recommended} breaches the {self.drawdown_tolerance:.0%} drawdown tolerance "
            f"on {self.breach_probability:.0%} of samples (median maximum drawdown "
            f"{float(np.median(self.drawdowns)):.1%}), and re-running the whole selection picks "
            f"it again on {self.same_pick_share:.0%} of them"
            + (
                " (otherwise: "
                + ", ".join(
                    f"{name} {share:.0%}"
                    for name, share in self.pick_shares().items()
                    if name != self.recommended
                )
                + ")."
                if self.same_pick_share < 1
                else "."
            )
        )


@dataclass(frozen=True)
class _Verdict:
    """A candidate as the selection rule reads it (:class:`core.pipeline.Selectable`)."""

    name: str
    validation: ValidationReport
    utility: float

    @property
    def passes(self) -> bool:
        return self.validation.passed


def select_on_sample(
    result: AnalysisResult, returns: pd.DataFrame, risk_free: pd.Series | None
) -> str:
    """The selection of :func:`core.pipeline.run_analysis` re-run on ``returns`` (universe
    columns): the same estimators, candidates, validation and rule, without the performance
    metrics the selection does not read. Returns the name picked, :data:`NO_COMPLIANT` when no
    candidate passes every rule, :data:`NO_PICK` when none can be built."""
    profile, universe = result.profile, result.universe
    try:
        inputs = estimate_for(profile, universe, returns, risk_free, result.settings)
    except IPSStudioError:
        return NO_PICK
    matrix = returns.to_numpy()
    verdicts = []
    for strategy, build in candidate_builders(
        profile, universe, inputs, result.constraints, returns
    ):
        try:
            w = build().weights
        except IPSStudioError:
            continue
        name = strategy.value
        validation = validate_portfolio(
            w,
            profile,
            universe,
            ex_ante_volatility=portfolio_volatility(w, inputs.covariance),
            historical_max_drawdown=-float(path_max_drawdowns((matrix @ w)[None, :])[0]),
        )
        utility = penalized_utility(w, inputs, profile.risk_aversion, profile.concentration_penalty)
        verdicts.append(_Verdict(name, validation, utility))
    if not verdicts:
        return NO_PICK
    name, _reason = select_recommended(verdicts)
    return name if next(v for v in verdicts if v.name == name).passes else NO_COMPLIANT


def path_max_drawdowns(path_returns: np.ndarray) -> np.ndarray:
    """Compounded maximum drawdown of each row, shape (samples,), positive losses.

    ``path_returns`` shape (samples, T): monthly simple returns; wealth starts at 1 before the
    first month, which counts as a peak.
    """
    wealth = np.cumprod(1.0 + path_returns, axis=1)
    peaks = np.maximum.accumulate(np.maximum(wealth, 1.0), axis=1)
    return np.asarray(1.0 - (wealth / peaks).min(axis=1))


def bootstrap_indices(months: int, samples: int, block_length: float, seed: int) -> np.ndarray:
    """The bootstrap rows, shape (samples, months), from ``np.random.default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    return stationary_bootstrap_indices(months, samples, months, block_length, rng)


def pick_stability(
    result: AnalysisResult,
    *,
    samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
    block_length: float = DEFAULT_BLOCK_LENGTH,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> PickStability:
    """The pick's stability for ``result`` (a :class:`core.pipeline.AnalysisResult`).

    Raises
    ------
    DataError
        ``samples`` below 1, or a block length below 1 month.
    CancelledError
        ``cancel`` was set (checked between samples).
    """
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise DataError(f"Bootstrap samples is {samples!r}; use a whole number of at least 1.")
    report = progress or no_progress
    token = cancel or CancelToken()
    tickers = list(result.universe.tickers)
    returns = result.dataset.returns[tickers]
    months = len(returns)
    indices = bootstrap_indices(months, samples, block_length, seed)
    weights = result.recommended.weights.to_numpy()
    drawdowns = path_max_drawdowns(returns.to_numpy()[indices] @ weights)
    risk_free = result.dataset.risk_free
    picks: list[str] = []
    for k, rows in enumerate(indices):
        token.raise_if_cancelled()
        if k % 5 == 0:
            report(k / samples, f"Re-running the selection on sample {k + 1} of {samples}")
        sample_returns = pd.DataFrame(
            returns.to_numpy()[rows], index=returns.index, columns=tickers
        )
        sample_rf = (
            None
            if risk_free is None
            else pd.Series(risk_free.to_numpy()[rows], index=returns.index)
        )
        picks.append(select_on_sample(result, sample_returns, sample_rf))
    report(1.0, "Done")
    return PickStability(
        samples=samples,
        seed=seed,
        block_length=float(block_length),
        months=months,
        recommended=result.recommended_name,
        drawdown_tolerance=result.profile.max_drawdown,
        drawdowns=drawdowns,
        picks=tuple(picks),
    )
