"""Stationary block bootstrap (Politis and Romano, 1994), vectorised.

A resampled path is a sequence of blocks of consecutive historical months. Each month, with
probability ``1 / expected_block_length`` a new block starts at a uniformly drawn month;
otherwise the path continues with the next historical month, wrapping circularly from the last
month to the first. Block lengths are therefore geometric with the stated mean, which keeps the
resampled series stationary and preserves short-range dependence (autocorrelation, volatility
clustering) and the cross-section of each month (all ETFs move together).
"""

from __future__ import annotations

import numpy as np

from core.errors import DataError


def stationary_bootstrap_indices(
    n_observations: int,
    n_paths: int,
    n_months: int,
    expected_block_length: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Row indices into a history of ``n_observations`` months, shape ``(n_paths, n_months)``.

    All random draws are made at once (a block-start flag for every cell, a start month for
    every block); each cell's index is its block's start plus its offset in the block, modulo
    the history length. Rows are laid end to end and the first cell of each row always starts a
    block, so no block crosses paths. No Python loop over paths or months.

    Parameters
    ----------
    n_observations : months of history (T >= 2).
    n_paths, n_months : shape of the result.
    expected_block_length : mean block length in months (>= 1; 1 is the i.i.d. bootstrap).
    rng : the seeded generator (the caller owns reproducibility).
    """
    if n_observations < 2:
        raise DataError("The bootstrap needs at least 2 months of history.")
    if not np.isfinite(expected_block_length) or expected_block_length < 1:
        raise DataError(
            f"Expected block length is {expected_block_length!r} months; it must be at least 1."
        )
    if n_paths < 1 or n_months < 1:
        raise DataError("The bootstrap needs at least one path and one month.")
    # float32 uniforms halve the cost of the largest draw; 2**-24 resolution is ample for a
    # block-start probability. Indices are int32 (any history of under 2**31 months).
    new_block = rng.random((n_paths, n_months), dtype=np.float32) < 1.0 / expected_block_length
    new_block[:, 0] = True
    flat = new_block.ravel()
    block_positions = np.flatnonzero(flat)  # flat cell where each block begins
    block_starts = rng.integers(0, n_observations, size=len(block_positions))
    block_of_cell = np.cumsum(flat, dtype=np.intp) - 1
    # cell index = block's start month + (cell - block's first cell), wrapped circularly
    shift = (block_starts - block_positions).astype(np.int64) % n_observations
    cells = np.arange(flat.size, dtype=np.int64) % n_observations
    index = shift[block_of_cell] + cells
    index[index >= n_observations] -= n_observations
    return index.astype(np.int32).reshape(n_paths, n_months)
