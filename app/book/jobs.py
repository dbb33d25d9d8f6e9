"""The book job: load, analyse each profile once, check every account (in the job's thread,
or on a Dask LocalCluster when ``workers`` is given); Qt-free."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from core.book.check import ProfileTargets, profile_targets
from core.book.engine import BookProgress, local_cluster, run_book
from core.book.loader import load_book
from core.book.model import AccountResult, Book
from core.book.tables import exceptions_table
from core.jobs import CancelToken, ProgressCallback


@dataclass(frozen=True)
class BookAnswer:
    """The book, the results in its order, the targets by profile key and the exceptions table."""

    book: Book
    results: tuple[AccountResult, ...]
    targets: dict[str, ProfileTargets]
    exceptions: pd.DataFrame

    def account(self, account_id: str) -> Any:
        return next(a for a in self.book.accounts if a.account_id == account_id)


def book_job(
    path: str | Path,
    dataset: Any,
    universe: Any,
    *,
    workers: int | None = None,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> BookAnswer:
    progress(0.0, "Reading the book")
    book = load_book(path, universe=universe, prices=dataset.prices)
    targets = {}
    for key, profile in book.profiles.items():
        cancel.raise_if_cancelled()
        progress(0.0, f"Analysing {profile.name}")
        targets[key] = profile_targets(key, profile, dataset, universe)

    def report(p: BookProgress) -> None:
        progress(p.done / max(p.total, 1), str(p))

    if workers is None:
        results = run_book(book.accounts, targets, progress=report, cancel=cancel)
    else:
        with local_cluster(workers) as client:
            results = run_book(
                book.accounts, targets, client=client, progress=report, cancel=cancel
            )
    return BookAnswer(book, results, targets, exceptions_table(results))
