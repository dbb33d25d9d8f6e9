"""Worker bodies of the Risk and Stress tabs: core calls with the ``progress`` / ``cancel``
protocol of :mod:`core.jobs`, run by :class:`app.workers.Job` off the GUI thread.

Each returns its input result with the output, so a slot can drop an answer that arrives for a
result (or a window, or a scenario list) no longer on screen. No Qt here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from core.analytics.risk_report import RiskReport, build_risk_report, recommended_rolling
from core.jobs import CancelToken, ProgressCallback
from core.pipeline import AnalysisResult
from core.stress.engine import StressResult, stress_analysis
from core.stress.scenarios import Scenario

RISK_JOB, ROLLING_JOB, STRESS_JOB = "risk_report", "rolling", "stress"


@dataclass(frozen=True)
class RiskAnswer:
    result: AnalysisResult
    report: RiskReport


@dataclass(frozen=True)
class RollingAnswer:
    result: AnalysisResult
    window: int
    rolling: pd.DataFrame


@dataclass(frozen=True)
class StressAnswer:
    result: AnalysisResult
    custom: tuple[Scenario, ...]
    stress: StressResult


def risk_report_job(
    result: AnalysisResult, window: int, *, progress: ProgressCallback, cancel: CancelToken
) -> RiskAnswer:
    progress(0.0, "Risk report")
    report = build_risk_report(result, window=window)
    cancel.raise_if_cancelled()
    progress(1.0, "Risk report")
    return RiskAnswer(result, report)


def rolling_job(
    result: AnalysisResult, window: int, *, progress: ProgressCallback, cancel: CancelToken
) -> RollingAnswer:
    """The rolling metrics alone, with the same inputs as :func:`build_risk_report` uses."""
    progress(0.0, "Rolling metrics")
    frame = recommended_rolling(result, window)
    cancel.raise_if_cancelled()
    return RollingAnswer(result, window, frame)


def stress_job(
    result: AnalysisResult,
    custom: Sequence[Scenario],
    *,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> StressAnswer:
    progress(0.0, "Stress scenarios")
    stress = stress_analysis(result, tuple(custom)).evaluated()  # the GUI thread only reads figures
    cancel.raise_if_cancelled()
    return StressAnswer(result, tuple(custom), stress)
