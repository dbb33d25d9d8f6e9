"""Worker body of the Compare tab: :func:`core.branches.compare.compare_policies` with the
``progress`` / ``cancel`` protocol of :mod:`core.jobs`, run off the GUI thread. No Qt here."""

from __future__ import annotations

from core.branches.compare import compare_policies
from core.branches.table import PolicyComparison
from core.data.dataset import ReturnsDataset
from core.jobs import CancelToken, ProgressCallback
from core.project import Project

COMPARE_JOB = "compare"


def comparison_job(
    project: Project, dataset: ReturnsDataset, *, progress: ProgressCallback, cancel: CancelToken
) -> PolicyComparison:
    comparison = compare_policies(project, dataset, progress=progress, cancel=cancel)
    cancel.raise_if_cancelled()
    return comparison
