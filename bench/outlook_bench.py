"""Outlook simulation speed (issue 17): ours beside a straightforward NumPy loop, same run.

    OMP_NUM_THREADS=1 /work/venv/bin/python -m bench.outlook_bench [--paths 10000] [--years 30]

Measures, on the bundled data set (14 ETFs): one portfolio (target < 1 s), all portfolios of the
Outlook tab (recommended, every candidate, the benchmark; target < 3 s), and the baseline: the
stationary bootstrap written path by path (a Python loop over paths, a while loop over blocks,
NumPy inside) with the same monthly rebalancing, for the one portfolio. Prints medians of
``--repeat`` runs and the ratios.

Peer: ``arch`` (Kevin Sheppard's ``arch.bootstrap.StationaryBootstrap``), when importable. It
resamples a series to the sample's own length, so a 360-month path is made of consecutive
180-month resamples of its index generator (``update_indices``, the same Politis-Romano scheme),
then the same monthly-rebalanced wealth, drawdown and fan figures in NumPy. It is the project's
``bench`` extra (``pip install -e ".[bench]"``); the app and the tests never import it.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def baseline(
    values: np.ndarray, weights: np.ndarray, paths: int, months: int, block: float
) -> np.ndarray:
    """Path by path: draw blocks until the path is full, rebalance monthly, pay 5% of assets a
    year monthly, track the drawdown; then the fan percentiles (the same figures as ours)."""
    rng = np.random.default_rng(0)
    n = len(values)
    wealth = np.empty((paths, months))
    drawdown = np.empty(paths)
    for p in range(paths):
        rows: list[int] = []
        while len(rows) < months:
            start = int(rng.integers(n))
            length = int(rng.geometric(1.0 / block))
            rows.extend((start + k) % n for k in range(length))
        growth = np.cumprod(1.0 + values[rows[:months]] @ weights)
        wealth[p] = growth * (1.0 - 0.05 / 12) ** np.arange(1, months + 1)
        drawdown[p] = np.max(1.0 - growth / np.maximum(np.maximum.accumulate(growth), 1.0))
    np.percentile(wealth, [5, 25, 50, 75, 95], axis=0)
    return wealth[:, -1]


def peer_arch(
    values: np.ndarray, weights: np.ndarray, paths: int, months: int, block: float
) -> np.ndarray | None:
    """The arch package's stationary bootstrap indices, then our arithmetic; None without arch."""
    try:
        from arch.bootstrap import StationaryBootstrap
    except ImportError:
        return None
    n = len(values)
    boot = StationaryBootstrap(block, values, seed=0)
    pieces = -(-months // n)
    indices = np.empty((paths, pieces * n), dtype=np.int64)
    for p in range(paths):
        for k in range(pieces):
            indices[p, k * n : (k + 1) * n] = boot.update_indices()
    growth = np.cumprod(1.0 + (values @ weights)[indices[:, :months]], axis=1)
    wealth = growth * (1.0 - 0.05 / 12) ** np.arange(1, months + 1)
    np.max(1.0 - growth / np.maximum(np.maximum.accumulate(growth, axis=1), 1.0), axis=1)
    np.percentile(wealth, [5, 25, 50, 75, 95], axis=0)
    return wealth[:, -1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--years", type=float, default=30.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from core.outlook.simulation import CashFlowKind, CashFlows, SimulationSettings, simulate
    from core.pipeline import load_default_dataset, run_analysis
    from core.policy.profile_io import bundled_profiles

    profile = bundled_profiles()["Long-Term Endowment Growth"]
    result = run_analysis(profile, load_default_dataset())
    history = result.dataset.returns
    settings = SimulationSettings(paths=args.paths, horizon_years=args.years)
    flows = CashFlows(CashFlowKind.PERCENT, 0.05)
    one = {result.recommended_name: result.recommended.weights}
    every = {c.name: c.weights for c in result.candidates}
    every["Benchmark"] = result.benchmark_weights

    def timed(fn) -> float:  # type: ignore[no-untyped-def]
        runs = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - start)
        return statistics.median(runs)

    ours_one = timed(lambda: simulate(history, one, settings, flows))
    ours_all = timed(lambda: simulate(history, every, settings, flows))
    w = result.recommended.weights.reindex(history.columns).to_numpy()
    loop = timed(
        lambda: baseline(history.to_numpy(), w, args.paths, settings.months, settings.block_length)
    )
    peer = None
    try:
        import arch

        peer = timed(
            lambda: peer_arch(
                history.to_numpy(), w, args.paths, settings.months, settings.block_length
            )
        )
        peer_name = f"arch {arch.__version__} StationaryBootstrap"
    except ImportError:
        peer_name = "arch (not installed)"
    print(f"{history.shape[1]} ETFs, {history.shape[0]} months of history; {settings.describe()}")
    print(f"ours, one portfolio:            {ours_one:.3f} s (target < 1 s)")
    print(f"ours, {len(every)} portfolios:           {ours_all:.3f} s (target < 3 s)")
    print(f"NumPy loop, one portfolio:       {loop:.3f} s (same figures)")
    print(f"ratio loop / ours (one portfolio): {loop / ours_one:.1f}x")
    if peer is None:
        print(f"peer: {peer_name}")
    else:
        print(f"{peer_name}, one portfolio: {peer:.3f} s")
        print(f"ratio peer / ours (one portfolio): {peer / ours_one:.1f}x")


if __name__ == "__main__":
    main()
