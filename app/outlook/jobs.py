"""Worker body of the Outlook tab: :func:`core.outlook.analysis.analysis_outlook` with the
``progress`` / ``cancel`` protocol of :mod:`core.jobs`, run by :class:`app.kit.workers.Job` off
the GUI thread. It returns its input result with the answer (inside
:class:`~core.outlook.analysis.AnalysisOutlook`), so a slot can drop an answer for a result no
longer on screen. No Qt here.
"""

from __future__ import annotations

from core.jobs import CancelToken, ProgressCallback
from core.outlook.analysis import AnalysisOutlook, analysis_outlook
from core.outlook.simulation import SimulationSettings
from core.pipeline import AnalysisResult
from core.rebalance.account import Holdings

OUTLOOK_JOB = "outlook"


def outlook_job(
    result: AnalysisResult,
    settings: SimulationSettings,
    holdings: Holdings | None = None,
    *,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> AnalysisOutlook:
    answer = analysis_outlook(result, settings, holdings=holdings, progress=progress, cancel=cancel)
    cancel.raise_if_cancelled()
    return answer
