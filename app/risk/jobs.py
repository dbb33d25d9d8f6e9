"""Worker bodies of the Risk tab: core calls with the ``progress`` / ``cancel``
protocol of :mod:`core.jobs`, run by :class:`app.kit.workers.Job` off the GUI thread.

Each returns its input result with the output, so a slot can drop an answer that arrives for a
result (or a window, or a scenario list) no longer on screen. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.analytics.risk_report import RiskReport, build_risk_report, recommended_rolling
from core.jobs import CancelToken, ProgressCallback
from core.pipeline import AnalysisResult

RISK_JOB, ROLLING_JOB = "risk_report", "rolling"


@dataclass(frozen=True)
class RiskAnswer:
    result: AnalysisResult
    report: RiskReport


@dataclass(frozen=True)
class RollingAnswer:
    result: AnalysisResult
    window: int
    rolling: pd.DataFrame


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
