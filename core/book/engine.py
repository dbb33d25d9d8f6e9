"""Run the pass over a book: in this process, or on a Dask cluster by chunks of accounts.

The work is :func:`core.book.check.check_chunk` on chunks of :data:`DEFAULT_CHUNK` accounts;
the targets of every profile (:class:`~core.book.check.ProfileTargets`, computed once per
profile beforehand) are sent to each worker once (``scatter(..., broadcast=True)``). Results
come back as they finish and are put back in the book's order, so every engine gives the same
list. Dask is the engine on purpose: :func:`local_cluster` starts a ``LocalCluster`` of worker
processes in this process, and an existing ``dask.distributed`` scheduler is reached by its
address (:func:`connect`); the same code sends the chunks to either.

Progress is reported as :class:`BookProgress` (accounts done, failed, remaining) after every
chunk. Cancellation (:class:`~core.jobs.CancelToken`, or Ctrl+C in the caller) cancels the
chunks not yet done and raises :class:`~core.jobs.CancelledError`: nothing is returned, so
nothing half-done can be written.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from core.book.check import ProfileTargets, check_chunk
from core.book.model import AccountResult, BookAccount
from core.jobs import CancelToken

DEFAULT_CHUNK = 50
"""Accounts per task: about 1-3 s of work, so the scheduler's per-task cost (about 1 ms) is
negligible and progress still moves often."""


@dataclass(frozen=True)
class BookProgress:
    """Accounts done so far (``failed`` of them could not be traded) out of ``total``."""

    done: int
    failed: int
    total: int

    @property
    def remaining(self) -> int:
        return self.total - self.done

    def __str__(self) -> str:
        return f"{self.done:,} of {self.total:,} accounts done, {self.failed:,} failed, {self.remaining:,} remaining"


ProgressReport = Callable[[BookProgress], None]


def chunked(accounts: Sequence[BookAccount], size: int) -> list[list[BookAccount]]:
    """``accounts`` in consecutive chunks of ``size`` (the last one shorter)."""
    if size < 1:
        raise ValueError("The chunk size must be at least 1 account.")
    return [list(accounts[i : i + size]) for i in range(0, len(accounts), size)]


def _failed_chunk(chunk: list[BookAccount], error: BaseException) -> list[AccountResult]:
    """The accounts of a chunk whose task failed (a worker lost, a bug), each marked failed."""
    message = f"the worker failed on this chunk: {type(error).__name__}: {error}"
    return [
        AccountResult(
            a.account_id,
            a.name,
            a.household,
            a.profile,
            a.holdings.total_value,
            a.holdings.cash,
            in_ips=False,
            in_bands=False,
            post_trade_in_ips=None,
            exceptions=(),
            trades=(),
            turnover=0.0,
            cost=0.0,
            cash_after=None,
            error=message,
        )
        for a in chunk
    ]


def run_book(
    accounts: Sequence[BookAccount],
    targets: dict[str, ProfileTargets],
    *,
    client: Any | None = None,
    chunk_size: int | None = None,
    progress: ProgressReport | None = None,
    cancel: CancelToken | None = None,
) -> tuple[AccountResult, ...]:
    """Check and trade every account; results in the order of ``accounts``.

    Parameters
    ----------
    accounts : sequence of BookAccount
        Each account's ``profile`` must be a key of ``targets``.
    targets : dict
        ``{profile key: ProfileTargets}`` (:func:`core.book.check.profile_targets`).
    client : dask.distributed.Client, optional
        Run the chunks on its cluster; None runs them one after another in this process.
    chunk_size : int, optional
        Accounts per task; default :data:`DEFAULT_CHUNK`, fewer when that would leave a
        worker idle (at least four chunks per worker).
    progress : callable, optional
        Called with a :class:`BookProgress` after every chunk (and once at the start).
    cancel : CancelToken, optional

    Raises
    ------
    CancelledError
        ``cancel`` was set; the chunks not yet run are cancelled and nothing is returned.
    """
    token = cancel or CancelToken()
    report = progress or (lambda _p: None)
    if chunk_size is None:
        workers = len(client.scheduler_info()["workers"]) if client is not None else 1
        chunk_size = max(1, min(DEFAULT_CHUNK, -(-len(accounts) // (4 * max(workers, 1)))))
    chunks = chunked(accounts, chunk_size)
    done: dict[int, list[AccountResult]] = {}
    counts = {"done": 0, "failed": 0}

    def finished(index: int, results: list[AccountResult]) -> None:
        done[index] = results
        counts["done"] += len(results)
        counts["failed"] += sum(1 for r in results if r.error)
        report(BookProgress(counts["done"], counts["failed"], len(accounts)))

    report(BookProgress(0, 0, len(accounts)))
    if client is None:
        for index, chunk in enumerate(chunks):
            token.raise_if_cancelled()
            finished(index, check_chunk(chunk, targets))
    else:
        _run_on(client, chunks, targets, token, finished)
    token.raise_if_cancelled()
    return tuple(r for index in range(len(chunks)) for r in done[index])


def _run_on(
    client: Any,
    chunks: list[list[BookAccount]],
    targets: dict[str, ProfileTargets],
    token: CancelToken,
    finished: Callable[[int, list[AccountResult]], None],
) -> None:
    from distributed import as_completed

    shared = client.scatter(targets, broadcast=True, hash=False)
    futures = [client.submit(check_chunk, chunk, shared, pure=False) for chunk in chunks]
    index_of = {f.key: i for i, f in enumerate(futures)}
    try:
        for future in as_completed(futures):
            token.raise_if_cancelled()
            index = index_of[future.key]
            try:
                results = future.result()
            except Exception as exc:  # a lost worker or a bug in one chunk: the rest go on
                results = _failed_chunk(chunks[index], exc)
            finished(index, results)
    finally:  # cancelled, Ctrl+C or an error: stop the chunks still queued
        pending = [f for f in futures if not f.done()]
        if pending:
            client.cancel(pending)


@contextlib.contextmanager
def local_cluster(workers: int | None = None) -> Iterator[Any]:
    """A Dask ``Client`` on a ``LocalCluster`` started in this process: ``workers`` processes
    (default: one per core), one thread each (the trade solver is single-threaded), no
    dashboard. Closed on exit."""
    import os

    from distributed import Client, LocalCluster

    count = workers if workers is not None else (os.cpu_count() or 1)
    with (
        LocalCluster(
            n_workers=count, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


@contextlib.contextmanager
def connect(address: str, *, timeout: float = 30.0) -> Iterator[Any]:
    """A Dask ``Client`` of the existing scheduler at ``address`` (``tcp://HOST:8786``).

    Raises
    ------
    DataError
        The scheduler cannot be reached or has no workers within ``timeout`` seconds.
    """
    from distributed import Client

    from core.errors import DataError

    try:
        client = Client(address, timeout=timeout)
    except OSError as exc:
        raise DataError(
            f"No Dask scheduler answers at {address} ({exc}): start one with `dask scheduler` "
            "and check the address."
        ) from None
    try:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise DataError(
                f"The Dask scheduler at {address} has no workers: start some with "
                f"`dask worker {address}`."
            ) from None
        yield client
    finally:
        client.close()
