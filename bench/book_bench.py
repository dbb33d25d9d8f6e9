"""Book throughput: the same random book on a LocalCluster of 1 and of 2 workers, in one run,
and the per-account cost of the trade solve.

``python -m bench.book_bench [--accounts 60] [--seed 5]``; prints a Markdown block for
``bench/RESULTS.md`` with the machine's load average.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=60)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--sample", type=int, default=100, help="accounts timed in process")
    args = parser.parse_args(argv)
    from bench.make_book import make_book
    from core.book.check import check_account, profile_targets
    from core.book.engine import local_cluster, run_book
    from core.book.loader import load_book
    from core.pipeline import load_default_dataset
    from core.universe import default_universe

    dataset, universe = load_default_dataset(), default_universe()
    with tempfile.TemporaryDirectory() as tmp:
        book = load_book(
            make_book(Path(tmp) / "b", args.accounts, seed=args.seed),
            universe=universe,
            prices=dataset.prices,
        )
    targets = {k: profile_targets(k, p, dataset, universe) for k, p in book.profiles.items()}
    load_before = os.getloadavg()
    sample = book.accounts[: min(args.sample, len(book.accounts))]
    per_account, solves = [], []
    import core.rebalance.trades as trades_module

    solve = trades_module.solve_trades

    def timed_solve(model, *, whole_shares, continuous=None):  # the whole-share solve alone
        started = time.perf_counter()
        found = solve(model, whole_shares=whole_shares, continuous=continuous)
        if whole_shares:
            solves.append(time.perf_counter() - started)
        return found

    trades_module.solve_trades = timed_solve
    try:
        for account in sample:
            started = time.perf_counter()
            check_account(account, targets[account.profile])
            per_account.append(time.perf_counter() - started)
    finally:
        trades_module.solve_trades = solve
    rates = {}
    for workers in (1, 2):
        with local_cluster(workers) as client:
            started = time.perf_counter()
            run_book(book.accounts, targets, client=client)
            rates[workers] = len(book.accounts) / (time.perf_counter() - started)
    load_after = os.getloadavg()
    print(
        f"accounts: {len(book.accounts)} (seed {args.seed}); load average before {load_before[0]:.2f}, after {load_after[0]:.2f}"
    )
    for label, times in (
        ("one account in process (valuation, compliance, drift, trades)", per_account),
        ("whole-share trade solve (solve_trades, whole shares)", solves),
    ):
        ms = np.array(times) * 1000
        print(
            f"{label}: median {np.median(ms):.1f} ms, mean {ms.mean():.1f} ms, "
            f"p90 {np.percentile(ms, 90):.1f} ms ({len(sample)} accounts)"
        )
    for workers, rate in rates.items():
        print(f"LocalCluster, {workers} worker(s): {rate:.2f} accounts/s")
    print(f"speed-up 2 vs 1 workers: {rates[2] / rates[1]:.2f}x")
    print(
        f"10,000 accounts at the 2-worker rate: {10_000 / rates[2] / 60:.1f} min (extrapolated; "
        "a book under ~1,000 accounts is dominated by each worker's first imports and the targets sent to it)"
    )


if __name__ == "__main__":
    main()
