"""Asset-class risk parity against risk contributions computed by hand from the covariance, and
why ETF risk parity holds no Treasuries on the default data."""

from __future__ import annotations

import numpy as np
import pytest

from core.optimize.class_risk_parity import asset_class_risk_parity
from core.pipeline import load_default_dataset, run_analysis
from core.policy.constraints import ConstraintSet, LinearRow
from core.policy.profile_io import bundled_profiles
from core.universe import Asset, Universe

CLASSES = ("Stocks", "Bonds", "Real assets")
TICKERS = ("S1", "S2", "B1", "B2", "R1", "R2")


def _universe() -> Universe:
    classes = ("Stocks", "Stocks", "Bonds", "Bonds", "Real assets", "Real assets")
    return Universe(
        tuple(Asset(t, c) for t, c in zip(TICKERS, classes, strict=True)),
        asset_classes=CLASSES,
        cash_ticker=None,
    )


def _covariance() -> np.ndarray:
    vols = np.array([0.18, 0.22, 0.05, 0.08, 0.15, 0.20])
    corr = np.array(
        [
            [1.0, 0.8, -0.1, 0.1, 0.4, 0.3],
            [0.8, 1.0, -0.2, 0.0, 0.3, 0.4],
            [-0.1, -0.2, 1.0, 0.6, 0.0, 0.1],
            [0.1, 0.0, 0.6, 1.0, 0.1, 0.0],
            [0.4, 0.3, 0.0, 0.1, 1.0, 0.5],
            [0.3, 0.4, 0.1, 0.0, 0.5, 1.0],
        ]
    )
    return corr * np.outer(vols, vols)


def _constraints(class_ranges: dict[str, tuple[float, float]]) -> ConstraintSet:
    rows = tuple(
        LinearRow(f"{c} allocation", "asset_class", tuple(TICKERS[2 * k : 2 * k + 2]), lo, hi)
        for k, (c, (lo, hi)) in enumerate(class_ranges.items())
    )
    a = np.zeros((len(rows), 6))
    for k in range(len(rows)):
        a[k, 2 * k : 2 * k + 2] = 1.0
    return ConstraintSet(
        tickers=TICKERS,
        lower=np.zeros(6),
        upper=np.ones(6),
        A=a,
        row_lower=np.array([r.lower for r in rows]),
        row_upper=np.array([r.upper for r in rows]),
        rows=rows,
        upper_source=("",) * 6,
    )


def _by_hand(w: np.ndarray, cov: np.ndarray, groups: list[list[int]]) -> np.ndarray:
    """Each group's share of the variance: sum over i in the group, over every j, of
    w_i S_ij w_j, divided by the double sum over all i, j (plain loops, no matrix algebra)."""
    n = len(w)
    total = sum(w[i] * cov[i, j] * w[j] for i in range(n) for j in range(n))
    return np.array(
        [sum(w[i] * cov[i, j] * w[j] for i in g for j in range(n)) / total for g in groups]
    )


GROUPS = [[0, 1], [2, 3], [4, 5]]


def test_wide_ranges_give_equal_risk_per_class_and_per_etf_within_each_class():
    cov = _covariance()
    cs = _constraints({c: (0.0, 1.0) for c in CLASSES})
    w, note = asset_class_risk_parity(cov, cs, _universe())
    assert w.sum() == pytest.approx(1.0) and np.all(w > 0)
    np.testing.assert_allclose(_by_hand(w, cov, GROUPS), 1 / 3, atol=1e-10)
    # within each class, its ETFs carry equal risk on the class's own covariance block
    for g in GROUPS:
        block = cov[np.ix_(g, g)]
        inner = w[g] * (block @ w[g])
        assert inner[0] == pytest.approx(inner[1], rel=1e-9)
    assert "Held at a policy bound" not in note


def test_a_binding_floor_holds_its_class_and_balances_the_others():
    cov = _covariance()
    cs = _constraints({"Stocks": (0.6, 1.0), "Bonds": (0.0, 1.0), "Real assets": (0.0, 1.0)})
    w, note = asset_class_risk_parity(cov, cs, _universe())
    assert cs.max_violation(w) < 1e-9
    assert w[:2].sum() == pytest.approx(0.6, abs=1e-10)
    shares = _by_hand(w, cov, GROUPS)
    assert shares[1] == pytest.approx(shares[2], rel=1e-9)  # the free classes
    assert shares[0] > shares[1]  # the floor holds stocks above their equal share
    assert "Stocks at its minimum" in note


def test_default_data_asset_class_parity_holds_treasuries_and_every_limit():
    dataset = load_default_dataset()
    result = run_analysis(bundled_profiles()["Balanced Growth"], dataset)
    cand = result.candidate("Asset-Class Risk Parity")
    w = cand.weights
    assert w["TLT"] > 0.005 and w["SHY"] > 0.005
    assert result.constraints.max_violation(w.to_numpy()) < 1e-9
    universe, cov = result.universe, result.inputs.covariance
    groups = [
        [universe.index(t) for t in universe.class_members(c)] for c in universe.asset_classes
    ]
    shares = dict(zip(universe.asset_classes, _by_hand(w.to_numpy(), cov, groups), strict=True))
    assert cand.class_weights["Equity"] == pytest.approx(0.45)  # the equity floor binds
    assert shares["Fixed Income"] == pytest.approx(shares["Alternatives"], rel=1e-8)
    assert "Equity at its minimum" in cand.notes[0]


def test_etf_risk_parity_leaves_treasuries_out_because_their_low_risk_raises_the_others():
    """The stated reason, checked: moving weight from HYG to TLT lowers the portfolio's variance
    but worsens the ETF risk parity objective (the equities' shares, above 1/n, grow)."""
    result = run_analysis(bundled_profiles()["Balanced Growth"], load_default_dataset())
    cand = result.candidate("ETF Risk Parity")
    w = cand.weights.to_numpy()
    tickers = list(result.universe.tickers)
    assert w[tickers.index("TLT")] < 1e-6 and w[tickers.index("SHY")] < 1e-6
    assert any("TLT, SHY held at 0%" in note for note in cand.notes)
    cov, n = result.inputs.covariance, len(w)

    def objective(x: np.ndarray) -> float:
        share = x * (cov @ x) / (x @ cov @ x)
        return float(np.sum((share - 1 / n) ** 2))

    moved = w.copy()
    moved[tickers.index("HYG")] -= 0.02
    moved[tickers.index("TLT")] += 0.02
    assert result.constraints.max_violation(moved) < 1e-9
    assert moved @ cov @ moved < w @ cov @ w
    assert objective(moved) > objective(w)
    equity = [tickers.index(t) for t in result.universe.class_members("Equity")]
    share = lambda x: (x * (cov @ x) / (x @ cov @ x))[equity].sum()  # noqa: E731
    assert share(moved) > share(w)
