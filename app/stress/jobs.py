"""Worker body of the Stress tab: a core call with the ``progress`` / ``cancel`` protocol of
:mod:`core.jobs`, run by :class:`app.kit.workers.Job` off the GUI thread.

It returns its input result and scenarios with the output, so a slot can drop an answer that
arrives for a result (or a scenario list) no longer on screen. No Qt here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.jobs import CancelToken, ProgressCallback
from core.outlook.reverse_stress import ReverseStress, recommended_reverse_stress
from core.pipeline import AnalysisResult
from core.stress.engine import StressResult, stress_analysis
from core.stress.scenarios import Scenario

STRESS_JOB = "stress"


@dataclass(frozen=True)
class StressAnswer:
    result: AnalysisResult
    custom: tuple[Scenario, ...]
    stress: StressResult
    reverse: ReverseStress | None = None


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
    return StressAnswer(result, tuple(custom), stress, recommended_reverse_stress(result))
