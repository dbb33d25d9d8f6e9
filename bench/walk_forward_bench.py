"""Walk-forward speed (issue 16): every rule on the 15-year default data, target < 2 s.

    OMP_NUM_THREADS=1 /work/venv/bin/python -m bench.walk_forward_bench [--repeat 5]

Measures :func:`core.backtest.walk_forward.walk_forward` (every candidate rule, the IPS
selection rule and the benchmark; quarterly decisions on an expanding window from 60 months) on
the bundled synthetic data set for each bundled profile, and, as the baseline, the obvious
implementation: the whole analysis (:func:`core.pipeline.run_analysis`, which also measures
every candidate's full metrics) re-run on each window. Prints medians of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time


def main() -> None:
    from core.backtest.walk_forward import WalkForwardSettings, decision_rows, walk_forward
    from core.pipeline import load_default_dataset, run_analysis
    from core.policy.profile_io import bundled_profiles

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    dataset = load_default_dataset()
    print(f"data: {dataset.returns.shape[0]} months x {dataset.returns.shape[1]} ETFs")
    for name, profile in bundled_profiles().items():
        result = run_analysis(profile, dataset)
        walk_forward(result)  # warm imports
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            wf = walk_forward(result)
            times.append(time.perf_counter() - start)
        rows = decision_rows(dataset.returns.index, WalkForwardSettings())
        start = time.perf_counter()
        for d in rows:
            window = dataclasses.replace(
                dataset,
                returns=dataset.returns.iloc[:d],
                risk_free=None if dataset.risk_free is None else dataset.risk_free.iloc[:d],
            )
            run_analysis(profile, window)
        baseline = time.perf_counter() - start
        ours = statistics.median(times)
        print(
            f"{name}: {len(wf.rules)} rules x {wf.decisions} decisions: {ours:.2f} s "
            f"(min {min(times):.2f}); run_analysis per window: {baseline:.2f} s "
            f"({baseline / ours:.1f}x)"
        )


if __name__ == "__main__":
    main()
