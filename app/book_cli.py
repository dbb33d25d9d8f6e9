"""``python -m app book BOOK --out DIR [--scheduler tcp://HOST:8786 | --workers N | --in-process]``:
the firm's book checked and rebalanced, on Dask.

By default a Dask ``LocalCluster`` of worker processes (one per core) is started in this process
and closed at the end; ``--scheduler`` sends the same chunks to an existing ``dask.distributed``
cluster; ``--in-process`` runs without Dask (one process, the reference the engines are tested
against). The analysis runs once per profile here; the accounts go to the workers in chunks
(:mod:`core.book.engine`). A progress bar shows accounts done, failed and remaining. Ctrl+C
cancels the chunks still queued and writes nothing; files are published all at once at the end
(:mod:`core.book.files`). Importing this module loads no Qt.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from core import DISCLAIMER
from core.errors import IPSStudioError

if TYPE_CHECKING:
    from core.book.engine import BookProgress


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app book",
        description="Check every account of a book against its IPS and drift bands and propose "
        "whole-share trades (the Rebalancing tab's program), on Dask. " + DISCLAIMER,
    )
    parser.add_argument(
        "book",
        type=Path,
        help="the book: a CSV or XLSX file, or a folder with accounts.csv and holdings.csv",
    )
    parser.add_argument(
        "--out", required=True, type=Path, help="folder to write the book's files into"
    )
    engine = parser.add_mutually_exclusive_group()
    engine.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="an existing Dask scheduler, e.g. tcp://HOST:8786 (default: a local cluster started here)",
    )
    engine.add_argument(
        "--in-process", action="store_true", help="run in this process without Dask"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes of the local cluster (default: one per core)",
    )
    parser.add_argument(
        "--chunk-size",
        type=int,
        default=None,
        metavar="ACCOUNTS",
        help="accounts per task (default 50)",
    )
    parser.add_argument(
        "--returns",
        type=Path,
        default=None,
        help="CSV of monthly returns or prices (default: the synthetic data)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress line")
    return parser


class ProgressBar:
    """The book's progress on ``stream``: a bar, the share done, and accounts done, failed and
    remaining. On a terminal it is redrawn in place after every chunk; on a pipe or a log file
    it is one line per tenth of the book (and the last), so a log stays readable."""

    WIDTH = 24

    def __init__(self, stream: TextIO, *, quiet: bool = False) -> None:
        self._stream = stream
        self._quiet = quiet
        self._live = bool(getattr(stream, "isatty", lambda: False)())
        self._shown = -1  # the last tenth written; -1 before the first

    @classmethod
    def line(cls, progress: BookProgress) -> str:
        """``[#####-------]  42% 4,200 of 10,000 accounts done, 3 failed, 5,800 remaining``."""
        share = progress.done / progress.total if progress.total else 1.0
        filled = int(share * cls.WIDTH + 1e-9)
        bar = "#" * filled + "-" * (cls.WIDTH - filled)
        return f"[{bar}] {share:4.0%} {progress}"

    def __call__(self, progress: BookProgress) -> None:
        if self._quiet:
            return
        tenth = 10 * progress.done // progress.total if progress.total else 10
        if self._live:
            print(f"\r{self.line(progress)}", end="", file=self._stream, flush=True)
        elif tenth > self._shown:
            print(self.line(progress), file=self._stream, flush=True)
        self._shown = max(self._shown, tenth)

    def close(self) -> None:
        """End the redrawn line (terminal only)."""
        if self._live and self._shown >= 0:
            print(file=self._stream)
            self._shown = -1


@contextlib.contextmanager
def _engine(args: argparse.Namespace) -> Iterator[tuple[Any, str]]:
    from core.book.engine import connect, local_cluster

    if args.in_process:
        yield None, "in-process"
    elif args.scheduler:
        with connect(args.scheduler) as client:
            yield (
                client,
                f"dask scheduler {args.scheduler} ({len(client.scheduler_info()['workers'])} workers)",
            )
    else:
        with local_cluster(args.workers) as client:
            yield (
                client,
                f"dask LocalCluster ({len(client.scheduler_info()['workers'])} worker processes)",
            )


def main(argv: Sequence[str]) -> int:
    """Run the book command (``argv`` without the word ``book``); exit status 0, 1 on an input
    error, 130 when stopped with Ctrl+C."""
    args = build_parser().parse_args(list(argv))
    if args.workers is not None and args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    from core.book.check import profile_targets
    from core.book.engine import run_book
    from core.book.files import publish_book
    from core.book.loader import load_book
    from core.jobs import CancelledError
    from core.pipeline import load_default_dataset
    from core.universe import default_universe

    show = ProgressBar(sys.stderr, quiet=args.quiet)

    try:
        universe = default_universe()
        if args.returns is not None:
            from core.data.importer import load_returns_file

            dataset = load_returns_file(args.returns, universe)
        else:
            dataset = load_default_dataset()
        book = load_book(args.book, universe=universe, prices=dataset.prices)
        for account_id, problems in book.skipped:
            print(f"skipped {account_id}: " + "; ".join(str(p) for p in problems), file=sys.stderr)
        targets = {
            key: profile_targets(key, p, dataset, universe) for key, p in book.profiles.items()
        }
        started = time.perf_counter()
        with _engine(args) as (client, engine):
            print(f"{len(book.accounts):,} accounts on {engine}", file=sys.stderr)
            results = run_book(
                book.accounts,
                targets,
                client=client,
                chunk_size=args.chunk_size,
                progress=show,
            )
        seconds = time.perf_counter() - started
        show.close()
        run = {
            "engine": engine,
            "seconds": round(seconds, 2),
            "data_mode": dataset.provenance.mode.value,
        }
        published = publish_book(args.out, book, results, targets, run=run)
    except KeyboardInterrupt:
        print("\nstopped: nothing was written", file=sys.stderr)
        return 130
    except CancelledError:
        print("\nstopped: nothing was written", file=sys.stderr)
        return 130
    except IPSStudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    failed = sum(1 for r in results if r.error)
    outside = sum(1 for r in results if not (r.in_ips and r.in_bands))
    print(
        f"{len(results):,} accounts checked in {seconds:.1f} s ({len(book.skipped)} skipped, {failed} failed, "
        f"{outside} outside their IPS or bands); wrote {', '.join(p.name for p in published)} to {args.out}"
    )
    return 0
