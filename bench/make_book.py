"""Seeded random books of accounts for the book pass (tests and benchmarks).

``python -m bench.make_book OUT --accounts 10000 [--seed 7] [--drift 0.15]`` writes a book
folder (``accounts.csv`` + ``holdings.csv``; see :mod:`core.book.loader`).

What is realistic about them: account values are log-uniform from $100k to $5M; each account
follows one of the bundled profiles (in the firm's proportions :data:`PROFILE_MIX`) and holds
that profile's recommended ETFs at weights scattered around the targets (each weight times a
log-normal factor of volatility ``drift``, then renormalised), in whole shares at the data
set's prices, with 0.2-2% cash; 30% of the accounts trade to the band edge, the others to
target, at 5 bps, some with a 1% cash buffer or a contribution or withdrawal of up to 5%.
``drift=0`` with ``whole_shares=False`` gives accounts exactly at their targets (fractional
shares, no cash): every one inside its IPS and bands, the clean background of a test book.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

PROFILE_MIX = {
    "Capital Preservation": 0.25,
    "Balanced Growth": 0.5,
    "Long-Term Endowment Growth": 0.25,
}


def book_targets() -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """``({profile: {ticker: target}}, {ticker: price})`` on the bundled synthetic data."""
    from core.book.check import profile_targets
    from core.pipeline import load_default_dataset
    from core.policy.profile_io import bundled_profiles
    from core.universe import default_universe

    dataset, universe = load_default_dataset(), default_universe()
    profiles = bundled_profiles()
    targets = {
        name: profile_targets(name, profiles[name], dataset, universe).targets.to_dict()
        for name in PROFILE_MIX
    }
    assert dataset.prices is not None
    return targets, dataset.prices.as_dict()


def make_book(
    folder: str | Path,
    accounts: int,
    *,
    seed: int = 7,
    drift: float = 0.15,
    whole_shares: bool = True,
    varied_settings: bool = True,
) -> Path:
    """Write a book of ``accounts`` accounts into ``folder`` (module docstring); returns it."""
    rng = np.random.default_rng(seed)
    targets, prices = book_targets()
    names = list(PROFILE_MIX)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    with (
        (out / "accounts.csv").open("w", newline="") as a,
        (out / "holdings.csv").open("w", newline="") as h,
    ):
        account_rows, holding_rows = csv.writer(a), csv.writer(h)
        account_rows.writerow(
            [
                "account_id",
                "account_name",
                "household",
                "profile",
                "method",
                "cost_bps",
                "cash_buffer",
                "contribution",
            ]
        )
        holding_rows.writerow(["account_id", "ticker", "shares", "price", "cost_basis"])
        for k in range(accounts):
            account_id = f"A{k + 1:06d}"
            profile = names[rng.choice(len(names), p=list(PROFILE_MIX.values()))]
            value = float(10 ** rng.uniform(5.0, np.log10(5e6)))
            goal = targets[profile]
            tickers = [t for t, w in goal.items() if w > 0]
            weights = np.array([goal[t] for t in tickers]) * np.exp(
                drift * rng.standard_normal(len(tickers))
            )
            weights /= weights.sum()
            cash_share = float(rng.uniform(0.002, 0.02)) if whole_shares else 0.0
            invested = value * (1 - cash_share)
            method = "to_band_edge" if varied_settings and rng.random() < 0.3 else "to_target"
            buffer = "1%" if varied_settings and rng.random() < 0.2 else ""
            flow = (
                f"{value * rng.uniform(-0.05, 0.05):.2f}"
                if varied_settings and rng.random() < 0.1
                else ""
            )
            account_rows.writerow(
                [
                    account_id,
                    f"Client {k + 1}",
                    f"H{k // 3 + 1:05d}",
                    profile,
                    method,
                    5,
                    buffer,
                    flow,
                ]
            )
            spent = 0.0
            for ticker, weight in zip(tickers, weights, strict=True):
                shares = invested * weight / prices[ticker]
                shares = float(np.floor(shares)) if whole_shares else shares
                spent += shares * prices[ticker]
                basis = shares * prices[ticker] * rng.uniform(0.6, 1.2)
                holding_rows.writerow([account_id, ticker, f"{shares:.10g}", "", f"{basis:.2f}"])
            cash = value - spent if whole_shares else 0.0
            if cash > 0:
                holding_rows.writerow([account_id, "CASH", f"{cash:.2f}", "", ""])
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--drift", type=float, default=0.15)
    args = parser.parse_args(argv)
    make_book(args.out, args.accounts, seed=args.seed, drift=args.drift)
    print(f"wrote a book of {args.accounts:,} accounts to {args.out}")


if __name__ == "__main__":
    main()
